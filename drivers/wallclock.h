/*
 * The host's wall clock: the CMOS RTC's time read once at boot
 * (drivers/rtc_cmos.c), carried forward by the TSC. Guests' RTCs start
 * from it. Without a readable RTC the clock starts at the epoch (logged).
 */
#ifndef SHOJI_DRIVERS_WALLCLOCK_H
#define SHOJI_DRIVERS_WALLCLOCK_H

#include "kernel/core/types.h"

/* Read the RTC; after tsc_init (the TSC must be calibrated). */
void wallclock_init(void);

/* Nanoseconds since 1970-01-01 00:00:00 UTC at TSC value @tsc (>= the boot reading's). */
uint64_t wallclock_ns(uint64_t tsc);

#endif
