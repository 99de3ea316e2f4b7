#!/bin/sh
# run-bochs.sh ISO SERIAL_LOG [CPU_MODEL [CPUS [MEGS]]]: boot a GRUB ISO in
# Bochs headless (HARNESS.md), COM1 into SERIAL_LOG, Bochs' own log next to
# it. `clock: sync=none` makes the TSC count emulated instructions exactly.
# The run ends when the kernel writes "Shutdown" to port 0x8900; wrap this
# script in `timeout`.
set -e
[ $# -ge 2 ] || { echo "usage: $0 ISO SERIAL_LOG [CPU_MODEL [CPUS [MEGS]]]" >&2; exit 2; }
ISO=$(realpath "$1")
SERIAL_LOG=$(realpath -m "$2")
MODEL=${3:-corei7_haswell_4770}
CPUS=${4:-1}
MEGS=${5:-256}
dir=$(dirname "$SERIAL_LOG")
rc="$dir/bochsrc"
cat >"$rc" <<RC
display_library: term
megs: $MEGS
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=$MODEL, count=$CPUS, ips=50000000, reset_on_triple_fault=0, ignore_bad_msrs=1
clock: sync=none, time0=local
ata0-master: type=cdrom, path=$ISO, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$SERIAL_LOG
port_e9_hack: enabled=1
log: $dir/bochs.log
panic: action=fatal
error: action=report
magic_break: enabled=1
RC
printf 'continue\nquit\n' >"$dir/bochs.cmds"
rm -f "$SERIAL_LOG"
cd "$dir"
TERM=dumb exec bochs -q -f "$rc" -rc "$dir/bochs.cmds" </dev/null >"$dir/bochs.out" 2>&1
