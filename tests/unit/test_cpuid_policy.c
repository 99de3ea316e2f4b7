/* unit-test-sources: kernel/emul/cpuid_policy.c */
/* Guest CPUID: hidden features, hypervisor bit, Shoji leaves, fixed topology. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/emul/cpuid_policy.h"

static struct cpuid_result policy(uint32_t leaf, uint32_t subleaf, struct cpuid_result host,
				  unsigned vcpu_id, bool osxsave, uint32_t hc_insn, bool local_apic)
{
	struct cpuid_guest g = {.vcpu_id = vcpu_id,
				.cr4_osxsave = osxsave,
				.hc_insn = hc_insn,
				.local_apic = local_apic,
				.tsc_khz = 2000000};
	return cpuid_policy(leaf, subleaf, host, &g);
}
#include "kernel/guest/hypercall_abi.h"

static const struct cpuid_result all_ones = {~0u, ~0u, ~0u, ~0u};

static void test_leaf1_hides_and_marks(void **state)
{
	struct cpuid_result r = policy(1, 0, all_ones, 3, false, SHOJI_HC_INSN_VMCALL, false);
	assert_int_equal(r.ecx & (1u << 5), 0);	     /* VMX */
	assert_int_equal(r.ecx & (1u << 21), 0);     /* x2APIC */
	assert_int_equal(r.ecx & (1u << 27), 0);     /* OSXSAVE follows the guest's CR4 */
	assert_int_not_equal(r.ecx & (1u << 31), 0); /* hypervisor present */
	assert_int_equal(r.edx & (1u << 9), 0);	     /* no local APIC offered yet */
	assert_int_equal(r.ebx >> 24, 3);	     /* initial APIC ID = vCPU id */
	assert_int_equal((r.ebx >> 16) & 0xff, 1);   /* one logical processor */
	assert_int_equal(r.eax, ~0u);		     /* family/model pass through */

	r = policy(1, 0, all_ones, 0, true, SHOJI_HC_INSN_VMCALL, false);
	assert_int_not_equal(r.ecx & (1u << 27), 0);
	assert_int_equal(r.edx & (1u << 9), 0); /* no APIC without the PC platform */
	assert_int_equal(r.ecx & ((1u << 21) | (1u << 24)), 0);
	r = policy(1, 0, (struct cpuid_result){0}, 2, false, SHOJI_HC_INSN_VMCALL, true);
	assert_int_equal(r.edx & (1u << 9), 1u << 9); /* APIC, x2APIC, TSC deadline offered */
	assert_int_equal(r.ecx & ((1u << 21) | (1u << 24)), (1u << 21) | (1u << 24));
	assert_int_equal(r.ebx >> 24, 2);
}

/* Linux switches to 5-level paging when CPUID offers LA57 (QEMU's TCG does). */
static void test_leaf7_hides_la57(void **state)
{
	struct cpuid_result r = policy(7, 0, all_ones, 0, false, 0, false);
	assert_int_equal(r.ecx & (1u << 16), 0);
	assert_int_equal(r.ecx & (1u << 5), 0);	 /* WAITPKG */
	assert_int_equal(r.ecx & (1u << 22), 0); /* RDPID: TSC_AUX is not the guest's */
	assert_int_not_equal(r.ecx & 1u, 0);	 /* the rest passes through */
	assert_int_equal(r.ebx & (1u << 1), 0);	 /* TSC_ADJUST: Linux would read MSR 0x3b */
}

