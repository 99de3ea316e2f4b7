"""Dual redundancy (kernel/ha/dual.h) with the counter guest (tests/guests/counter.c).

Two replicas run side by side on pCPUs 1 and 2 and only lines both printed alike go out.
The script flips a bit in one of the second replica's data pages: within 64 lines its
own check of that page fails and its line differs from the primary's, so the pair reports
the divergence and copies the primary over it. Then the
primary is failed: the second replica is cut in as the survivor, under the guest's name.
Across both, the released stream must have no gap, no repeat and the right sums.
"""
import os
import re
import subprocess

from harness import Scenario, QEMU_PASS_STATUS, guest
from counter_check import counter_progress


def symbol(elf, name):
    """The address of a symbol of a test guest (nm), as the guest's GPA."""
    out = subprocess.run(["nm", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2] == name:
            return int(fields[0], 16)
    raise LookupError("%s: no symbol %s" % (elf, name))


class Dual(Scenario):
    qemu_smp = 4
    bochs_cpus = 4
    timeout = 600
    guests = (guest("counter", memory="2M", redundancy="dual", cpus="1,2",
                    **{"watchdog-ms": "200"}),)
    expect = (r"dual counter: replicas on CPU 1 and CPU 2, output compared line by line",
              r"mgmt: guest counter-b: bit 0 of GPA 0x[0-9a-f]+ flipped",
              # Its failed check is compared with the primary's line, or, if it exits
              # before the primary printed that line, its ending is the divergence.
              r"dual counter: (divergence after line \d+: 'seq \d+ sum [0-9a-f]+' against "
              r"'counter: memory check FAILED at seq \d+'|counter-b ended on its own "
              r"\(debug-exit port, code 3\) while its primary runs); counter-b resynchronised "
              r"from counter",
              r"dual counter: counter-b resumed as a copy of counter",
              r"dual counter: counter cut off: failure injected from the console \(crash\); "
              r"counter carries on alone",
              r"mgmt: guest counter: role=primary dual lines-agreed=\d+ divergences=1 "
              r"resyncs=1 cut-offs=1",
              r"guest counter: exited: stopped from the console")
    # The second replica's failed check is quoted in the divergence report, never released.
    forbid = (r"PANIC", r"EXCEPTION", r"\[counter\] .*FAILED", r"cannot be copied",
              r"shell: .*: ")
    expect_status = QEMU_PASS_STATUS

    @property
    def script(self):
        # A qword of the second replica's data page 5 (counter.c checks each page 64 lines
        # after it filled it): the guest never rewrites it before that check.
        gpa = symbol(os.path.join(self.build, "guests", "counter.elf"), "data") + 5 * 4096 + 8
        return ("waitfor counter seq 40 sum\n"
                "flip counter-b 0x%x\n"
                "waitfor counter seq 150 sum\n"
                "fail counter crash\n"
                "sleep 200\n"  # the cut-off: the survivor takes the name
                "waitfor counter seq 300 sum\n"
                "info counter\nstop counter\n" % gpa)

    def check(self, log):
        failures, first, last = counter_progress(log, "counter")
        agreed = re.findall(r"lines-agreed=(\d+)", log)
        print("dual: %s: seq %s..%s, %s lines agreed" % (
            self.name, first, last, agreed[-1] if agreed else "?"))
        if first != 1:
            failures.append("the stream did not start at seq 1")
        return failures


class BochsDual(Dual):
    emulator = "bochs"
    expect_status = None


SCENARIOS = [Dual("uefi-dual"), BochsDual("bochs-dual")]
