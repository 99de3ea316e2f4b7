#!/usr/bin/env python3
"""The overhead study (make study; make study QUICK=1 is the smoke version make test runs).

Debian's cloud kernel and one initramfs (tools/study_initramfs.py: BusyBox, Debian's sysbench,
/init = tools/study/init.sh) run the same sysbench workloads in each column:

  native        the kernel booted directly (QEMU: -kernel; Bochs: GRUB), 1 CPU
  container     the same boot; the workloads in unshare namespaces and a cgroup v2 group
  kvm           the same boot loads KVM and boots the same kernel and initramfs in a KVM
                guest of 1 vCPU through study-kvm (tools/study/kvm_vmm.c, a minimal VMM)
  shoji         the kernel as a Shoji guest, 1 vCPU pinned to a CPU of its own
  shoji-shared  the same guest sharing the machine's one CPU with a busy neighbour
                (tests/guests/hog.c) and Shoji's console, at equal weights

on two meters. QEMU TCG: the guest's clock follows the host's wall clock, so figures are
noisy; each is the median of RUNS runs (min and max kept), the columns interleaved run by run
so that host load falls on all of them alike. Bochs (VT-x, `clock: sync=none`): the guest's
clock counts emulated instructions (50 M a second), so one run is exact. Ratios measured in
an emulator are not hardware ratios; the same command runs on a physical machine unchanged.

Every kernel gets the same command line (CMDLINE below says why it holds what it holds). Start-up: QEMU's start to /init (each column) and, for Shoji, the guest's
start to /init; the container's start from /init's unshare to its first command. Shoji's
exits per reason over each guest's run come from its `stats:` lines at power-off.

Results: BUILD/study/results.json (and results.csv, one row per figure) with the git
revision, emulators, host CPU and parameters; tools/study_report.py renders the report.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import linux_boot as lb  # noqa: E402
from linux_boot import harness, linux_scenarios, Failed, run_checked  # noqa: E402

COLUMNS = ("native", "container", "kvm", "shoji", "shoji-shared")
KVM_MODULES = ("irqbypass", "kvm", "kvm-intel", "kvm-amd")
BOCHS_KVM_TIMEOUT = 3600  # Linux boots twice, the second time nested under emulated VT-x
KVM_HOST_MEMORY = "768M"  # the hosting kernel and its initramfs, and the guest's 256 MiB
WORKLOADS = ("cpu", "memory-seq-read-1M", "memory-seq-write-1M", "memory-seq-read-4K",
             "memory-rnd-read-4K", "memory-rnd-write-4K", "threads", "mutex", "fileio",
             "exit-cpuid", "exit-port", "timer-1ms")
QUICK_WORKLOADS = ("cpu", "memory-seq-read-1M", "threads", "exit-cpuid")
# Every column's kernel gets the same line (a Shoji config's guest line holds 255
# characters: no earlyprintk, whose polled output is slow anyway). tsc=reliable: a clock
# watchdog fed by late emulated ticks must not swap the TSC for a slower clock in one column
# only. indirect_target_selection=off: Linux assumes any hypervisor that does not say ITS_NO
# in IA32_ARCH_CAPABILITIES (Shoji does not emulate that MSR yet; KVM does) runs on an
# affected CPU and turns on return thunks throughout the kernel, which the native run on
# the same, unaffected, CPU model does not.
CMDLINE = "console=ttyS0 panic=-1 tsc=reliable indirect_target_selection=off"
GUEST_MEMORY = "256M"
INIT_MARKER = r"shoji-init: /init running \(study\)"
# Shoji's machine: CPU 0 its console, CPU 1 the pinned guest (shoji-shared: one CPU for all)
QEMU_SMP, QEMU_MEM = 2, "512M"
BOCHS_SHOJI_CPUS, BOCHS_MEGS = 2, 512
METERS = ("bochs", "qemu", "physical")
PRIORS = {"prep": 20, "qemu": 40, "bochs-native": 120, "bochs-kvm": 400, "bochs-shoji": 150}
# Each reported figure: workload -> (regex on sysbench's report, unit, which way is better).
METRICS = {
    "cpu": (r"events per second:\s*([\d.]+)", "events/s", "higher"),
    "memory": (r"MiB transferred \(([\d.]+) MiB/sec\)", "MiB/s", "higher"),
    "threads": (r"total time:\s*([\d.]+)s", "s", "lower"),
    "mutex": (r"total time:\s*([\d.]+)s", "s", "lower"),
    "exit": (r"study-exits: \S+ ([\d.]+) ticks per iteration", "ticks", "lower"),
    "timer": (r"study-exits: timer (\d+) ns late", "ns", "lower"),
}
FILEIO = (r"read, MiB/s:\s*([\d.]+)", r"written, MiB/s:\s*([\d.]+)")


def study_args(workloads, size):
    """The /init's arguments (tools/study/init.sh); full is its default size."""
    return " shoji.study=%s%s" % (",".join(workloads),
                                 " shoji.study.size=quick" if size == "quick" else "")


