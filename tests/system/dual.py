"""Dual and TMR redundancy (kernel/ha/vote.h) with the counter guest (tests/guests/counter.c).

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
              # Its failed check is compared with the primary's line (its exit after it
              # is voted on too, but the check's line comes first).
              r"dual counter: divergence after line \d+: 'seq \d+ sum [0-9a-f]+' against "
              r"'counter: memory check FAILED at seq \d+'; counter-b resynchronised "
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
        rebuilds = re.findall(r"resumed as a copy of \S+, (\d+) us after the divergence", log)
        print("%s: seq %s..%s, %s lines agreed, rebuilt in %s us" % (
            self.name, first, last, agreed[-1] if agreed else "?", ", ".join(rebuilds)))
        if first != 1:
            failures.append("the stream did not start at seq 1")
        return failures


class BochsDual(Dual):
    emulator = "bochs"
    expect_status = None


class Tmr(Dual):
    """Three replicas and a majority vote: a bit flipped in the third replica's memory, then
    in the primary's; each is outvoted by the other two and rebuilt from a good one (the
    primary's role passing to a replica of the majority). Then a replica is failed and the
    other two carry on. The released stream stays whole throughout."""
    # Four emulated CPUs on the two host cores here: a replica may wait 200 ms for one.
    guests = (guest("counter", memory="2M", redundancy="tmr", cpus="1,2,3",
                    **{"watchdog-ms": "2000"}),)
    outvoted = (r"tmr counter: %s outvoted after line \d+: 'counter: memory check FAILED at seq "
                r"\d+' against 'seq \d+ sum [0-9a-f]+'; %s resynchronised from counter")
    expect = (r"tmr counter: replicas on CPU 1, CPU 2 and CPU 3, output compared line by line "
              r"\(majority vote\)",
              r"mgmt: guest counter-c: bit 0 of GPA 0x[0-9a-f]+ flipped",
              outvoted % ("counter-c", "counter-c"),
              r"tmr counter: counter-c resumed as a copy of counter",
              r"mgmt: guest counter: bit 0 of GPA 0x[0-9a-f]+ flipped",
              # The primary's role goes to counter-b, which takes the name; the old primary
              # is rebuilt as counter-b.
              outvoted % ("counter", "counter-b"),
              r"tmr counter: counter-b resumed as a copy of counter",
              r"tmr counter: counter-b cut off: failure injected from the console \(crash\); "
              r"2 replicas carry on",
              r"mgmt: guest counter: role=primary tmr lines-agreed=\d+ divergences=2 "
              r"resyncs=2 cut-offs=1",
              r"guest counter: exited: stopped from the console")
    forbid = Dual.forbid + (r"no replica is left",)

    @property
    def script(self):
        gpa = symbol(os.path.join(self.build, "guests", "counter.elf"), "data") + 5 * 4096 + 8
        return ("waitfor counter seq 40 sum\n"
                "flip counter-c 0x%x\n"
                "waitfor counter seq 150 sum\n"
                "flip counter 0x%x\n"
                # The primary runs up to VOTE_AHEAD_MAX (64) lines ahead of what is
                # released, so its page 5 check after the flip comes at seq 197 or 261.
                # Released seq 300 means both were voted on with three replicas, and the
                # rebuild is over: failing counter-b earlier could leave two voters on the
                # failed line, and with two the primary is trusted.
                "waitfor counter seq 300 sum\n"
                "fail counter-b crash\n"  # not the primary: the name stays where it is
                "waitfor counter seq 400 sum\n"
                "info counter\nstop counter\n" % (gpa, gpa))


class BochsTmr(Tmr):
    emulator = "bochs"
    expect_status = None


SCENARIOS = [Dual("uefi-dual"), BochsDual("bochs-dual"), Tmr("uefi-tmr"), BochsTmr("bochs-tmr")]
