/*
 * TSC arithmetic: CPUID ratios, calibration from measured deltas, tick to ns
 * conversion and MHz formatting, all through drivers/tsc_math.h.
 */
/* unit-test-sources: drivers/tsc_math.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/tsc_math.h"

static void test_mul_div_small_and_zero_divisor(void **state)
{
	(void)state;
	assert_int_equal(tsc_mul_div(10, 20, 7), 28);
	assert_int_equal(tsc_mul_div(0, UINT64_MAX, 3), 0);
	assert_int_equal(tsc_mul_div(5, 6, 0), 0);
}

static void test_mul_div_wide_product(void **state)
{
	(void)state;
	/* (2^64 - 1) * (2^64 - 1) / (2^64 - 1) needs the full 128-bit product. */
	assert_true(tsc_mul_div(UINT64_MAX, UINT64_MAX, UINT64_MAX) == UINT64_MAX);
	/* 2^63 * 6 / 4 = 3 * 2^62 */
	assert_true(tsc_mul_div(1ULL << 63, 6, 4) == 3ULL << 62);
	/* Rounds down: (2^64 - 1) * 3 / 7, checked via exact remainder algebra. */
	uint64_t q = tsc_mul_div(UINT64_MAX, 3, 7);
	unsigned __int128 p = (unsigned __int128)UINT64_MAX * 3;
	assert_true((unsigned __int128)q * 7 <= p && p - (unsigned __int128)q * 7 < 7);
	/* Quotient beyond 64 bits saturates. */
	assert_true(tsc_mul_div(UINT64_MAX, 2, 1) == UINT64_MAX);
	assert_true(tsc_mul_div(1ULL << 63, 4, 2) == UINT64_MAX);
}

static void test_mul_div_matches_reference(void **state)
{
	/* Pseudo-random operands checked against the compiler's 128-bit division. */
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		uint64_t a, b, c;
		unsigned __int128 ref;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		a = x;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		b = x >> (i % 64);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		c = (x >> (i % 61)) | 1;
		ref = (unsigned __int128)a * b / c;
		if (ref > UINT64_MAX)
			assert_true(tsc_mul_div(a, b, c) == UINT64_MAX);
		else
			assert_true(tsc_mul_div(a, b, c) == (uint64_t)ref);
	}
}

static void test_cpuid15_ratio(void **state)
{
	(void)state;
	/* Skylake-class: 24 MHz crystal, ratio 242/2 -> 2904 MHz. */
	assert_int_equal(tsc_hz_from_cpuid15(2, 242, 24000000), 2904000000ULL);
	/* Ratio that does not divide evenly rounds down. */
	assert_int_equal(tsc_hz_from_cpuid15(3, 100, 25000000), 833333333ULL);
	assert_int_equal(tsc_hz_from_cpuid15(7, 1, 10), 1);
	/* Largest operands must not overflow 32-bit arithmetic. */
	assert_true(tsc_hz_from_cpuid15(1, UINT32_MAX, UINT32_MAX) ==
		    (uint64_t)UINT32_MAX * UINT32_MAX);
}

static void test_cpuid15_zero_fields(void **state)
{
	(void)state;
	assert_int_equal(tsc_hz_from_cpuid15(0, 242, 24000000), 0); /* zero denominator */
	assert_int_equal(tsc_hz_from_cpuid15(2, 0, 24000000), 0);   /* ratio not enumerated */
	assert_int_equal(tsc_hz_from_cpuid15(2, 242, 0), 0);	    /* crystal not enumerated */
	assert_int_equal(tsc_hz_from_cpuid15(0, 0, 0), 0);
}

static void test_cpuid16(void **state)
{
	(void)state;
	assert_int_equal(tsc_hz_from_cpuid16(3400), 3400000000ULL);
	assert_int_equal(tsc_hz_from_cpuid16(0), 0);
	/* Bits 31:16 are reserved and ignored. */
	assert_int_equal(tsc_hz_from_cpuid16(0xabcd0000U | 2100), 2100000000ULL);
}

static void test_calibration_from_deltas(void **state)
{
	(void)state;
	/* PIT: 11932 ticks at 1193182 Hz while the TSC advanced 30,000,000 ticks. */
	assert_int_equal(tsc_hz_from_deltas(30000000, 11932, 1193182), 2999954743ULL);
	/* Exact pair: 1 s of a 1 MHz reference, 2.5e9 TSC ticks. */
	assert_int_equal(tsc_hz_from_deltas(2500000000ULL, 1000000, 1000000), 2500000000ULL);
	/* Zero reference delta or rate: no answer rather than a division by zero. */
	assert_int_equal(tsc_hz_from_deltas(1000, 0, 1193182), 0);
	assert_int_equal(tsc_hz_from_deltas(1000, 10, 0), 0);
	/* Large deltas (hours at 5 GHz) must not overflow the product. */
	assert_int_equal(tsc_hz_from_deltas(5000000000ULL * 36000, 1193182ULL * 36000, 1193182),
			 5000000000ULL);
}

