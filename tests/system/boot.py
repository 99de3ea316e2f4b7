"""Both boot paths reach the summary line with what the emulator provides."""
import re

from harness import Scenario, QEMU_PASS_STATUS, guest, summary_value


def mem_within(log, low, high):
    mem = summary_value(log, "mem")
    if mem is None or not low <= mem <= high:
        return ["mem=%s MiB not within %d..%d" % (mem, low, high)]
    return []


class UefiBoot(Scenario):
    """QEMU q35 + OVMF, 4 CPUs, 512 MiB, an extra PCI device to find."""
    emulator = "qemu"
    qemu_smp = 4
    qemu_mem = "512M"
    qemu_args = ("-device", "pci-testdev")
    expect = (
        r"shoji\.efi \S+: ",                        # the loader's banner
        r"shoji \S+: boot=uefi mem=\d+ cpus=4 tsc=\d+\.\d{3} fb=\S+",
        r"acpi: MADT: 4 CPUs",
        r"smp: CPU 3 \(APIC \d+\) online",
        r"smp: 4 of 4 CPUs online",
        r"pci: 00:00\.0 8086:29c0 class 06:00:00",  # q35 host bridge
        r"pci: [0-9a-f]{2}:[0-9a-f]{2}\.\d 1af4:1001 class 01:00:00",  # virtio-blk (the ESP)
        r"pci: [0-9a-f]{2}:[0-9a-f]{2}\.\d 1b36:0005 ",  # -device pci-testdev
        r"boot: module shoji\.cfg ",
        r"startup: entry-tsc=[1-9]\d* ready-tsc=\d+",
        r"shoji: boot complete",
    )
    expect_status = QEMU_PASS_STATUS
    forbid = Scenario.forbid + (r"did not start",)

    def check(self, log):
        # OVMF keeps some RAM for itself (runtime services, ACPI, reserved).
        return mem_within(log, 448, 512)


class BochsBoot(Scenario):
    """Bochs + GRUB Multiboot2, 2 CPUs, 256 MiB."""
    emulator = "bochs"
    bochs_cpus = 2
    bochs_megs = 256
    expect = (
        r"shoji \S+: boot=multiboot2 mem=\d+ cpus=2 tsc=\d+\.\d{3} fb=\S+",
        r"acpi: MADT: 2 CPUs",
        r"smp: CPU 1 \(APIC \d+\) online",
        r"smp: 2 of 2 CPUs online",
        r"pci: 00:00\.0 8086:1237 ",               # i440FX host bridge
        r"boot: module shoji\.cfg ",
        r"startup: entry-tsc=[1-9]\d* ready-tsc=\d+",
        r"shoji: boot complete",
        r"shoji: test-exit code=0x10",
    )
    forbid = Scenario.forbid + (r"did not start",)

    def check(self, log):
        return mem_within(log, 240, 256)


class StartupMeter(Scenario):
    """The start-up meter tools/bench.py reads: Shoji's entry TSC, each guest's first TSC."""
    emulator = "bochs"
    cmdline = "test-exit loglevel=warn"
    guests = (guest("first", "startup.elf"), guest("small", "startup.elf", memory="1M"))
    expect = (
        r"startup: entry-tsc=[1-9]\d* ready-tsc=\d+",
        r"\[first\] startup: guest-entry-tsc=[1-9]\d*",
        r"\[small\] startup: guest-entry-tsc=[1-9]\d*",
    )

    def check(self, log):
        # Shape, not values: one clock, so the guests start after Shoji is ready.
        m = re.search(r"startup: entry-tsc=(\d+) ready-tsc=(\d+)", log)
        g = [int(x) for x in re.findall(r"guest-entry-tsc=(\d+)", log)]
        if m and g and not int(m.group(1)) < int(m.group(2)) < min(g):
            return ["entry %s, ready %s, guests %s: not in order" % (m.group(1), m.group(2), g)]
        return []


SCENARIOS = [UefiBoot("uefi-boot"), BochsBoot("bochs-boot"), StartupMeter("startup-meter")]
