/*
 * Integer arithmetic behind TSC calibration and conversion, kept free of any
 * hardware access so that host unit tests can check it. The hypervisor has no
 * floating point (-mgeneral-regs-only) and links no libgcc, so nothing here may
 * divide a 128-bit value with the C operator (that would call __udivti3).
 */
#ifndef SHOJI_DRIVERS_TSC_MATH_H
#define SHOJI_DRIVERS_TSC_MATH_H

#include "kernel/core/types.h"

#define NSEC_PER_SEC 1000000000ULL
#define USEC_PER_SEC 1000000ULL
#define FSEC_PER_SEC 1000000000000000ULL

/*
 * a * b / c with a 128-bit intermediate product, rounded down. Returns 0 if
 * c == 0 and UINT64_MAX if the quotient does not fit in 64 bits.
 */
uint64_t tsc_mul_div(uint64_t a, uint64_t b, uint64_t c);

/*
 * CPUID leaf 0x15 (SDM 2A, CPUID): TSC Hz = crystal Hz (ECX) * EBX / EAX.
 * Returns 0 (unknown) if any of the three is zero.
 */
uint64_t tsc_hz_from_cpuid15(uint32_t eax_denominator, uint32_t ebx_numerator,
			     uint32_t ecx_crystal_hz);

/* CPUID leaf 0x16 EAX[15:0]: processor base frequency in MHz; 0 if not given. */
uint64_t tsc_hz_from_cpuid16(uint32_t eax);

/*
 * Calibration: tsc_delta TSC ticks elapsed while a reference clock of ref_hz
 * advanced by ref_delta ticks. Returns 0 if ref_delta or ref_hz is zero.
 */
uint64_t tsc_hz_from_deltas(uint64_t tsc_delta, uint64_t ref_delta, uint64_t ref_hz);

/*
 * The same against a reference given by its period in femtoseconds (HPET).
 * Returns 0 if the reference interval is zero or too long to express in fs.
 */
uint64_t tsc_hz_from_period_fs(uint64_t tsc_delta, uint64_t ref_delta, uint64_t ref_period_fs);

/* ticks -> ns at hz, rounded down, saturating at UINT64_MAX; 0 if hz == 0. */
uint64_t tsc_ticks_to_ns(uint64_t ticks, uint64_t hz);

/* us -> ticks at hz, rounded up so that a delay is never short; saturating. */
uint64_t tsc_us_to_ticks(uint64_t us, uint64_t hz);

/* ns -> ticks at hz, rounded up so that a timer never fires early; saturating. */
uint64_t tsc_ns_to_ticks(uint64_t ns, uint64_t hz);

/*
 * The TSC value @ticks (at least one) after @now, saturating at UINT64_MAX: a long
 * timeout must never wrap round to a deadline that has already passed.
 */
uint64_t tsc_deadline_after(uint64_t now, uint64_t ticks);

/* Median of three measurements: one disturbed run (SMI, host preemption) is ignored. */
uint64_t tsc_median3(uint64_t a, uint64_t b, uint64_t c);

/*
 * Whether three measurements agree: their spread (max - min) is at most
 * ppm millionths of their median. False if any is 0.
 */
bool tsc_agree3(uint64_t a, uint64_t b, uint64_t c, uint32_t ppm);

/* A frequency for printing as "%llu.%03u MHz", rounded to the nearest kHz. */
struct tsc_mhz {
	uint64_t whole;
	uint32_t thousandths;
};

struct tsc_mhz tsc_mhz_split(uint64_t hz);

#endif
