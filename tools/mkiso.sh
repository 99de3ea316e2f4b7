#!/bin/sh
# mkiso.sh ISO KERNEL CONFIG CMDLINE [SRC=DEST...]: a GRUB 2 rescue ISO (legacy
# BIOS) that boots KERNEL through Multiboot2 with CMDLINE, the config as module
# "shoji.cfg" and each extra file as a module named DEST (stored in /boot/DEST).
set -e
[ $# -ge 4 ] || { echo "usage: $0 ISO KERNEL CONFIG CMDLINE [SRC=DEST...]" >&2; exit 2; }
iso=$1 kernel=$2 config=$3 cmdline=$4
shift 4
tree=$iso.tree
rm -rf "$tree"
mkdir -p "$tree/boot/grub"
cp "$kernel" "$tree/boot/kernel.elf"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'serial --unit=0 --speed=115200'
	echo 'terminal_input serial console'
	echo 'terminal_output serial console'
	echo 'menuentry "Shoji" {'
	echo "	multiboot2 /boot/kernel.elf $cmdline"
	if [ "$config" != none ]; then
		cp "$config" "$tree/boot/shoji.cfg"
		echo "	module2 /boot/shoji.cfg shoji.cfg"
	fi
	for f in "$@"; do
		src=${f%%=*} dest=${f#*=}
		mkdir -p "$(dirname "$tree/boot/$dest")"
		cp "$src" "$tree/boot/$dest"
		echo "	module2 /boot/$dest $dest"
	done
	echo '	boot'
	echo '}'
} >"$tree/boot/grub/grub.cfg"
grub-mkrescue -o "$iso" "$tree" >"$iso.log" 2>&1 || { cat "$iso.log" >&2; exit 1; }
rm -rf "$tree" "$iso.log"
