/*
 * A running guest's memory resized (the console's `set <guest> memory=`).
 *   - Growing adds a region of new RAM right above the guest's RAM (its
 *     boot RAM, then the regions added before), zeroed and mapped whole,
 *     and the guest is told (guest_notify; it asks HC_MEM_TOP).
 *   - Shrinking only sets the target (HC_MEM_TARGET): the guest gives pages
 *     back through HC_BALLOON, which unmaps, scrubs and frees them. The
 *     hypervisor never takes memory the guest has not given back.
 * Given-back pages stay holes: growing again adds a new region. A restart
 * gives the guest its configured RAM again, on new frames if it had holes.
 */
#ifndef SHOJI_KERNEL_GUEST_RESIZE_H
#define SHOJI_KERNEL_GUEST_RESIZE_H

#include "kernel/core/spinlock.h"
#include "kernel/core/types.h"

#define GUEST_RESIZE_REGIONS_MAX 16
#define GUEST_BALLOON_PAGES_MAX	 512 /* per HC_BALLOON: bounds the time one exit takes */

struct guest;

struct guest_hot_region {
	gpa_t gpa;
	uint64_t size;
	hpa_t hpa;
	uint64_t *hole; /* per 4 KiB page: given back, its frame freed */
};

/* Per guest, allocated at its first change (g->resize). */
struct guest_resize {
	uint64_t target;     /* bytes the operator wants it to hold; 0: never set */
	uint64_t given_back; /* bytes it gave back (HC_BALLOON), boot RAM and regions */
	volatile gpa_t top;  /* the end of its RAM: boot RAM, then the regions */
	volatile unsigned region_count;
	struct guest_hot_region regions[GUEST_RESIZE_REGIONS_MAX];
	struct spinlock lock; /* changes; readers of regions < region_count need none */
};

/* Bytes of RAM g holds now: all it was given, less what it gave back. */
uint64_t guest_resize_held(const struct guest *g);

/* The end of g's RAM (HC_MEM_TOP), and the target (HC_MEM_TARGET: what it holds if never set). */
uint64_t guest_resize_top(const struct guest *g);
uint64_t guest_resize_target(const struct guest *g);

/*
 * The console sets g's target (whole MiBs): above what g holds, the
 * difference is hot-added now. Then g is notified. 0, or -errno with the
 * reason in @why (at most why_len bytes).
 */
int guest_resize_memory(struct guest *g, uint64_t target, char *why, unsigned why_len);

/* HC_BALLOON: g gives back `pages` pages from gpa. Bytes it holds then, or -errno. */
int64_t guest_resize_balloon(struct guest *g, gpa_t gpa, uint64_t pages);

/* guest_ram_ptr's way into hot-added RAM: [gpa, gpa+len) in one region, no hole; or NULL. */
void *guest_resize_ptr(struct guest *g, gpa_t gpa, uint64_t len);

/*
 * Before a restart (g stopped): the regions unmapped, scrubbed and freed,
 * boot RAM on new frames if it has holes, the offers as configured. 0 or -errno.
 */
int guest_resize_reset(struct guest *g);

/* g goes away (its tables already gone): the regions scrubbed and freed. */
void guest_resize_release(struct guest *g);

#endif