class StudyGuests(harness.Scenario):
    """Only its config and files are used (harness helpers); the runs are ours."""

    def __init__(self, build, column, initrd_dest, workloads, size, shoji_args=""):
        super().__init__("study-" + column)
        self.cmdline = ("test-exit " + shoji_args).strip()
        # Pinned: a CPU of its own; shared: with the hog on the machine's one CPU.
        pin = {"cpus": "1"} if column == "shoji" else {}
        self.guests = [harness.guest("linux", linux_scenarios.kernel_path(build),
                                     image_key="kernel", memory=GUEST_MEMORY,
                                     cmdline=CMDLINE + study_args(workloads, size),
                                     initrd=initrd_dest, vcpus=1, **pin)]
        # The console snapshots the guest's exit counts as each workload begins (the next
        # snapshot, or the counts at power-off, closes it: exits_per_workload).
        self.script = "".join("waitfor linux shoji-study: begin %s\nstats linux\n" % w
                              for w in workloads)
        if column == "shoji-shared":
            self.guests.append(harness.guest("hog"))
            # The neighbour never ends: stop it once Linux is done, so Shoji exits.
            self.script += "waitfor linux shoji-study: done\nsleep 2000\nstop hog\n"


def guest_lines(log):
    """The guest's console lines, without Shoji's "[time] [linux] " prefix."""
    return [re.sub(r"^\[[ \d.]+\] \[linux\] ", "", line) for line in log.splitlines()]


def parse_run(log):
    """{workload: {value, unit, better}} from the begin/end markers, plus the facts the
    /init reports. Raises Failed on an error line, a guest Shoji's config skipped (the
    column would not be what it says) or a workload without its figure."""
    skipped = re.search(r"cfg: (.*)\n.*guest '\S+' skipped", log)
    if skipped:
        raise Failed("Shoji skipped a guest of the column's config: %s" % skipped.group(1))
    lines = guest_lines(log)
    errors = [l for l in lines if l.startswith("shoji-study: error")]
    if errors:
        raise Failed(errors[0])
    out = {"workloads": {}}
    for i, line in enumerate(lines):
        m = re.match(r"shoji-study: column (\S+), (\d+) cpus, (\d+) kB, clocksource (\S+)", line)
        if m:
            out.update(column=m.group(1), cpus=int(m.group(2)), mem_kb=int(m.group(3)),
                       clocksource=m.group(4))
        m = re.match(r"shoji-study: container started in (\d+) ns", line)
        if m:
            out["container_start_ns"] = int(m.group(1))
        m = re.match(r"study-kvm: guest /init after (\d+) ns", line)
        if m:
            out["kvm_create_to_init_ns"] = int(m.group(1))
        m = re.match(r"study-kvm: exits (\S+) (\d+)$", line)
        if m:
            out.setdefault("kvm_exits", {})[m.group(1)] = int(m.group(2))
        m = re.match(r"shoji-study: begin (\S+)", line)
        if not m:
            continue
        w = m.group(1)
        end = next((j for j in range(i, len(lines)) if lines[j] == "shoji-study: end " + w),
                   None)
        if end is None:
            raise Failed("workload %s never ended" % w)
        text = "\n".join(lines[i:end])
        why = re.search(r"^study-exits: (\S+: Operation not permitted)$", text, re.M)
        if why and out.get("column") == "container":
            # A container may not touch I/O ports (ioperm needs CAP_SYS_RAWIO outside it).
            out["workloads"][w] = {"skipped": why.group(1)}
            continue
        if w == "fileio":
            vals = [re.search(p, text) for p in FILEIO]
            fig = vals[0] and vals[1] and (float(vals[0].group(1)) + float(vals[1].group(1)),
                                           "MiB/s", "higher")
        else:
            pat, unit, better = METRICS[w.split("-")[0]]
            v = re.search(pat, text)
            fig = v and (float(v.group(1)), unit, better)
        if not fig:
            raise Failed("workload %s: no figure in sysbench's report" % w)
        out["workloads"][w] = {"value": fig[0], "unit": fig[1], "better": fig[2]}
    if "column" not in out or not re.search(r"^shoji-study: done$", "\n".join(lines), re.M):
        raise Failed("the study's /init did not report its column or did not finish")
    return out


