"""Linux boot figures (tools/bench.py --linux): Debian's cloud kernel and the BusyBox
initramfs (BUILD/linux, make linux-artifacts) from power-on to its /init, booted natively and
as a Shoji guest (devices uart, debug-exit, pc; the uefi-linux-pc command line; 128 MiB,
1 vCPU).

The initramfs is the boot-marker variant (tools/mkinitramfs.py --boot-marker): /init prints
its first marker, runs /bin/shoji-mark (`xchg %bx,%bx`) and powers off at once, so the
guest's exit counts cover the boot alone.

1. Bochs, VT-x, `clock: sync=none`: the meter is Bochs's tick count, read from its debugger
   (`Next at t=`) when the magic breakpoint stops it, natively and in VMX non-root mode
   alike. A tick is one emulated instruction; halted time counts at ips=50M ticks a second.
   The run checks this: `step 100000` right after the mark must advance t by 100000.
   A physical breakpoint gives the kernel's entry natively (GRUB's jump to 0x1000000) and
   Shoji's entry (mb2_entry32) under Shoji, where `startup: entry-tsc=... ready-tsc=...`
   gives its own share: Bochs's TSC is its tick count (set to 0 at reset), checked here
   against the breakpoint at the RDTSC right after mb2_entry32.
2. QEMU TCG: host seconds from starting QEMU to the marker line on serial (median, min, max
   of N runs, native and Shoji runs alternating), natively by -kernel/-initrd/-append on the
   machine tools/run-qemu.sh gives the Linux scenarios, and under Shoji on OVMF.
3. The guest's exits per reason (Shoji's `stats:` lines when the guest powers off).
Every emulator run holds /tmp/shoji-emu.lock (flock(2), the lock flock(1) takes) for its
duration, under `timeout`. Results also go to BUILD/bench/linux-boot.json.
"""
import fcntl
import gzip
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import harness  # noqa: E402
import linux as linux_scenarios  # noqa: E402
import mkinitramfs  # noqa: E402

EMU_LOCK = "/tmp/shoji-emu.lock"
CMDLINE = linux_scenarios.PC_CMDLINE
GUEST_MEMORY = "128M"
GUEST_DEVICES = "uart, debug-exit, pc"  # what a 'kernel' guest gets by default
MARKER = r"shoji-init: /init running \(boot marker\)"
STEP_CHECK = 100000
MARK_NEXT_RIP = mkinitramfs.MARK_VADDR + mkinitramfs.MARK_ENTRY_OFFSET + 3  # after 66 87 db
NATIVE_KERNEL_ENTRY = 0x1000000  # Debian's pref_address: GRUB loads the bzImage there
BOCHS_MODEL = harness.Scenario.bochs_model
BOCHS_MEGS = linux_scenarios.BochsLinuxInit.bochs_megs  # the Bochs Linux scenario's machine
BOCHS_TIMEOUT = 900
QEMU_SMP = linux_scenarios.LinuxPc.qemu_smp  # what the Linux scenarios give run-qemu.sh
QEMU_MEM = linux_scenarios.LinuxPc.qemu_mem
QEMU_TIMEOUT = 300

# Seconds a step takes on the 2-core machine, until one has been measured.
PRIOR_SECONDS = {"prep": 3, "bochs-native": 40, "bochs-shoji": 40, "qemu-native": 4,
                 "qemu-shoji": 10}


class Progress:
    """One line per step, with an estimate of the time left (measured means per kind)."""

    def __init__(self, steps, name="linux-boot", priors=PRIOR_SECONDS):
        self.steps, self.done, self.took = steps, 0, {}
        self.name, self.priors = name, priors
        self.start = time.monotonic()

    def _estimate(self, kind):
        t = self.took.get(kind)
        return sum(t) / len(t) if t else self.priors[kind]

    def begin(self, label):
        left = sum(self._estimate(k) for _, k in self.steps[self.done:])
        print("%s [%d/%d] %s (elapsed %d s, about %d s left)" %
              (self.name, self.done + 1, len(self.steps), label, time.monotonic() - self.start,
               left), flush=True)
        self.t0 = time.monotonic()

    def end(self, note=""):
        took = time.monotonic() - self.t0
        self.took.setdefault(self.steps[self.done][1], []).append(took)
        self.done += 1
        print("%s       done in %.1f s%s" % (" " * len(self.name), took,
                                           ("; " + note) if note else ""), flush=True)


