"""Both boot paths reach the summary line with what the emulator provides."""
from harness import Scenario, QEMU_PASS_STATUS, summary_value


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
        r"shoji: boot complete",
        r"shoji: test-exit code=0x10",
    )
    forbid = Scenario.forbid + (r"did not start",)

    def check(self, log):
        return mem_within(log, 240, 256)


SCENARIOS = [UefiBoot("uefi-boot"), BochsBoot("bochs-boot")]
