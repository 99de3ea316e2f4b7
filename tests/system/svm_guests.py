"""Guests under the AMD SVM backend (QEMU TCG emulates SVM with NPT, UEFI path)."""
from harness import Scenario, QEMU_PASS_STATUS, guest


class SvmScenario(Scenario):
    emulator = "qemu"
    qemu_smp = 4
    cmdline = "test-exit isolation-check"
    timeout = 120
    expect_status = QEMU_PASS_STATUS
    forbid = (r"PANIC", r"EXCEPTION", r"isolation: .*CHANGED", r"FAIL",
              r"svm: .*mismatch", r"VMEXIT_INVALID")


class ThreeModes(SvmScenario):
    """hello64, hello32 and realmode in one boot: every entry mode, one guest after the other."""
    guests = (guest("hello64"), guest("hello32"),
              guest("realmode", "realmode.bin", mode="real", memory="1M"))
    expect = (
        r"shoji \S+: boot=uefi .* virt=svm",
        r"svm: revision \d+, \d+ ASIDs, NPT used",
        r"svm: NRIP-save \S+",
        r"\[hello64\] hello64: hello from 64-bit long mode",
        r"\[hello64\] hello64: PASS",
        r"guest hello64: exited: debug-exit port, code 0",
        r"\[hello32\] hello32: hello from 32-bit protected mode",
        r"\[hello32\] hello32: PASS",
        r"guest hello32: exited: debug-exit port, code 0",
        r"\[realmode\] realmode: hello from real mode",
        r"\[realmode\] realmode: PASS",
        r"guest realmode: exited: debug-exit port, code 0",
        r"guests: 3 ran \(3 exited, 0 stopped by the hypervisor\), 0 failed to start",
    )


EXITS_EXPECT = (
    r"\[exits\] exits: cpuid 0x40000000 signature ebx: ok",
    r"\[exits\] exits: cpuid 0x40000001 hypercall insn: ok",
    r"\[exits\] exits: cpuid 0x80000001 ecx svm hidden: ok",
    r"\[exits\] exits: rdmsr efer lme\+lma: ok",
    r"\[exits\] exits: fs_base read back: ok",
    r"\[exits\] exits: rdmsr unknown msr raises #GP: ok",
    r"\[exits\] exits: unclaimed port inl: ok",
    r"\[exits\] exits: cr0.mp toggled: ok",
    r"\[exits\] exits: cr4.osxmmexcpt toggled: ok",
    r"\[exits\] exits: hlt woken by the timer interrupt: ok",
    r"\[exits\] exits: timer interrupt vector: ok",
    r"\[exits\] exits: hc version: ok",
    r"\[exits\] exits: hc unknown enosys: ok",
    r"\[exits\] exits: mmio sib\+disp read all ones: ok",
    r"\[exits\] exits: PASS",
    r"guest exits: exited: debug-exit port, code 0",
    r"stats: exits cpuid count=\d+ cycles=\d+ avg=\d+",
    r"stats: exits mmio count=\d+",
    r"stats: exits unclaimed_io=[1-9]\d* unclaimed_mmio=[1-9]\d* msr_gp=[1-9]\d*",
)


class Exits(SvmScenario):
    """CPUID, MSRs, ports, CRs, HLT, hypercalls (VMMCALL) and unclaimed MMIO."""
    guests = (guest("exits"),)
    expect = EXITS_EXPECT


class NoAssists(SvmScenario):
    """The decoding fallback forced on: lengths and MOV CR operands from guest memory."""
    cmdline = "test-exit isolation-check svm-no-assists"
    guests = (guest("exits"),)
    expect = (
        r"svm: svm-no-assists: instruction lengths and MOV CR operands decoded from guest memory",
        r"svm: instruction lengths from decoding guest memory, MOV CR operands from decoding",
    ) + EXITS_EXPECT


class Escape(SvmScenario):
    """An escaping guest is contained and stopped; the hypervisor and the next guest are untouched."""
    guests = (guest("escape"), guest("hello64"))
    expect = (
        r"\[escape\] escape: gpa of the hypervisor's hpa is own ram: ok",
        r"\[escape\] escape: contained so far",
        r"\[escape\] escape: probing beyond RAM at 0x80000000",
        r"guest escape: stopped by the hypervisor: access to GPA 0x80000000 outside its memory",
        r"isolation: after guest escape: hypervisor image and 1 other guests' memory unchanged",
        r"\[hello64\] hello64: PASS",
        r"guests: 2 ran \(1 exited, 1 stopped by the hypervisor\)",
    )


class Crash(SvmScenario):
    """A triple fault (#VMEXIT SHUTDOWN, 0x7f) stops that guest only; the next guest still runs."""
    guests = (guest("crash"), guest("hello64"))
    expect = (
        r"\[crash\] crash: about to triple fault",
        r"guest crash: stopped by the hypervisor: triple fault \(exit reason 127\)",
        r"isolation: after guest crash: hypervisor image and 1 other guests' memory unchanged",
        r"\[hello64\] hello64: PASS",
    )


SCENARIOS = [ThreeModes("uefi-svm-three-modes"), Exits("uefi-svm-exits"),
             NoAssists("uefi-svm-no-assists"), Escape("uefi-svm-escape"),
             Crash("uefi-svm-crash")]
