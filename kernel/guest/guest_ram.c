/*
 * Lazily zeroed guest RAM (see guest_ram.h). Owns struct guest_ram and the
 * EPT/NPT mappings of guest RAM; the backing frames are guest_create's.
 * Zeroing and mapping happen under g->ram.lock: vCPUs on several CPUs may
 * fault, or exit into guest_ram_ptr, at once.
 */
#include "kernel/guest/guest_ram.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "kernel/core/bitmap_run.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_cow.h"
#include "kernel/guest/guest_dirty.h"
#include "kernel/guest/guest_resize.h"
#include "kernel/guest/virt.h"
#include "kernel/mm/directmap.h"
#include "kernel/mm/pmm.h"

#define PAGES_PER_CHUNK (GUEST_RAM_CHUNK / PAGE_SIZE)
#define BITS		64

static inline uint64_t chunk_count(const struct guest *g)
{
	return ALIGN_UP(g->mem_size, GUEST_RAM_CHUNK) / GUEST_RAM_CHUNK;
}

/* Where chunk ends: the next one, or the end of RAM in a partial last chunk. */
static inline uint64_t chunk_end(const struct guest *g, uint64_t chunk)
{
	return MIN((chunk + 1) * GUEST_RAM_CHUNK, g->mem_size);
}

static inline bool chunk_ready(const struct guest *g, uint64_t chunk)
{
	return g->ram.ready_end[chunk] != 0;
}

static inline bool page_zeroed(const struct guest *g, uint64_t page)
{
	return bitmap_test(g->ram.page_zeroed, page);
}

static inline bool chunk_mapped(const struct guest *g, uint64_t chunk)
{
	return g->ram.mapped[chunk / BITS] & (1ULL << (chunk % BITS));
}

static void *host_ptr(const struct guest *g, gpa_t gpa)
{
	return g->ram.base + gpa;
}

static inline bool page_hole(const struct guest *g, uint64_t page)
{
	return bitmap_test(g->ram.hole, page);
}

static bool chunk_holed(const struct guest *g, uint64_t chunk)
{
	for (unsigned w = 0; g->ram.hole && w < PAGES_PER_CHUNK / BITS; w++)
		if (g->ram.hole[chunk * PAGES_PER_CHUNK / BITS + w])
			return true;
	return false;
}

/* Whether a page of [gpa, gpa+len) was given back. */
static bool range_holed(const struct guest *g, gpa_t gpa, uint64_t len)
{
	for (uint64_t page = gpa / PAGE_SIZE; g->ram.hole && len && page * PAGE_SIZE < gpa + len;
	     page++)
		if (page_hole(g, page))
			return true;
	return false;
}

static int alloc_ready_end(struct guest *g)
{
	if (!g->mem_size || !IS_ALIGNED(g->mem_size, PAGE_SIZE) || g->mem_size > GUEST_MMIO_BASE)
		return -EINVAL;
	g->ram.chunks = (uint32_t)chunk_count(g);
	g->ram.ready_end = calloc(g->ram.chunks + 1, sizeof(uint32_t));
	return g->ram.ready_end ? 0 : -ENOMEM;
}

int guest_ram_init(struct guest *g)
{
	int err = alloc_ready_end(g);
	if (err)
		return err;
	/* Whole chunks' worth of bits; those past RAM count as zeroed, so none is ever zeroed. */
	uint64_t pages = g->mem_size / PAGE_SIZE, bits = chunk_count(g) * PAGES_PER_CHUNK;
	g->ram.base = phys_to_virt(g->mem_hpa);
	g->ram.page_zeroed = calloc(bits / BITS, sizeof(uint64_t));
	if (!g->ram.page_zeroed) {
		free(g->ram.ready_end);
		g->ram.ready_end = NULL;
		return -ENOMEM;
	}
	for (uint64_t page = pages; page < bits; page++)
		g->ram.page_zeroed[page / BITS] |= 1ULL << (page % BITS);
	return 0;
}

