#!/usr/bin/env python3
"""Build the test initramfs (a gzipped newc cpio, written here so no cpio tool or root is
needed): Debian's static BusyBox and an /init that prints markers on the console, runs a
small workload (a checksum over generated data, `sleep 1` to prove the timer) and powers
off; with a virtio disk (/dev/vda, its drivers loaded from the modules given), it also
checksums the disk and writes and reads back a sector.
Usage: tools/mkinitramfs.py BUSYBOX OUT.cpio.gz [MODULE.ko ...] (modules in load order)"""
import gzip
import os
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
t0=$(cut -d' ' -f1 /proc/uptime)
sleep 1
echo "shoji-init: slept 1 s: uptime $t0 -> $(cut -d' ' -f1 /proc/uptime)"
echo "shoji-init: done"
poweroff -f
"""

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
    busybox, out, modules = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(busybox, "rb") as f:
        bb = f.read()
    entries = [
        entry(1, "bin", MODE_DIR),
        entry(2, "bin/busybox", MODE_FILE, bb),
        entry(3, "init", MODE_FILE, INIT.encode()),
    ]
    if modules:
        names = [os.path.basename(m)[:-len(".ko")] for m in modules]
        entries += [entry(4, "lib", MODE_DIR), entry(5, "lib/modules", MODE_DIR),
                    entry(6, "lib/modules/order", MODE_FILE, ("\n".join(names) + "\n").encode())]
        for i, (m, name) in enumerate(zip(modules, names)):
            with open(m, "rb") as f:
                entries.append(entry(7 + i, "lib/modules/%s.ko" % name, MODE_FILE, f.read()))
    entries.append(entry(100, "TRAILER!!!", 0))
    archive = b"".join(entries)
    with open(out, "wb") as f:
        f.write(gzip.compress(archive, 9, mtime=0))


if __name__ == "__main__":
    main()
