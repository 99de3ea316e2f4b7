"""Debian's own kernel (linux-image-cloud-amd64, fetched by tools/fetch-linux.sh into
BUILD/linux, never committed) as a guest: loaded through the Linux boot protocol (bzImage
setup header, zero page with e820 and command line, 64-bit entry) and printing through the
virtual UART. The platform Linux needs beyond that (PIC, PIT, APIC, ...) is the next step of
issue 10: these scenarios check what a correct loader shows, the kernel's own account of the
memory map and command line it was given."""
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
        self.guests = (guest("linux", path, memory="128M", cmdline=CMDLINE),)
        return None


SCENARIOS = [LinuxEarlyBoot("uefi-linux-early-boot")]