def exits_per_workload(log, workloads):
    """{workload: {reason: exits}} from Shoji's snapshots (one `stats linux` block as each
    workload begins, the last at power-off), or {} if a snapshot is missing. A block is a
    run of count lines in which no reason repeats (guest lines may come in between)."""
    blocks = []
    for m in re.finditer(r"stats: linux (\S+) count=(\d+)", log):
        if not blocks or m.group(1) in blocks[-1]:
            blocks.append({})
        blocks[-1][m.group(1)] = int(m.group(2))
    if len(blocks) != len(workloads) + 1:
        return {}
    return {w: {k: blocks[i + 1].get(k, 0) - n for k, n in blocks[i].items()
                if blocks[i + 1].get(k, 0) > n}
            for i, w in enumerate(workloads)}


def prepare(build, work, workloads, size, emulators, columns, shoji_args=""):
    """The initramfs (gzip for QEMU, plain for GRUB under Bochs), the native ISOs and
    Shoji's ESPs and ISOs, one per column."""
    vmlinuz = linux_scenarios.kernel_path(build)
    for path in (vmlinuz, os.path.join(build, "kernel.elf"), os.path.join(build, "shoji.efi"),
                 os.path.join(build, "guests", "hog.elf"),
                 os.path.join(build, "linux", "modules", "kvm.ko")):
        if not os.path.exists(path):
            raise Failed("needs %s (make all linux-artifacts)" % path)
    helpers = []
    for name in ("clock", "exits", "kvm_vmm"):
        path = os.path.join(work, "study-" + name.replace("_vmm", ""))
        run_checked(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", path,
                     os.path.join(ROOT, "tools", "study", name + ".c")])
        helpers.append(path)
    vmm = helpers.pop()
    bins = [a for h in helpers for a in ("--bin", "%s=%s" % (os.path.basename(h), h))]
    initrd = os.path.join(work, "study.cpio.gz")
    run_checked([sys.executable, os.path.join(ROOT, "tools", "study_initramfs.py")] + bins +
                [os.path.join(build, "linux", "initramfs.cpio.gz"), initrd])
    kvm_initrd = os.path.join(work, "study-kvm.cpio.gz")
    run_checked([sys.executable, os.path.join(ROOT, "tools", "study_initramfs.py"),
                 "--kvm", vmlinuz, "--vmm", vmm] + bins +
                [a for m in KVM_MODULES for a in
                 ("--module", os.path.join(build, "linux", "modules", m + ".ko"))] +
                [os.path.join(build, "linux", "initramfs.cpio.gz"), kvm_initrd])
    prep = {"vmlinuz": vmlinuz}
    args = study_args(workloads, size)
    for column in columns:
        d = os.path.join(work, column)
        os.makedirs(d, exist_ok=True)
        if column in ("native", "container", "kvm"):
            rd = kvm_initrd if column == "kvm" else initrd
            prep[column] = {"initrd": rd, "append": CMDLINE + args + " shoji.study.column=" +
                            column + (" shoji.study.kvm_megs=%s" % GUEST_MEMORY[:-1]
                                      if column == "kvm" else ""),
                            "memory": KVM_HOST_MEMORY if column == "kvm" else GUEST_MEMORY}
            if "bochs" in emulators:
                raw = rd[:-len(".gz")]
                run_checked(["sh", "-c", "gunzip -c '%s' > '%s'" % (rd, raw)])
                iso = os.path.join(d, "native.iso")
                run_checked([os.path.join(ROOT, "tools/mkiso-linux.sh"), iso, vmlinuz, raw,
                             prep[column]["append"]])
                prep[column]["iso"] = iso
            continue
        initrd_raw = initrd[:-len(".gz")]
        if not os.path.exists(initrd_raw):
            run_checked(["sh", "-c", "gunzip -c '%s' > '%s'" % (initrd, initrd_raw)])
        prep[column] = {}
        for emu in emulators:
            rd, dest = ((initrd, "guests/study.cpio.gz") if emu == "qemu" else
                        (initrd_raw, "guests/study.cpio"))
            sc = StudyGuests(build, column, dest, workloads, size, shoji_args)
            sc.esp_files = ((rd, dest),)
            cfg = os.path.join(d, "shoji-%s.cfg" % emu)
            harness._write_config(cfg, sc)
            os.makedirs(os.path.join(build, "tests", sc.name), exist_ok=True)
            files = harness._files(sc, build)
            if emu == "bochs":
                prep[column]["iso"] = os.path.join(d, "shoji.iso")
                run_checked([os.path.join(ROOT, "tools/mkiso.sh"), prep[column]["iso"],
                             os.path.join(build, "kernel.elf"), cfg, sc.cmdline] + files)
            else:
                prep[column]["esp"] = os.path.join(d, "esp")
                run_checked([os.path.join(ROOT, "tools/mkesp.sh"), prep[column]["esp"],
                             os.path.join(build, "shoji.efi"),
                             os.path.join(build, "kernel.elf"), cfg] + files)
    return prep


