"""Debian's own kernel (linux-image-cloud-amd64, fetched by tools/fetch-linux.sh into
BUILD/linux, never committed) as a guest: loaded through the Linux boot protocol (bzImage
setup header, zero page with e820 and command line, 64-bit entry) and printing through the
virtual UART, on the virtual PC (devices = pc): with ACPI and the APICs off (PIC and PIT
only) and in the kernel's default configuration (ACPI tables, local APICs, I/O APIC, PM timer,
RTC, PCI host bridge), with one and two vCPUs, two kernels at once, and broken kernels."""
import hashlib
import os

from harness import Scenario, guest

CMDLINE = ("earlyprintk=serial,ttyS0,115200 console=ttyS0 nokaslr acpi=off pci=off nosmp "
           "noapic nolapic panic=-1 reboot=t")


def kernel_path(build):
    return os.path.join(build, "linux", "vmlinuz")


class LinuxEarlyBoot(Scenario):
    qemu_smp = 2
    timeout = 240
    # Stopped from the console once it had time to print its memory map; it may also have
    # stopped on its own by then (no timer yet), which is not what is checked.
    script = "sleep 15000\nstop linux\n"
    # Shoji's own, and the kernel's report of an MSR the policy refused (a policy gap).
    forbid = (r"PANIC", r"EXCEPTION", r"unchecked MSR access")
    K = r"\[linux\] \[ *\d+\.\d+\] "  # the kernel's lines, with its own timestamp
    expect = (r"guest linux: Linux boot protocol 2\.\d\d, kernel at 0x1000000, initramfs 0 bytes",
              K + r"Linux version 6\.1\.\d+",
              K + r"Command line: earlyprintk=serial,ttyS0,115200 console=ttyS0 nokaslr",
              # Its e820 map as given: RAM below 636 KiB and from 1 MiB to the boot tables.
              K + r"BIOS-e820: \[mem 0x0000000000000000-0x000000000009efff\] usable",
              K + r"BIOS-e820: \[mem 0x000000000009f000-0x00000000000fffff\] reserved",
              K + r"BIOS-e820: \[mem 0x0000000000100000-0x0000000007ff8fff\] usable",
              K + r"BIOS-e820: \[mem 0x0000000007ff9000-0x0000000007ffffff\] reserved",
              # ... all of which its page allocator took over: 636 K + 130016 K, less page 0.
              K + r"Memory: \d+K/130652K available",
              K + r"printk: console \[ttyS0\] enabled",
              r"guests: 1 ran")

    def __init__(self, name):
        super().__init__(name)
        self.guests = ()

    def requires(self, build):
        path = kernel_path(build)
        if not os.path.exists(path):
            return "needs Debian's cloud kernel at %s (tools/fetch-linux.sh)" % path
        self.guests = (guest("linux", path, image_key="kernel", memory="128M", cmdline=CMDLINE),)
        return None


class LinuxInit(LinuxEarlyBoot):
    """Debian's kernel with the BusyBox initramfs (tools/mkinitramfs.py) on the PC's PIC and
    PIT: /init runs, checksums generated data, sleeps a second on the guest's timer and
    powers off; Shoji reports the guest's end and keeps running."""
    timeout = 300
    script = None
    expect = (r"guest linux: Linux boot protocol 2\.\d\d, kernel at 0x1000000, initramfs \d+ bytes",
              r"\[linux\] shoji-init: /init running",
              # sha256 of 4 MiB of zeros, computed by BusyBox in the guest
              r"\[linux\] shoji-init: sha256 bb9f8df61474d25e",
              r"\[linux\] shoji-init: slept 1 s",
              r"\[linux\] shoji-init: done",
              r"guest linux: exited: halted with interrupts disabled",
              r"guests: 1 ran")

    def requires(self, build):
        why = super().requires(build)
        initrd = os.path.join(build, "linux", "initramfs.cpio.gz")
        if why or not os.path.exists(initrd):
            return why or "needs the test initramfs at %s (tools/fetch-linux.sh)" % initrd
        self.esp_files = ((initrd, "guests/initramfs.cpio.gz"),)
        self.guests = (guest("linux", kernel_path(build), image_key="kernel", memory="128M",
                             cmdline=CMDLINE, initrd="guests/initramfs.cpio.gz"),)
        return None


PC_CMDLINE = "earlyprintk=serial,ttyS0,115200 console=ttyS0 nokaslr panic=-1 reboot=t"


DISK_SECTORS = 2048  # a 1 MiB virtio-blk disk with a known pattern


