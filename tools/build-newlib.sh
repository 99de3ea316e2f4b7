#!/bin/sh
# Build newlib's libc once, for the hypervisor: no SSE/FPU registers, no red
# zone, retargetable locks, per-CPU reent (__DYNAMIC_REENT__). The result
# (include/ and lib/libc.a) lands in $1 (default build/newlib); a stamp file
# makes a second run a no-op.
set -e

OUT=$(realpath -m "${1:-build/newlib}")
TARBALL=/usr/src/newlib/newlib-3.3.0.tar.xz
[ -f "$OUT/.stamp" ] && exit 0
[ -f "$TARBALL" ] || { echo "build-newlib: $TARBALL missing (apt-get install newlib-source)" >&2; exit 1; }

WORK="$OUT.work"
rm -rf "$WORK" "$OUT"
mkdir -p "$WORK"
tar -C "$WORK" -xf "$TARBALL"
SRC="$WORK/newlib-salsa"

# These sources return float/double and cannot be compiled without SSE
# registers; the hypervisor never formats or parses floating point, so they
# are emptied (an empty translation unit keeps the generated Makefiles valid).
for f in __adjust __exp10 __ten_mu atof atoff drand48 erand48 dtoa ecvtbuf efgcvt mprec strtod wcstod; do
	echo "/* emptied by build-newlib.sh: needs SSE */" >"$SRC/newlib/libc/stdlib/$f.c"
done
echo "/* emptied by build-newlib.sh: needs SSE */" >"$SRC/newlib/libc/time/difftime.c"

GCC_INC=$(gcc -print-file-name=include)
mkdir -p "$WORK/build"
cd "$WORK/build"
"$SRC/configure" --target=x86_64-elf --prefix="$OUT" \
	--disable-multilib --disable-libgloss --disable-newlib-supplied-syscalls \
	--enable-newlib-nano-malloc --enable-newlib-io-long-long \
	--enable-newlib-io-c99-formats --disable-newlib-io-float \
	--enable-newlib-retargetable-locking \
	CC_FOR_TARGET="gcc -nostdinc -isystem $GCC_INC" \
	AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld RANLIB_FOR_TARGET=ranlib \
	CFLAGS_FOR_TARGET="-O2 -g -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-pic -ffunction-sections -fdata-sections -D__DYNAMIC_REENT__" \
	>configure.log 2>&1 || { tail -20 configure.log; exit 1; }
make configure-target-newlib >build.log 2>&1 || { tail -30 build.log; exit 1; }
# Generate the real newlib.h before libc is compiled (HARNESS.md): otherwise an
# empty placeholder is used silently and %zu / %hhu stop working.
make -C x86_64-elf/newlib stmp-targ-include >>build.log 2>&1
# Only libc: libm needs floating point registers and the hypervisor has none.
make -j"$(nproc)" -C x86_64-elf/newlib/libc AR_FLAGS=rc >>build.log 2>&1 || { tail -30 build.log; exit 1; }

mkdir -p "$OUT/lib" "$OUT/include"
cp x86_64-elf/newlib/libc/libc.a "$OUT/lib/"
cp -r "$SRC/newlib/libc/include/." "$OUT/include/"
cp x86_64-elf/newlib/newlib.h x86_64-elf/newlib/_newlib_version.h "$OUT/include/"
for h in "$SRC"/newlib/libc/machine/x86_64/machine/*.h; do
	if [ -f "$h" ]; then cp "$h" "$OUT/include/machine/"; fi
done
rm -rf "$WORK"
touch "$OUT/.stamp"
echo "build-newlib: libc ready in $OUT"