static void test_calibration_from_hpet_period(void **state)
{
	(void)state;
	/* QEMU HPET: 10 ns period; 10 ms = 1,000,000 counts; TSC 28,931,230 ticks. */
	assert_int_equal(tsc_hz_from_period_fs(28931230, 1000000, 10000000), 2893123000ULL);
	/* Chipset HPET: 14.31818 MHz = 69841279 fs; 143182 counts ~ 10.000 ms. */
	uint64_t hz = tsc_hz_from_period_fs(30000000, 143182, 69841279);
	assert_true(hz > 2999990000ULL && hz < 3000010000ULL);
	assert_int_equal(tsc_hz_from_period_fs(1000, 0, 10000000), 0);
	assert_int_equal(tsc_hz_from_period_fs(1000, 10, 0), 0);
	/* Reference interval beyond 2^64 fs is refused, not wrapped. */
	assert_int_equal(tsc_hz_from_period_fs(1000, UINT64_MAX / 2, 100000000), 0);
}

static void test_ticks_to_ns(void **state)
{
	(void)state;
	assert_int_equal(tsc_ticks_to_ns(0, 3000000000ULL), 0);
	assert_int_equal(tsc_ticks_to_ns(3, 3000000000ULL), 1);
	assert_int_equal(tsc_ticks_to_ns(2, 3000000000ULL), 0); /* rounds down */
	assert_int_equal(tsc_ticks_to_ns(3000000000ULL, 3000000000ULL), 1000000000ULL);
	assert_int_equal(tsc_ticks_to_ns(123, 0), 0); /* not calibrated */
	/* 10 s at 3 GHz: ticks * 1e9 (3e19) would overflow 64 bits. */
	assert_int_equal(tsc_ticks_to_ns(30000000000ULL, 3000000000ULL), 10000000000ULL);
	/* One year of uptime at 2.893123 GHz, exact to the nanosecond. */
	uint64_t secs = 365ULL * 24 * 3600, hz = 2893123000ULL;
	assert_true(tsc_ticks_to_ns(secs * hz + hz / 2, hz) == secs * 1000000000ULL + 500000000ULL);
}

static void test_ticks_to_ns_extremes(void **state)
{
	(void)state;
	/* Largest count at a low (Bochs-like) rate: ~584 years overflows ns: saturate. */
	assert_true(tsc_ticks_to_ns(UINT64_MAX, 1000000) == UINT64_MAX);
	/* Largest count at 3 GHz: 6.1e18 ns fits, and must match 128-bit math. */
	unsigned __int128 ref = (unsigned __int128)UINT64_MAX * 1000000000ULL / 3000000000ULL;
	assert_true(tsc_ticks_to_ns(UINT64_MAX, 3000000000ULL) == (uint64_t)ref);
	/* A rate above ~18.4 GHz takes the wide path; still exact. */
	uint64_t huge_hz = 40000000000ULL;
	ref = (unsigned __int128)(huge_hz - 1) * 1000000000ULL / huge_hz;
	assert_true(tsc_ticks_to_ns(huge_hz - 1, huge_hz) == (uint64_t)ref);
	assert_true(tsc_ticks_to_ns(UINT64_MAX, UINT64_MAX) == 1000000000ULL);
}

static void test_us_to_ticks(void **state)
{
	(void)state;
	assert_int_equal(tsc_us_to_ticks(10, 3000000000ULL), 30000);
	/* 1.5 ticks round up to 2 so a delay is never short. */
	assert_int_equal(tsc_us_to_ticks(1, 1500000), 2);
	assert_int_equal(tsc_us_to_ticks(0, 3000000000ULL), 0);
	assert_true(tsc_us_to_ticks(UINT64_MAX, 3000000000ULL) == UINT64_MAX);
}

