#!/bin/sh
# Install the Debian packages Shoji's build and tests need. Idempotent: it
# asks apt only for what is missing, so `make run` / `make test` may call it
# every time. sysbench, libc6-dev (a static helper) and python3-matplotlib (charts)
# serve the overhead study (tools/study.py), whose smoke version make test runs.
set -e

PACKAGES="gcc make binutils python3 gnu-efi newlib-source qemu-system-x86 ovmf \
bochs bochs-term bochsbios vgabios grub-pc-bin grub-common xorriso mtools \
dosfstools libcmocka-dev pkg-config xz-utils clang libfuzzer-14-dev \
sysbench libc6-dev python3-matplotlib"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
