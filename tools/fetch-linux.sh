#!/bin/sh
# The Linux guest tests' artifacts, from Debian's registry, never committed:
# tools/fetch-linux.sh DIR puts Debian's cloud kernel at DIR/vmlinuz (its
# version in DIR/version; resolved through the linux-image-cloud-amd64
# metapackage) and a BusyBox initramfs (busybox-static, tools/mkinitramfs.py)
# at DIR/initramfs.cpio.gz with the kernel's virtio-mmio and virtio-blk modules
# (DIR/modules/, with the KVM modules the overhead study loads). Idempotent: what
# is there is kept.
set -e

dir=${1:?usage: tools/fetch-linux.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
MODULES="virtio_ring virtio virtio_mmio virtio_blk" # in load order (each needs the ones before)
KVM_MODULES="irqbypass kvm kvm-intel kvm-amd"       # the overhead study's hosted column
[ -s "$dir/vmlinuz" ] && [ -s "$dir/modules/virtio_blk.ko" ] && [ -s "$dir/modules/kvm.ko" ] &&
	[ -s "$dir/initramfs.cpio.gz" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
kernel_package() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1
}
# Downloads then unpacks package $1 into $tmp/root.
fetch() {
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$1" >/dev/null)
	dpkg-deb -x "$tmp"/"$(echo "$1" | sed 's/:.*//')"_*.deb "$tmp/root"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dir"
[ -n "$(kernel_package)" ] || $SUDO apt-get update -qq

if [ ! -s "$dir/vmlinuz" ] || [ ! -s "$dir/modules/virtio_blk.ko" ] ||
	[ ! -s "$dir/modules/kvm.ko" ]; then
	pkg=$(kernel_package)
	[ -n "$pkg" ] || { echo "fetch-linux: no linux-image-cloud-amd64 in apt" >&2; exit 1; }
	echo "fetch-linux: $pkg"
	fetch "$pkg"
	cp "$tmp"/root/boot/vmlinuz-* "$dir/vmlinuz.part"
	mv "$dir/vmlinuz.part" "$dir/vmlinuz"
	echo "${pkg#linux-image-}" >"$dir/version"
	mkdir -p "$dir/modules"
	for m in $MODULES $KVM_MODULES; do
		find "$tmp/root/lib/modules" -name "$m.ko" -exec cp {} "$dir/modules/" \;
		[ -s "$dir/modules/$m.ko" ] || { echo "fetch-linux: no $m.ko in $pkg" >&2; exit 1; }
	done
	rm -f "$dir/initramfs.cpio.gz" # rebuilt with these modules
fi
if [ ! -s "$dir/initramfs.cpio.gz" ]; then
	echo "fetch-linux: busybox-static"
	fetch busybox-static
	python3 "$here/mkinitramfs.py" "$tmp/root/bin/busybox" "$dir/initramfs.cpio.gz.part" \
		$(for m in $MODULES; do echo "$dir/modules/$m.ko"; done)
	mv "$dir/initramfs.cpio.gz.part" "$dir/initramfs.cpio.gz"
fi