/* ceil(ns * hz / 1e9), saturated: the exact answer, with the host's 128-bit integers. */
static uint64_t ns_to_ticks_reference(uint64_t ns, uint64_t hz)
{
	unsigned __int128 t = ((unsigned __int128)ns * hz + NSEC_PER_SEC - 1) / NSEC_PER_SEC;

	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

/* Every power of two and its neighbours up to UINT64_MAX, then pseudo-random values. */
static uint64_t ns_sample(unsigned i)
{
	static uint64_t lcg = 0x9e3779b97f4a7c15ULL;

	if (i < 64 * 3)
		return (1ULL << (i / 3)) + (i % 3) - 1;
	if (i == 64 * 3)
		return UINT64_MAX;
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return lcg >> (lcg & 63); /* every magnitude, not only huge values */
}

#define NS_SAMPLES 20000

static void test_ns_to_ticks_every_magnitude(void **state)
{
	/* 1 Hz, Bochs at ips=50M, 1 GHz, 3 GHz, a faster-than-any-CPU 20 GHz. */
	static const uint64_t hzs[] = {1, 50000000, 1000000000, 3000000000ULL, 20000000000ULL};

	(void)state;
	for (unsigned h = 0; h < ARRAY_SIZE(hzs); h++) {
		uint64_t prev_ns = 0, prev_ticks = 0;

		for (unsigned i = 0; i < NS_SAMPLES; i++) {
			uint64_t ns = ns_sample(i), ticks = tsc_ns_to_ticks(ns, hzs[h]);

			if (ticks != ns_to_ticks_reference(ns, hzs[h]))
				fail_msg("ns %llu at %llu Hz: %llu ticks, want %llu",
					 (unsigned long long)ns, (unsigned long long)hzs[h],
					 (unsigned long long)ticks,
					 (unsigned long long)ns_to_ticks_reference(ns, hzs[h]));
			/* A longer timeout never ends sooner (the sweep is ordered up to
			 * UINT64_MAX). */
			if (i <= 64 * 3 && ns >= prev_ns)
				assert_true(ticks >= prev_ticks);
			prev_ns = ns;
			prev_ticks = ticks;
		}
	}
}

static void test_deadline_never_in_the_past(void **state)
{
	static const uint64_t nows[] = {
	    0, 1, 123456789012345ULL, UINT64_MAX / 2, UINT64_MAX - 5, UINT64_MAX};

	(void)state;
	for (unsigned n = 0; n < ARRAY_SIZE(nows); n++) {
		for (unsigned i = 0; i < NS_SAMPLES; i++) {
			uint64_t now = nows[n];
			uint64_t d =
			    tsc_deadline_after(now, tsc_ns_to_ticks(ns_sample(i), 3000000000ULL));

			assert_true(d > now || (now == UINT64_MAX && d == UINT64_MAX));
		}
	}
	assert_true(tsc_deadline_after(10, 0) == 11); /* a zero timeout still means "later" */
	assert_true(tsc_deadline_after(UINT64_MAX - 1, UINT64_MAX) == UINT64_MAX);
	assert_true(tsc_deadline_after(5, UINT64_MAX - 5) == UINT64_MAX);
	assert_true(tsc_deadline_after(5, UINT64_MAX - 6) == UINT64_MAX - 1);
}

static void test_median3(void **state)
{
	(void)state;
	assert_int_equal(tsc_median3(1, 2, 3), 2);
	assert_int_equal(tsc_median3(3, 2, 1), 2);
	assert_int_equal(tsc_median3(2, 3, 1), 2);
	assert_int_equal(tsc_median3(2, 1, 3), 2);
	assert_int_equal(tsc_median3(1, 3, 2), 2);
	assert_int_equal(tsc_median3(3, 1, 2), 2);
	assert_int_equal(tsc_median3(5, 5, 1), 5);
	assert_int_equal(tsc_median3(7, 7, 7), 7);
}

static void test_agree3(void **state)
{
	(void)state;
	/* 100 ppm of 50 MHz is 5000 Hz. */
	assert_true(tsc_agree3(50000000, 50000000, 50000000, 100));
	assert_true(tsc_agree3(50000000, 50004999, 49999999, 100));
	assert_true(tsc_agree3(49997500, 50000000, 50002500, 100));
	assert_false(tsc_agree3(49997500, 50000000, 50002501, 100));
	assert_false(tsc_agree3(50000000, 50000000, 45000000, 100)); /* one disturbed window */
	assert_false(tsc_agree3(50000000, 0, 50000000, 100));
	assert_true(tsc_agree3(7, 7, 7, 0));
	assert_false(tsc_agree3(7, 8, 7, 0));
}

static void test_mhz_split(void **state)
{
	struct tsc_mhz m;

	(void)state;
	m = tsc_mhz_split(2893123000ULL);
	assert_int_equal(m.whole, 2893);
	assert_int_equal(m.thousandths, 123);
	m = tsc_mhz_split(2893123499ULL); /* rounds to the nearest kHz */
	assert_int_equal(m.thousandths, 123);
	m = tsc_mhz_split(2893123500ULL);
	assert_int_equal(m.thousandths, 124);
	m = tsc_mhz_split(2999999600ULL); /* carries into the MHz */
	assert_int_equal(m.whole, 3000);
	assert_int_equal(m.thousandths, 0);
	m = tsc_mhz_split(50000000ULL); /* Bochs ips=50M */
	assert_int_equal(m.whole, 50);
	assert_int_equal(m.thousandths, 0);
	m = tsc_mhz_split(7000ULL);
	assert_int_equal(m.whole, 0);
	assert_int_equal(m.thousandths, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mul_div_small_and_zero_divisor),
	    cmocka_unit_test(test_mul_div_wide_product),
	    cmocka_unit_test(test_mul_div_matches_reference),
	    cmocka_unit_test(test_cpuid15_ratio),
	    cmocka_unit_test(test_cpuid15_zero_fields),
	    cmocka_unit_test(test_cpuid16),
	    cmocka_unit_test(test_calibration_from_deltas),
	    cmocka_unit_test(test_calibration_from_hpet_period),
	    cmocka_unit_test(test_ticks_to_ns),
	    cmocka_unit_test(test_ticks_to_ns_extremes),
	    cmocka_unit_test(test_us_to_ticks),
	    cmocka_unit_test(test_ns_to_ticks_every_magnitude),
	    cmocka_unit_test(test_deadline_never_in_the_past),
	    cmocka_unit_test(test_median3),
	    cmocka_unit_test(test_agree3),
	    cmocka_unit_test(test_mhz_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
