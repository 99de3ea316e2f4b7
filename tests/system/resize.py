"""Scale up and down a running guest (`set <guest> vcpus=N memory=SIZE`, guest_resize.h): the
resize test guest is offered 4, 2, 4 and 3 of its 4 vCPUs and starts or stops its secondaries to
match (every running one makes progress, one beyond the offer cannot start); its 4 MiB grow to
8 MiB by a hot-added region, shrink to 6 MiB as it gives pages back, grow to 7 MiB by a second
region and shrink to 3 MiB, into its boot RAM. After every change it checks the pattern of
every page it holds. Then it reads a page it gave back and is stopped for it; its restart
gives it its 4 MiB again (on new frames: boot RAM had holes), and the free-frame count comes
back exactly to its value before the first change. A guest that never asked to be told, an
offer beyond the guest's vCPUs and a clone's memory are refused with their reasons."""
import re

from harness import Scenario, guest

FRAMES = r"stats: memory free-frames=(\d+) of \d+ heap-in-use=(\d+)"


class Resize(Scenario):
    qemu_smp = 2
    bochs_cpus = 2
    timeout = 600
    guests = (guest("resize", "resize.elf", memory="4M", vcpus="4"),
              guest("plain", "idle.elf", memory="2M"),
              guest("c", "clone.elf", memory="1M", clone="yes"))
    script = ("sleep 500\nstats\n"
              "set plain vcpus=1\nset resize vcpus=5\nset c memory=2M\n"
              "set resize vcpus=2\nwaitfor resize resize: 2 vCPUs run\n"
              "set resize vcpus=4\nwaitfor resize resize: 4 vCPUs run\n"
              "set resize memory=8M\nwaitfor resize resize: holds 8192 KiB\n"
              "set resize memory=6M\nwaitfor resize resize: holds 6144 KiB\n"
              "set resize memory=7M\nwaitfor resize resize: holds 7168 KiB\n"
              "set resize vcpus=3 memory=3M\nsleep 1500\n"
              "restart resize\nsleep 800\nstats\n"
              "stop resize\nstop plain\nstop c\n")
    expect = (r"shell: set plain: it never asked to be told of changes \(HC_NOTIFY\)",
              r"shell: set resize: vcpus=5 but it has 4 \(its config's vcpus\)",
              r"shell: set c: its memory is shared with its template \(a clone\)",
              r"guest resize: offered 2 vCPUs \(was 4\)",
              r"guest resize: vCPU [123] stopped itself",
              r"\[resize\] resize: 4 vCPUs run",
              r"\[resize\] resize: 2 vCPUs run",
              r"guest resize: 4 MiB hot-added at GPA 0x400000 \(holds 8 MiB\)",
              r"\[resize\] resize: holds 8192 KiB \(target 8192 KiB, top 0x800000\), \d+ pages",
              r"guest resize: memory target 6 MiB, it holds 8: asked to give back 2 MiB",
              r"\[resize\] resize: holds 6144 KiB \(target 6144 KiB, top 0x800000\), \d+ pages",
              r"guest resize: 1 MiB hot-added at GPA 0x800000 \(holds 7 MiB\)",
              r"\[resize\] resize: holds 7168 KiB \(target 7168 KiB, top 0x900000\), \d+ pages",
              r"\[resize\] resize: holds 3072 KiB \(target 3072 KiB, top 0x900000\), \d+ pages",
              r"\[resize\] resize: 3 vCPUs run",
              r"\[resize\] resize: ready, 4 vCPUs offered, 4096 KiB")
    forbid = (r"PANIC", r"EXCEPTION", r"resize: FAIL", r"did not", r"not all in use")

    def check(self, log):
        failures = []
        ready = len(re.findall(r"\[resize\] resize: ready, 4 vCPUs offered, 4096 KiB", log))
        if ready != 2:
            failures.append("%d ready lines, expected 2 (boot and restart)" % ready)
        gone = re.search(r"\[resize\] resize: reading GPA (0x[0-9a-f]+), which it gave back", log)
        if not gone:
            failures.append("the guest never read a page it gave back")
        elif not re.search(r"guest resize: stopped by the hypervisor: .*%s" % gone.group(1), log):
            failures.append("not stopped for reading %s, which it gave back" % gone.group(1))
        frames = [int(f) for f, _ in re.findall(FRAMES, log)]
        print("resize: free frames before the first change and after the restart: %s" % frames)
        if len(frames) != 2:
            failures.append("%d free-frame figures, expected 2" % len(frames))
        elif frames[0] != frames[1]:
            failures.append("free frames did not come back: %s" % frames)
        return failures


class BochsResize(Resize):
    emulator = "bochs"


SCENARIOS = [Resize("uefi-resize"), BochsResize("bochs-resize")]