def qemu_run(work, prep, column, rep, accel):
    """One QEMU boot of a column; returns its parsed figures and start-up seconds."""
    log = os.path.join(work, column, "qemu-%d.log" % rep)
    patterns = {"init": INIT_MARKER, "started": r"guest linux: started"}
    if column in ("shoji", "shoji-shared"):
        env = dict(os.environ, SMP=str(QEMU_SMP if column == "shoji" else 1), MEM=QEMU_MEM)
        env.pop("SHOJI_QUIET", None)  # run-qemu.sh says which accelerator it chose
        seen, out, _ = lb.timed_run([os.path.join(ROOT, "tools/run-qemu.sh"),
                                     prep[column]["esp"]], env, log, patterns, 900)
        m = re.search(r"run-qemu: accel=(\S+) cpu=(\S+)", out)
        accel = (m.group(1), m.group(2)) if m else accel
    else:
        cmd = ["qemu-system-x86_64", "-machine", "q35,accel=" + accel[0], "-cpu", accel[1],
               "-smp", "1", "-m", prep[column]["memory"], "-nodefaults", "-display", "none",
               "-no-reboot", "-kernel", prep["vmlinuz"], "-initrd", prep[column]["initrd"],
               "-append", prep[column]["append"], "-serial", "stdio"]
        seen, out, _ = lb.timed_run(cmd, dict(os.environ), log, patterns, 900)
    try:
        res = parse_run(out)
    except Failed as e:
        raise Failed("QEMU %s run %d: %s (%s)" % (column, rep, e, log))
    res["startup_s"] = {"to_init": seen.get("init")}
    if "started" in seen and "init" in seen:
        res["startup_s"]["guest_start_to_init"] = seen["init"] - seen["started"]
    res["exits"] = lb.exit_stats(out) or res.pop("kvm_exits", {})
    if column.startswith("shoji"):
        res["workload_exits"] = exits_per_workload(out, list(res["workloads"]))
    if "kvm_create_to_init_ns" in res:
        res["startup_s"]["guest_start_to_init"] = res["kvm_create_to_init_ns"] / 1e9
    return res, accel


def guest_startup(log, parsed):
    """Seconds from a guest's start to its /init: Shoji's log stamps (its TSC: emulated
    time under Bochs), or study-kvm's count from creating the VM. {} natively."""
    if "kvm_create_to_init_ns" in parsed:
        return {"guest_start_to_init": parsed["kvm_create_to_init_ns"] / 1e9}
    start = re.search(r"^\[\s*([\d.]+)\] guest linux: started", log, re.M)
    init = re.search(r"^\[\s*([\d.]+)\] \[linux\] " + INIT_MARKER, log, re.M)
    if start and init:
        return {"guest_start_to_init": float(init.group(1)) - float(start.group(1))}
    return {}


