/*
 * Isolation check (command line "isolation-check", used by the system
 * tests): before a guest runs, fingerprint the hypervisor's read-only image
 * and every other guest's RAM; afterwards, compare. Proves from outside that
 * what the guest did stayed inside its own memory.
 */
#ifndef SHOJI_KERNEL_ISOLATION_H
#define SHOJI_KERNEL_ISOLATION_H

#include <stdint.h>

struct guest;

#define ISOLATION_MAX_GUESTS 16

struct isolation_snapshot {
	uint64_t hypervisor;
	uint64_t guests[ISOLATION_MAX_GUESTS];
};

/* FNV-1a over 64-bit words (len a multiple of 8). */
uint64_t isolation_hash(const void *p, uint64_t len);

/* Fingerprints of the hypervisor image and of guests[j] for every j != running. */
void isolation_snapshot(struct isolation_snapshot *s, struct guest **guests, unsigned count,
			unsigned running);
/* Compare with a fresh snapshot, log the verdict; returns the number of changed areas. */
unsigned isolation_verify(const struct isolation_snapshot *before, struct guest **guests,
			  unsigned count, unsigned running);

#endif
