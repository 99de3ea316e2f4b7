/* A guest over a host buffer (see guest_ram_fixture.h). */
#include "tests/unit/guest_ram_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest/guest_cow.h"
#include "kernel/guest/guest_ram.h"

/* The fixture's guests are never clones (g->cow stays NULL): guest_ram.c must not call these. */
int guest_cow_own_range(struct guest *g, gpa_t gpa, uint64_t len)
{
	abort();
}

void guest_cow_release(struct guest *g)
{
	abort();
}

/* No hot-added RAM in these tests: nothing lies above boot RAM. */
void *guest_resize_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	return NULL;
}

struct guest_ram_fixture_log guest_ram_fixture_log;

void guest_flush_others(struct guest *g)
{
	guest_ram_fixture_log.flushes++;
}

int pmm_free_frames(hpa_t base, uint64_t count)
{
	guest_ram_fixture_log.free_calls++;
	guest_ram_fixture_log.freed_pages += count;
	guest_ram_fixture_log.last_free = base;
	return 0;
}

int guest_ram_fixture_create(uint64_t ram_size, uint8_t stale, struct guest **g, uint8_t **backing)
{
	*backing = aligned_alloc(SZ_2M, ALIGN_UP(ram_size, SZ_2M)); /* a size the alignment divides */
	*g = calloc(1, sizeof(**g));
	if (!*backing || !*g)
		return -1;
	memset(*backing, stale, ram_size);
	memset(&guest_ram_fixture_log, 0, sizeof(guest_ram_fixture_log));
	snprintf((*g)->name, sizeof((*g)->name), "t");
	(*g)->mem_size = ram_size;
	(*g)->mem_hpa = (hpa_t)(uintptr_t)*backing;
	return guest_ram_init(*g);
}

void guest_ram_fixture_destroy(struct guest *g, uint8_t *backing)
{
	free(g->ram.page_zeroed);
	free(g->ram.ready_end);
	free(g->ram.hole);
	free(g);
	free(backing);
}
