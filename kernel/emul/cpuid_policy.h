/* What CPUID returns inside a guest. */
#ifndef SHOJI_KERNEL_CPUID_POLICY_H
#define SHOJI_KERNEL_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/guest/cpuid_cache.h"

/* What a guest's CPUID answers depend on besides the host's. */
struct cpuid_guest {
	unsigned vcpu_id;
	bool cr4_osxsave;  /* mirrors the guest's CR4.OSXSAVE (leaf 1) */
	uint32_t hc_insn;  /* SHOJI_HC_INSN_VMCALL or _VMMCALL */
	bool local_apic;   /* the guest has local APICs (x2APIC, TSC-deadline capable) */
	uint32_t tsc_khz;  /* the TSC's (and the APIC timer's) frequency: leaf 0x40000010 */
	uint32_t instance; /* its instance number (leaf 0x40000002), 0: a plain guest */
};

/*
 * Filter the host's answer `host` for (leaf, subleaf) as the guest `g`
 * describes should see it. Pure: unit-tested on the host.
 */
struct cpuid_result cpuid_policy(uint32_t leaf, uint32_t subleaf, struct cpuid_result host,
				 const struct cpuid_guest *g);

/*
 * Fill c with the answers that do not change while a guest runs: the
 * policy (for g; its vcpu_id and cr4_osxsave are not used) applied to
 * host(leaf, 0) for every cacheable leaf up to the
 * host's maximum of each range. host is the host CPU's CPUID (a parameter
 * so that tests can give another machine's).
 */
void cpuid_policy_fill_cache(struct cpuid_cache *c, const struct cpuid_guest *g,
			     struct cpuid_result (*host)(uint32_t leaf, uint32_t subleaf));

#endif