class EmuLock:
    """/tmp/shoji-emu.lock for one emulator run; says so when it has to wait."""

    def __enter__(self):
        self.f = open(EMU_LOCK, "a")
        try:
            fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("linux-boot       waiting for %s ..." % EMU_LOCK, flush=True)
            fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


class Failed(Exception):
    pass


def run_checked(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if res.returncode:
        raise Failed("%s failed: %s" % (cmd[0], res.stdout.decode(errors="replace")[-500:]))
    return res.stdout.decode(errors="replace")


class LinuxBootScenario(harness.Scenario):
    """Only its config and files are used (harness helpers); the runs are ours."""
    cmdline = "test-exit"

    def __init__(self, build, initrd, dest):
        super().__init__("bench-linux-boot")
        self.esp_files = ((initrd, dest),)
        self.guests = (harness.guest("linux", linux_scenarios.kernel_path(build),
                                     image_key="kernel", memory=GUEST_MEMORY, cmdline=CMDLINE,
                                     initrd=dest, vcpus=1,
                                     devices=GUEST_DEVICES),)


def prepare(build, work):
    """The marker initramfs, the native GRUB ISO, Shoji's ISO and ESP. Under Bochs both
    columns boot the initramfs uncompressed: GRUB's module2 (Shoji's ISO) would gunzip a
    gzipped one on the way, its initrd command (native) does not, and the kernels must get
    the same bytes. Under QEMU both get the gzipped one."""
    vmlinuz = linux_scenarios.kernel_path(build)
    default_initrd = os.path.join(build, "linux", "initramfs.cpio.gz")
    for path in (vmlinuz, default_initrd, os.path.join(build, "kernel.elf")):
        if not os.path.exists(path):
            raise Failed("needs %s (make all linux-artifacts)" % path)
    initrd = os.path.join(work, "initramfs-marker.cpio.gz")
    run_checked([sys.executable, os.path.join(ROOT, "tools/mkinitramfs.py"), "--boot-marker",
                 default_initrd, initrd])
    initrd_raw = os.path.join(work, "initramfs-marker.cpio")
    with open(initrd, "rb") as f, open(initrd_raw, "wb") as out:
        out.write(gzip.decompress(f.read()))
    native_iso = os.path.join(work, "native.iso")
    run_checked([os.path.join(ROOT, "tools/mkiso-linux.sh"), native_iso, vmlinuz, initrd_raw,
                 CMDLINE])
    prep = {"vmlinuz": vmlinuz, "initrd": initrd, "native_iso": native_iso,
            "shoji_iso": os.path.join(work, "shoji.iso"), "esp": os.path.join(work, "esp")}
    for emu, rd, dest in (("bochs", initrd_raw, "guests/initramfs.cpio"),
                          ("qemu", initrd, "guests/initramfs.cpio.gz")):
        sc = LinuxBootScenario(build, rd, dest)
        cfg = os.path.join(work, "shoji-%s.cfg" % emu)
        harness._write_config(cfg, sc)
        files = harness._files(sc, build)
        if emu == "bochs":
            run_checked([os.path.join(ROOT, "tools/mkiso.sh"), prep["shoji_iso"],
                         os.path.join(build, "kernel.elf"), cfg, sc.cmdline] + files)
        else:
            run_checked([os.path.join(ROOT, "tools/mkesp.sh"), prep["esp"],
                         os.path.join(build, "shoji.efi"), os.path.join(build, "kernel.elf"),
                         cfg] + files)
    nm = run_checked(["nm", os.path.join(build, "kernel.elf")])
    m = re.search(r"^([0-9a-f]+) T mb2_entry32$", nm, re.M)
    if not m:
        raise Failed("no mb2_entry32 in kernel.elf")
    prep["shoji_entry"] = int(m.group(1), 16)
    return prep


# ---- Bochs ----

def bochs_stops(out):
    """The debugger's stops: [(why, ticks, physical address, linear RIP)], why one of start,
    breakpoint, magic, step."""
    stops = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"Next at t=(\d+)$", line)
        if not m:
            continue
        prev = lines[i - 1] if i else ""
        why = ("breakpoint" if re.search(r"\(\d+\) Breakpoint \d+", prev) else
               "magic" if "Magic breakpoint" in prev else "start" if not stops else "step")
        nxt = re.match(r"\(\d+\) \[0x([0-9a-f]+)\] [0-9a-f]+:([0-9a-f]+)",
                       lines[i + 1] if i + 1 < len(lines) else "")
        stops.append((why, int(m.group(1)), int(nxt.group(1), 16) if nxt else None,
                      int(nxt.group(2), 16) if nxt else None))
    return stops


