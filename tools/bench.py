#!/usr/bin/env python3
"""Benchmarks: exit round trips (bench guest) and scheduling costs; prints tables.

VT-x path: Bochs with `clock: sync=none`, where the guest's RDTSC deltas are
exact emulated-instruction counts. The bench guest prints, per exit kind,
`BENCH <kind> <ticks per iteration> <iterations>`; the baseline is the same
loop without the exiting instruction. With --sched: the instructions one
scheduling decision costs with 1, 8 and 64 runnable vCPUs on one CPU, and
per vCPU switch (exit of one vCPU to entry of the next) with two CPU-bound
guests sharing a CPU. With --startup: Shoji's first instruction to the first
guest's first instruction (entry.S and the startup guest each read the TSC
there), and what each further 1 MiB guest adds. With --linux: Debian's kernel booting to
its /init, natively and as a Shoji guest, under Bochs (emulated instructions) and QEMU TCG
(wall time), with the guest's exits per reason (tools/linux_boot.py).
Usage: tools/bench.py --build DIR [--backend vmx|svm] [--sched] [--startup] [--linux]
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import harness  # noqa: E402

LABELS = {
    "cpuid": "CPUID",
    "pio_write": "port write (UART scratch)",
    "rdmsr": "MSR read (IA32_PAT)",
    "hypercall": "hypercall (HC_VERSION)",
    "mmio_read": "MMIO read via EPT/NPT fault",
    "timer_tick": "timer tick (deadline, IRQ, EOI)",
}


# Linux 6.1 KVM (kvm_intel, EPT) on the same Bochs model and meter, same loops
# (../shared/HARNESS.md): CPUID, and a port write that KVM hands to its userspace VMM.
KVM_SAME_METER = {"cpuid": 1049, "pio_write": 7320}


class Bench(harness.Scenario):
    cmdline = "test-exit"
    guests = (harness.guest("bench"),)
    expect = (r"bench: done",)
    timeout = 300


class TickBench(Bench):
    """The same guest with the PC platform, for its local APIC: the timer tick's figure."""
    guests = (harness.guest("bench", devices="uart, debug-exit, pc"),)


class SchedBench(harness.Scenario):
    emulator = "bochs"
    cmdline = "test-exit bench-sched"
    guests = (harness.guest("a", "spin.elf"), harness.guest("b", "spin.elf"))
    script = "sleep 1000\nstats\nstop a\nstop b\n"
    expect = (r"sched-bench: runnable=64", r"switch-cost=")
    timeout = 300


# Measured at b001def, before buffered console output and single zeroing of guest RAM.
STARTUP_BEFORE = {"warn": (6050000, 648000), "info (default)": (25000000, 648000)}
STARTUP_EXTRA_GUESTS = 4


class StartupBench(harness.Scenario):
    emulator = "bochs"
    timeout = 300

    def __init__(self, name, loglevel, extra):
        super().__init__(name)
        self.cmdline = "test-exit" + (" loglevel=" + loglevel if loglevel else "")
        self.guests = (harness.guest("first", "startup.elf"),) + tuple(
            harness.guest("small%d" % i, "startup.elf", memory="1M") for i in range(extra))
        self.expect = (r"startup: entry-tsc=\d+", r"\[first\] startup: guest-entry-tsc=\d+")


def startup_run(build, loglevel, extra):
    """Instructions from Shoji's entry to the first guest instruction, or None."""
    sc = StartupBench("bench-startup-%s-%d" % (loglevel or "default", extra), loglevel, extra)
    res = harness.run(sc, build)
    log = harness._read(res.log) if res.log else ""
    entry = re.search(r"startup: entry-tsc=(\d+)", log)
    guests = [int(t) for t in re.findall(r"\] startup: guest-entry-tsc=(\d+)", log)]
    if res.status != "PASS" or not entry or len(guests) != 1 + extra:
        print("bench: run failed: %s (log: %s)" % (res.reason, res.log))
        return None
    return min(guests) - int(entry.group(1))


