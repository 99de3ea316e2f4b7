/*
 * Memory set-up at boot: the frame allocator over the loader's memory map
 * (minus the kernel image, the modules and the first MiB) and the heap
 * behind malloc.
 */
#ifndef SHOJI_KERNEL_MM_H
#define SHOJI_KERNEL_MM_H

#include "kernel/core/boot_info.h"
#include "kernel/core/types.h"

/* Bytes of RAM the memory map calls usable (what the boot summary reports). */
uint64_t mm_usable_bytes(const struct boot_info *bi);
/* Highest end address of any usable region. */
uint64_t mm_usable_top(const struct boot_info *bi);

/*
 * Pick a place for `size` bytes inside usable RAM, 4 KiB aligned, between
 * 1 MiB and 4 GiB, clear of the kernel and every module. Returns 0 if none fits.
 */
hpa_t mm_find_free_range(const struct boot_info *bi, uint64_t size);

/* Set up the frame allocator; panics if there is no room for its bitmap. */
void mm_init(const struct boot_info *bi);

#endif