int guest_ram_init_shared(struct guest *g, uint64_t base)
{
	int err = alloc_ready_end(g);
	if (err)
		return err;
	g->ram.base = (uint8_t *)(uintptr_t)base;
	for (uint64_t c = 0; c < chunk_count(g); c++) {
		g->ram.ready_end[c] = (uint32_t)g->mem_size;
		g->ram.mapped[c / BITS] |= 1ULL << (c % BITS);
	}
	return 0;
}

void guest_ram_release(struct guest *g)
{
	free(g->ram.ready_end);
	g->ram.ready_end = NULL;
	if (g->cow) { /* its own pages only: the template's are the template's */
		guest_cow_release(g);
		return;
	}
	/* Runs of pages zeroed (so maybe written), but not holes: a hole's frame is gone. */
	uint64_t pages = g->mem_size / PAGE_SIZE;
	for (uint64_t page = 0, run; g->ram.page_zeroed && page < pages; page = run) {
		run = bitmap_run_end(g->ram.page_zeroed, page, pages, true);
		run = bitmap_run_end(g->ram.hole, page, run, false);
		if (run == page) {
			run++;
			continue;
		}
		zero_qwords(host_ptr(g, page * PAGE_SIZE), (run - page) * PAGE_SIZE / 8);
	}
	free(g->ram.page_zeroed);
	g->ram.page_zeroed = NULL;
}

uint8_t *guest_ram_base(struct guest *g)
{
	return host_ptr(g, 0);
}

/* Chunk just became ready: give its whole run of ready neighbours the run's new end. */
static void publish_ready_locked(struct guest *g, uint64_t chunk)
{
	uint64_t first = chunk, end = chunk + 1;
	while (first > 0 && chunk_ready(g, first - 1))
		first--;
	while (end < chunk_count(g) && chunk_ready(g, end))
		end++;
	/* Release: whoever sees the entry sees the zeroes (guest_ram_ptr reads it unlocked). */
	for (uint64_t i = first; i < end; i++)
		__atomic_store_n(&g->ram.ready_end[i], (uint32_t)chunk_end(g, end - 1),
				 __ATOMIC_RELEASE);
}

/* Zero the pages of chunk not zeroed yet, in runs, and mark it ready. */
static void make_ready_locked(struct guest *g, uint64_t chunk)
{
	if (chunk_ready(g, chunk))
		return;
	uint64_t page = chunk * PAGES_PER_CHUNK, end = page + PAGES_PER_CHUNK;
	for (uint64_t run; page < end; page = bitmap_run_end(g->ram.page_zeroed, run, end, true)) {
		run = bitmap_run_end(g->ram.page_zeroed, page, end, false);
		zero_qwords(host_ptr(g, page * PAGE_SIZE), (run - page) * PAGE_SIZE / 8);
	}
	memset(&g->ram.page_zeroed[chunk * PAGES_PER_CHUNK / BITS], 0xff, PAGES_PER_CHUNK / 8);
	if (!chunk_holed(g, chunk)) /* holes count as zeroed, but the chunk is not all RAM */
		publish_ready_locked(g, chunk);
}

/* Zero the single pages of [first, end) (page numbers) that are not zeroed yet. */
static void zero_pages_locked(struct guest *g, uint64_t first, uint64_t end)
{
	for (uint64_t page = first; page < end; page++) {
		if (chunk_ready(g, page / PAGES_PER_CHUNK) || page_zeroed(g, page))
			continue;
		zero_qwords(host_ptr(g, page * PAGE_SIZE), PAGE_SIZE / 8);
		g->ram.page_zeroed[page / BITS] |= 1ULL << (page % BITS);
	}
	/* A chunk whose every page is now zeroed is ready (and may be mapped whole). */
	for (uint64_t c = first / PAGES_PER_CHUNK; c <= (end - 1) / PAGES_PER_CHUNK; c++) {
		const uint64_t *words = &g->ram.page_zeroed[c * PAGES_PER_CHUNK / BITS];
		bool all = true;
		for (unsigned w = 0; w < PAGES_PER_CHUNK / BITS; w++)
			all = all && words[w] == ~0ULL;
		if (all && !chunk_ready(g, c) && !chunk_holed(g, c))
			publish_ready_locked(g, c);
	}
}

