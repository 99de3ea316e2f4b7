/* unit-test-sources: kernel/emul/xcr0_policy.c */
/* XSETBV's checks on XCR0 (SDM 2 XSETBV). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/emul/xcr0_policy.h"

#define SKYLAKE_X 0xe7ULL   /* x87 SSE AVX + the three AVX-512 components */
#define WITH_MPX  0x1fULL   /* x87 SSE AVX BNDREGS BNDCSR */
#define WITH_AMX  0x60007ULL /* x87 SSE AVX + TILECFG TILEDATA */

static void test_valid(void **state)
{
	assert_true(xcr0_policy_ok(XCR0_X87, SKYLAKE_X));
	assert_true(xcr0_policy_ok(XCR0_X87 | XCR0_SSE, SKYLAKE_X));
	assert_true(xcr0_policy_ok(0x7, SKYLAKE_X));
	assert_true(xcr0_policy_ok(0xe7, SKYLAKE_X));
	assert_true(xcr0_policy_ok(0x1f, WITH_MPX));
	assert_true(xcr0_policy_ok(0x60007, WITH_AMX));
}

static void test_invalid(void **state)
{
	assert_false(xcr0_policy_ok(0, SKYLAKE_X));		   /* x87 cleared */
	assert_false(xcr0_policy_ok(XCR0_SSE, SKYLAKE_X));	   /* x87 cleared */
	assert_false(xcr0_policy_ok(0x5, SKYLAKE_X));		   /* AVX without SSE */
	assert_false(xcr0_policy_ok(0x23, SKYLAKE_X));		   /* one AVX-512 bit, no AVX */
	assert_false(xcr0_policy_ok(0x27, SKYLAKE_X));		   /* one AVX-512 bit of three */
	assert_false(xcr0_policy_ok(0xe3, SKYLAKE_X));		   /* AVX-512 without AVX */
	assert_false(xcr0_policy_ok(0xf, WITH_MPX));		   /* BNDREGS without BNDCSR */
	assert_false(xcr0_policy_ok(0x17, WITH_MPX));		   /* BNDCSR without BNDREGS */
	assert_false(xcr0_policy_ok(0x20007, WITH_AMX));	   /* TILECFG without TILEDATA */
	assert_false(xcr0_policy_ok(0x40007, WITH_AMX));	   /* TILEDATA without TILECFG */
	assert_false(xcr0_policy_ok(0x7, 0x3));			   /* AVX not offered */
	assert_false(xcr0_policy_ok(0x3 | (1ULL << 63), ~0ULL >> 1)); /* bit 63 not offered */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
