#!/bin/sh
# mkesp.sh ESPDIR LOADER KERNEL CONFIG [FILE...]: lay out an EFI system
# partition tree that OVMF (or a USB stick's FAT partition) boots:
#   EFI/BOOT/BOOTX64.EFI, shoji/kernel.elf, shoji/shoji.cfg, shoji/<files>
# Extra FILEs are given as SRC=DEST (DEST relative to shoji/).
set -e
[ $# -ge 4 ] || { echo "usage: $0 ESPDIR LOADER KERNEL CONFIG [SRC=DEST...]" >&2; exit 2; }
esp=$1 loader=$2 kernel=$3 config=$4
shift 4
rm -rf "$esp"
mkdir -p "$esp/EFI/BOOT" "$esp/shoji"
cp "$loader" "$esp/EFI/BOOT/BOOTX64.EFI"
[ "$kernel" = none ] || cp "$kernel" "$esp/shoji/kernel.elf"
[ "$config" = none ] || cp "$config" "$esp/shoji/shoji.cfg"
for f in "$@"; do
	src=${f%%=*} dest=${f#*=}
	mkdir -p "$(dirname "$esp/shoji/$dest")"
	cp "$src" "$esp/shoji/$dest"
done