/* Out of line, so that the hot paths below stay leaves without a frame. */
static __attribute__((noinline)) void *ram_ptr_slow(struct guest *g, gpa_t gpa, uint64_t len,
						    bool write)
{
	if (gpa >= g->mem_size) /* hot-added RAM above (guest_resize.h), or none */
		return guest_resize_ptr(g, gpa, len);
	if (len > g->mem_size - gpa || range_holed(g, gpa, len))
		return NULL;
	if (write && g->dirty)
		guest_dirty_mark(g, gpa,
				 len); /* the caller may write: its checkpoint must see it */
	if (write && g->cow) /* shared pages are read-only: the clone owns them first */
		return guest_cow_own_range(g, gpa, len) ? NULL : host_ptr(g, gpa);
	if (len) {
		uint64_t last = (gpa + len - 1) / GUEST_RAM_CHUNK;
		spin_lock(&g->ram.lock);
		for (uint64_t c = gpa / GUEST_RAM_CHUNK; c <= last; c++)
			make_ready_locked(g, c);
		spin_unlock(&g->ram.lock);
	}
	return host_ptr(g, gpa);
}

/*
 * The hot path (exits read guest memory through here): one entry says both
 * "inside RAM" and "zeroed". A GPA past RAM lands on the last entry, 0.
 */
static inline bool ram_ready(struct guest *g, gpa_t gpa, uint64_t len)
{
	const uint32_t *ready_end = g->ram.ready_end;
	/*
	 * Acquire loads: x86 does not reorder loads with later loads (SDM 3A,
	 * "Memory Ordering in P6 and More Recent Processor Families"), and the
	 * barriers stop the compiler. (__atomic_load_n costs an instruction more.)
	 * First the run of ready chunks from GPA 0, where nearly every access
	 * lands once the guest has run a while (page walks ask for all of RAM).
	 */
	uint64_t end = ready_end[0];
	__asm__ volatile("" : : : "memory");
	if (gpa < end && len <= end - gpa)
		return true;
	uint64_t chunk = gpa / GUEST_RAM_CHUNK;
	end = ready_end[chunk < g->ram.chunks ? chunk : g->ram.chunks];
	__asm__ volatile("" : : : "memory");
	return gpa < end && len <= end - gpa;
}

void *guest_ram_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	if (ram_ready(g, gpa, len) && !g->dirty && !g->cow) /* writes to log or copy: slow path */
		return host_ptr(g, gpa);
	return ram_ptr_slow(g, gpa, len, true);
}

const void *guest_ram_read_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	if (ram_ready(g, gpa, len))
		return host_ptr(g, gpa);
	return ram_ptr_slow(g, gpa, len, false);
}

/*
 * Map [gpa, gpa+size) of RAM, all of it zeroed. Only not-present entries
 * become present (or present ones are written again unchanged), so no CPU
 * holds a stale translation to flush: EPT caches nothing from a
 * not-present entry (SDM 3C 29.4.2), and an NPT change bumps the
 * generation, which makes each vCPU flush at its next VMRUN.
 */
static int map_locked(struct guest *g, gpa_t gpa, uint64_t size)
{
	int err = virt->guest_map(g, gpa, g->mem_hpa + gpa, size, GMAP_RWX, GMAP_WB);
	if (err)
		return err;
	/* The chunks the range covers whole (to the end of RAM in the last) are mapped whole. */
	for (uint64_t c = ALIGN_UP(gpa, GUEST_RAM_CHUNK) / GUEST_RAM_CHUNK;
	     c < chunk_count(g) && chunk_end(g, c) <= gpa + size; c++)
		g->ram.mapped[c / BITS] |= 1ULL << (c % BITS);
	return 0;
}

