/*
 * Bitmap frame allocator. Simple and exact: allocation scans for a free run
 * (first fit from a moving hint for single frames), which is fine for the
 * hypervisor's rare, mostly boot-time allocations. A set bit means "in use".
 */
#include "kernel/mm/pmm.h"

#include <errno.h>

#include "kernel/core/log.h"
#include "kernel/core/spinlock.h"

#define BITS 64

static struct {
	uint64_t *bitmap;
	uint64_t frames;
	uint64_t total;
	uint64_t free;
	uint64_t hint;
	struct spinlock lock;
} pmm;

static inline bool frame_used(uint64_t f)
{
	return pmm.bitmap[f / BITS] & (1ULL << (f % BITS));
}

static inline void frame_set(uint64_t f)
{
	pmm.bitmap[f / BITS] |= 1ULL << (f % BITS);
}

static inline void frame_clear(uint64_t f)
{
	pmm.bitmap[f / BITS] &= ~(1ULL << (f % BITS));
}

size_t pmm_bitmap_bytes(uint64_t frame_count)
{
	return (frame_count + BITS - 1) / BITS * sizeof(uint64_t);
}

void pmm_init(uint64_t *bitmap, uint64_t frame_count)
{
	pmm.bitmap = bitmap;
	pmm.frames = frame_count;
	pmm.total = pmm.free = pmm.hint = 0;
	for (uint64_t i = 0; i < pmm_bitmap_bytes(frame_count) / sizeof(uint64_t); i++)
		bitmap[i] = ~0ULL;
}

void pmm_release_range(hpa_t base, uint64_t size)
{
	uint64_t first = ALIGN_UP(base, PAGE_SIZE) / PAGE_SIZE;
	uint64_t end = ALIGN_DOWN(base + size, PAGE_SIZE) / PAGE_SIZE;
	end = MIN(end, pmm.frames);
	spin_lock(&pmm.lock);
	for (uint64_t f = MAX(first, 1); f < end;) {
		/* Whole words of used frames at once: boot releases all of RAM this way. */
		if (f % BITS == 0 && end - f >= BITS && pmm.bitmap[f / BITS] == ~0ULL) {
			pmm.bitmap[f / BITS] = 0;
			pmm.total += BITS;
			pmm.free += BITS;
			f += BITS;
			continue;
		}
		if (frame_used(f)) {
			frame_clear(f);
			pmm.total++;
			pmm.free++;
		}
		f++;
	}
	spin_unlock(&pmm.lock);
}

void pmm_reserve_range(hpa_t base, uint64_t size)
{
	uint64_t first = ALIGN_DOWN(base, PAGE_SIZE) / PAGE_SIZE;
	uint64_t end = ALIGN_UP(base + size, PAGE_SIZE) / PAGE_SIZE;
	spin_lock(&pmm.lock);
	end = MIN(end, pmm.frames);
	for (uint64_t f = first; f < end;) {
		/* Whole free words at once: modules can span megabytes. */
		if (f % BITS == 0 && end - f >= BITS && pmm.bitmap[f / BITS] == 0) {
			pmm.bitmap[f / BITS] = ~0ULL;
			pmm.free -= BITS;
			f += BITS;
			continue;
		}
		if (!frame_used(f)) {
			frame_set(f);
			pmm.free--;
		}
		f++;
	}
	spin_unlock(&pmm.lock);
}

/* Free frames from f on, up to count: whole bitmap words at once where aligned. */
static uint64_t free_run_length(uint64_t f, uint64_t count)
{
	uint64_t i = 0;
	while (i < count) {
		if ((f + i) % BITS == 0 && count - i >= BITS && !pmm.bitmap[(f + i) / BITS]) {
			i += BITS;
			continue;
		}
		if (frame_used(f + i))
			break;
		i++;
	}
	return i;
}

/* Mark [f, f+count) used (used = true) or free: whole words where aligned. */
static void set_run(uint64_t f, uint64_t count, bool used)
{
	for (uint64_t end = f + count; f < end;) {
		if (f % BITS == 0 && end - f >= BITS) {
			pmm.bitmap[f / BITS] = used ? ~0ULL : 0;
			f += BITS;
			continue;
		}
		if (used)
			frame_set(f);
		else
			frame_clear(f);
		f++;
	}
}

/* First free run of `count` frames at an aligned start in [from, pmm.frames). */
static uint64_t find_run(uint64_t from, uint64_t count, uint64_t align_frames)
{
	uint64_t f = ALIGN_UP(MAX(from, 1), align_frames);
	while (f + count <= pmm.frames) {
		uint64_t i = free_run_length(f, count);
		if (i == count)
			return f;
		/* Skip past the used frame, to the next aligned candidate. */
		f = ALIGN_UP(f + i + 1, align_frames);
	}
	return 0;
}

hpa_t pmm_alloc_frames(uint64_t count, uint64_t align)
{
	if (!count || align < PAGE_SIZE || (align & (align - 1)))
		return 0;
	uint64_t align_frames = align / PAGE_SIZE;

	spin_lock(&pmm.lock);
	uint64_t f = 0;
	if (count <= pmm.free) {
		f = find_run(pmm.hint, count, align_frames);
		if (!f && pmm.hint)
			f = find_run(1, count, align_frames);
	}
	if (f) {
		set_run(f, count, true);
		pmm.free -= count;
		if (count == 1)
			pmm.hint = f + 1;
	}
	spin_unlock(&pmm.lock);
	return f * PAGE_SIZE;
}

hpa_t pmm_alloc_frame(void)
{
	return pmm_alloc_frames(1, PAGE_SIZE);
}

int pmm_free_frames(hpa_t base, uint64_t count)
{
	uint64_t first = base / PAGE_SIZE;
	if (!IS_ALIGNED(base, PAGE_SIZE) || !count || first == 0 || first + count > pmm.frames ||
	    first + count < first) {
		log_err("pmm: free of bad range 0x%llx + %llu frames", (unsigned long long)base,
			(unsigned long long)count);
		return -EINVAL;
	}
	spin_lock(&pmm.lock);
	for (uint64_t i = 0; i < count; i++) {
		if ((first + i) % BITS == 0 && count - i >= BITS &&
		    pmm.bitmap[(first + i) / BITS] == ~0ULL) {
			i += BITS - 1;
			continue;
		}
		if (!frame_used(first + i)) {
			spin_unlock(&pmm.lock);
			log_err("pmm: double free of frame 0x%llx",
				(unsigned long long)((first + i) * PAGE_SIZE));
			return -EINVAL;
		}
	}
	set_run(first, count, false);
	pmm.free += count;
	if (first < pmm.hint)
		pmm.hint = first;
	spin_unlock(&pmm.lock);
	return 0;
}

void pmm_get_stats(struct pmm_stats *stats)
{
	spin_lock(&pmm.lock);
	stats->total_frames = pmm.total;
	stats->free_frames = pmm.free;
	spin_unlock(&pmm.lock);
}
