/*
 * Time-stamp counter frequency and conversions. The frequency is measured
 * against the HPET (or the PIT) because emulators report CPUID leaves 0x15 and
 * 0x16 that are absent or unrelated to their TSC; CPUID is the fallback.
 */
#ifndef SHOJI_DRIVERS_TSC_H
#define SHOJI_DRIVERS_TSC_H

#include "kernel/core/types.h"

/*
 * Find the TSC frequency: HPET measurement, else PIT, else CPUID 0x15, else
 * CPUID 0x16. Call after hpet_init(). Logs "tsc: <MHz> MHz (<source>)".
 * Returns 0 or -ENODEV (no TSC, or no source gave a plausible frequency).
 */
int tsc_init(void);

/* Frequency in Hz; 0 before a successful tsc_init. */
uint64_t tsc_hz(void);

/* TSC ticks -> nanoseconds, no intermediate overflow; 0 before tsc_init. */
uint64_t tsc_to_ns(uint64_t ticks);

/* Busy-wait at least us microseconds (before tsc_init: on the PIT). */
void tsc_delay_us(uint64_t us);

#endif
