/* Isolation check: fingerprints before and after a guest runs (see isolation.h). */
#include "kernel/guest/isolation.h"

#include "kernel/guest/guest.h"
#include "kernel/core/log.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

extern char __kernel_start[], __rodata_end[];

uint64_t isolation_hash(const void *p, uint64_t len)
{
	const uint64_t *w = p;
	uint64_t h = FNV_OFFSET;
	for (uint64_t i = 0; i < len / 8; i++)
		h = (h ^ w[i]) * FNV_PRIME;
	return h;
}

static uint64_t hypervisor_hash(void)
{
	return isolation_hash(__kernel_start, (uint64_t)(__rodata_end - __kernel_start));
}

void isolation_snapshot(struct isolation_snapshot *s, struct guest **guests, unsigned count,
			unsigned running)
{
	s->hypervisor = hypervisor_hash();
	for (unsigned j = 0; j < count && j < ISOLATION_MAX_GUESTS; j++)
		s->guests[j] =
		    j == running
			? 0
			: isolation_hash(guest_ram_read_ptr(guests[j], 0, guests[j]->mem_size),
					 guests[j]->mem_size);
}

unsigned isolation_verify(const struct isolation_snapshot *before, struct guest **guests,
			  unsigned count, unsigned running)
{
	struct isolation_snapshot after;
	unsigned changed = 0, others = 0;
	isolation_snapshot(&after, guests, count, running);
	const char *name = guests[running]->name;
	if (after.hypervisor != before->hypervisor) {
		log_err("isolation: after guest %s: the hypervisor image CHANGED", name);
		changed++;
	}
	for (unsigned j = 0; j < count && j < ISOLATION_MAX_GUESTS; j++) {
		if (j == running)
			continue;
		others++;
		if (after.guests[j] != before->guests[j]) {
			log_err("isolation: after guest %s: memory of guest %s CHANGED", name,
				guests[j]->name);
			changed++;
		}
	}
	if (!changed)
		log_info("isolation: after guest %s: hypervisor image and %u other guests' memory "
			 "unchanged",
			 name, others);
	return changed;
}
