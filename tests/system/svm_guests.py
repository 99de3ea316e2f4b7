"""Guests under the AMD SVM backend (QEMU TCG emulates SVM with NPT, UEFI path)."""
from harness import Scenario, QEMU_PASS_STATUS
from guest_scenarios import FORBID, scenarios


class SvmScenario(Scenario):
    emulator = "qemu"
    qemu_smp = 4
    cmdline = "test-exit isolation-check"
    timeout = 120
    expect_status = QEMU_PASS_STATUS
    forbid = FORBID + (r"svm: .*mismatch", r"VMEXIT_INVALID")


SHARED, Exits = scenarios("svm", "uefi-svm-", SvmScenario, r"shoji \S+: boot=uefi")
SHARED[0].expect += (r"svm: revision \d+, \d+ ASIDs, NPT used", r"svm: NRIP-save \S+")


class NoAssists(Exits):
    """The decoding fallback forced on: lengths and MOV CR operands from guest memory."""
    cmdline = "test-exit isolation-check svm-no-assists"
    expect = (
        r"svm: revision \d+, \d+ ASIDs, NPT used",
        r"svm: svm-no-assists: instruction lengths and MOV CR operands decoded from guest memory",
        r"svm: instruction lengths from decoding guest memory, MOV CR operands from decoding",
    ) + Exits.expect


SCENARIOS = SHARED + [NoAssists("uefi-svm-no-assists")]
