"""Reset through the PC's ports (kernel/vdev/pc_ports.c): a restart of the guest."""
import re

from harness import Scenario, guest


class Reset(Scenario):
    """A guest with the PC devices resets itself through port 0xcf9 or the i8042 and is
    restarted from its image each time, the guest beside it unaffected, until the console
    stops it."""
    qemu_smp = 2
    bochs_cpus = 2
    timeout = 180
    guests = (guest("rst", "reset.elf", devices="uart, debug-exit, pc"), guest("hello64"))
    script = "sleep 1500\nstop rst\n"
    expect = (r"guest rst: exited: reset through port 0x(cf9|64)",
              r"\[hello64\] hello64: PASS",
              r"shell> stop rst",
              # The stop may land while the guest runs or between a reset and its restart.
              r"guest rst: (exited: )?stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"stopped by the hypervisor:")

    def check(self, log):
        runs = len(re.findall(r"\[rst\] reset: run", log))
        resets = re.findall(r"guest rst: exited: reset through port 0x(cf9|64)", log)
        print("reset: %d runs, %d resets (%d through 0xcf9, %d through the i8042)" %
              (runs, len(resets), resets.count("cf9"), resets.count("64")))
        if runs < 3:
            return ["only %d runs: the reset did not restart the guest" % runs]
        return []


class BochsReset(Reset):
    emulator = "bochs"


SCENARIOS = [Reset("uefi-reset"), BochsReset("bochs-reset")]
