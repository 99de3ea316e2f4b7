"""Duplex redundancy (kernel/ha/duplex.h) with the counter guest (tests/guests/counter.c).

Hot standby: FAILOVERS failures are injected into the primary at random points (a seeded
generator; the seed is printed, DUPLEX_SEED overrides it), most as crashes, some as hangs
the watchdog must notice, and one planned switch-over. Across all of them the guest's
released stream must have no gap and no repeat, its checksums must continue, and its
memory checks must hold (counter_check.py). Cold standby: a crash makes the standby boot
from the image on its own pCPU.
"""
import os
import random
import re

from harness import Scenario, QEMU_PASS_STATUS, guest
from counter_check import counter_progress, stream_failures

FAILOVERS = 100
SEED = int(os.environ.get("DUPLEX_SEED", "20261201"))


def failure_script(seed, count):
    """Console commands: wait for the stream, then `count` failures at random points. After
    each, the script waits for the next released line: the switch-over is done and the new
    active replica's first checkpoint committed, however slow the emulator is today (after a
    hang, once the watchdog's time has passed: the hung replica's last epoch may still be
    released; after a planned switch-over, likewise)."""
    rng = random.Random(seed)
    lines = ["waitfor counter seq 20 sum"]
    for i in range(count):
        lines.append("sleep %d" % rng.randint(40, 250))
        if i == count // 2:
            lines.append("failover counter")
            # The active replica runs on to its next checkpoint first, printing (released
            # lines could satisfy the waitfor below): the switch-over's time first.
            lines.append("sleep 400")
        elif rng.random() < 0.1:
            lines.append("fail counter hang")
            # Lines of its last epoch may still come out: the watchdog's 200 ms first.
            lines.append("sleep 400")
        else:
            lines.append("fail counter crash")
        lines.append("waitfor counter sum")
    lines += ["sleep 200", "list", "info counter", "stop counter"]
    return "\n".join(lines) + "\n"


