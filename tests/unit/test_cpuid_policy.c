/* unit-test-sources: kernel/emul/cpuid_policy.c */
/* Guest CPUID: hidden features, hypervisor bit, Shoji leaves, fixed topology. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/emul/cpuid_policy.h"
#include "kernel/guest/hypercall_abi.h"

static const struct cpuid_result all_ones = {~0u, ~0u, ~0u, ~0u};

static void test_leaf1_hides_and_marks(void **state)
{
	struct cpuid_result r = cpuid_policy(1, 0, all_ones, 3, false, SHOJI_HC_INSN_VMCALL);
	assert_int_equal(r.ecx & (1u << 5), 0);	     /* VMX */
	assert_int_equal(r.ecx & (1u << 21), 0);     /* x2APIC */
	assert_int_equal(r.ecx & (1u << 27), 0);     /* OSXSAVE follows the guest's CR4 */
	assert_int_not_equal(r.ecx & (1u << 31), 0); /* hypervisor present */
	assert_int_equal(r.edx & (1u << 9), 0);	     /* no local APIC offered yet */
	assert_int_equal(r.ebx >> 24, 3);	     /* initial APIC ID = vCPU id */
	assert_int_equal((r.ebx >> 16) & 0xff, 1);   /* one logical processor */
	assert_int_equal(r.eax, ~0u);		     /* family/model pass through */

	r = cpuid_policy(1, 0, all_ones, 0, true, SHOJI_HC_INSN_VMCALL);
	assert_int_not_equal(r.ecx & (1u << 27), 0);
}

static void test_svm_hidden(void **state)
{
	struct cpuid_result r = cpuid_policy(0x80000001, 0, all_ones, 0, false, 0);
	assert_int_equal(r.ecx & (1u << 2), 0);
	r = cpuid_policy(0x8000000a, 0, all_ones, 0, false, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_shoji_leaves(void **state)
{
	struct cpuid_result r = cpuid_policy(SHOJI_CPUID_BASE, 0, all_ones, 0, false, 0);
	assert_int_equal(r.eax, SHOJI_CPUID_ABI);
	char sig[13] = {0};
	__builtin_memcpy(sig, &r.ebx, 4);
	__builtin_memcpy(sig + 4, &r.ecx, 4);
	__builtin_memcpy(sig + 8, &r.edx, 4);
	assert_string_equal(sig, "ShojiShoji");
	r = cpuid_policy(SHOJI_CPUID_ABI, 0, all_ones, 0, false, SHOJI_HC_INSN_VMMCALL);
	assert_int_equal(r.eax, SHOJI_ABI_VERSION);
	assert_int_equal(r.ebx, SHOJI_HC_INSN_VMMCALL);
	/* Leaves above ours in the hypervisor range are empty, not the host's. */
	r = cpuid_policy(0x40000005, 0, all_ones, 0, false, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_topology_is_one_thread(void **state)
{
	struct cpuid_result r = cpuid_policy(0xb, 0, all_ones, 7, false, 0);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 0x100);
	assert_int_equal(r.edx, 7);
	r = cpuid_policy(0xb, 2, all_ones, 7, false, 0);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(r.ecx, 2); /* invalid level */
	r = cpuid_policy(4, 0, all_ones, 0, false, 0);
	assert_int_equal(r.eax, 0x3fff); /* no sharing, one core */
}

static void test_other_leaves_pass_through(void **state)
{
	struct cpuid_result host = {0x12, 0x34, 0x56, 0x78};
	struct cpuid_result r = cpuid_policy(0, 0, host, 0, false, 0);
	assert_memory_equal(&r, &host, sizeof(r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leaf1_hides_and_marks),
	    cmocka_unit_test(test_svm_hidden),
	    cmocka_unit_test(test_shoji_leaves),
	    cmocka_unit_test(test_topology_is_one_thread),
	    cmocka_unit_test(test_other_leaves_pass_through),
	};
	return cmocka_run_group_tests_name("cpuid_policy", tests, NULL, NULL);
}
