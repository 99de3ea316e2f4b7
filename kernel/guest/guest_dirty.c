/* The dirty-page log (see guest_dirty.h). */
#include "kernel/guest/guest_dirty.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/virt.h"
#include "kernel/mm/directmap.h"

#define BITS	  64
#define PROTECTED (GMAP_READ | GMAP_EXEC)

const char *guest_dirty_method(void)
{
	return "write protection";
}

static bool test_and_set(struct guest_dirty *d, uint64_t page)
{
	uint64_t bit = 1ULL << (page % BITS), *word = &d->bits[page / BITS];
	uint64_t old = __atomic_fetch_or(word, bit, __ATOMIC_RELAXED);
	if (!(old & bit))
		__atomic_fetch_add(&d->marked, 1, __ATOMIC_RELAXED);
	return old & bit;
}

int guest_dirty_start(struct guest *g)
{
	if (g->dirty)
		return 0;
	struct guest_dirty *d = calloc(1, sizeof(*d));
	uint64_t pages = g->mem_size / PAGE_SIZE;
	if (d)
		d->bits = calloc((pages + BITS - 1) / BITS, sizeof(uint64_t));
	if (!d || !d->bits) {
		free(d);
		return -ENOMEM;
	}
	d->pages = pages;
	/* Published before the protection: a fault that finds RAM read-only finds the log. */
	__atomic_store_n(&g->dirty, d, __ATOMIC_RELEASE);
	int err = guest_ram_map_all(g, PROTECTED);
	if (err)
		guest_dirty_stop(g);
	return err;
}

void guest_dirty_stop(struct guest *g)
{
	struct guest_dirty *d = g->dirty;
	if (!d)
		return;
	/* Writable everywhere first: no fault may then look for the log. */
	guest_ram_map_all(g, GMAP_RWX);
	g->dirty = NULL;
	free(d->bits);
	free(d);
}

bool guest_dirty_write_fault(struct guest *g, gpa_t gpa)
{
	struct guest_dirty *d = g->dirty;
	if (!d || gpa >= g->mem_size)
		return false;
	gpa_t page = ALIGN_DOWN(gpa, PAGE_SIZE);
	test_and_set(d, page / PAGE_SIZE);
	d->write_faults++;
	int err = virt->guest_map(g, page, g->mem_hpa + page, PAGE_SIZE, GMAP_RWX, GMAP_WB);
	if (err)
		guest_stop(g, GUEST_CRASHED, err, "no host memory to track writes at GPA 0x%llx",
			   (unsigned long long)gpa);
	return true;
}

void guest_dirty_mark(struct guest *g, gpa_t gpa, uint64_t len)
{
	struct guest_dirty *d = g->dirty;
	if (!d || !len || gpa >= g->mem_size)
		return;
	uint64_t last = MIN(gpa + len - 1, g->mem_size - 1) / PAGE_SIZE;
	for (uint64_t page = gpa / PAGE_SIZE; page <= last; page++)
		test_and_set(d, page);
}

static bool marked(const struct guest_dirty *d, uint64_t page)
{
	return d->bits[page / BITS] & (1ULL << (page % BITS));
}

int guest_dirty_collect(struct guest *g, int (*fn)(void *ctx, gpa_t gpa, const void *page),
			void *ctx)
{
	struct guest_dirty *d = g->dirty;
	if (!d)
		return -EINVAL;
	const uint8_t *ram = phys_to_virt(g->mem_hpa);
	int err = 0;
	uint64_t kept = 0;
	for (uint64_t page = 0; page < d->pages;) {
		if (!d->bits[page / BITS]) {
			page = ALIGN_DOWN(page, BITS) + BITS;
			continue;
		}
		if (!marked(d, page)) {
			page++;
			continue;
		}
		/* A run of marked pages: each handed over, then protected in one change. */
		uint64_t run = page;
		for (; run < d->pages && marked(d, run); run++)
			if (!err)
				err = fn(ctx, run * PAGE_SIZE, ram + run * PAGE_SIZE);
		int map_err = virt->guest_map(g, page * PAGE_SIZE, g->mem_hpa + page * PAGE_SIZE,
					      (run - page) * PAGE_SIZE, PROTECTED, GMAP_WB);
		/*
		 * A failed change may have left some of the run writable: it stays
		 * marked, or the guest's next writes there would never reach a
		 * checkpoint. The next collect hands it over and protects it again.
		 */
		if (map_err)
			kept += run - page;
		else
			for (uint64_t i = page; i < run; i++)
				d->bits[i / BITS] &= ~(1ULL << (i % BITS));
		if (!err)
			err = map_err;
		page = run;
	}
	d->marked = kept;
	return err;
}

int guest_dirty_roll_back(struct guest *g, const struct guest *from)
{
	struct guest_dirty *d = g->dirty;
	if (!d || from->mem_size != g->mem_size)
		return -EINVAL;
	/* Logging made all of g's RAM ready; from's was written whole by its checkpoints. */
	uint8_t *ram = phys_to_virt(g->mem_hpa);
	const uint8_t *src = phys_to_virt(from->mem_hpa);
	int copied = 0;
	for (uint64_t page = 0; page < d->pages; page++)
		if (marked(d, page)) {
			memcpy(ram + page * PAGE_SIZE, src + page * PAGE_SIZE, PAGE_SIZE);
			copied++;
		}
	return copied;
}

int guest_dirty_each_page(struct guest *g, int (*fn)(void *ctx, gpa_t gpa, const void *page),
			  void *ctx)
{
	/* Logging made all of RAM ready; guest_ram_ptr would mark every page. */
	if (!g->dirty)
		return -EINVAL;
	const uint8_t *ram = phys_to_virt(g->mem_hpa);
	for (uint64_t gpa = 0; gpa < g->mem_size; gpa += PAGE_SIZE) {
		int err = fn(ctx, gpa, ram + gpa);
		if (err)
			return err;
	}
	return 0;
}
