#!/usr/bin/env python3
"""The overhead study's initramfs (tools/study.py): Debian's static BusyBox, Debian's
sysbench with its loader and every library ldd lists for it (from this machine: install
the sysbench package), tools/study/init.sh as /init, tools/study/run.sh as /bin/study-run
and the helpers the caller built static from tools/study/ (--bin NAME=PATH: /bin/NAME).

usage: tools/study_initramfs.py [--kvm VMLINUZ --vmm STUDY_KVM --module M.ko ...]
                                [--bin NAME=PATH ...] BUSYBOX OUT
BUSYBOX as tools/mkinitramfs.py takes it (the binary, or an initramfs holding one).
--kvm builds the hosted-hypervisor column's variant: the same files, plus the kernel as
/boot/vmlinuz, the plain variant as /boot/inner.cpio.gz (what the hosted guest boots),
study-kvm (tools/study/kvm_vmm.c, built static) and the KVM modules (/lib/modules)."""
import argparse
import gzip
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkinitramfs  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "study")
SYSBENCH = "/usr/bin/sysbench"


def shared_libs(binary):
    """(path here, path in the initramfs) for the loader and each library ldd lists."""
    out = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libs.append((os.path.realpath(parts[2]), parts[2].lstrip("/")))
        elif parts and parts[0].startswith("/"):  # the loader, by its PT_INTERP path
            libs.append((os.path.realpath(parts[0]), parts[0].lstrip("/")))
    return libs


def read(path):
    with open(path, "rb") as f:
        return f.read()


def archive(files):
    """A gzipped newc archive of (path, bytes), with the directories they need."""
    dirs, entries = [], []
    for name, _ in files:
        parts = name.split("/")
        dirs += ["/".join(parts[:i]) for i in range(1, len(parts))
                 if "/".join(parts[:i]) not in dirs]
    for ino, d in enumerate(dirs, 1):
        entries.append(mkinitramfs.entry(ino, d, mkinitramfs.MODE_DIR))
    for ino, (name, data) in enumerate(files, len(dirs) + 1):
        entries.append(mkinitramfs.entry(ino, name, mkinitramfs.MODE_FILE, data))
    return gzip.compress(b"".join(entries + [mkinitramfs.entry(0, "TRAILER!!!", 0)]), 6,
                         mtime=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kvm", metavar="VMLINUZ", help="the hosted column's variant")
    ap.add_argument("--vmm", help="study-kvm, for --kvm")
    ap.add_argument("--module", action="append", default=[], help="a KVM module, for --kvm")
    ap.add_argument("--bin", action="append", default=[], help="NAME=PATH: /bin/NAME")
    ap.add_argument("busybox")
    ap.add_argument("out")
    args = ap.parse_args()
    if not os.path.exists(SYSBENCH):
        sys.exit("study_initramfs: no %s (apt-get install sysbench)" % SYSBENCH)
    bb = read(args.busybox)
    if bb[:2] == b"\x1f\x8b":
        bb = mkinitramfs.busybox_from_archive(bb)
        if bb is None:
            sys.exit("study_initramfs: %s holds no bin/busybox" % args.busybox)
    files = [("bin/busybox", bb), ("init", read(os.path.join(HERE, "init.sh"))),
             ("bin/study-run", read(os.path.join(HERE, "run.sh"))),
             ("usr/bin/sysbench", read(SYSBENCH))]
    for b in args.bin:
        name, sep, path = b.partition("=")
        if not sep or "/" in name:
            sys.exit("study_initramfs: --bin takes NAME=PATH, not %s" % b)
        files.append(("bin/" + name, read(path)))
    files += [(dest, read(src)) for src, dest in shared_libs(SYSBENCH)]
    data = archive(files)
    if args.kvm:
        if not args.vmm or not args.module:
            sys.exit("study_initramfs: --kvm needs --vmm and the KVM modules (--module)")
        files += [("boot/vmlinuz", read(args.kvm)), ("boot/inner.cpio.gz", data),
                  ("bin/study-kvm", read(args.vmm))]
        files += [("lib/modules/" + os.path.basename(m), read(m)) for m in args.module]
        data = archive(files)
    with open(args.out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