def startup_bench(build):
    n = STARTUP_EXTRA_GUESTS
    rows = []
    for level in ("warn", None):
        one = startup_run(build, level, 0)
        more = startup_run(build, level, n)
        if one is None or more is None:
            return 1
        rows.append((level or "info (default)", one, (more - one) // n))
    print("Start-up under Bochs (sync=none): emulated instructions")
    print("%-44s %-15s %12s %12s" % ("", "log level", "now", "b001def (~)"))
    for level, one, per in rows:
        first_before, per_before = STARTUP_BEFORE[level]
        print("%-44s %-15s %12d %12d" % ("Shoji entry to first guest instruction", level, one,
                                         first_before))
        print("%-44s %-15s %12d %12d" % ("per further 1 MiB guest (%d more)" % n, level, per,
                                         per_before))
    return 0


def sched_bench(build):
    res = harness.run(SchedBench("bench-sched"), build)
    log = harness._read(res.log) if res.log else ""
    picks = re.findall(r"sched-bench: runnable=(\d+) decision=(\d+)", log)
    switch = re.findall(r"stats: cpu 0 \S+ \d+ vCPUs .*switches=(\d+) switch-cost=(\d+)", log)
    if res.status != "PASS" or not picks or not switch:
        print("bench: run failed: %s (log: %s)" % (res.reason, res.log))
        return 1
    print("Scheduler under Bochs (sync=none): emulated instructions")
    print("%-44s %12s" % ("operation", "instructions"))
    for n, cost in picks:
        print("%-44s %12s" % ("decision (pick next + requeue), %s runnable" % n, cost))
    n, cost = switch[-1]
    print("%-44s %12s" % ("vCPU switch, exit to entry (%s switches)" % n, cost))
    return 0


class ThroughputBench(harness.Scenario):
    """N CPU-bound instances of the spin guest on a 4-CPU Bochs for THROUGHPUT_MS of emulated time."""
    emulator = "bochs"
    bochs_cpus = 4
    bochs_megs = 256

    def __init__(self, n):
        super().__init__("bench-throughput-%d" % n)
        self.timeout = 600
        self.guests = (harness.guest("s", "spin.elf", memory="2M", instances=n),)
        self.script = "sleep %d\nstats\nscale s 0\n" % THROUGHPUT_MS
        self.expect = (r"shell> stats",)


THROUGHPUT_MS = 2000
THROUGHPUT_COUNTS = (1, 2, 4, 8, 16)


def throughput_bench(build):
    """Aggregate work rate of N spinning instances, N = 1 .. 16: each instance's rate from the
    console's timestamps of its first and last work lines (no rounding to whole blocks, no
    bias from the instances' staggered starts), summed."""
    rows = []
    for i, n in enumerate(THROUGHPUT_COUNTS):
        print("bench: throughput with %d instances (%d of %d runs)" %
              (n, i + 1, len(THROUGHPUT_COUNTS)), flush=True)
        res = harness.run(ThroughputBench(n), build)
        log = harness._read(res.log) if res.log else ""
        head = log.split("shell> stats")[0]
        seen = {}
        for t, name, k in re.findall(r"\[ *([0-9.]+)\] \[(s(?:-\d+)?)\] spin: work (\d+)", head):
            seen.setdefault(name, []).append((float(t), int(k)))
        rates = [(w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0]) for w in seen.values()
                 if len(w) >= 2 and w[-1][0] > w[0][0]]
        if res.status != "PASS" or len(rates) != n:
            print("bench: run failed: %s, %d of %d instances measured (log: %s)" %
                  (res.reason, len(rates), n, res.log))
            return 1
        rows.append((n, sum(rates), min(rates), max(rates)))
    print("Throughput under Bochs (sync=none), 4 CPUs, %d ms of emulated time: blocks of 2^20 "
          "loop iterations per emulated second, summed over the instances" % THROUGHPUT_MS)
    print("%-10s %10s %8s %18s" % ("instances", "total", "vs 1", "per instance"))
    for n, total, lo, hi in rows:
        print("%-10d %10.1f %8.2f %8.1f..%.1f" % (n, total, total / rows[0][1], lo, hi))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--backend", default="vmx", choices=("vmx", "svm"))
    ap.add_argument("--sched", action="store_true")
    ap.add_argument("--startup", action="store_true")
    ap.add_argument("--throughput", action="store_true",
                    help="aggregate throughput of 1..16 CPU-bound instances on 4 CPUs")
    ap.add_argument("--linux", action="store_true",
                    help="Linux boot figures (tools/linux_boot.py; needs make linux-artifacts)")
    ap.add_argument("--runs", type=int, default=3, help="QEMU runs per column (--linux)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    if args.linux and args.runs < 1:
        ap.error("--runs: at least 1 (the QEMU runs per column; the Bochs figures come first)")
    if args.linux:
        import linux_boot
        return linux_boot.main(build, args.runs)
    if args.sched:
        return sched_bench(build)
    if args.startup:
        return startup_bench(build)
    if args.throughput:
        return throughput_bench(build)

    rows = {}
    # The exits without devices beyond the UART (as tests/system/cost_limits.py measures
    # them), then the timer tick, which needs a local APIC, from a second boot.
    for cls, name, want in ((Bench, "bench-", "baseline"), (TickBench, "bench-tick-", None)):
        sc = cls(name + args.backend)
        sc.emulator = "bochs" if args.backend == "vmx" else "qemu"
        res = harness.run(sc, build)
        log = harness._read(res.log) if res.log else ""
        got = {m.group(1): int(m.group(2)) for m in re.finditer(r"BENCH (\S+) (\d+) (\d+)", log)}
        if res.status != "PASS" or (want and want not in got):
            print("bench: run failed: %s (log: %s)" % (res.reason, res.log))
            return 1
        if want:
            rows = got
        elif "timer_tick" in got:
            rows["timer_tick"] = got["timer_tick"]  # the guest took its lead off

    base = rows["baseline"]
    if args.backend == "vmx":
        print("VT-x under Bochs (sync=none): emulated instructions per round trip")
        print("%-30s %12s %16s %10s %12s" % ("exit kind", "per iteration", "minus empty loop",
                                             "KVM", "Shoji/KVM"))
    else:
        print("SVM under QEMU TCG: TSC ticks per round trip (wall-clock TSC; compare within a run)")
        print("%-30s %12s %16s %10s" % ("exit kind", "per iteration", "minus empty loop",
                                        "vs CPUID"))
    for kind, label in LABELS.items():
        if kind not in rows:
            continue
        line = "%-30s %12d %16d" % (label, rows[kind], rows[kind] - base)
        if args.backend == "vmx":
            kvm = KVM_SAME_METER.get(kind)
            line += (" %10d %12.2f" % (kvm, rows[kind] / kvm)) if kvm else " %10s %12s" % ("-", "-")
        if args.backend == "svm" and rows.get("cpuid"):
            line += " %10.2f" % (rows[kind] / rows["cpuid"])
        print(line)
    print("%-30s %12d" % ("empty loop (baseline)", base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
