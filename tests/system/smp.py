"""Every CPU the MADT lists comes up and answers cross-calls (kernel/init/selftest.c, test-smp)."""
import re

from harness import Scenario, QEMU_PASS_STATUS


class SmpCrossCall(Scenario):
    cmdline = "test-exit test-smp"
    forbid = Scenario.forbid + (r"did not start", r"selftest: cross-call.*error",
                                r"did not answer")

    def check(self, log):
        online = {int(m) for m in re.findall(r"smp: CPU (\d+) \(APIC \d+\) online", log)}
        want = set(range(1, self.cpus))
        if online != want:
            return ["APs online %s, expected %s" % (sorted(online), sorted(want))]
        return []


class UefiSmp(SmpCrossCall):
    emulator = "qemu"
    qemu_smp = cpus = 4
    expect = (
        r"smp: 4 of 4 CPUs online",
        r"selftest: cross-call reached 3 other CPUs",
        r"selftest: single cross-calls ran on 4 of 4 CPUs",
        r"shoji: boot complete",
    )
    expect_status = QEMU_PASS_STATUS


class BochsSmp(SmpCrossCall):
    emulator = "bochs"
    bochs_cpus = cpus = 2
    expect = (
        r"smp: 2 of 2 CPUs online",
        r"selftest: cross-call reached 1 other CPUs",
        r"selftest: single cross-calls ran on 2 of 2 CPUs",
        r"shoji: boot complete",
        r"shoji: test-exit code=0x10",
    )


SCENARIOS = [UefiSmp("uefi-smp"), BochsSmp("bochs-smp")]