def disk_image(build):
    """BUILD/linux/disk.img and the first 16 hex digits of its sha256."""
    data = bytes((i * 7 + i // 4096) & 0xff for i in range(DISK_SECTORS * 512))
    path = os.path.join(build, "linux", "disk.img")
    with open(path, "wb") as f:
        f.write(data)
    return path, hashlib.sha256(data).hexdigest()[:16]


class LinuxPc(LinuxInit):
    """Debian's kernel in its default configuration (ACPI and APIC on) on the virtual PC:
    it finds the RSDP through the zero page, takes its vCPUs and the I/O APIC from the
    MADT, calibrates against the PM timer, times with the local APIC's TSC deadline, gets
    COM1's interrupts through the I/O APIC, reads the RTC, finds the virtio-blk disk in the
    DSDT (its own virtio_mmio and virtio_blk modules from the initramfs), checksums it,
    writes and reads back a sector, and powers off through ACPI S5."""
    vcpus = 1
    disk = True
    # /init reads a line from its console (shoji.read): the console types it once asked.
    script = ("waitfor linux shoji-init: type a line\n"
              "type linux hello from the console\n")
    cmdline_extra = " shoji.read"
    expect = (r"guest linux: Linux boot protocol 2\.\d\d, kernel at 0x1000000, initramfs \d+ bytes",
              LinuxEarlyBoot.K + r"ACPI: RSDP 0x00000000000E0000",
              LinuxEarlyBoot.K + r"IOAPIC\[0\]: apic_id \d+, version 32, address 0xfec00000, GSI 0-23",
              r"\[linux\] shoji-init: /init running",
              r"\[linux\] shoji-init: sha256 bb9f8df61474d25e",
              r"\[linux\] shoji-init: slept 1 s",
              r"\[linux\] shoji-init: done",
              r"guest linux: exited: powered off \(ACPI S5\)",
              r"guests: 1 ran")
    reads = (r"\[linux\] shoji-init: read 'hello from the console'",)

    def requires(self, build):
        why = super().requires(build)
        if why:
            return why
        keys = {}
        if self.disk:
            path, digest = disk_image(build)
            self.esp_files += ((path, "guests/disk.img"),)
            keys["disk"] = "guests/disk.img"
            self.expect = self.expect + (
                r"\[linux\] shoji-init: vda %d sectors, sha256 %s" % (DISK_SECTORS, digest),
                r"\[linux\] shoji-init: vda sector 1 reads shoji-disk")
        if self.script:
            self.expect = self.expect + self.reads
        self.guests = (guest("linux", kernel_path(build), image_key="kernel", memory="128M",
                             cmdline=PC_CMDLINE + self.cmdline_extra,
                             initrd="guests/initramfs.cpio.gz", vcpus=self.vcpus, **keys),)
        return None


class LinuxSmp(LinuxPc):
    """Two vCPUs: the kernel starts the second through its own INIT and STARTUP IPIs
    (real mode at the SIPI vector), and both run its scheduler, timers and IPIs."""
    vcpus = 2
    expect = LinuxPc.expect[:3] + (
        LinuxEarlyBoot.K + r"smpboot: Allowing 2 CPUs, 0 hotplug CPUs",
        LinuxEarlyBoot.K + r"smp: Brought up 1 node, 2 CPUs",
        r"\[linux\] shoji-init: cpus 2") + LinuxPc.expect[3:]


class LinuxSmpOneCpu(LinuxSmp):
    disk = False

    """Both vCPUs on one physical CPU: every switch between them saves and restores their
    FPU state under XCR0s QEMU lets the guest set without an XSETBV exit (a stale XCR0
    made the kernel's XRSTORs fault), and IPIs reach a vCPU that is not running."""
    qemu_smp = 1


SCENARIOS = [LinuxEarlyBoot("uefi-linux-early-boot"), LinuxInit("uefi-linux-init"),
             LinuxPc("uefi-linux-pc"), LinuxSmp("uefi-linux-smp"),
             LinuxSmpOneCpu("uefi-linux-smp-one-cpu")]


def write_variant(build, name, edit):
    """A broken copy of Debian's kernel in BUILD/linux (made once per run)."""
    data = bytearray(open(kernel_path(build), "rb").read())
    data = edit(data)
    path = os.path.join(build, "linux", name)
    with open(path, "wb") as f:
        f.write(data)
    return path


class LinuxBadKernels(Scenario):
    """Bad Linux inputs, each a one-line error naming the file and the cause, while a test
    guest beside them runs: a truncated bzImage, one with a wrong setup-header magic, one
    claiming boot protocol 2.11, a kernel whose init_size does not fit the guest's memory,
    an initrd that was not loaded, an initrd given with a non-Linux image, an initrd too
    large for the memory above the kernel."""
    qemu_smp = 2
    qemu_mem = "768M"  # every guest asks for its memory before it fails
    timeout = 120
    forbid = (r"PANIC", r"EXCEPTION")
    expect = (r"guest short: image guests/vmlinuz-short: truncated: the kernel is 0x[0-9a-f]+ "
              r"bytes, the file holds 0x[0-9a-f]+",
              r"guest magic: image guests/vmlinuz-magic: neither a bzImage \(no boot flag and "
              r"HdrS header\) nor a Multiboot kernel \(no Multiboot header\)",
              r"guest old: image guests/vmlinuz-old: boot protocol 2\.11 is too old \(need 2\.12\)",
              r"guest small: image guests/vmlinuz: kernel needs 0x[0-9a-f]+ bytes from 0x200000: "
              r"guest RAM ends at 0x[0-9a-f]+",
              r"cfg: shoji\.cfg:\d+: initrd 'guests/nothing\.gz' was not loaded",
              r"guest elfrd: image guests/hello64\.elf: an 'initrd' is for a Linux kernel "
              r"\(bzImage\) only",
              r"guest bigrd: image guests/vmlinuz: initramfs of \d+ bytes does not fit between "
              r"the kernel \(ends 0x[0-9a-f]+\) and 0x[0-9a-f]+",
              r"\[hello64\] hello64: PASS",
              r"guests: 1 ran \(1 exited, 0 stopped by the hypervisor\)")

    def requires(self, build):
        if not os.path.exists(kernel_path(build)):
            return "needs Debian's cloud kernel at %s (tools/fetch-linux.sh)" % kernel_path(build)
        short = write_variant(build, "vmlinuz-short", lambda d: d[:len(d) // 2])
        magic = write_variant(build, "vmlinuz-magic", lambda d: d[:0x202] + b"HdrX" + d[0x206:])
        old = write_variant(build, "vmlinuz-old", lambda d: d[:0x206] + b"\x0b\x02" + d[0x208:])
        self.guests = (guest("short", short, memory="128M"),
                       guest("magic", magic, image_key="kernel"),
                       guest("old", old, memory="128M"),
                       guest("small", kernel_path(build), memory="32M"),
                       guest("noinitrd", kernel_path(build), memory="128M",
                             initrd="guests/nothing.gz"),
                       guest("elfrd", "hello64.elf", initrd="guests/hello64.elf"),
                       # the kernel itself as its initramfs: 14 MB where 12.5 MB are left
                       guest("bigrd", kernel_path(build), image_key="kernel", memory="80M",
                             initrd="guests/vmlinuz"),
                       guest("hello64"))
        return None


SCENARIOS.append(LinuxBadKernels("uefi-linux-bad-kernels"))


class BochsLinuxInit(LinuxInit):
    """The same on VT-x under Bochs (GRUB loads the kernel and initramfs as modules)."""
    emulator = "bochs"
    bochs_megs = 512
    timeout = 900


SCENARIOS.append(BochsLinuxInit("bochs-linux-init"))


class BochsLinuxSmp(LinuxSmp):
    """The default-configuration kernel with 2 vCPUs on VT-x: the second vCPU starts in
    real mode from the guest's STARTUP IPI under unrestricted guest."""
    emulator = "bochs"
    bochs_megs = 512
    bochs_cpus = 2
    timeout = 900


SCENARIOS.append(BochsLinuxSmp("bochs-linux-smp"))


class LinuxTwo(LinuxPc):
    """Two Linux guests (one with 2 vCPUs) and a test guest at once, each console line
    prefixed with its guest's name; both kernels power off and the test guest passes."""
    qemu_smp = 2
    qemu_mem = "768M"
    timeout = 400
    disk = False
    script = None

    def __init__(self, name):
        super().__init__(name)
        self.expect = tuple(
            r"\[%s\] shoji-init: %s" % (g, m) for g in ("linux-a", "linux-b")
            for m in ("/init running", "cpus %d" % (1 if g == "linux-a" else 2),
                      "sha256 bb9f8df61474d25e", "slept 1 s", "done")) + (
            r"guest linux-a: exited: powered off \(ACPI S5\)",
            r"guest linux-b: exited: powered off \(ACPI S5\)",
            r"\[hello64\] hello64: PASS",
            r"guests: 3 ran \(3 exited, 0 stopped by the hypervisor\)")

    def requires(self, build):
        why = super().requires(build)
        if why:
            return why
        self.guests = tuple(
            guest(name, kernel_path(build), image_key="kernel", memory="128M",
                  cmdline=PC_CMDLINE, initrd="guests/initramfs.cpio.gz", vcpus=n)
            for name, n in (("linux-a", 1), ("linux-b", 2))) + (guest("hello64"),)
        return None


SCENARIOS.append(LinuxTwo("uefi-linux-two"))
