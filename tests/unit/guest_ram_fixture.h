/* A guest over a host buffer for the guest RAM tests (guest_ram, guest_dirty). */
#ifndef SHOJI_TESTS_UNIT_GUEST_RAM_FIXTURE_H
#define SHOJI_TESTS_UNIT_GUEST_RAM_FIXTURE_H

#include <stdint.h>

#include "kernel/guest/guest.h"

/*
 * A guest "t" whose RAM is a fresh 2 MiB-aligned host buffer of @ram_size
 * bytes, every one @stale (a previous owner's), its RAM state set up
 * (guest_ram_init): 0, or -1 without memory. The direct map is 1:1 here.
 */
int guest_ram_fixture_create(uint64_t ram_size, uint8_t stale, struct guest **g, uint8_t **backing);

/* What guest_ram.c asked of the layers around it: flushes and frames freed. */
struct guest_ram_fixture_log {
	unsigned flushes, free_calls;
	uint64_t freed_pages;
	hpa_t last_free;
};
extern struct guest_ram_fixture_log guest_ram_fixture_log;

/* Free what create gave (the RAM state, the guest, the buffer). */
void guest_ram_fixture_destroy(struct guest *g, uint8_t *backing);

#endif
