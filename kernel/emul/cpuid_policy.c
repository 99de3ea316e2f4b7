/*
 * Guest CPUID: the host's answer with virtualization, monitoring and
 * platform features the guest cannot use removed, the hypervisor-present
 * bit set, Shoji's leaves at 0x40000000, and a fixed one-CPU topology so a
 * guest sees the same machine whichever physical CPU runs it.
 */
#include <stdbool.h>

#include "kernel/emul/cpuid_policy.h"
#include "kernel/guest/hypercall_abi.h"

#define BIT(n) (1u << (n))

/* Leaf 1 ECX */
#define L1_ECX_MONITOR	    BIT(3)
#define L1_ECX_DS_CPL	    BIT(4)
#define L1_ECX_VMX	    BIT(5)
#define L1_ECX_SMX	    BIT(6)
#define L1_ECX_EST	    BIT(7)
#define L1_ECX_TM2	    BIT(8)
#define L1_ECX_PDCM	    BIT(15)
#define L1_ECX_DCA	    BIT(18)
#define L1_ECX_X2APIC	    BIT(21)
#define L1_ECX_TSC_DEADLINE BIT(24)
#define L1_ECX_OSXSAVE	    BIT(27)
#define L1_ECX_HYPERVISOR   BIT(31)
/* Leaf 1 EDX */
#define L1_EDX_APIC BIT(9)
#define L1_EDX_DS   BIT(21)
#define L1_EDX_ACPI BIT(22)
#define L1_EDX_HTT  BIT(28)
#define L1_EDX_TM   BIT(29)
#define L1_EDX_PBE  BIT(31)
/* Leaf 7.0 EBX / ECX */
#define L7_EBX_TSC_ADJ BIT(1) /* IA32_TSC_ADJUST: the guest's TSC is the host's, not adjustable */
#define L7_EBX_SGX     BIT(2)
#define L7_EBX_RTM     BIT(11)
#define L7_EBX_PQM     BIT(12)
#define L7_EBX_PQE     BIT(15)
#define L7_ECX_WAITPKG BIT(5)
#define L7_ECX_LA57    BIT(16) /* 5-level paging: the guest page walker knows 4 levels */
#define L7_ECX_RDPID   BIT(22) /* reads IA32_TSC_AUX, which is not switched per vCPU */
#define L7_ECX_SGX_LC  BIT(30)
/* 0x80000001 ECX */
#define LX1_ECX_SVM	 BIT(2)
#define LX1_ECX_SKINIT	 BIT(12)
#define LX1_ECX_MONITORX BIT(29)
/* 0x80000001 EDX */
#define LX1_EDX_RDTSCP BIT(27) /* as RDPID: IA32_TSC_AUX is the host's */

#define LEAF_THERMAL	   6
#define LEAF_EXT_FEATURES  7
#define LEAF_PMU	   0xa
#define LEAF_TOPOLOGY	   0xb
#define LEAF_TOPOLOGY_V2   0x1f
#define LEAF_CACHE	   4
#define LEAF_XSAVE	   0xd
#define LEAF_SVM	   0x8000000a
#define TOPO_LEVEL_SMT	   1
#define TOPO_LEVEL_CORE	   2
#define SHOJI_CPUID_HV_END 0x40010000u /* the range hypervisors share: above it, not ours */

