#!/usr/bin/env python3
"""Build the test initramfs (a gzipped newc cpio, written here so no cpio tool or root is
needed): Debian's static BusyBox and an /init that prints markers on the console, runs a
small workload (a checksum over generated data, `sleep 1` to prove the timer) and powers
off. Usage: tools/mkinitramfs.py BUSYBOX OUT.cpio.gz"""
import gzip
import sys

INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /dev /proc /sys /tmp
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
echo "shoji-init: /init running, $(cat /proc/cmdline | wc -w) command-line words"
echo "shoji-init: cpus $(grep -c ^processor /proc/cpuinfo)"
echo "shoji-init: sha256 $(dd if=/dev/zero bs=1024 count=4096 2>/dev/null | sha256sum | cut -c1-16)"
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
    busybox, out = sys.argv[1], sys.argv[2]
    with open(busybox, "rb") as f:
        bb = f.read()
    archive = b"".join([
        entry(1, "bin", MODE_DIR),
        entry(2, "bin/busybox", MODE_FILE, bb),
        entry(3, "init", MODE_FILE, INIT.encode()),
        entry(4, "TRAILER!!!", 0),
    ])
    with open(out, "wb") as f:
        f.write(gzip.compress(archive, 9, mtime=0))


if __name__ == "__main__":
    main()