class DuplexHot(Scenario):
    qemu_smp = 4
    bochs_cpus = 4
    timeout = 900
    guests = (guest("counter", memory="2M", redundancy="duplex", cpus="1",
                    **{"standby-cpus": "2", "epoch-ms": "20", "watchdog-ms": "200"}),)
    script = failure_script(SEED, FAILOVERS)
    expect = (r"duplex counter: hot standby on CPU 2, primary on CPU 1",
              r"duplex counter: epochs of 20 ms, dirty pages by write protection",
              r"duplex counter: failover %d: " % FAILOVERS,
              r"watchdog: no heartbeat for 200 ms",
              r"planned switch-over to its standby",
              r"mgmt: guest counter: role=primary hot-standby epoch=20ms checkpoints=\d+, \d+ "
              r"pages/ckpt, pause \d+us \(max \d+us\), \d+ pages \d+us in all; full copies=\d+",
              r"guest counter: exited: stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"FAILED", r"checkpoint \d+ failed",
              r"cannot take over", r"shell: .*fail.*: ", r"failover %d: " % (FAILOVERS + 1))
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        print("duplex: %s: seed %d, %d failures injected" % (self.name, SEED, FAILOVERS))
        failures, first, last = counter_progress(log, "counter")
        fails = re.findall(r"failover \d+: .*?(\d+) us after the failure", log)
        info = re.findall(r"mgmt: guest counter: role=primary hot-standby (.*) failovers=", log)
        print("duplex: %s: seq %s..%s, %d failovers, takeover median %s us; %s" % (
            self.name, first, last, len(fails),
            sorted(int(f) for f in fails)[len(fails) // 2] if fails else "-",
            info[-1] if info else "no info line"))
        if first != 1:
            failures.append("the stream did not start at seq 1")
        return failures


class BochsDuplexHot(DuplexHot):
    emulator = "bochs"
    expect_status = None


class DuplexCold(Scenario):
    qemu_smp = 4
    bochs_cpus = 4
    timeout = 300
    guests = (guest("counter", memory="2M", redundancy="duplex", cpus="1",
                    **{"standby-cpus": "2", "standby": "cold"}),)
    # The standby starts over at seq 1; by seq 400 it has run well past the failover.
    script = ("waitfor counter seq 30 sum\nfail counter crash\nsleep 100\n"
              "waitfor counter seq 400 sum\ninfo counter\nstop counter\n")
    expect = (r"duplex counter: cold standby on CPU 2, primary on CPU 1",
              r"duplex counter: failover 1: failure injected from the console \(crash\); the "
              r"cold standby booted from the image on CPU 2 \d+ us after the failure",
              r"mgmt: guest counter: role=primary cold-standby .* failovers=1",
              r"guest counter: exited: stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"FAILED", r"could not be rebuilt")
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        # From scratch: the standby's stream starts over at seq 1 after the failure.
        starts = len(re.findall(r"\[counter\] seq 1 sum ", log))
        return [] if starts == 2 else ["seq 1 seen %d times, expected 2" % starts]


class BochsDuplexCold(DuplexCold):
    emulator = "bochs"
    expect_status = None


class DuplexDoubleFault(Scenario):
    """A second failure before the replica that took over has taken its first checkpoint
    (1 s epochs): the failed replica, rolled back at the first failover to the checkpoint
    the other resumed from, takes over again from that same checkpoint. Nothing released is
    lost or repeated, and nobody boots from the image."""
    qemu_smp = 3
    bochs_cpus = 3
    timeout = 300
    guests = (guest("counter", memory="2M", redundancy="duplex", cpus="1",
                    **{"standby-cpus": "2", "epoch-ms": "1000"}),)
    script = ("waitfor counter seq 300 sum\nfail counter crash\nsleep 300\n"
              "fail counter crash\nwaitfor counter sum\ninfo counter\nstop counter\n")
    # The second failover resumes the very checkpoint the first one did.
    expect = (r"duplex counter: failover 1: failure injected from the console \(crash\); the "
              r"standby resumed from checkpoint (\d+) on CPU 2(?s:.*)duplex counter: failover "
              r"2: failure injected from the console \(crash\); the standby resumed from "
              r"checkpoint \1 on CPU 1",
              r"mgmt: guest counter: role=primary hot-standby .* failovers=2",
              r"guest counter: exited: stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"FAILED", r"booted from the image", r"shell: .*: ")
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        return stream_failures(self.name, log)


class BochsDuplexDoubleFault(DuplexDoubleFault):
    emulator = "bochs"
    expect_status = None


class DuplexPc(Scenario):
    """The counter on the virtual PC (devices = pc): its lines are paced by the local APIC's
    periodic timer, so each checkpoint must carry the platform's state (APICs, PIC, PIT,
    RTC) as well: a standby resumed without the timer armed would halt for good. 20 seeded
    failures; the stream stays whole."""
    qemu_smp = 3
    bochs_cpus = 3
    timeout = 600
    guests = (guest("counter", memory="2M", redundancy="duplex", cpus="1",
                    devices="uart, debug-exit, pc",
                    **{"standby-cpus": "2", "epoch-ms": "20", "watchdog-ms": "200"}),)
    script = failure_script(SEED, 20)
    expect = (r"\[counter\] counter: 64 data pages, a line per local APIC timer tick",
              r"duplex counter: hot standby on CPU 2, primary on CPU 1",
              r"duplex counter: failover 20: ",
              r"mgmt: guest counter: role=primary hot-standby epoch=20ms",
              r"guest counter: exited: stopped from the console")
    forbid = DuplexHot.forbid[:-1] + (r"failover 21: ",)
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        failures, first, last = counter_progress(log, "counter")
        takeovers = [int(t) for t in re.findall(r"on CPU \d+ (\d+) us after the failure", log)]
        takeovers.sort()
        median = takeovers[len(takeovers) // 2] if takeovers else -1
        print("%s: seq %s..%s, %d failovers, takeover median %d us" % (
            self.name, first, last, len(takeovers), median))
        return failures


class BochsDuplexPc(DuplexPc):
    emulator = "bochs"
    expect_status = None


class DuplexBatch(Scenario):
    """A batch guest (a second counter, "work") runs on the hot standby's pCPU while the
    primary is healthy. A crash of the primary pauses it, the standby takes its CPU over,
    and it moves to the failed replica's pCPU (the new standby's) and goes on: both streams
    stay whole."""
    qemu_smp = 3
    bochs_cpus = 3
    timeout = 300
    guests = (guest("work", "counter.elf", memory="2M"),
              guest("counter", memory="2M", redundancy="duplex", cpus="1",
                    **{"standby-cpus": "2", "batch": "work"}))
    script = ("waitfor counter seq 40 sum\ninfo work\nfail counter crash\nsleep 100\n"
              "waitfor counter seq 150 sum\ninfo work\nstop counter\nstop work\n")
    expect = (r"guest counter: batch guest work on CPU 2, the standby's",
              r"duplex counter: hot standby on CPU 2, primary on CPU 1, batch guest work",
              r"mgmt: guest work vcpu 0: CPU 2 shared",
              r"duplex counter: failover 1: failure injected from the console \(crash\); the "
              r"standby resumed from checkpoint \d+ on CPU 2",
              r"duplex counter: batch guest work gave CPU 2 to the standby; it runs on CPU 1",
              r"mgmt: guest work vcpu 0: CPU 1 shared",
              r"guest counter: exited: stopped from the console",
              r"guest work: exited: stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"FAILED", r"cannot (take over|move|go)", r"shell: .*: ")
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        failures = []
        for name in ("counter", "work"):
            bad, first, last = counter_progress(log, name)
            print("%s: %s: seq %s..%s" % (self.name, name, first, last))
            failures += bad
        # Work went on after its move, not only before the failover.
        moved = log.find("batch guest work gave CPU 2 to the standby")
        after = len(re.findall(r"\[work\] seq \d+ sum", log[moved:])) if moved >= 0 else 0
        print("%s: work printed %d lines after its move" % (self.name, after))
        if after < 20:
            failures.append("work printed %d lines after its move, expected 20 or more" % after)
        return failures


class BochsDuplexBatch(DuplexBatch):
    emulator = "bochs"
    expect_status = None


SCENARIOS = [DuplexHot("uefi-duplex-hot"), BochsDuplexHot("bochs-duplex-hot"),
             DuplexCold("uefi-duplex-cold"), BochsDuplexCold("bochs-duplex-cold"),
             DuplexBatch("uefi-duplex-batch"), BochsDuplexBatch("bochs-duplex-batch"),
             DuplexPc("uefi-duplex-pc"), BochsDuplexPc("bochs-duplex-pc"),
             DuplexDoubleFault("uefi-duplex-double-fault"),
             BochsDuplexDoubleFault("bochs-duplex-double-fault")]


class BochsDuplexThroughput(Scenario):
    """The primary's throughput with and without replication, same run: a plain counter on
    pCPU 3 beside a hot-standby one on pCPU 1 (standby on 2). Under Bochs every CPU runs the
    same number of instructions, so lines per guest compare the two (a figure, printed)."""
    emulator = "bochs"
    bochs_cpus = 4
    timeout = 600
    guests = (guest("counter", memory="2M", redundancy="duplex", cpus="1",
                    **{"standby-cpus": "2", "epoch-ms": "20"}),
              guest("plain", image="counter.elf", memory="2M", cpus="3"))
    script = "waitfor counter seq 20 sum\nsleep 2000\nstop plain\ninfo counter\nstop counter\n"
    expect = (r"guest plain: exited: stopped from the console",
              r"mgmt: guest counter: role=primary hot-standby epoch=20ms checkpoints=\d+",
              r"guest counter: exited: stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"FAILED", r"checkpoint \d+ failed")

    def check(self, log):
        failures, _, replicated = counter_progress(log, "counter")
        more, _, plain = counter_progress(log, "plain")
        # Lines up to the plain guest's stop: both ran from boot to there.
        cut = log.find("guest plain: exited")
        upto = [int(n) for n in re.findall(r"\[counter\] seq (\d+) sum", log[:cut])]
        info = re.findall(r"mgmt: guest counter: role=primary hot-standby (.*?) failovers=", log)
        if plain and upto:
            print("duplex: %s: plain %d lines, hot duplex %d lines in the same time: %.3f "
                  "(Bochs, equal instructions per CPU); %s" % (
                      self.name, plain, upto[-1], upto[-1] / plain,
                      info[-1] if info else "no info line"))
        else:
            failures.append("no lines to compare (plain %s, duplex %s)" % (plain, upto[-1:]))
        return failures + more


SCENARIOS.append(BochsDuplexThroughput("bochs-duplex-throughput"))


class BochsDuplexRates(Scenario):
    """Pages and pause per checkpoint against the guest's write rate: the writer guest
    (tests/guests/writer.c) writes 1, 4, 16 and 64 pages per line, 100 lines each, under a
    hot standby; `info` at each phase's start gives the running totals (a figure, printed)."""
    emulator = "bochs"
    bochs_cpus = 4
    timeout = 900
    guests = (guest("writer", memory="4M", redundancy="duplex", cpus="1",
                    **{"standby-cpus": "2", "epoch-ms": "20"}),)
    script = "".join("waitfor writer phase %d pages\ninfo writer\n" % w for w in (1, 4, 16, 64)) + \
        "waitfor writer done\ninfo writer\nstop writer\n"
    expect = (r"\[writer\] writer: done",
              r"guest writer: exited: stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"checkpoint \d+ failed", r"shell: .*: ")

    def check(self, log):
        totals = [tuple(int(x) for x in m) for m in re.findall(
            r"mgmt: guest writer: role=primary hot-standby epoch=20ms checkpoints=(\d+), \d+ "
            r"pages/ckpt, pause \d+us \(max \d+us\), (\d+) pages (\d+)us in all", log)]
        starts = [float(t) for t in re.findall(
            r"\[\s*([\d.]+)\] \[writer\] writer: (?:phase \d+ pages per line|done)", log)]
        if len(totals) != 5 or len(starts) != 5:
            return ["expected 5 info lines and 5 phase marks, found %d and %d" %
                    (len(totals), len(starts))]
        per_ckpt = []
        for i, w in enumerate((1, 4, 16, 64)):
            n = totals[i + 1][0] - totals[i][0]
            pages = totals[i + 1][1] - totals[i][1]
            pause = totals[i + 1][2] - totals[i][2]
            ms = (starts[i + 1] - starts[i]) * 1000
            per_ckpt.append(pages / n if n else 0)
            print("duplex: %s: %2d pages/line: %3d checkpoints, %5.1f pages/ckpt, pause %6d us/ckpt,"
                  " 100 lines in %6.0f ms" % (self.name, w, n, per_ckpt[-1], pause // max(n, 1), ms))
        return [] if per_ckpt[-1] > per_ckpt[0] else [
            "pages per checkpoint did not grow with the write rate: %s" % per_ckpt]


SCENARIOS.append(BochsDuplexRates("bochs-duplex-rates"))
