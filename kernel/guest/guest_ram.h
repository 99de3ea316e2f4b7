/*
 * Guest RAM contents: zeroed lazily, in 2 MiB chunks, so that building a
 * guest costs only what is touched before it runs. Zeroing all of a 16 MiB
 * guest up front was ~2.1 M emulated instructions under Bochs.
 *
 * The guarantee: neither the guest nor the hypervisor acting for it ever
 * reads a byte of this run that was not zeroed (or written) in this run.
 *   - A chunk is mapped in EPT/NPT whole only once every page of it is
 *     zeroed; until then the guest's first touch faults, and
 *     guest_ram_fault() zeroes what is left of it and maps it.
 *   - The loader zeroes and maps just the pages it writes
 *     (guest_ram_populate), 4 KiB at a time.
 *   - guest_ram_ptr() (guest.h), the hypervisor's one way into guest RAM,
 *     zeroes what is left of every chunk it hands out.
 */
#ifndef SHOJI_KERNEL_GUEST_RAM_H
#define SHOJI_KERNEL_GUEST_RAM_H

#include "kernel/core/spinlock.h"
#include "kernel/core/types.h"

#define GUEST_RAM_CHUNK SZ_2M
/* The most chunks a guest has (RAM ends below GUEST_MMIO_BASE, under 4 GiB). */
#define GUEST_RAM_CHUNK_SLOTS (SZ_4G / GUEST_RAM_CHUNK)

struct guest;

/* Per guest, in struct guest. Changed under lock; ready_end is also read without it. */
struct guest_ram {
	/*
	 * Chunk i zeroed: the end GPA of the run of zeroed chunks holding it,
	 * so one compare tells whether [gpa, gpa+len) is ready; 0: not zeroed.
	 * Entries only grow while the guest runs. One per chunk (the last may
	 * be partial: RAM is whole MiBs) and a last one always 0, where every
	 * GPA past RAM lands.
	 */
	uint32_t *ready_end;
	uint32_t chunks;
	uint64_t mapped[GUEST_RAM_CHUNK_SLOTS / 64]; /* chunk mapped whole in EPT/NPT */
	uint64_t *page_zeroed;			     /* per 4 KiB page, for chunks not yet ready */
	/*
	 * Per 4 KiB page: given back by the guest (HC_BALLOON), its frame freed;
	 * NULL until the first. A chunk with a hole is never ready (the slow
	 * paths check the holes) and is mapped around them.
	 */
	uint64_t *hole;
	uint8_t *base;				     /* where the hypervisor reaches GPA 0 */
	struct spinlock lock;
};

/*
 * Set up g's RAM state for g->mem_size bytes (whole pages, at most
 * GUEST_MMIO_BASE): nothing zeroed, nothing mapped. 0, -EINVAL, -ENOMEM.
 */
int guest_ram_init(struct guest *g);

/*
 * A clone's RAM (guest_cow.h): all of it ready and mapped from the start,
 * reached by the hypervisor through its window at base.
 */
int guest_ram_init_shared(struct guest *g, uint64_t base);

/*
 * Zero the pages holding [gpa, gpa+len) that are not zeroed yet and map
 * them, ahead of the guest: for the loader, before the guest first runs.
 * 0, -EINVAL (outside RAM), or the backend's error.
 */
int guest_ram_populate(struct guest *g, gpa_t gpa, uint64_t len);

/*
 * Host pointer to GPA 0 of g's RAM, zeroing nothing: only for the loader,
 * which writes just the ranges it populated.
 */
uint8_t *guest_ram_base(struct guest *g);

/*
 * Before g runs again: zero all of its RAM and map all of it (a restart
 * must show nothing of the previous run; restarts are rare, so eagerly).
 */
int guest_ram_scrub_all(struct guest *g);

/*
 * Make all of g's RAM ready (zeroing only what is not yet) and map all of
 * it with `rights` on every CPU: dirty logging (guest_dirty.c) maps it
 * read+execute, and writable again when it stops.
 */
int guest_ram_map_all(struct guest *g, unsigned rights);

/*
 * g goes away: zero every page of its RAM that this run zeroed (and so may
 * have written), so that its frames carry nothing of it to their next
 * owner, and free the RAM state. Pages never zeroed were never written in
 * this run. Its vCPUs never run again; the caller frees the frames.
 */
void guest_ram_release(struct guest *g);

/*
 * The guest gives back [gpa, gpa+size) of its RAM (4 KiB aligned, none of
 * it given back before): unmapped on every CPU, scrubbed, its frames freed.
 * 0, -EINVAL (outside RAM or partly given back already), -ENOMEM.
 */
int guest_ram_give_back(struct guest *g, gpa_t gpa, uint64_t size);

/* Whether any page of g's RAM was given back (a restart then needs new frames). */
bool guest_ram_has_holes(const struct guest *g);

/* Free g's RAM frames (after guest_ram_release), all but those given back already. */
void guest_ram_free_frames(struct guest *g);

/*
 * An EPT violation / nested page fault of g at gpa. False if gpa is not
 * RAM. True if it is: the chunk is zeroed and mapped and the guest may
 * retry the access, or, when the hypervisor had no memory for page tables,
 * g is stopped.
 */
bool guest_ram_fault(struct guest *g, gpa_t gpa);

#endif
