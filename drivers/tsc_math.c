/*
 * Pure integer arithmetic for the TSC driver (see tsc_math.h). Owns no state
 * and touches no hardware; tsc.c does the measuring.
 */
#include "drivers/tsc_math.h"

#define PPM_PER_ONE 1000000ULL

#define CPUID16_EAX_BASE_MHZ_MASK 0xffffU
#define HZ_PER_MHZ		  1000000ULL
#define HZ_PER_KHZ		  1000ULL
#define KHZ_PER_MHZ		  1000ULL

/*
 * 128 / 64 long division, one quotient bit per step. Only used when the
 * product of two 64-bit values may overflow; the caller guarantees hi < d so
 * that the quotient fits in 64 bits. Plain C because the kernel has no libgcc
 * (no __udivti3) and the host tests must run the same code.
 */
static uint64_t div128_64(uint64_t hi, uint64_t lo, uint64_t d)
{
	uint64_t rem = hi, q = 0;

	for (int bit = 63; bit >= 0; bit--) {
		uint64_t carry = rem >> 63;

		rem = (rem << 1) | ((lo >> bit) & 1);
		q <<= 1;
		/* With carry set the true remainder is >= 2^64 > d: subtract mod 2^64. */
		if (carry || rem >= d) {
			rem -= d;
			q |= 1;
		}
	}
	return q;
}

uint64_t tsc_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	/* A 64x64->128 multiply is a single MUL instruction, no library call. */
	unsigned __int128 product = (unsigned __int128)a * b;
	uint64_t hi = (uint64_t)(product >> 64), lo = (uint64_t)product;

	if (c == 0)
		return 0;
	if (hi == 0)
		return lo / c;
	if (hi >= c)
		return UINT64_MAX;
	return div128_64(hi, lo, c);
}

uint64_t tsc_hz_from_cpuid15(uint32_t eax_denominator, uint32_t ebx_numerator,
			     uint32_t ecx_crystal_hz)
{
	/* SDM 2A CPUID leaf 15H: EAX or EBX zero means the ratio is not enumerated,
	 * ECX zero means the crystal frequency is not. */
	if (eax_denominator == 0 || ebx_numerator == 0 || ecx_crystal_hz == 0)
		return 0;
	return (uint64_t)ecx_crystal_hz * ebx_numerator / eax_denominator;
}

uint64_t tsc_hz_from_cpuid16(uint32_t eax)
{
	return (uint64_t)(eax & CPUID16_EAX_BASE_MHZ_MASK) * HZ_PER_MHZ;
}

uint64_t tsc_hz_from_deltas(uint64_t tsc_delta, uint64_t ref_delta, uint64_t ref_hz)
{
	if (ref_delta == 0 || ref_hz == 0)
		return 0;
	return tsc_mul_div(tsc_delta, ref_hz, ref_delta);
}

uint64_t tsc_hz_from_period_fs(uint64_t tsc_delta, uint64_t ref_delta, uint64_t ref_period_fs)
{
	uint64_t elapsed_fs;

	if (ref_delta == 0 || ref_period_fs == 0)
		return 0;
	/* 2^64 fs is about 5 hours: far beyond any calibration window. */
	if (ref_delta > UINT64_MAX / ref_period_fs)
		return 0;
	elapsed_fs = ref_delta * ref_period_fs;
	return tsc_mul_div(tsc_delta, FSEC_PER_SEC, elapsed_fs);
}

uint64_t tsc_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	uint64_t secs, rest, ns;

	if (hz == 0)
		return 0;
	/* Whole seconds and the remainder apart: ticks * 1e9 would overflow
	 * after about 6 s at 3 GHz. */
	secs = ticks / hz;
	rest = ticks % hz;
	if (secs > UINT64_MAX / NSEC_PER_SEC)
		return UINT64_MAX;
	ns = secs * NSEC_PER_SEC;
	/* rest < hz, so rest * 1e9 fits unless hz exceeds ~18 GHz. */
	if (hz <= UINT64_MAX / NSEC_PER_SEC)
		rest = rest * NSEC_PER_SEC / hz;
	else
		rest = tsc_mul_div(rest, NSEC_PER_SEC, hz);
	if (ns > UINT64_MAX - rest)
		return UINT64_MAX;
	return ns + rest;
}

/* `count` units of 1/per_second s in ticks, rounded up: a partial tick still has to be waited for. */
static uint64_t ticks_rounded_up(uint64_t count, uint64_t per_second, uint64_t hz)
{
	uint64_t ticks = tsc_mul_div(count, hz, per_second);

	if (ticks == UINT64_MAX)
		return UINT64_MAX;
	if (tsc_mul_div(ticks, per_second, hz) < count)
		ticks++;
	return ticks;
}

uint64_t tsc_us_to_ticks(uint64_t us, uint64_t hz)
{
	return ticks_rounded_up(us, USEC_PER_SEC, hz);
}

bool tsc_agree3(uint64_t a, uint64_t b, uint64_t c, uint32_t ppm)
{
	if (!a || !b || !c)
		return false;
	uint64_t spread = MAX(MAX(a, b), c) - MIN(MIN(a, b), c);
	return spread <= tsc_mul_div(tsc_median3(a, b, c), ppm, PPM_PER_ONE);
}

uint64_t tsc_ns_to_ticks(uint64_t ns, uint64_t hz)
{
	return ticks_rounded_up(ns, NSEC_PER_SEC, hz);
}

uint64_t tsc_deadline_after(uint64_t now, uint64_t ticks)
{
	if (!ticks)
		ticks = 1;
	return ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

uint64_t tsc_median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b) {
		uint64_t t = a;
		a = b;
		b = t;
	}
	/* Now a <= b: the median is c clamped into [a, b]. */
	if (c < a)
		return a;
	if (c > b)
		return b;
	return c;
}

struct tsc_mhz tsc_mhz_split(uint64_t hz)
{
	uint64_t khz = hz / HZ_PER_KHZ + (hz % HZ_PER_KHZ >= HZ_PER_KHZ / 2);
	struct tsc_mhz m = {
	    .whole = khz / KHZ_PER_MHZ,
	    .thousandths = (uint32_t)(khz % KHZ_PER_MHZ),
	};

	return m;
}
