#!/bin/sh
# Debian's cloud kernel for the Linux guest tests, from Debian's registry,
# never committed: tools/fetch-linux.sh DIR puts the bzImage at DIR/vmlinuz
# (and its version in DIR/version). The version comes from the
# linux-image-cloud-amd64 metapackage. Idempotent: nothing to do when
# DIR/vmlinuz is there.
set -e

dir=${1:?usage: tools/fetch-linux.sh DIR}
[ -s "$dir/vmlinuz" ] && exit 0

pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get update -qq
	pkg=$(apt-cache depends linux-image-cloud-amd64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
fi
[ -n "$pkg" ] || { echo "fetch-linux: no linux-image-cloud-amd64 in apt" >&2; exit 1; }

echo "fetch-linux: $pkg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null)
dpkg-deb -x "$tmp"/*.deb "$tmp/root"
mkdir -p "$dir"
cp "$tmp"/root/boot/vmlinuz-* "$dir/vmlinuz.part"
mv "$dir/vmlinuz.part" "$dir/vmlinuz"
echo "${pkg#linux-image-}" >"$dir/version"
