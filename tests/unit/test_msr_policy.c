/* unit-test-sources: kernel/emul/msr_policy.c */
/* Guest MSR allow-list and the write checks the architecture makes. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/emul/msr_policy.h"

static void test_classify(void **state)
{
	assert_int_equal(msr_policy_classify(MSR_EFER_NUM), MSR_VCPU);
	assert_int_equal(msr_policy_classify(MSR_LSTAR), MSR_VCPU);
	assert_int_equal(msr_policy_classify(MSR_TSC), MSR_EMULATED);
	assert_int_equal(msr_policy_classify(MSR_APIC_BASE), MSR_EMULATED);
	assert_int_equal(msr_policy_classify(0x3a), MSR_DENY);	     /* IA32_FEATURE_CONTROL */
	assert_int_equal(msr_policy_classify(0x480), MSR_DENY);	     /* IA32_VMX_BASIC */
	assert_int_equal(msr_policy_classify(0xc0010114), MSR_DENY); /* VM_CR */
	assert_int_equal(msr_policy_classify(0x12345678), MSR_DENY);
}

static void test_emulated_values(void **state)
{
	uint64_t v = 0;
	assert_true(msr_policy_emulate(MSR_TSC, false, &v, 12345, 0, true));
	assert_int_equal(v, 12345);
	assert_true(msr_policy_emulate(MSR_APIC_BASE, false, &v, 0, 0, true));
	assert_int_equal(v, 0xfee00900);
	assert_true(msr_policy_emulate(MSR_APIC_BASE, false, &v, 0, 1, true));
	assert_int_equal(v, 0xfee00800); /* not the BSP */
	v = 0xfee00900;
	assert_true(msr_policy_emulate(MSR_APIC_BASE, true, &v, 0, 0, true)); /* same value: fine */
	v = 0x12300900;
	assert_false(msr_policy_emulate(MSR_APIC_BASE, true, &v, 0, 0, true)); /* moving it: #GP */
	v = 1;
	assert_false(msr_policy_emulate(MSR_MTRRCAP, true, &v, 0, 0, true)); /* read-only */
	/* AMD's C1E message MSR: reads 0, so Linux picks no C1E idle workaround. */
	assert_int_equal(msr_policy_classify(0xc0010055), MSR_EMULATED);
	v = 7;
	assert_true(msr_policy_emulate(0xc0010055, false, &v, 0, 0, true));
	assert_int_equal(v, 0);
	v = 2;
	assert_false(msr_policy_emulate(0xc0010055, true, &v, 0, 0, true));
	/* Intel's microcode revision: Linux writes 0, then reads it: 0. */
	assert_int_equal(msr_policy_classify(0x8b), MSR_EMULATED);
	v = 0;
	assert_true(msr_policy_emulate(0x8b, true, &v, 0, 0, true));
	v = 9;
	assert_true(msr_policy_emulate(0x8b, false, &v, 0, 0, true));
	assert_int_equal(v, 0);
	/* MISC_ENABLE's fast strings as the host has them; changing the bit is refused. */
	assert_true(msr_policy_emulate(MSR_MISC_ENABLE, false, &v, 0, 0, true));
	assert_int_equal(v, 1);
	assert_true(msr_policy_emulate(MSR_MISC_ENABLE, false, &v, 0, 0, false));
	assert_int_equal(v, 0);
	v = 1;
	assert_false(msr_policy_emulate(MSR_MISC_ENABLE, true, &v, 0, 0, false));
	v = 0;
	assert_true(msr_policy_emulate(MSR_MISC_ENABLE, true, &v, 0, 0, false));
}

static void test_efer(void **state)
{
	const uint64_t LME = 1 << 8, LMA = 1 << 10, NXE = 1 << 11, SVME = 1 << 12;
	assert_true(msr_policy_efer_ok(0, LME | NXE, false));
	assert_false(msr_policy_efer_ok(0, SVME, false));	/* SVM is hidden */
	assert_false(msr_policy_efer_ok(0, 1 << 2, false));	/* reserved */
	assert_false(msr_policy_efer_ok(LME | LMA, LMA, true)); /* LME off under paging */
	assert_true(msr_policy_efer_ok(LME | LMA, LME | LMA | NXE, true));
}

static void test_pat_and_canonical(void **state)
{
	assert_true(msr_policy_pat_ok(0x0007040600070406ULL));
	assert_false(msr_policy_pat_ok(0x0007040600070402ULL)); /* type 2 reserved */
	assert_false(msr_policy_pat_ok(0x0807040600070406ULL)); /* type 8 */
	assert_true(msr_policy_canonical(0x00007fffffffffffULL));
	assert_true(msr_policy_canonical(0xffff800000000000ULL));
	assert_false(msr_policy_canonical(0x0000800000000000ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_emulated_values),
	    cmocka_unit_test(test_efer),
	    cmocka_unit_test(test_pat_and_canonical),
	};
	return cmocka_run_group_tests_name("msr_policy", tests, NULL, NULL);
}
