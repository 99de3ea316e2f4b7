/*
 * A guest's CPUID answers that never change while it runs, computed once
 * when the guest is built (kernel/emul/cpuid_policy.c fills it) so that the
 * CPUID exit is a table look-up. Leaves whose answer depends on the vCPU,
 * the guest's CR4/XCR0 or a sub-leaf other than 0 are not kept: their exits
 * take the full policy.
 */
#ifndef SHOJI_KERNEL_GUEST_CPUID_CACHE_H
#define SHOJI_KERNEL_GUEST_CPUID_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpuid_result {
	uint32_t eax, ebx, ecx, edx;
};

#define CPUID_CACHE_SLOTS 16 /* leaves base..base+15 of each range */

struct cpuid_slot {
	bool valid;
	bool subleaf0_only; /* the answer holds for sub-leaf 0 only */
	struct cpuid_result r;
};

/* Basic leaves 0x0.., hypervisor leaves 0x40000000.., extended leaves 0x80000000... */
struct cpuid_cache {
	struct cpuid_slot basic[CPUID_CACHE_SLOTS], hv[CPUID_CACHE_SLOTS], ext[CPUID_CACHE_SLOTS];
};

/* The kept answer for leaf/subleaf, or NULL when the full policy must answer. */
static inline const struct cpuid_result *cpuid_cache_find(const struct cpuid_cache *c,
							  uint32_t leaf, uint32_t subleaf)
{
	const struct cpuid_slot *slots;
	switch (leaf & ~(uint32_t)(CPUID_CACHE_SLOTS - 1)) {
	case 0:
		slots = c->basic;
		break;
	case 0x40000000:
		slots = c->hv;
		break;
	case 0x80000000:
		slots = c->ext;
		break;
	default:
		return NULL;
	}
	const struct cpuid_slot *s = &slots[leaf & (CPUID_CACHE_SLOTS - 1)];
	if (!s->valid || (s->subleaf0_only && subleaf))
		return NULL;
	return &s->r;
}

#endif