def bochs_run(work, name, iso, megs, breakpoint, to_the_end):
    """One Bochs boot with the debugger script; returns (stops, serial log, seconds)."""
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    serial, rc, cmds = (os.path.join(d, f) for f in ("serial.log", "bochsrc", "bochs.cmds"))
    # The machine of tools/run-bochs.sh.
    with open(rc, "w") as f:
        f.write("""display_library: term
megs: %d
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=%s, count=1, ips=50000000, reset_on_triple_fault=0, ignore_bad_msrs=1
clock: sync=none, time0=local
ata0-master: type=cdrom, path=%s, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=%s
port_e9_hack: enabled=1
log: %s
panic: action=fatal
error: action=report
magic_break: enabled=1
""" % (megs, BOCHS_MODEL, iso, serial, os.path.join(d, "bochs.log")))
    with open(cmds, "w") as f:
        f.write("pbreak 0x%x\ncontinue\ndelete 1\ncontinue\nstep %d\n%squit\n" %
                (breakpoint, STEP_CHECK, "continue\n" if to_the_end else ""))
    if os.path.exists(serial):
        os.remove(serial)
    out_path = os.path.join(d, "bochs.out")
    with EmuLock(), open(out_path, "wb") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(["timeout", str(BOCHS_TIMEOUT), "bochs", "-q", "-f", rc,
                                 "-rc", cmds], cwd=d, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=dict(os.environ, TERM="dumb"),
                                start_new_session=True)
        harness._running.add(proc)
        status = proc.wait()
        harness._running.discard(proc)
        seconds = time.monotonic() - t0
    text = harness._read(out_path)
    if status == 124:
        raise Failed("Bochs %s timed out after %d s (%s)" % (name, BOCHS_TIMEOUT, out_path))
    stops = bochs_stops(text)
    whys = [s[0] for s in stops]
    if whys != ["start", "breakpoint", "magic", "step"]:
        raise Failed("Bochs %s: debugger stops %s, expected start, breakpoint, magic, step "
                     "(%s)" % (name, whys, out_path))
    # The mark, not some other xchg %bx,%bx: the instruction after it in /bin/shoji-mark.
    if stops[2][3] != MARK_NEXT_RIP:
        raise Failed("Bochs %s: magic breakpoint at RIP 0x%x, not in /bin/shoji-mark (%s)" %
                     (name, stops[2][3] or 0, out_path))
    m = re.search(r"Bochs x86 Emulator (\S+)", text)
    return stops, harness._read(serial), seconds, m.group(1) if m else "?"


def bochs_native(work, prep, megs):
    stops, serial, seconds, version = bochs_run(work, "bochs-native-%dM" % megs,
                                                prep["native_iso"], megs, NATIVE_KERNEL_ENTRY,
                                                False)
    # Bochs stops at the mark before the UART has sent all of the marker line.
    if not re.search(r"Run /init as init process", serial):
        raise Failed("native Bochs run: Linux did not say it runs /init")
    return {"machine_megs": megs, "kernel_entry": stops[1][1], "marker": stops[2][1],
            "step_check": stops[3][1] - stops[2][1], "seconds": round(seconds, 1),
            "bochs": version}


def bochs_shoji(work, prep):
    stops, serial, seconds, version = bochs_run(work, "bochs-shoji", prep["shoji_iso"],
                                                BOCHS_MEGS, prep["shoji_entry"], True)
    m = re.search(r"startup: entry-tsc=(\d+) ready-tsc=(\d+)", serial)
    if not re.search(MARKER, serial) or not m:
        raise Failed("Bochs Shoji run: no marker or no startup line on serial")
    return {"machine_megs": BOCHS_MEGS, "shoji_entry": stops[1][1],
            "entry_tsc": int(m.group(1)), "ready_tsc": int(m.group(2)),
            "marker": stops[2][1], "step_check": stops[3][1] - stops[2][1],
            "exits": exit_stats(serial), "seconds": round(seconds, 1), "bochs": version}


# ---- QEMU ----

