#!/bin/sh
# mkiso-linux.sh ISO VMLINUZ INITRD CMDLINE: a GRUB 2 rescue ISO (legacy BIOS, as mkiso.sh
# makes them) that boots a Linux bzImage natively, without Shoji: `linux /vmlinuz CMDLINE`
# and `initrd /initrd` (INITRD as given: GRUB's initrd does not gunzip). The boot
# benchmark's native column (tools/bench.py --linux).
set -e
[ $# -eq 4 ] || { echo "usage: $0 ISO VMLINUZ INITRD CMDLINE" >&2; exit 2; }
iso=$1 kernel=$2 initrd=$3 cmdline=$4
tree=$iso.tree
rm -rf "$tree"
mkdir -p "$tree/boot/grub"
cp "$kernel" "$tree/vmlinuz"
cp "$initrd" "$tree/initrd"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'serial --unit=0 --speed=115200'
	echo 'terminal_input serial console'
	echo 'terminal_output serial console'
	echo 'menuentry "Linux" {'
	echo "	linux /vmlinuz $cmdline"
	echo '	initrd /initrd'
	echo '	boot'
	echo '}'
} >"$tree/boot/grub/grub.cfg"
grub-mkrescue -o "$iso" "$tree" >"$iso.log" 2>&1 || { cat "$iso.log" >&2; exit 1; }
rm -rf "$tree" "$iso.log"
