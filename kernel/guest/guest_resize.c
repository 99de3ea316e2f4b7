/*
 * Memory resizing of a running guest (see guest_resize.h). Regions are
 * only appended while the guest runs, each published (region_count) after
 * it is filled in, so guest_ram_ptr's slow path reads them without a lock;
 * a page given back is unmapped and every CPU flushed before its frame
 * goes, as for boot RAM (guest_ram_give_back).
 */
#include "kernel/guest/guest_resize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/x86/cpu.h"
#include "kernel/core/bitmap_run.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/virt.h"
#include "kernel/mm/directmap.h"
#include "kernel/mm/pmm.h"

#define BITS 64

static bool region_page_hole(const struct guest_hot_region *r, uint64_t page)
{
	return bitmap_test(r->hole, page);
}

static struct guest_resize *resize_of(struct guest *g)
{
	if (g->resize)
		return g->resize;
	struct guest_resize *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->top = g->mem_size;
	/* Only the console and g's own vCPUs get here; the first one publishes it. */
	struct guest_resize *none = NULL;
	if (!__atomic_compare_exchange_n(&g->resize, &none, rs, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		free(rs);
	return g->resize;
}

uint64_t guest_resize_top(const struct guest *g)
{
	return g->resize ? g->resize->top : g->mem_size;
}

uint64_t guest_resize_held(const struct guest *g)
{
	return g->resize ? g->resize->top - g->resize->given_back : g->mem_size;
}

uint64_t guest_resize_target(const struct guest *g)
{
	return g->resize && g->resize->target ? g->resize->target : guest_resize_held(g);
}

/*
 * Add `size` bytes (whole MiBs) of zeroed RAM at g's top, mapped. Only the
 * console adds regions, one change at a time; the guest's balloon calls
 * touch only holes and counts, so the new region is published last.
 */
static int add_region(struct guest *g, struct guest_resize *rs, uint64_t size, char *why,
		      unsigned why_len)
{
	if (rs->region_count == GUEST_RESIZE_REGIONS_MAX) {
		snprintf(why, why_len, "it has %u hot-added regions already, the most",
			 GUEST_RESIZE_REGIONS_MAX);
		return -ENOSPC;
	}
	if (size > GUEST_MMIO_BASE - rs->top) {
		snprintf(why, why_len, "its RAM would reach the MMIO window at 0x%llx",
			 (unsigned long long)GUEST_MMIO_BASE);
		return -ENOSPC;
	}
	struct guest_hot_region *r = &rs->regions[rs->region_count];
	r->hole = calloc(ALIGN_UP(size / PAGE_SIZE, BITS) / BITS, sizeof(uint64_t));
	r->hpa = r->hole ? pmm_alloc_frames(size / PAGE_SIZE, size >= SZ_2M ? SZ_2M : SZ_1M) : 0;
	if (!r->hpa) {
		free(r->hole);
		snprintf(why, why_len, "no %llu MiB of contiguous host memory",
			 (unsigned long long)(size / SZ_1M));
		return -ENOMEM;
	}
	zero_qwords(phys_to_virt(r->hpa), size / 8); /* nothing of the frames' last owner */
	r->gpa = rs->top;
	r->size = size;
	/*
	 * Under the RAM lock, as every change of g's EPT/NPT that its vCPUs'
	 * faults may race with. No flush: nothing caches a not-present entry.
	 */
	spin_lock(&g->ram.lock);
	int err = virt->guest_map(g, r->gpa, r->hpa, size, GMAP_RWX, GMAP_WB);
	if (err)
		virt->guest_unmap(g, r->gpa, size); /* whatever part of it was mapped */
	spin_unlock(&g->ram.lock);
	if (err) {
		guest_flush_others(g);
		pmm_free_frames(r->hpa, size / PAGE_SIZE);
		free(r->hole);
		snprintf(why, why_len, "no memory for its page tables (%d)", err);
		return err;
	}
	spin_lock(&rs->lock);
	__atomic_store_n(&rs->region_count, rs->region_count + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&rs->top, r->gpa + size, __ATOMIC_RELEASE);
	spin_unlock(&rs->lock);
	return 0;
}

int guest_resize_memory(struct guest *g, uint64_t target, char *why, unsigned why_len)
{
	struct guest_resize *rs = resize_of(g);
	if (!rs) {
		snprintf(why, why_len, "out of hypervisor heap");
		return -ENOMEM;
	}
	uint64_t held = guest_resize_held(g);
	int err = 0;
	if (target > held) {
		/* The guest may give pages back meanwhile: it then holds less than target. */
		err = add_region(g, rs, target - held, why, why_len);
		if (!err)
			log_info("guest %s: %llu MiB hot-added at GPA 0x%llx (holds %llu MiB)",
				 g->name, (unsigned long long)((target - held) / SZ_1M),
				 (unsigned long long)(rs->top - (target - held)),
				 (unsigned long long)(guest_resize_held(g) / SZ_1M));
	} else if (target < held) {
		log_info("guest %s: memory target %llu MiB, it holds %llu: asked to give back "
			 "%llu MiB",
			 g->name, (unsigned long long)(target / SZ_1M),
			 (unsigned long long)(held / SZ_1M),
			 (unsigned long long)((held - target) / SZ_1M));
	}
	if (err)
		return err;
	rs->target = target;
	guest_notify(g);
	return 0;
}

static struct guest_hot_region *region_at(struct guest_resize *rs, gpa_t gpa, uint64_t len)
{
	unsigned n = __atomic_load_n(&rs->region_count, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++) {
		struct guest_hot_region *r = &rs->regions[i];
		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

static bool region_range_holed(const struct guest_hot_region *r, gpa_t gpa, uint64_t len)
{
	for (uint64_t page = (gpa - r->gpa) / PAGE_SIZE;
	     len && r->gpa + page * PAGE_SIZE < gpa + len; page++)
		if (region_page_hole(r, page))
			return true;
	return false;
}

void *guest_resize_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	struct guest_resize *rs = g->resize;
	struct guest_hot_region *r = rs ? region_at(rs, gpa, len) : NULL;
	if (!r || region_range_holed(r, gpa, len))
		return NULL;
	return (uint8_t *)phys_to_virt(r->hpa) + (gpa - r->gpa);
}

/* Give back [gpa, gpa+size) of region r: holes, unmapped everywhere, scrubbed, freed. */
static int region_give_back(struct guest *g, struct guest_resize *rs, struct guest_hot_region *r,
			    gpa_t gpa, uint64_t size)
{
	spin_lock(&rs->lock);
	if (region_range_holed(r, gpa, size)) {
		spin_unlock(&rs->lock);
		return -EINVAL;
	}
	for (uint64_t page = (gpa - r->gpa) / PAGE_SIZE; page < (gpa + size - r->gpa) / PAGE_SIZE;
	     page++)
		r->hole[page / BITS] |= 1ULL << (page % BITS);
	spin_unlock(&rs->lock);
	spin_lock(&g->ram.lock); /* g's EPT/NPT changes under it (guest_ram.c) */
	int err = virt->guest_unmap(g, gpa, size);
	spin_unlock(&g->ram.lock);
	guest_flush_others(g); /* between runs: no exit still holds a pointer to these pages */
	if (err)
		return err;
	hpa_t hpa = r->hpa + (gpa - r->gpa);
	zero_qwords(phys_to_virt(hpa), size / 8);
	pmm_free_frames(hpa, size / PAGE_SIZE);
	return 0;
}

int64_t guest_resize_balloon(struct guest *g, gpa_t gpa, uint64_t pages)
{
	/* A clone's pages are its template's; a replica's checkpoints assume its RAM stays. */
	if (!pages || pages > GUEST_BALLOON_PAGES_MAX || !IS_ALIGNED(gpa, PAGE_SIZE) || g->cow ||
	    g->ha || g->dirty)
		return -EINVAL;
	struct guest_resize *rs = resize_of(g);
	if (!rs)
		return -ENOMEM;
	uint64_t size = pages * PAGE_SIZE;
	int err;
	if (gpa < g->mem_size) {
		err = guest_ram_give_back(g, gpa, size);
	} else {
		struct guest_hot_region *r = region_at(rs, gpa, size);
		err = r ? region_give_back(g, rs, r, gpa, size) : -EINVAL;
	}
	if (err)
		return err;
	spin_lock(&rs->lock);
	rs->given_back += size;
	uint64_t held = rs->top - rs->given_back;
	spin_unlock(&rs->lock);
	return (int64_t)held;
}

/* Scrub and free region r's frames but those given back. */
static void region_free(struct guest_hot_region *r)
{
	uint64_t pages = r->size / PAGE_SIZE, page = bitmap_run_end(r->hole, 0, pages, true);
	for (uint64_t run; page < pages; page = bitmap_run_end(r->hole, run, pages, true)) {
		run = bitmap_run_end(r->hole, page, pages, false);
		hpa_t hpa = r->hpa + page * PAGE_SIZE;
		zero_qwords(phys_to_virt(hpa), (run - page) * PAGE_SIZE / 8);
		pmm_free_frames(hpa, run - page);
	}
	free(r->hole);
}

void guest_resize_release(struct guest *g)
{
	struct guest_resize *rs = g->resize;
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->region_count; i++)
		region_free(&rs->regions[i]);
	g->resize = NULL;
	free(rs);
}

int guest_resize_reset(struct guest *g)
{
	g->vcpus_offered = g->vcpu_count;
	g->notify_vector = 0;
	struct guest_resize *rs = g->resize;
	if (!rs)
		return 0;
	/* All of it: the regions' mappings go, and boot RAM's tables split around holes. */
	int err = guest_unmap_all(g, rs->top);
	if (err)
		return err;
	guest_resize_release(g);
	return guest_ram_has_holes(g) ? guest_ram_renew(g) : 0;
}
