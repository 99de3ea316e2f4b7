/*
 * The hypervisor's own address space: a 1:1 map of all RAM and of the low
 * 4 GiB (MMIO there uncached), the kernel image with per-section rights
 * (text RX, rodata R, data/bss RW+NX), page 0 and every stack guard page
 * unmapped.
 */
#ifndef SHOJI_ARCH_X86_KERNEL_MAP_H
#define SHOJI_ARCH_X86_KERNEL_MAP_H

#include "kernel/boot_info.h"

/* Build the tables from frames of the frame allocator and switch CR3 to them. */
void kernel_map_init(const struct boot_info *bi);

#endif
