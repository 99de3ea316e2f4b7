/*
 * Copy-on-write clones (see guest_cow.h). A clone's pages are in one of two
 * states: shared (frames[page] == 0: the template's frame, read-only in the
 * clone's EPT/NPT and in its hypervisor window) or its own (a frame of its
 * own, writable in both). Changes happen under g->ram.lock.
 */
#include "kernel/guest/guest_cow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/kernel_map.h"
#include "kernel/core/log.h"
#include "kernel/core/pcpu.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_ram.h"
#include "kernel/guest/virt.h"
#include "kernel/mm/directmap.h"
#include "kernel/mm/pmm.h"

#define SHARED (GMAP_READ | GMAP_EXEC)

struct guest_template *guest_template_create(struct guest *g, const struct guest_entry_state *entry)
{
	struct guest_template *t = calloc(1, sizeof(*t));
	/* Clones read every byte of it: none may be left unzeroed. */
	if (!t || guest_ram_map_all(g, SHARED)) {
		free(t);
		return NULL;
	}
	t->g = g;
	t->entry = *entry;
	return t;
}

static hpa_t template_frame(const struct guest_cow *c, uint64_t page)
{
	return c->tmpl->g->mem_hpa + page * PAGE_SIZE;
}

int guest_cow_init(struct guest *g, struct guest_template *t)
{
	struct guest_cow *c = calloc(1, sizeof(*c));
	uint64_t pages = g->mem_size / PAGE_SIZE;
	if (!c || !(c->frames = calloc(pages, sizeof(hpa_t)))) {
		free(c);
		return -ENOMEM;
	}
	c->tmpl = t;
	int err = kernel_window_alloc(g->mem_size, &c->window);
	if (err) {
		free(c->frames);
		free(c);
		return err;
	}
	/* Its EPT/NPT is new: no CPU caches any of it yet. */
	err = kernel_window_map(c->window, t->g->mem_hpa, g->mem_size, false);
	if (!err)
		err = virt->guest_map(g, 0, t->g->mem_hpa, g->mem_size, SHARED, GMAP_WB);
	g->cow = c; /* from here on guest_cow_release undoes it, whatever failed */
	t->users++;
	if (!err)
		err = guest_ram_init_shared(g, c->window);
	return err;
}

/*
 * Own page `page` of g: copy the template's frame into a new one and map
 * that writable, in the window and in the EPT/NPT, this CPU's translations
 * flushed. True in *moved if it was shared until now.
 */
static int own_page_locked(struct guest *g, uint64_t page, bool *moved)
{
	struct guest_cow *c = g->cow;
	if (c->frames[page])
		return 0;
	hpa_t frame = pmm_alloc_frame();
	if (!frame)
		return -ENOMEM;
	memcpy(phys_to_virt(frame), phys_to_virt(template_frame(c, page)), PAGE_SIZE);
	gpa_t gpa = page * PAGE_SIZE;
	int err = kernel_window_map(c->window + gpa, frame, PAGE_SIZE, true);
	if (!err)
		err = virt->guest_map(g, gpa, frame, PAGE_SIZE, GMAP_RWX, GMAP_WB);
	if (err) {
		/* Shared again, as it was: the guest never saw the frame. */
		kernel_window_map(c->window + gpa, template_frame(c, page), PAGE_SIZE, false);
		virt->guest_map(g, gpa, template_frame(c, page), PAGE_SIZE, SHARED, GMAP_WB);
		pmm_free_frames(frame, 1);
		return err;
	}
	c->frames[page] = frame;
	c->own_pages++;
	*moved = true;
	return 0;
}

bool guest_cow_write_fault(struct guest *g, gpa_t gpa)
{
	if (gpa >= g->mem_size)
		return false;
	bool moved = false;
	spin_lock(&g->ram.lock);
	int err = own_page_locked(g, gpa / PAGE_SIZE, &moved);
	spin_unlock(&g->ram.lock);
	if (err)
		guest_stop(g, GUEST_CRASHED, err, "no host memory for its copy of GPA 0x%llx",
			   (unsigned long long)gpa);
	return true;
}

int guest_cow_own_range(struct guest *g, gpa_t gpa, uint64_t len)
{
	if (!len)
		return 0;
	uint64_t last = (gpa + len - 1) / PAGE_SIZE;
	int err = 0;
	bool moved = false;
	spin_lock(&g->ram.lock);
	for (uint64_t page = gpa / PAGE_SIZE; !err && page <= last; page++) {
		err = own_page_locked(g, page, &moved);
		/* Owned earlier on another CPU: this one may still hold the read-only entry. */
		invlpg(g->cow->window + page * PAGE_SIZE);
	}
	spin_unlock(&g->ram.lock);
	/*
	 * Not on the vCPU's CPU (the console's, say): that CPU may still hold
	 * the shared page's translation; it drops it at its next exit.
	 */
	if (moved && this_pcpu()->index != g->vcpus[0].se.cpu)
		guest_flush_others(g);
	return err;
}

/* Scrub and free g's own pages; none is mapped any more. */
static void free_own_pages(struct guest_cow *c, uint64_t pages)
{
	for (uint64_t page = 0; page < pages; page++) {
		if (!c->frames[page])
			continue;
		zero_qwords(phys_to_virt(c->frames[page]), PAGE_SIZE / 8);
		pmm_free_frames(c->frames[page], 1);
		c->frames[page] = 0;
	}
	c->own_pages = 0;
}

int guest_cow_reset(struct guest *g)
{
	struct guest_cow *c = g->cow;
	/* g is stopped: shared everywhere first, every CPU flushed, then its frames go. */
	spin_lock(&g->ram.lock);
	int err = kernel_window_map(c->window, c->tmpl->g->mem_hpa, g->mem_size, false);
	if (!err)
		err = virt->guest_map(g, 0, c->tmpl->g->mem_hpa, g->mem_size, SHARED, GMAP_WB);
	spin_unlock(&g->ram.lock);
	if (err)
		return err;
	guest_flush_others(g);
	spin_lock(&g->ram.lock);
	free_own_pages(c, g->mem_size / PAGE_SIZE);
	spin_unlock(&g->ram.lock);
	return 0;
}

void guest_cow_unlink(struct guest *g)
{
	kernel_window_unlink(g->cow->window, g->mem_size);
}

void guest_cow_release(struct guest *g)
{
	struct guest_cow *c = g->cow;
	free_own_pages(c, g->mem_size / PAGE_SIZE);
	kernel_window_release(c->window, g->mem_size);
	c->tmpl->users--;
	free(c->frames);
	free(c);
	g->cow = NULL;
}

void guest_template_destroy(struct guest_template *t)
{
	guest_destroy(t->g);
	free(t);
}