static void test_svm_hidden(void **state)
{
	struct cpuid_result r = policy(0x80000001, 0, all_ones, 0, false, 0, false);
	assert_int_equal(r.ecx & (1u << 2), 0);
	assert_int_equal(r.edx & (1u << 27), 0); /* RDTSCP */
	r = policy(0x8000000a, 0, all_ones, 0, false, 0, false);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_shoji_leaves(void **state)
{
	struct cpuid_result r = policy(SHOJI_CPUID_BASE, 0, all_ones, 0, false, 0, false);
	assert_int_equal(r.eax, SHOJI_CPUID_TIMING); /* the highest leaf of ours */
	char sig[13] = {0};
	__builtin_memcpy(sig, &r.ebx, 4);
	__builtin_memcpy(sig + 4, &r.ecx, 4);
	__builtin_memcpy(sig + 8, &r.edx, 4);
	assert_string_equal(sig, "ShojiShoji");
	r = policy(SHOJI_CPUID_ABI, 0, all_ones, 0, false, SHOJI_HC_INSN_VMMCALL, false);
	assert_int_equal(r.eax, SHOJI_ABI_VERSION);
	assert_int_equal(r.ebx, SHOJI_HC_INSN_VMMCALL);
	/* Leaves above ours in the hypervisor range are empty, not the host's. */
	r = policy(0x40000005, 0, all_ones, 0, false, 0, false);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	/* The timing leaf: TSC kHz, and the APIC timer's only where there is an APIC. */
	r = policy(SHOJI_CPUID_TIMING, 0, all_ones, 0, false, 0, false);
	assert_int_equal(r.eax, 2000000);
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
	r = policy(SHOJI_CPUID_TIMING, 0, all_ones, 0, false, 0, true);
	assert_int_equal(r.ebx, 2000000);
	r = policy(SHOJI_CPUID_TIMING + 1, 0, all_ones, 0, false, 0, true);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

/* Leaf 0x40000002: the instance number in EAX, 0 for a plain guest; the rest zero. */
static void test_instance_leaf(void **state)
{
	struct cpuid_guest g = {.instance = 7};
	struct cpuid_result r = cpuid_policy(SHOJI_CPUID_INSTANCE, 0, all_ones, &g);
	assert_int_equal(r.eax, 7);
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
	g.instance = 0;
	r = cpuid_policy(SHOJI_CPUID_INSTANCE, 3, all_ones, &g);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_topology_is_one_thread(void **state)
{
	struct cpuid_result r = policy(0xb, 0, all_ones, 7, false, 0, false);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 0x100);
	assert_int_equal(r.edx, 7);
	r = policy(0xb, 2, all_ones, 7, false, 0, false);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(r.ecx, 2); /* invalid level */
	r = policy(4, 0, all_ones, 0, false, 0, false);
	assert_int_equal(r.eax, 0x3fff); /* no sharing, one core */
}

static void test_other_leaves_pass_through(void **state)
{
	struct cpuid_result host = {0x12, 0x34, 0x56, 0x78};
	struct cpuid_result r = policy(0, 0, host, 0, false, 0, false);
	assert_memory_equal(&r, &host, sizeof(r));
}

/* A made-up host: basic leaves up to 0xd, extended up to 0x80000008; each answer names its leaf. */
static struct cpuid_result fake_host(uint32_t leaf, uint32_t subleaf)
{
	if (leaf == 0)
		return (struct cpuid_result){.eax = 0xd, .ebx = 0x756e6547};
	if (leaf == 0x80000000)
		return (struct cpuid_result){.eax = 0x80000008};
	return (struct cpuid_result){.eax = leaf, .ebx = subleaf, .ecx = ~0u, .edx = ~0u};
}

static void test_cache_matches_policy(void **state)
{
	struct cpuid_cache c;
	cpuid_policy_fill_cache(&c, &(struct cpuid_guest){.hc_insn = SHOJI_HC_INSN_VMCALL},
				fake_host);
	static const uint32_t kept[] = {0,	    2,		3,	    5,		6,
					7,	    0xa,	0xc,	    0x40000000, 0x40000001,
					0x40000005, 0x80000000, 0x80000001, 0x80000008};
	for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		const struct cpuid_result *r = cpuid_cache_find(&c, kept[i], 0);
		assert_non_null(r);
		struct cpuid_result want = policy(kept[i], 0, fake_host(kept[i], 0), 0, false,
						  SHOJI_HC_INSN_VMCALL, false);
		assert_memory_equal(r, &want, sizeof(want));
	}
}

static void test_cache_leaves_dynamic_leaves_to_the_policy(void **state)
{
	struct cpuid_cache c;
	cpuid_policy_fill_cache(&c, &(struct cpuid_guest){.hc_insn = SHOJI_HC_INSN_VMCALL},
				fake_host);
	/* Per vCPU, CR4- or XCR0-dependent, sub-leaf dependent, beyond the host's maximum. */
	assert_null(cpuid_cache_find(&c, 1, 0));
	assert_null(cpuid_cache_find(&c, 4, 0));
	assert_null(cpuid_cache_find(&c, 0xb, 0));
	assert_null(cpuid_cache_find(&c, 0xd, 0));
	assert_null(cpuid_cache_find(&c, 7, 1));
	assert_null(cpuid_cache_find(&c, 0xe, 0));
	assert_null(cpuid_cache_find(&c, 0x80000009, 0));
	assert_null(cpuid_cache_find(&c, 0x20, 0));
	assert_null(cpuid_cache_find(&c, 0xc0000000, 0));
	/* Leaf 7 sub-leaf 0 is kept, with the policy's hidden features. */
	assert_non_null(cpuid_cache_find(&c, 7, 0));
	assert_int_equal(cpuid_cache_find(&c, 7, 0)->ebx & (1u << 11), 0); /* RTM */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leaf1_hides_and_marks),
	    cmocka_unit_test(test_leaf7_hides_la57),
	    cmocka_unit_test(test_svm_hidden),
	    cmocka_unit_test(test_shoji_leaves),
	    cmocka_unit_test(test_instance_leaf),
	    cmocka_unit_test(test_topology_is_one_thread),
	    cmocka_unit_test(test_other_leaves_pass_through),
	    cmocka_unit_test(test_cache_matches_policy),
	    cmocka_unit_test(test_cache_leaves_dynamic_leaves_to_the_policy),
	};
	return cmocka_run_group_tests_name("cpuid_policy", tests, NULL, NULL);
}
