"""Copy-on-write clones (config `clone = yes`, kernel/guest/guest_cow.h) scaled out to 64 and
back to 1, twice, then the first clone restarted: every clone finds the template's word as the image gave it (no clone's write
reached the template or another clone) and its own writes its own; the free-frame count at 1
instance comes back exactly after each round trip; and the figures the issue asks for: a
clone's start against a cold build of the same image, and frames per clone."""
import re

from harness import Scenario, guest

FRAMES = r"stats: memory free-frames=(\d+) of \d+ heap-in-use=(\d+)"


class Clones(Scenario):
    qemu_smp = 2
    bochs_cpus = 2
    bochs_megs = 256
    timeout = 600
    guests = (guest("c", "clone.elf", memory="1M", clone="yes"),
              guest("cold", "clone.elf", memory="1M"))
    script = ("sleep 500\nstats\n"
              "scale c 64\nsleep 1500\nstats\n"
              "scale c 1\nsleep 500\nstats\n"
              "scale c 64\nsleep 1500\n"
              "scale c 1\nsleep 500\nrestart c\nwaitfor c clone 0: PASS\nsleep 300\nstats\n"
              "stop c\nstop cold\n")
    expect = (r"guest c: template loaded \(1024 KiB shared by its clones\) in \d+ cycles",
              r"guest c: cloned in \d+ cycles",
              r"guest cold: built in \d+ cycles",
              r"mgmt: scale c: 1 -> 64 instances \(63 started\)",
              r"mgmt: scale c: 64 -> 1 instances \(63 stopped\)",
              r"guest c-64: destroyed")
    forbid = (r"PANIC", r"EXCEPTION", r"FAIL", r"stopped by the hypervisor:", r"did not",
              r"the template goes")

    def check(self, log):
        failures = []
        said = re.findall(r"\[(c(?:-\d+)?)\] clone (\d+): PASS", log)
        for name, number in said:
            if name != ("c" if number == "0" else "c-%s" % number):
                failures.append("%s said it is clone %s" % (name, number))
        seen = {int(n) for _, n in said}
        if seen != {0} | set(range(2, 65)):
            failures.append("clones that reported: %d distinct (want 0 and 2..64)" % len(seen))
        passes = len(said)
        # c twice (at boot, and after its restart, which shares the template's pages again).
        if passes != 2 + 63 * 2:
            failures.append("%d clone PASS lines, expected %d" % (passes, 2 + 63 * 2))
        frames = [int(f) for f, _ in re.findall(FRAMES, log)]
        print("clones: free frames at 1, 64, 1, 1 instances: %s" % frames)
        if len(frames) != 4:
            failures.append("%d free-frame figures, expected 4" % len(frames))
        else:
            if not frames[0] == frames[2] == frames[3]:
                failures.append("free frames at 1 instance did not come back: %s" % frames)
            per_clone = (frames[0] - frames[1]) / 63.0
            print("clones: %.1f frames per clone after its start (64 KiB = 16 frames)" %
                  per_clone)
            if per_clone > 64:
                failures.append("%.1f frames per clone: not sharing" % per_clone)
        cloned = [int(c) for c in re.findall(r"guest c(?:-\d+)?: cloned in (\d+) cycles", log)]
        cold = re.search(r"guest cold: built in (\d+) cycles", log)
        if cloned and cold:
            cloned.sort()
            print("clones: clone start median %d cycles, cold build %s cycles (%d clones)" %
                  (cloned[len(cloned) // 2], cold.group(1), len(cloned)))
        return failures


class BochsClones(Clones):
    emulator = "bochs"


SCENARIOS = [Clones("uefi-clones"), BochsClones("bochs-clones")]