int guest_ram_populate(struct guest *g, gpa_t gpa, uint64_t len)
{
	if (gpa >= g->mem_size || len > g->mem_size - gpa)
		return -EINVAL;
	if (!len)
		return 0;
	gpa_t first = ALIGN_DOWN(gpa, PAGE_SIZE), end = ALIGN_UP(gpa + len, PAGE_SIZE);
	spin_lock(&g->ram.lock);
	zero_pages_locked(g, first / PAGE_SIZE, end / PAGE_SIZE);
	int err = map_locked(g, first, end - first);
	spin_unlock(&g->ram.lock);
	return err;
}

/* Map the pages of [first, end) (page numbers) that are not holes, in runs; this CPU flushed. */
static int map_around_holes(struct guest *g, uint64_t first, uint64_t end, unsigned rights)
{
	uint64_t page = bitmap_run_end(g->ram.hole, first, end, true);
	for (uint64_t run; page < end; page = bitmap_run_end(g->ram.hole, run, end, true)) {
		run = bitmap_run_end(g->ram.hole, page, end, false);
		int err = virt->guest_map(g, page * PAGE_SIZE, g->mem_hpa + page * PAGE_SIZE,
					  (run - page) * PAGE_SIZE, rights, GMAP_WB);
		if (err)
			return err;
	}
	return 0;
}

int guest_ram_map_all(struct guest *g, unsigned rights)
{
	spin_lock(&g->ram.lock);
	for (uint64_t c = 0; c < chunk_count(g); c++) {
		make_ready_locked(g, c);
		g->ram.mapped[c / BITS] |= 1ULL << (c % BITS);
	}
	spin_unlock(&g->ram.lock);
	if (!g->ram.hole)
		return guest_map(g, 0, g->mem_hpa, g->mem_size, rights, GMAP_WB);
	int err = map_around_holes(g, 0, g->mem_size / PAGE_SIZE, rights);
	guest_flush_others(g);
	return err;
}

int guest_ram_scrub_all(struct guest *g)
{
	spin_lock(&g->ram.lock);
	/* Even ready chunks: they hold the previous run. */
	zero_qwords(host_ptr(g, 0), g->mem_size / 8);
	memset(g->ram.page_zeroed, 0xff, g->mem_size / PAGE_SIZE / 8);
	for (uint64_t c = 0; c < chunk_count(g); c++)
		__atomic_store_n(&g->ram.ready_end[c], (uint32_t)g->mem_size, __ATOMIC_RELEASE);
	spin_unlock(&g->ram.lock);
	/* On every CPU: vCPUs of the last run may have cached translations anywhere. */
	return guest_ram_map_all(g, GMAP_RWX);
}

bool guest_ram_fault(struct guest *g, gpa_t gpa)
{
	/* Hot-added RAM is mapped whole when it is added: a fault there is a hole. */
	if (gpa >= g->mem_size || page_hole(g, gpa / PAGE_SIZE))
		return false;
	uint64_t chunk = gpa / GUEST_RAM_CHUNK;
	int err = 0;
	spin_lock(&g->ram.lock);
	make_ready_locked(g, chunk);
	/* Already mapped: another vCPU's fault on the same chunk won; just retry. */
	if (!chunk_mapped(g, chunk) && chunk_holed(g, chunk)) {
		err = map_around_holes(g, chunk * PAGES_PER_CHUNK, chunk_end(g, chunk) / PAGE_SIZE,
				       GMAP_RWX);
		if (!err)
			g->ram.mapped[chunk / BITS] |= 1ULL << (chunk % BITS);
	} else if (!chunk_mapped(g, chunk)) {
		err = map_locked(g, chunk * GUEST_RAM_CHUNK,
				 chunk_end(g, chunk) - chunk * GUEST_RAM_CHUNK);
	}
	spin_unlock(&g->ram.lock);
	if (err) {
		log_err("guest %s: cannot map its RAM at GPA 0x%llx (%d)", g->name,
			(unsigned long long)gpa, err);
		guest_stop(g, GUEST_CRASHED, err, "no host memory to map its RAM at GPA 0x%llx",
			   (unsigned long long)gpa);
	}
	return true;
}