def timed_run(cmd, env, log_path, patterns, timeout=QEMU_TIMEOUT):
    """Runs cmd (holding the emulator lock); returns ({name: seconds from start to the first
    line matching patterns[name]}, output, exit status)."""
    seen, lines = {}, []
    with EmuLock():
        t0 = time.monotonic()
        proc = subprocess.Popen(["timeout", str(timeout)] + cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        harness._running.add(proc)
        for raw in proc.stdout:
            now = time.monotonic() - t0
            line = raw.decode("latin-1")
            lines.append(line)
            for name, pat in patterns.items():
                if name not in seen and re.search(pat, line):
                    seen[name] = now
        status = proc.wait()
        harness._running.discard(proc)
    out = "".join(lines)
    with open(log_path, "w") as f:
        f.write(out)
    if status == 124:
        raise Failed("QEMU timed out after %d s (%s)" % (timeout, log_path))
    return seen, out, status


def qemu_shoji(work, prep, i):
    log = os.path.join(work, "qemu-shoji-%d.log" % i)
    env = dict(os.environ, SMP=str(QEMU_SMP), MEM=QEMU_MEM)
    env.pop("SHOJI_QUIET", None)  # run-qemu.sh says which accelerator it chose
    seen, out, _ = timed_run([os.path.join(ROOT, "tools/run-qemu.sh"), prep["esp"]], env, log,
                             {"marker": MARKER, "started": r"guest linux: started"})
    accel = re.search(r"run-qemu: accel=(\S+) cpu=(\S+)", out)
    tsc = re.search(r"tsc: ([\d.]+) MHz", out)
    st = re.search(r"startup: entry-tsc=(\d+) ready-tsc=(\d+)", out)
    if "marker" not in seen or "started" not in seen or not accel or not tsc or not st:
        raise Failed("QEMU Shoji run %d: marker, guest start, accelerator, TSC rate or "
                     "startup line missing (%s)" % (i, log))
    shoji_s = (int(st.group(2)) - int(st.group(1))) / (float(tsc.group(1)) * 1e6)
    return {"marker": seen["marker"], "guest_started": seen["started"],
            "shoji_entry_to_ready": shoji_s, "accel": accel.group(1), "cpu": accel.group(2),
            "exits": exit_stats(out)}


def qemu_native(work, prep, i, accel, cpu, smp, mem):
    log = os.path.join(work, "qemu-native-%s-%d.log" % (mem, i))
    cmd = ["qemu-system-x86_64", "-machine", "q35,accel=" + accel, "-cpu", cpu, "-smp", str(smp),
           "-m", mem, "-nodefaults", "-display", "none", "-no-reboot",
           "-kernel", prep["vmlinuz"],
           "-initrd", prep["initrd"], "-append", CMDLINE, "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    seen, _, _ = timed_run(cmd, dict(os.environ), log, {"marker": MARKER})
    if "marker" not in seen:
        raise Failed("QEMU native run %d: no marker (%s)" % (i, log))
    return {"marker": seen["marker"]}


def exit_stats(log):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"stats: linux (\S+) count=(\d+)", log)}


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": [round(v, 3) for v in values]}


# ---- report ----

