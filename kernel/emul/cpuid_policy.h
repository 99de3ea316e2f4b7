/* What CPUID returns inside a guest. */
#ifndef SHOJI_KERNEL_CPUID_POLICY_H
#define SHOJI_KERNEL_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/guest/cpuid_cache.h"

/*
 * Filter the host's answer `host` for (leaf, subleaf) as guest vCPU `vcpu_id`
 * should see it. `guest_cr4_osxsave` mirrors the guest's CR4.OSXSAVE,
 * `hc_insn` is SHOJI_HC_INSN_VMCALL or _VMMCALL, `local_apic` says whether
 * the guest has local APICs (x2APIC and TSC-deadline capable). Pure:
 * unit-tested on the host.
 */
struct cpuid_result cpuid_policy(uint32_t leaf, uint32_t subleaf, struct cpuid_result host,
				 unsigned vcpu_id, bool guest_cr4_osxsave, uint32_t hc_insn,
				 bool local_apic);

/*
 * Fill c with the answers that do not change while a guest runs: the
 * policy applied to host(leaf, 0) for every cacheable leaf up to the
 * host's maximum of each range. host is the host CPU's CPUID (a parameter
 * so that tests can give another machine's).
 */
void cpuid_policy_fill_cache(struct cpuid_cache *c, uint32_t hc_insn, bool local_apic,
			     struct cpuid_result (*host)(uint32_t leaf, uint32_t subleaf));

#endif
