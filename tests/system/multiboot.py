"""Multiboot 1 and Multiboot 2 guest kernels (tests/guests/mb1.c, mb2.c; mb1aout is mb1 as a
flat binary with the a.out-kludge header), named by 'kernel' with one 'module' each: each
checks its entry state and the information structure it receives (magic, command line,
memory sizes and map, the module's content, size and string, the loader's name) and prints
PASS, beside a plain test guest. The bad cases: a header with a bad checksum, a required
flag Shoji cannot honour, a file with no header at all, a module that was not loaded and
a module not fitting the guest's memory: each one exact line, the
other guests unaffected. The same mb1.elf named by 'image' (a plain ELF32 guest, no
information) shows the kernel's checks failing as they should."""
import os
import struct
import zlib

from harness import Scenario, guest

MODULE = "guests/mbmod.txt"
MEMORY_KIB = 16 * 1024
MB1_MAGIC = 0x1BADB002


def module_path(build):
    return os.path.join(build, "guests", "mbmod.txt")


def mb_guest(build, name, image, memory_kib=MEMORY_KIB, module=MODULE):
    data = open(module_path(build), "rb").read()
    cmdline = "memkib=%d modsize=%d modcrc=0x%08x" % (MEMORY_KIB, len(data), zlib.crc32(data))
    return guest(name, image, image_key="kernel", memory="%dK" % memory_kib, cmdline=cmdline,
                 module="%s %s-args x=1" % (module, name))


def mb_expect(name, who):
    c = r"\[%s\] %s: " % (name, who)
    return (c + r"cmdline 'memkib=16384 modsize=\d+ modcrc=0x[0-9a-f]{8}'",
            c + r"module 'guests/mbmod\.txt %s-args x=1'" % name,
            c + r"PASS")


class Multiboot(Scenario):
    qemu_smp = 2
    timeout = 120
    expect = (r"guest mb1: Multiboot 1 kernel, 1 module, information at 0x[0-9a-f]+",
              r"guest mb2: Multiboot 2 kernel, 1 module, information at 0x[0-9a-f]+",
              r"guest mb1aout: Multiboot 1 kernel, 1 module",
              r"\[hello64\] hello64: PASS",
              r"guests: 4 ran \(4 exited, 0 stopped by the hypervisor\), 0 failed to start") + \
        mb_expect("mb1", "mb1") + mb_expect("mb2", "mb2") + mb_expect("mb1aout", "mb1aout")
    forbid = (r"PANIC", r"EXCEPTION", r"FAIL")

    def requires(self, build):
        self.esp_files = ((module_path(build), MODULE),)
        self.guests = (mb_guest(build, "mb1", "mb1.elf"), mb_guest(build, "mb2", "mb2.elf"),
                       mb_guest(build, "mb1aout", "mb1aout.bin"), guest("hello64"))
        return None


class BochsMultiboot(Multiboot):
    """The same on VT-x under Bochs: GRUB brings the kernels and the module as modules."""
    emulator = "bochs"
    bochs_cpus = 2
    timeout = 400


def write_mb1_variant(build, name, flags=None, checksum_delta=0):
    """A copy of mb1.elf with its header's flags and checksum changed, in BUILD/guests."""
    data = bytearray(open(os.path.join(build, "guests", "mb1.elf"), "rb").read())
    off = next(o for o in range(0, 8192, 4) if struct.unpack_from("<I", data, o)[0] == MB1_MAGIC)
    if flags is not None:
        struct.pack_into("<II", data, off + 4, flags, (-(MB1_MAGIC + flags)) & 0xffffffff)
    chk = struct.unpack_from("<I", data, off + 8)[0]
    struct.pack_into("<I", data, off + 8, (chk + checksum_delta) & 0xffffffff)
    path = os.path.join(build, "guests", name)
    with open(path, "wb") as f:
        f.write(data)
    return path


class MultibootBad(Scenario):
    qemu_smp = 2
    timeout = 120
    forbid = (r"PANIC", r"EXCEPTION", r"\[badsum\]", r"\[video\]", r"\[nohdr\]", r"\[nomod\]",
              r"\[tight\]")
    expect = (r"guest badsum: image guests/mb1-badsum\.elf: Multiboot header at 0x1000: bad "
              r"checksum",
              r"guest video: image guests/mb1-video\.elf: Multiboot header at 0x1000 requires "
              r"video mode information \(flags bit 2\): Shoji has no framebuffer for guests",
              r"guest nohdr: image guests/hello64\.elf: neither a bzImage \(no boot flag and "
              r"HdrS header\) nor a Multiboot kernel \(no Multiboot header\)",
              r"cfg: shoji\.cfg:\d+: module 'guests/nothing\.txt' was not loaded",
              r"cfg: shoji\.cfg:\d+: guest 'nomod' skipped",
              r"guest tight: image guests/mb2\.elf: module 1 \(1048576 bytes\) does not fit in "
              r"guest memory: it would end at 0x2[0-9a-f]{5}, usable RAM ends at 0x1ff000",
              # Named by 'image', mb1.elf is a plain ELF32: no magic, and the kernel says so.
              r"\[plain\] mb1: FAIL EAX magic \(0x00000000\)",
              r"\[hello64\] hello64: PASS",
              r"guests: 2 ran \(2 exited, 0 stopped by the hypervisor\), 4 failed to start")

    def requires(self, build):
        self.esp_files = ((module_path(build), MODULE),)
        badsum = write_mb1_variant(build, "mb1-badsum.elf", checksum_delta=1)
        video = write_mb1_variant(build, "mb1-video.elf", flags=0x7)
        # 2 MiB: the kernel ends near 0x105000 and a 1 MiB module would run past the prot32
        # tables at 0x1ff000.
        big = os.path.join(build, "guests", "mbbig.bin")
        with open(big, "wb") as f:
            f.write(bytes(1 << 20))
        self.esp_files = ((module_path(build), MODULE), (big, "guests/mbbig.bin"))
        self.guests = (mb_guest(build, "badsum", badsum), mb_guest(build, "video", video),
                       mb_guest(build, "nohdr", "hello64.elf"),
                       mb_guest(build, "nomod", "mb2.elf", module="guests/nothing.txt"),
                       mb_guest(build, "tight", "mb2.elf", memory_kib=2048,
                                module="guests/mbbig.bin"),
                       guest("plain", "mb1.elf"), guest("hello64"))
        return None


SCENARIOS = [Multiboot("uefi-multiboot"), BochsMultiboot("bochs-multiboot"),
             MultibootBad("uefi-multiboot-bad")]
