"""The counter guest (tests/guests/counter.c) alone, no redundancy: its stream is whole.

ELF guests get no command line, so the guest runs until the console stops it; the script
waits for line LINES and stops it there, which also ends the boot (test-exit)."""
from harness import Scenario, QEMU_PASS_STATUS, guest
from counter_check import FNV64_OFFSET_BASIS, counter_line, counter_mix, counter_progress

LINES = 200


class Counter(Scenario):
    """The counter guest prints LINES lines and more, each one after the other with the
    right sum, its data pages intact, until the console stops it."""
    qemu_smp = 2
    bochs_cpus = 1
    timeout = 300
    guests = (guest("counter"),)
    script = "waitfor counter seq %d sum\nstop counter\n" % LINES
    expect = (r"\[counter\] counter: 64 data pages, \d+ pauses between lines",
              r"\[counter\] " + counter_line(1, counter_mix(FNV64_OFFSET_BASIS, 1)),
              r"\[counter\] seq %d sum [0-9a-f]{16}" % LINES,
              r"shell> stop counter",
              r"guest counter: exited: stopped from the console",
              r"guests: 1 ran \(1 exited, 0 stopped by the hypervisor\)")
    forbid = (r"PANIC", r"EXCEPTION", r"FAIL", r"waitfor counter: the guest ended")
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        failures, first, last = counter_progress(log, "counter")
        print("counter: %s: seq %s..%s" % (self.name, first, last))
        if last is not None and last < LINES:
            failures.append("the stream ended at seq %d, before seq %d" % (last, LINES))
        return failures


class BochsCounter(Counter):
    emulator = "bochs"
    expect_status = None  # Bochs' status says nothing (harness.run_bochs)


SCENARIOS = [Counter("uefi-counter"), BochsCounter("bochs-counter")]
