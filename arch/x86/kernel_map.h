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

/*
 * Windows: ranges of hypervisor VA above the 1:1 map (from 1 TiB) whose
 * 4 KiB pages map frames anywhere, for RAM that is not one contiguous run
 * (a copy-on-write clone's: shared frames read-only, its own writable).
 * Window mappings are not global, so a CR3 reload drops them.
 */

/* A window of size bytes (2 MiB granules, never two users at once): 0 and *va, or -ENOSPC. */
int kernel_window_alloc(uint64_t size, uint64_t *va);

/* Map [va, va+size) of a window to [hpa, hpa+size); this CPU's TLB is flushed for it. */
int kernel_window_map(uint64_t va, hpa_t hpa, uint64_t size, bool writable);

/*
 * Give a window back, in two steps around a flush of every CPU's TLB
 * (kernel_map_flush_all_local on each): unlink unmaps it and detaches its
 * page tables; release frees those tables and the range.
 */
void kernel_window_unlink(uint64_t va, uint64_t size);
void kernel_window_release(uint64_t va, uint64_t size);

/* Drop this CPU's non-global translations and cached paging structures (CR3 reload). */
void kernel_map_flush_all_local(void);

#endif
