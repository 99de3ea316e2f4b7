/*
 * Physical frame allocator: one bit per 4 KiB frame over [0, top of RAM).
 * The bitmap's storage is handed in by the caller (mm.c finds it in RAM,
 * unit tests use malloc). Frame 0 is never handed out, so 0 means failure.
 */
#ifndef SHOJI_KERNEL_PMM_H
#define SHOJI_KERNEL_PMM_H

#include "kernel/core/types.h"

struct pmm_stats {
	uint64_t total_frames; /* frames released to the allocator at boot */
	uint64_t free_frames;
};

/* Bytes of bitmap needed for frame_count frames. */
size_t pmm_bitmap_bytes(uint64_t frame_count);
/* Start with every frame in use. */
void pmm_init(uint64_t *bitmap, uint64_t frame_count);
/* Make RAM available (rounded inward to whole frames). */
void pmm_release_range(hpa_t base, uint64_t size);
/* Take frames out of use (rounded outward): kernel, modules, firmware data. */
void pmm_reserve_range(hpa_t base, uint64_t size);

/* `count` contiguous frames whose start is aligned to `align` bytes (a power of two >= 4 KiB). */
hpa_t pmm_alloc_frames(uint64_t count, uint64_t align);
hpa_t pmm_alloc_frame(void);
/* Returns -EINVAL (and frees nothing) if any frame is out of range or already free. */
int pmm_free_frames(hpa_t base, uint64_t count);

void pmm_get_stats(struct pmm_stats *stats);

#endif