bool guest_ram_has_holes(const struct guest *g)
{
	return g->ram.hole != NULL;
}

/*
 * The ready runs again after chunks lost their readiness to holes: every
 * ready chunk gets the end of its (maybe shorter) run, a holed one 0.
 */
static void republish_ready_locked(struct guest *g)
{
	for (uint64_t c = 0; c < chunk_count(g);) {
		if (!chunk_ready(g, c) || chunk_holed(g, c)) {
			__atomic_store_n(&g->ram.ready_end[c], 0, __ATOMIC_RELEASE);
			c++;
			continue;
		}
		uint64_t end = c + 1;
		while (end < chunk_count(g) && chunk_ready(g, end) && !chunk_holed(g, end))
			end++;
		for (; c < end; c++)
			__atomic_store_n(&g->ram.ready_end[c], (uint32_t)chunk_end(g, end - 1),
					 __ATOMIC_RELEASE);
	}
}

int guest_ram_give_back(struct guest *g, gpa_t gpa, uint64_t size)
{
	if (!IS_ALIGNED(gpa | size, PAGE_SIZE) || !size || gpa >= g->mem_size ||
	    size > g->mem_size - gpa || g->cow)
		return -EINVAL;
	uint64_t *fresh = NULL;
	if (!g->ram.hole) {
		fresh = calloc(chunk_count(g) * PAGES_PER_CHUNK / BITS, sizeof(uint64_t));
		if (!fresh)
			return -ENOMEM;
	}
	spin_lock(&g->ram.lock);
	if (!g->ram.hole) {
		g->ram.hole = fresh;
		fresh = NULL;
	}
	if (range_holed(g, gpa, size)) {
		spin_unlock(&g->ram.lock);
		free(fresh);
		return -EINVAL;
	}
	for (uint64_t page = gpa / PAGE_SIZE; page < (gpa + size) / PAGE_SIZE; page++) {
		g->ram.hole[page / BITS] |= 1ULL << (page % BITS);
		g->ram.page_zeroed[page / BITS] |= 1ULL << (page % BITS); /* never zeroed again */
	}
	republish_ready_locked(g);
	/*
	 * Gone from EPT/NPT, and every other CPU has flushed, which it does
	 * between two runs, never inside an exit: no exit of g still holds a
	 * pointer it got before the ready table lost these pages.
	 */
	int err = virt->guest_unmap(g, gpa, size);
	spin_unlock(&g->ram.lock);
	free(fresh);
	guest_flush_others(g);
	if (err) /* the tables could not be split: the frames stay allocated, unreachable */
		return err;
	zero_qwords(host_ptr(g, gpa), size / 8);
	pmm_free_frames(g->mem_hpa + gpa, size / PAGE_SIZE);
	return 0;
}

void guest_ram_free_frames(struct guest *g)
{
	uint64_t pages = g->mem_size / PAGE_SIZE, page = bitmap_run_end(g->ram.hole, 0, pages, true);
	for (uint64_t run; page < pages; page = bitmap_run_end(g->ram.hole, run, pages, true)) {
		run = bitmap_run_end(g->ram.hole, page, pages, false);
		if (pmm_free_frames(g->mem_hpa + page * PAGE_SIZE, run - page))
			log_err("guest %s: its RAM frames were not all in use", g->name);
	}
	free(g->ram.hole);
	g->ram.hole = NULL;
}