def bochs_run(work, prep, column):
    d = os.path.join(work, column, "bochs")
    os.makedirs(d, exist_ok=True)
    serial = os.path.join(d, "serial.log")
    shoji = column in ("shoji", "shoji-shared")
    cpus, megs = ((BOCHS_SHOJI_CPUS if column == "shoji" else 1, BOCHS_MEGS) if shoji else
                  (1, int(prep[column]["memory"][:-1])))
    with lb.EmuLock():
        res = subprocess.run(["timeout", str(BOCHS_KVM_TIMEOUT if column == "kvm" else
                                             lb.BOCHS_TIMEOUT),
                              os.path.join(ROOT, "tools/run-bochs.sh"), prep[column]["iso"],
                              serial, lb.BOCHS_MODEL, str(cpus), str(megs)],
                             stdin=subprocess.DEVNULL)
    if res.returncode == 124:
        raise Failed("Bochs %s timed out (%s)" % (column, d))
    out = harness._read(serial)
    try:
        parsed = parse_run(out)
    except Failed as e:
        raise Failed("Bochs %s: %s (%s)" % (column, e, serial))
    parsed["exits"] = lb.exit_stats(out) or parsed.pop("kvm_exits", {})
    if shoji:
        parsed["workload_exits"] = exits_per_workload(out, list(parsed["workloads"]))
    parsed["startup_s"] = guest_startup(out, parsed)
    parsed["machine"] = {"cpus": cpus, "megs": megs}
    return parsed


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def summarize(runs):
    """{column: {workload: spread of its values}} over repeated runs of each column."""
    out = {}
    for column, reps in runs.items():
        figs = {}
        for w in reps[0]["workloads"]:
            w0 = reps[0]["workloads"][w]
            if "skipped" in w0:
                figs[w] = w0
                continue
            figs[w] = dict(spread([r["workloads"][w]["value"] for r in reps]),
                           unit=w0["unit"], better=w0["better"])
        out[column] = figs
    return out


def from_logs(pairs):
    """Results from serial logs of a physical machine (COLUMN=LOG each)."""
    runs = {}
    for pair in pairs:
        column, sep, path = pair.partition("=")
        if not sep or column not in COLUMNS:
            raise Failed("--logs takes COLUMN=LOG with COLUMN one of %s, not %s" %
                         (", ".join(COLUMNS), pair))
        out = harness._read(path)
        try:
            r = parse_run(out)
        except Failed as e:
            raise Failed("%s: %s" % (path, e))
        r["exits"] = lb.exit_stats(out) or r.pop("kvm_exits", {})
        runs.setdefault(column, []).append(r)
    if "native" not in runs:
        raise Failed("--logs needs the native column's log: the others are relative to it")
    return {"meter": "a physical machine: its own clock, from the serial logs given",
            "runs": runs, "summary": summarize(runs)}


def write_csv(path, result):
    with open(path, "w") as f:
        f.write("meter,column,workload,unit,better,median,min,max,n\n")
        for meter in METERS:
            for column, figs in result.get(meter, {}).get("summary", {}).items():
                for w, s in figs.items():
                    if "skipped" in s:
                        continue
                    f.write("%s,%s,%s,%s,%s,%g,%g,%g,%d\n" % (meter, column, w, s["unit"],
                                                              s["better"], s["median"],
                                                              s["min"], s["max"], s["n"]))


