"""Density: many small guests, and many copy-on-write clones, in a 512 MiB machine under Bochs.
A config guest of 1 MiB (the clone test guest, linked to run in 1 MiB) is scaled out from 1 to
N instances, each a cold build with its own RAM, and every one must report; then a clone guest
is scaled from 1 to M clones of its 1 MiB template. From the free frames and the heap in use
before and after, the hypervisor's metadata per guest beyond its RAM and the frames per clone.
`make test` runs 64 guests and 128 clones; `make bench` (SHOJI_DENSITY_GUESTS,
SHOJI_DENSITY_CLONES) runs 256 and 1000, the issue's goals."""
import os
import re

from harness import Scenario, guest

FRAMES = r"stats: memory free-frames=(\d+) of \d+ heap-in-use=(\d+)"
GUESTS = int(os.environ.get("SHOJI_DENSITY_GUESTS", "64"))
CLONES = int(os.environ.get("SHOJI_DENSITY_CLONES", "128"))
METADATA_GOAL = 64 * 1024


class Density(Scenario):
    emulator = "bochs"
    bochs_cpus = 2
    bochs_megs = 512
    forbid = (r"PANIC", r"EXCEPTION", r"FAIL", r"stopped by the hypervisor:", r"did not")

    def __init__(self, name, count, clone):
        super().__init__(name)
        self.count, self.clone = count, clone
        self.timeout = 300 + 2 * count
        keys = {"memory": "1M"}
        if clone:
            keys["clone"] = "yes"
        self.guests = (guest("d", "clone.elf", **keys),)
        # The console's CPU logs three lines per instance built, and the instances' lines
        # reach COM1 at its speed: the wait grows with the count (emulated time, mostly idle).
        self.script = ("sleep 500\nstats\nscale d %d\n"
                       "sleep %d\nstats\nscale d 0\n" % (count, 3000 + 20 * count))
        self.expect = (r"mgmt: scale d: 1 -> %d instances \(%d started\)" % (count, count - 1),)

    def check(self, log):
        said = {int(k) for k in re.findall(r"\[d(?:-\d+)?\] clone (\d+): PASS", log)}
        want = {0} | set(range(2, self.count + 1))
        failures = []
        if said != want:
            failures.append("%d of %d %s reported" % (len(said & want), len(want),
                                                        "clones" if self.clone else "guests"))
        memory = [(int(f), int(h)) for f, h in re.findall(FRAMES, log)]
        if len(memory) != 2:
            return failures + ["%d memory figures, expected 2" % len(memory)]
        (f0, h0), (f1, h1) = memory
        more = self.count - 1
        frames = (f0 - f1) / more
        heap = (h1 - h0) / more
        if self.clone:
            print("density: %d clones of a 1 MiB template running; per clone %.1f frames "
                  "(%.1f KiB) and %.1f KiB of heap" % (self.count, frames, frames * 4,
                                                     heap / 1024))
        else:
            metadata = (frames - 256) * 4096 + heap
            print("density: %d guests of 1 MiB running; per guest %.1f frames beyond its 256 "
                  "of RAM and %.1f KiB of heap: %.1f KiB of metadata (goal %d KiB)" %
                  (self.count, frames - 256, heap / 1024, metadata / 1024,
                   METADATA_GOAL // 1024))
            if metadata > METADATA_GOAL:
                failures.append("%.1f KiB of metadata per guest, over %d KiB" %
                                (metadata / 1024, METADATA_GOAL // 1024))
        return failures


SCENARIOS = [Density("bochs-density-guests", GUESTS, False),
             Density("bochs-density-clones", CLONES, True)]
