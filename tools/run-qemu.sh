#!/bin/sh
# run-qemu.sh ESPDIR [extra qemu args...]: boot Shoji from an ESP directory in
# QEMU + OVMF, headless, serial console on stdout. The guest may end the run
# through the isa-debug-exit port 0xf4. Uses KVM when /dev/kvm can run a
# normal guest, TCG otherwise, and says which.
set -e
esp=$1
shift
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
vars=$(mktemp /tmp/shoji-vars.XXXXXX)
trap 'rm -f "$vars"' EXIT
cp "$OVMF_VARS" "$vars"

# KVM only if the host CPU shows VMX/SVM (nested virtualization) and QEMU can
# start a guest with it: a working probe keeps running until timeout (124).
accel=tcg cpu=max
if [ -w /dev/kvm ] && grep -q -E '^flags.* (vmx|svm)( |$)' /proc/cpuinfo; then
	set +e
	timeout 3 qemu-system-x86_64 -machine accel=kvm -cpu host -m 16M -nodefaults \
		-display none -no-reboot >/dev/null 2>&1
	[ $? -eq 124 ] && accel=kvm cpu=host
	set -e
fi
[ -n "$SHOJI_QUIET" ] || echo "run-qemu: accel=$accel cpu=$cpu" >&2

exec qemu-system-x86_64 -machine q35,accel=$accel -cpu $cpu -smp ${SMP:-4} -m ${MEM:-512M} \
	-nodefaults -display none -no-reboot \
	-drive if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE \
	-drive if=pflash,format=raw,unit=1,file="$vars" \
	-drive file=fat:rw:"$esp",format=raw,if=virtio \
	-serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