def main():
    ap = argparse.ArgumentParser(description="The overhead study (see the module's text).")
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true",
                    help="small workloads, QEMU only, one run: the pipeline's smoke test")
    ap.add_argument("--runs", type=int, default=5, help="QEMU runs per column (default 5)")
    ap.add_argument("--emulators", default="qemu,bochs")
    ap.add_argument("--columns", default=",".join(COLUMNS),
                    help="the columns to run (default all; native is needed for ratios)")
    ap.add_argument("--out", help="results directory (default BUILD/study)")
    ap.add_argument("--shoji-args", default="",
                    help="more words for Shoji's own command line in the Shoji columns "
                         "(e.g. vmx-no-apic-accel, to compare)")
    ap.add_argument("--logs", nargs="+", metavar="COLUMN=LOG",
                    help="no emulator: results from serial logs captured on a physical "
                         "machine booted with the study's ISOs or ESPs, one per column")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    out_dir = os.path.abspath(args.out or os.path.join(build, "study"))
    work = os.path.join(out_dir, "work")
    os.makedirs(work, exist_ok=True)
    workloads = QUICK_WORKLOADS if args.quick else WORKLOADS
    size = "quick" if args.quick else "full"
    runs = 1 if args.quick else args.runs
    emulators = ["qemu"] if args.quick else args.emulators.split(",")
    columns = [c for c in COLUMNS if c in args.columns.split(",")]
    unknown = set(args.columns.split(",")) - set(COLUMNS)
    if unknown:
        print("study: no column %s (columns: %s)" % (", ".join(sorted(unknown)),
                                                     ", ".join(COLUMNS)))
        return 2
    # Shoji first: its run says which accelerator QEMU has (run-qemu.sh), the others use it.
    qemu_order = sorted(columns, key=lambda c: c != "shoji")

    steps = [("build the initramfs, ISOs and ESPs", "prep")]
    for rep in range(runs if "qemu" in emulators else 0):
        steps += [("QEMU run %d/%d: %s" % (rep + 1, runs, c), "qemu") for c in qemu_order]
    if "bochs" in emulators:
        steps += [("Bochs: %s" % c, "bochs-shoji" if c.startswith("shoji") else
                   "bochs-kvm" if c == "kvm" else "bochs-native") for c in columns]
    if args.logs:
        emulators, steps = [], []
    prog = lb.Progress(steps, "study", PRIORS)
    result = {"revision": lb.git_revision(),
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "host": {"cpu": lb.cpu_model(), "cpus": os.cpu_count()},
              "parameters": {"kernel": harness._read(os.path.join(build, "linux",
                                                                  "version")).strip(),
                             "cmdline": CMDLINE, "workloads": list(workloads), "size": size,
                             "columns": columns, "guest_memory": GUEST_MEMORY,
                             "shoji_args": args.shoji_args,
                             "guest_vcpus": 1, "quick": args.quick}}
    try:
        if args.logs:
            result["physical"] = from_logs(args.logs)
            result["parameters"]["columns"] = list(result["physical"]["runs"])
            result["parameters"]["workloads"] = list(
                next(iter(result["physical"]["summary"].values())))
        else:
            prog.begin(steps[0][0])
            prep = prepare(build, work, workloads, size, emulators, columns, args.shoji_args)
            prog.end()
        if "qemu" in emulators:
            qruns, accel = {c: [] for c in columns}, ("tcg", "max")
            result["qemu_partial"] = qruns  # what ran, should a later run fail
            for rep in range(runs):
                for column in qemu_order:
                    prog.begin(steps[prog.done][0])
                    r, accel = qemu_run(work, prep, column, rep, accel)
                    qruns[column].append(r)
                    prog.end("/init after %.1f s" % (r["startup_s"]["to_init"] or 0))
            del result["qemu_partial"]
            result["qemu"] = {"meter": "QEMU TCG, host wall time; median of %d" % runs,
                              "version": run_checked(["qemu-system-x86_64", "--version"])
                              .splitlines()[0],
                              "accel": accel[0], "cpu": accel[1],
                              "machine": {"native": "q35, 1 CPU, " + GUEST_MEMORY,
                                          "shoji": "q35 + OVMF, %d CPUs, %s" %
                                          (QEMU_SMP, QEMU_MEM)},
                              "runs": qruns, "summary": summarize(qruns)}
        if "bochs" in emulators:
            bruns = {}
            result["bochs_partial"] = bruns  # what ran, should a later column fail
            for column in columns:
                prog.begin(steps[prog.done][0])
                bruns[column] = [bochs_run(work, prep, column)]
                prog.end()
            del result["bochs_partial"]
            result["bochs"] = {"meter": "Bochs %s, clock: sync=none: emulated instructions "
                                        "(50 M per emulated second), one run" %
                                        lb.BOCHS_MODEL,
                               "runs": bruns, "summary": summarize(bruns)}
    except Failed as e:
        print("study: failed: %s" % e)
        result["failed"] = str(e)
    path = os.path.join(out_dir, "results.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    if "failed" in result:
        print("study: what ran is in %s" % path)
        return 1
    write_csv(os.path.join(out_dir, "results.csv"), result)
    print("study: results in %s and results.csv" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