struct cpuid_result cpuid_policy(uint32_t leaf, uint32_t subleaf, struct cpuid_result host,
				 const struct cpuid_guest *g)
{
	struct cpuid_result r = host;

	switch (leaf) {
	case 1:
		r.ecx &= ~(L1_ECX_MONITOR | L1_ECX_DS_CPL | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_EST |
			   L1_ECX_TM2 | L1_ECX_PDCM | L1_ECX_DCA | L1_ECX_X2APIC |
			   L1_ECX_TSC_DEADLINE | L1_ECX_OSXSAVE);
		r.ecx |= L1_ECX_HYPERVISOR;
		if (g->cr4_osxsave)
			r.ecx |= L1_ECX_OSXSAVE;
		r.edx &=
		    ~(L1_EDX_APIC | L1_EDX_DS | L1_EDX_ACPI | L1_EDX_HTT | L1_EDX_TM | L1_EDX_PBE);
		/* A guest with the PC platform has local APICs (kernel/vdev/apic_bus.c); others
		 * none. */
		if (g->local_apic) {
			r.edx |= L1_EDX_APIC;
			r.ecx |= L1_ECX_X2APIC | L1_ECX_TSC_DEADLINE;
		}
		/* EBX: initial APIC ID (31:24) and one logical processor (23:16). */
		r.ebx = (r.ebx & 0xffff) | (1u << 16) | ((g->vcpu_id & 0xff) << 24);
		break;
	case LEAF_CACHE:
		/* One core, no sharing: EAX 31:26 and 25:14 are "count - 1". */
		r.eax &= 0x3fff;
		break;
	case LEAF_THERMAL:
	case LEAF_PMU:
		r = (struct cpuid_result){0};
		break;
	case LEAF_EXT_FEATURES:
		if (subleaf == 0) {
			r.ebx &=
			    ~(L7_EBX_TSC_ADJ | L7_EBX_SGX | L7_EBX_RTM | L7_EBX_PQM | L7_EBX_PQE);
			r.ecx &= ~(L7_ECX_WAITPKG | L7_ECX_LA57 | L7_ECX_RDPID | L7_ECX_SGX_LC);
		}
		break;
	case LEAF_TOPOLOGY:
	case LEAF_TOPOLOGY_V2:
		/* One thread on one core; EDX is the x2APIC ID. */
		r = (struct cpuid_result){.ecx = subleaf & 0xff, .edx = g->vcpu_id};
		if (subleaf == 0) {
			r.ebx = 1;
			r.ecx |= TOPO_LEVEL_SMT << 8;
		} else if (subleaf == 1) {
			r.ebx = 1;
			r.ecx |= TOPO_LEVEL_CORE << 8;
		}
		break;
	case SHOJI_CPUID_BASE:
		r = (struct cpuid_result){.eax = SHOJI_CPUID_TIMING,
					  .ebx = SHOJI_CPUID_SIG_EBX,
					  .ecx = SHOJI_CPUID_SIG_ECX,
					  .edx = SHOJI_CPUID_SIG_EDX};
		break;
	case SHOJI_CPUID_ABI:
		r = (struct cpuid_result){.eax = SHOJI_ABI_VERSION, .ebx = g->hc_insn};
		break;
	case SHOJI_CPUID_INSTANCE:
		/* Instances of one config guest are otherwise identical: this tells them apart. */
		r = (struct cpuid_result){.eax = g->instance};
		break;
	case SHOJI_CPUID_TIMING:
		/*
		 * The timing leaf VMware defined and other hypervisors copy: the TSC's
		 * frequency and the local APIC timer's (the same: it counts the TSC),
		 * in kHz, so a guest that reads it needs no calibration.
		 */
		r = (struct cpuid_result){.eax = g->tsc_khz, .ebx = g->local_apic ? g->tsc_khz : 0};
		break;
	case 0x80000001:
		r.ecx &= ~(LX1_ECX_SVM | LX1_ECX_SKINIT | LX1_ECX_MONITORX);
		r.edx &= ~LX1_EDX_RDTSCP;
		break;
	case LEAF_SVM:
		r = (struct cpuid_result){0};
		break;
	default:
		/* Other hypervisor leaves are not ours to answer. */
		if (leaf > SHOJI_CPUID_ABI && leaf < SHOJI_CPUID_HV_END)
			r = (struct cpuid_result){0};
		break;
	}
	return r;
}

/*
 * Not kept: leaf 1 (APIC ID per vCPU, OSXSAVE follows CR4), the sub-leaf
 * leaves whose answers vary (4 caches, 0xb topology, 0xd XSAVE sizes that
 * follow XCR0) and leaf 7 beyond sub-leaf 0.
 */
static bool cacheable(uint32_t leaf)
{
	return leaf != 1 && leaf != LEAF_CACHE && leaf != LEAF_TOPOLOGY && leaf != LEAF_XSAVE &&
	       leaf != LEAF_TOPOLOGY_V2;
}

static void fill_range(struct cpuid_slot *slots, uint32_t base, uint32_t max,
		       const struct cpuid_guest *g,
		       struct cpuid_result (*host)(uint32_t leaf, uint32_t subleaf))
{
	for (uint32_t i = 0; i < CPUID_CACHE_SLOTS; i++) {
		uint32_t leaf = base + i;
		slots[i] = (struct cpuid_slot){0};
		if (leaf > max || !cacheable(leaf))
			continue;
		struct cpuid_result h = host(leaf, 0);
		slots[i] = (struct cpuid_slot){
		    .valid = true,
		    .subleaf0_only = leaf == LEAF_EXT_FEATURES,
		    .r = cpuid_policy(leaf, 0, h, g),
		};
	}
}

void cpuid_policy_fill_cache(struct cpuid_cache *c, const struct cpuid_guest *g,
			     struct cpuid_result (*host)(uint32_t leaf, uint32_t subleaf))
{
	fill_range(c->basic, 0, host(0, 0).eax, g, host);
	/* Shoji's own range: 0x40000000-1 answered, the rest of the 16 zero. */
	fill_range(c->hv, SHOJI_CPUID_BASE, SHOJI_CPUID_BASE + CPUID_CACHE_SLOTS - 1, g, host);
	fill_range(c->ext, 0x80000000, host(0x80000000, 0).eax, g, host);
}