def git_revision():
    def git(*a):
        return subprocess.run(["git", "-C", ROOT] + list(a), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout.decode().strip()
    return git("rev-parse", "--short=12", "HEAD") + ("-dirty" if git("status", "--porcelain",
                                                                      "--untracked-files=no")
                                                     else "")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            return m.group(1) if m else platform.processor()
    except OSError:
        return platform.processor()


def mi(n):
    return "%.1f M" % (n / 1e6)


def print_bochs(nat, nat_small, sh):
    g_boot = sh["marker"] - sh["ready_tsc"]
    print()
    print("Linux boot under Bochs (VT-x, sync=none): power-on to /init's marker")
    print("  meter: Bochs ticks at the debugger's stops (`Next at t=`): 1 tick = 1 emulated "
          "instruction, halted time at 50 M ticks/s;")
    steps = (nat["step_check"], nat_small["step_check"], sh["step_check"])
    tsc_minus_ticks = sh["entry_tsc"] - sh["shoji_entry"]
    # Shoji's RDTSC is the instruction after the one at mb2_entry32 (arch/x86/boot/entry.S).
    ok = all(n == STEP_CHECK for n in steps) and tsc_minus_ticks == 1
    print("  checks (%s): `step %d` after the mark advanced t by %s; Shoji's entry-tsc minus "
          "the ticks at mb2_entry32 = %d (expected 1: TSC = ticks)" %
          ("ok" if ok else "MISMATCH: the meter is not what it claims", STEP_CHECK,
           " / ".join(str(n) for n in steps), tsc_minus_ticks))
    cols = ("native %d MiB" % nat["machine_megs"], "native %d MiB" % nat_small["machine_megs"],
            "Shoji guest")
    print("%-50s %14s %14s %14s" % (("",) + cols))
    na = "-"
    print("%-50s %14s %14s %14s" % ("power-on to kernel entry / Shoji entry (BIOS, GRUB)",
                                    mi(nat["kernel_entry"]), mi(nat_small["kernel_entry"]),
                                    mi(sh["shoji_entry"])))
    print("%-50s %14s %14s %14s" % ("Shoji entry to guest start (ready-tsc)", na, na,
                                    mi(sh["ready_tsc"] - sh["entry_tsc"])))
    print("%-50s %14s %14s %14s" % ("kernel entry / guest start to /init marker",
                                    mi(nat["marker"] - nat["kernel_entry"]),
                                    mi(nat_small["marker"] - nat_small["kernel_entry"]),
                                    mi(g_boot)))
    print("%-50s %14s %14s %14s" % ("power-on to /init marker", mi(nat["marker"]),
                                    mi(nat_small["marker"]), mi(sh["marker"])))
    for n in (nat, nat_small):
        print("ratio Shoji / native %d MiB: power-on to marker %.3f (goal <= 1.15), "
              "Linux's own part %.3f" % (n["machine_megs"], sh["marker"] / n["marker"],
                                         g_boot / (n["marker"] - n["kernel_entry"])))
    print("Shoji's own share: %s of %s (%.1f %%), BIOS + GRUB loading it and the guest's "
          "files %s" % (mi(sh["ready_tsc"] - sh["entry_tsc"]), mi(sh["marker"]),
                        100.0 * (sh["ready_tsc"] - sh["entry_tsc"]) / sh["marker"],
                        mi(sh["entry_tsc"])))


def fmt_spread(s):
    return "%6.2f (%5.2f-%5.2f)" % (s["median"], s["min"], s["max"])


def print_qemu(q, runs):
    print()
    print("Linux boot under QEMU TCG (accel=%s, cpu=%s, q35): host seconds from QEMU's start "
          "to /init's marker on serial, median (min-max) of %d" %
          (q["accel"], q["cpu"], runs))
    print("%-62s %20s" % ("", "seconds"))
    rows = (("native, -kernel -initrd (%d CPUs, %s: run-qemu.sh's machine)" %
             (QEMU_SMP, QEMU_MEM), q["native"]),
            ("native, -kernel -initrd (1 CPU, %s: the guest's size)" % GUEST_MEMORY,
             q["native_small"]),
            ("Shoji on OVMF (guest 1 vCPU, %s), OVMF + Shoji boot included" % GUEST_MEMORY,
             q["shoji"]),
            ("  of which QEMU start to 'guest linux: started' on serial", q["shoji_started"]),
            ("  of which Shoji entry to guest start (its log, TSC)", q["shoji_own"]),
            ("Shoji minus QEMU start to guest start (OVMF+Shoji excluded)", q["shoji_guest"]))
    for label, s in rows:
        print("%-62s %20s" % (label, fmt_spread(s)))
    for key, label in (("native", "%d CPUs, %s" % (QEMU_SMP, QEMU_MEM)),
                       ("native_small", "1 CPU, %s" % GUEST_MEMORY)):
        print("ratio Shoji / native (%s), medians: %.2f with OVMF+Shoji boot, %.2f without" %
              (label, q["shoji"]["median"] / q[key]["median"],
               q["shoji_guest"]["median"] / q[key]["median"]))


def print_exits(bochs_exits, qemu_exits):
    print()
    print("The guest's exits per reason, from its start to its power-off right after the marker")
    kinds = list(bochs_exits) + [k for k in qemu_exits[0] if k not in bochs_exits]
    head = "%-16s %14s" % ("reason", "VT-x (Bochs)")
    head += "".join("%14s" % ("SVM QEMU #%d" % (i + 1)) for i in range(len(qemu_exits)))
    print(head)
    for k in kinds + ["total"]:
        vals = [sum(e.values()) if k == "total" else e.get(k, 0)
                for e in [bochs_exits] + qemu_exits]
        print("%-16s %14d" % (k, vals[0]) + "".join("%14d" % v for v in vals[1:]))


def main(build, runs):
    work = os.path.join(build, "bench", "linux-boot")
    os.makedirs(work, exist_ok=True)
    steps = [("build the marker initramfs, the native ISO, Shoji's ISO and ESP", "prep"),
             ("Bochs: Linux natively (GRUB), %d MiB machine" % BOCHS_MEGS, "bochs-native"),
             ("Bochs: Linux natively (GRUB), %s machine" % GUEST_MEMORY, "bochs-native"),
             ("Bochs: Linux as a Shoji guest", "bochs-shoji")]
    for i in range(runs):
        steps += [("QEMU run %d/%d: Shoji + Linux guest on OVMF" % (i + 1, runs), "qemu-shoji"),
                  ("QEMU run %d/%d: Linux natively, %s" % (i + 1, runs, QEMU_MEM), "qemu-native"),
                  ("QEMU run %d/%d: Linux natively, %s" % (i + 1, runs, GUEST_MEMORY),
                   "qemu-native")]
    prog = Progress(steps)
    try:
        prog.begin(steps[0][0])
        prep = prepare(build, work)
        prog.end()
        prog.begin(steps[1][0])
        nat = bochs_native(work, prep, BOCHS_MEGS)
        prog.end("marker at %s ticks" % mi(nat["marker"]))
        prog.begin(steps[2][0])
        nat_small = bochs_native(work, prep, int(GUEST_MEMORY[:-1]))
        prog.end("marker at %s ticks" % mi(nat_small["marker"]))
        prog.begin(steps[3][0])
        sh = bochs_shoji(work, prep)
        prog.end("marker at %s ticks" % mi(sh["marker"]))
        qs, qn, qns = [], [], []
        for i in range(runs):
            prog.begin(steps[4 + 3 * i][0])
            qs.append(qemu_shoji(work, prep, i))
            prog.end("marker after %.2f s" % qs[-1]["marker"])
            prog.begin(steps[5 + 3 * i][0])
            qn.append(qemu_native(work, prep, i, qs[0]["accel"], qs[0]["cpu"], QEMU_SMP,
                                  QEMU_MEM))
            prog.end("marker after %.2f s" % qn[-1]["marker"])
            prog.begin(steps[6 + 3 * i][0])
            qns.append(qemu_native(work, prep, i, qs[0]["accel"], qs[0]["cpu"], 1,
                                   GUEST_MEMORY))
            prog.end("marker after %.2f s" % qns[-1]["marker"])
    except Failed as e:
        print("bench: linux boot failed: %s" % e)
        return 1

    q = {"accel": qs[0]["accel"], "cpu": qs[0]["cpu"],
         "native": spread([r["marker"] for r in qn]),
         "native_small": spread([r["marker"] for r in qns]),
         "shoji": spread([r["marker"] for r in qs]),
         "shoji_started": spread([r["guest_started"] for r in qs]),
         "shoji_own": spread([r["shoji_entry_to_ready"] for r in qs]),
         "shoji_guest": spread([r["marker"] - r["guest_started"] for r in qs])}
    print_bochs(nat, nat_small, sh)
    print_qemu(q, runs)
    print_exits(sh["exits"], [r["exits"] for r in qs])

    qemu_version = run_checked(["qemu-system-x86_64", "--version"]).splitlines()[0]
    version_path = os.path.join(build, "linux", "version")
    result = {
        "revision": git_revision(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"cpu": cpu_model(), "cpus": os.cpu_count(), "loadavg_end": os.getloadavg()},
        "emulators": {"bochs": sh["bochs"], "qemu": qemu_version},
        "parameters": {
            "kernel": harness._read(version_path).strip() or "?",
            "cmdline": CMDLINE, "marker": MARKER,
            "initramfs": "mkinitramfs.py --boot-marker; Bochs: uncompressed, QEMU: gzip",
            "guest": {"memory": GUEST_MEMORY, "vcpus": 1, "devices": GUEST_DEVICES},
            "bochs": {"model": BOCHS_MODEL, "ips": 50000000, "clock": "sync=none",
                      "megs_shoji": BOCHS_MEGS,
                      "megs_native": [BOCHS_MEGS, int(GUEST_MEMORY[:-1])],
                      "meter": "Bochs ticks at debugger stops (instructions + halted ticks)"},
            "qemu": {"machine": "q35", "accel": q["accel"], "cpu": q["cpu"], "smp": QEMU_SMP,
                     "mem": QEMU_MEM, "native_small": {"smp": 1, "mem": GUEST_MEMORY},
                     "runs": runs, "firmware_shoji": "OVMF", "firmware_native": "SeaBIOS"}},
        "bochs": {"native": nat, "native_small": nat_small, "shoji": sh,
                  "ratio_to_native": sh["marker"] / nat["marker"],
                  "ratio_to_native_small": sh["marker"] / nat_small["marker"]},
        "qemu": dict(q, shoji_runs=qs),
    }
    out = os.path.join(build, "bench", "linux-boot.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print("\nwritten to %s" % out)
    return 0
