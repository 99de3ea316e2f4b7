#!/usr/bin/env python3
"""Build the test initramfs (a gzipped newc cpio, written here so no cpio tool or root is
needed): Debian's static BusyBox and an /init that prints markers on the console, runs a
small workload (a checksum over generated data, `sleep 1` to prove the timer) and powers
off; with a virtio disk (/dev/vda, its drivers loaded from the modules given), it also
checksums the disk and writes and reads back a sector.
Usage: tools/mkinitramfs.py [--boot-marker] BUSYBOX OUT.cpio.gz [MODULE.ko ...]
(modules in load order).

BUSYBOX is Debian's static BusyBox, or an initramfs this tool made (its bin/busybox is
reused). --boot-marker builds the boot benchmark's variant (tools/bench.py --linux): /init
prints the same first marker, then runs /bin/shoji-mark, which executes `xchg %bx,%bx`
(Bochs's magic breakpoint: the debugger stops and prints its tick count there, in or out of
VMX non-root mode; a plain no-op elsewhere), and powers off at once."""
import argparse
import gzip
import os
import struct
import sys

INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /dev /proc /sys /tmp
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "shoji-init: /init running, $(cat /proc/cmdline | wc -w) command-line words"
echo "shoji-init: cpus $(grep -c ^processor /proc/cpuinfo)"
echo "shoji-init: sha256 $(dd if=/dev/zero bs=1024 count=4096 2>/dev/null | sha256sum | cut -c1-16)"
for m in $(cat /lib/modules/order 2>/dev/null); do insmod /lib/modules/$m.ko; done
if [ -b /dev/vda ]; then
    echo "shoji-init: vda $(cat /sys/block/vda/size) sectors, sha256 $(sha256sum /dev/vda | cut -c1-16)"
    printf shoji-disk | dd of=/dev/vda bs=512 seek=1 conv=notrunc,fsync 2>/dev/null
    blockdev --flushbufs /dev/vda
    echo "shoji-init: vda sector 1 reads $(dd if=/dev/vda bs=512 skip=1 count=1 2>/dev/null | head -c 10)"
fi
if grep -q shoji.read /proc/cmdline; then
    echo "shoji-init: type a line"
    if read -t 120 line; then echo "shoji-init: read '$line'"; else echo "shoji-init: read nothing"; fi
fi
t0=$(cut -d' ' -f1 /proc/uptime)
sleep 1
echo "shoji-init: slept 1 s: uptime $t0 -> $(cut -d' ' -f1 /proc/uptime)"
echo "shoji-init: done"
poweroff -f
"""

# The boot benchmark's /init: the default one's first lines up to its first marker, then the
# meter's mark and power-off; nothing else runs, so exit counts cover the boot alone.
MARKER_INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /dev /proc /sys /tmp
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox echo "shoji-init: /init running (boot marker)"
/bin/shoji-mark
/bin/busybox poweroff -f
"""

# /bin/shoji-mark's code: xchg %bx,%bx (66 87 db, Bochs's magic breakpoint); then
# exit(0): mov $60,%eax; xor %edi,%edi; syscall.
MARK_CODE = bytes.fromhex("6687db" "b83c000000" "31ff" "0f05")
MARK_VADDR = 0x400000
MARK_ENTRY_OFFSET = 64 + 56  # the code follows the ELF header and the one program header


def mark_elf():
    """A minimal static x86-64 ELF executable: ELF header, one PT_LOAD (R+X) over the whole
    file, the code right after the headers (ELF-64 Object File Format, 1.5)."""
    ehsize, phsize = 64, 56
    entry_off = MARK_ENTRY_OFFSET
    size = entry_off + len(MARK_CODE)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, v1, SysV
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 0x3e, 1, MARK_VADDR + entry_off, ehsize, 0,
                               0, ehsize, phsize, 1, 0, 0, 0)  # ET_EXEC, EM_X86_64
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, MARK_VADDR, MARK_VADDR, size, size, 0x1000)
    return ehdr + phdr + MARK_CODE


def busybox_from_archive(data):
    """bin/busybox out of a gzipped newc archive (as entry() writes them), or None."""
    raw, pos = gzip.decompress(data), 0
    while raw[pos:pos + 6] == b"070701":
        fields = [int(raw[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        name = raw[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        if name == "bin/busybox":
            return raw[pos:pos + size]
        pos += size + (-size % 4)
    return None


MODE_DIR = 0o040755
MODE_FILE = 0o100755


def entry(ino, name, mode, data=b""):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
    head = b"070701" + b"".join(b"%08x" % f for f in fields)
    out = head + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def main():
    ap = argparse.ArgumentParser(description="Build the Linux tests' BusyBox initramfs.")
    ap.add_argument("--boot-marker", action="store_true",
                    help="the boot benchmark's variant (tools/bench.py --linux)")
    ap.add_argument("busybox")
    ap.add_argument("out")
    ap.add_argument("modules", nargs="*", help="kernel modules for /init to load, in order")
    args = ap.parse_args()
    with open(args.busybox, "rb") as f:
        bb = f.read()
    if bb[:2] == b"\x1f\x8b":
        bb = busybox_from_archive(bb)
        if bb is None:
            sys.exit("mkinitramfs: %s holds no bin/busybox" % args.busybox)
    files = [entry(1, "bin", MODE_DIR), entry(2, "bin/busybox", MODE_FILE, bb)]
    if args.boot_marker:
        files += [entry(3, "init", MODE_FILE, MARKER_INIT.encode()),
                  entry(4, "bin/shoji-mark", MODE_FILE, mark_elf())]
    else:
        files.append(entry(3, "init", MODE_FILE, INIT.encode()))
    if args.modules:
        names = [os.path.basename(m)[:-len(".ko")] for m in args.modules]
        files += [entry(10, "lib", MODE_DIR), entry(11, "lib/modules", MODE_DIR),
                  entry(12, "lib/modules/order", MODE_FILE, ("\n".join(names) + "\n").encode())]
        for i, (m, name) in enumerate(zip(args.modules, names)):
            with open(m, "rb") as f:
                files.append(entry(13 + i, "lib/modules/%s.ko" % name, MODE_FILE, f.read()))
    archive = b"".join(files + [entry(100, "TRAILER!!!", 0)])
    with open(args.out, "wb") as f:
        f.write(gzip.compress(archive, 9, mtime=0))


if __name__ == "__main__":
    main()
