/*
 * Copy-on-write clones. A template is a guest loaded from its image and
 * frozen at its first instruction: it never runs. A clone shares all of the
 * template's RAM read-only (EPT/NPT, and a hypervisor window of its own)
 * and owns only the pages it writes: the first write to a page faults, and
 * the page is copied into a frame of the clone's and mapped writable there.
 * The hypervisor's own writes into a clone (guest_ram_ptr) copy first too.
 * A clone has one vCPU: a page's copy and remap happen on its CPU, which
 * alone reads the window through the TLB (a CPU the vCPU leaves flushes it:
 * vcpu_run.c); the console's CPU may read a page's older contents.
 *
 * Frames: the template's run of RAM, freed when its last clone goes; each
 * clone's copied pages, scrubbed and freed at its restart and its end.
 */
#ifndef SHOJI_KERNEL_GUEST_COW_H
#define SHOJI_KERNEL_GUEST_COW_H

#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"

struct guest;

/* What a guest's vCPU 0 starts with, as its loader set it up. */
struct guest_entry_state {
	struct vcpu_sregs sregs;
	uint64_t rax, rbx, rsi;
};

struct guest_template {
	struct guest *g; /* loaded, all of its RAM zeroed or written; never runs */
	struct guest_entry_state entry;
	unsigned users; /* clones */
};

/* Per clone, in struct guest (g->cow). */
struct guest_cow {
	struct guest_template *tmpl;
	uint64_t window; /* hypervisor VA of its RAM (kernel_window_alloc) */
	hpa_t *frames;	 /* per page: its own frame, or 0 while it shares the template's */
	uint64_t own_pages;
};

/*
 * Freeze loaded guest g as a template (all of its RAM made ready first).
 * NULL: out of heap.
 */
struct guest_template *guest_template_create(struct guest *g,
					     const struct guest_entry_state *entry);

/* A template nobody uses (users == 0) goes: its RAM frames, EPT/NPT and all. */
void guest_template_destroy(struct guest_template *t);

/* Set up clone g's RAM (g->mem_size = the template's) as all shared. 0, -ENOMEM, -ENOSPC. */
int guest_cow_init(struct guest *g, struct guest_template *t);

/* g's first write to a shared page at gpa (an EPT/NPT write fault): false if not g's RAM. */
bool guest_cow_write_fault(struct guest *g, gpa_t gpa);

/* The hypervisor is about to write [gpa, gpa+len) of clone g: own those pages first. */
int guest_cow_own_range(struct guest *g, gpa_t gpa, uint64_t len);

/* Before clone g starts again: its own pages scrubbed and freed, all of it shared again. */
int guest_cow_reset(struct guest *g);

/*
 * g goes away (guest_destroy): detach its window before every CPU's TLB is
 * flushed (unlink), then give back its frames, its window and its place
 * among the template's users (release). The template's owner destroys it
 * once it has no users.
 */
void guest_cow_unlink(struct guest *g);
void guest_cow_release(struct guest *g);

#endif
