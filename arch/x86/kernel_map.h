/*
 * The hypervisor's own address space: a 1:1 map of all RAM and of the low
 * 4 GiB (MMIO there uncached), the kernel image with per-section rights
 * (text RX, rodata R, data/bss RW+NX), page 0 and every stack guard page
 * unmapped.
 */
#ifndef SHOJI_ARCH_X86_KERNEL_MAP_H
#define SHOJI_ARCH_X86_KERNEL_MAP_H

#include "kernel/core/boot_info.h"
#include "kernel/core/types.h"

/* Build the tables from frames of the frame allocator and switch CR3 to them. */
void kernel_map_init(const struct boot_info *bi);

/* Root of the kernel tables (the PML4 CR3 holds); below 4 GiB. 0 before kernel_map_init. */
hpa_t kernel_map_root(void);

/*
 * Unmap [va, va+size) (4 KiB aligned) from the kernel tables and flush it
 * from this CPU's TLB: guard pages of stacks allocated after boot. Other
 * CPUs are not told: call it before any other CPU can have used the range.
 * Returns 0, -EINVAL (unaligned) or -ENOMEM (no frame to split a large page).
 */
int kernel_map_unmap(uint64_t va, uint64_t size);

/*
 * Re-map RAM [va, va+size) 1:1 as ordinary RAM (write-back, writable), with
 * execute permission or without (NX, the default for RAM). Flushes this
 * CPU's TLB only. For the SMP trampoline's page below 1 MiB, which the
 * starting CPUs execute from with the kernel tables already loaded.
 */
int kernel_map_set_exec(uint64_t va, uint64_t size, bool exec);

#endif
