"""Horizontal scaling of cold instances: config `instances`, console `scale`, teardown."""
import re

from harness import Scenario, guest

FRAMES = r"stats: memory free-frames=(\d+) of \d+ heap-in-use=(\d+)"


class ScaleOutIn(Scenario):
    """A template `web` of the instance guest (config instances = 2) is scaled in to 1, out to
    8, back to 1, out to 3 and back to 1 again, then to 0 (which ends the run). Every instance
    reports its own number from CPUID 0x40000002, every scaled-in instance is destroyed, and
    the free-frame count after each round trip is exactly what it was before the first. A
    guest that fails to build (`bad`, at boot and on `scale bad 1`) is torn down the same
    way: the frames come back from that too."""
    qemu_smp = 2
    bochs_cpus = 2
    bochs_megs = 256
    timeout = 300
    settle_ms = 1500
    # `bad` never builds (its image would load outside its RAM): each try is torn down.
    guests = (guest("web", "instance.elf", memory="2M", instances=2),
              guest("bad", "realmode.bin", memory="2M", load="0x300000"))
    expect = (r"guest web-1: vCPU 0 on CPU \d \(shared\)",
              r"guest web-2: vCPU 0 on CPU \d \(shared\)",
              r"mgmt: scale web: 2 -> 1 instances \(1 stopped\)",
              r"mgmt: scale web: 1 -> 8 instances \(7 started\)",
              r"mgmt: scale web: 8 -> 1 instances \(7 stopped\)",
              r"mgmt: scale web: 1 -> 3 instances \(2 started\)",
              r"mgmt: scale web: 3 -> 1 instances \(2 stopped\)",
              r"mgmt: scale web: 1 -> 0 instances \(1 stopped\)",
              r"mgmt: scale bad: 0 -> 0 instances \(0 started\)",
              r"shell: scale bad: I/O error",
              r"guest bad: destroyed",
              r"guest web-8: destroyed",
              r"guest web-1: destroyed",
              r"guests: 0 ran \(0 exited, 0 stopped by the hypervisor\), 1 failed to start")
    forbid = (r"PANIC", r"EXCEPTION", r"FAIL", r"stopped by the hypervisor:", r"did not")

    def __init__(self, name):
        super().__init__(name)
        s = self.settle_ms
        self.script = ("sleep %d\nscale web 1\nstats\n"
                       "scale bad 1\nscale web 8\nsleep %d\nscale web 1\nstats\n"
                       "scale web 3\nsleep %d\nscale web 1\nstats\n"
                       "scale web 0\n" % (s, 2 * s, s))

    def check(self, log):
        failures = []
        said = re.findall(r"\[(web-\d+)\] instance (\d+): PASS", log)
        for name, number in said:
            if name != "web-%s" % number:
                failures.append("%s said it is instance %s" % (name, number))
        seen = {int(n) for _, n in said}
        if seen != set(range(1, 9)):
            failures.append("instances that reported: %s (want 1..8)" % sorted(seen))
        # web-2 ran three times (config, out to 8, out to 3), web-3 twice, 4..8 once.
        for k, runs in ((1, 1), (2, 3), (3, 2), (4, 1), (8, 1)):
            n = len(re.findall(r"\[web-%d\] instance %d: PASS" % (k, k), log))
            if n != runs:
                failures.append("web-%d reported %d times, expected %d" % (k, n, runs))
        if len(re.findall(r"guest bad: destroyed", log)) != 2:
            failures.append("bad was not torn down twice (boot, scale)")
        destroyed = len(re.findall(r"guest web-\d+: destroyed", log))
        if destroyed != 1 + 7 + 2 + 1:
            failures.append("%d instances destroyed, expected 11" % destroyed)
        memory = re.findall(FRAMES, log)
        frames = [int(f) for f, _ in memory]
        heap = [int(h) for _, h in memory]
        print("scale: at 1 instance: free frames %s, heap in use %s" % (frames, heap))
        if len(frames) != 3:
            failures.append("%d free-frame figures, expected 3" % len(frames))
        elif len(set(frames)) != 1:
            failures.append("free frames did not come back: %s" % frames)
        elif len(set(heap)) != 1:
            failures.append("heap in use did not come back: %s" % heap)
        # The scheduler forgot every destroyed vCPU: one left over all CPUs.
        entities = [sum(int(n) for n in re.findall(r"stats: cpu \d+ \w+ (\d+) vCPUs", block))
                    for block in log.split("shell> stats")[1:]]
        if any(e != 1 for e in entities):
            failures.append("vCPUs homed after scaling in: %s (want 1 each time)" % entities)
        return failures


class BochsScaleOutIn(ScaleOutIn):
    emulator = "bochs"
    timeout = 480
    settle_ms = 3000


SCENARIOS = [ScaleOutIn("uefi-scale-out-in"), BochsScaleOutIn("bochs-scale-out-in")]
