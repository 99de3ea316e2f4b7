/*
 * HPET (IA-PC HPET specification 1.0a) as a free-running clock: the main
 * counter only, no comparators, no interrupts.
 */
#ifndef SHOJI_DRIVERS_HPET_H
#define SHOJI_DRIVERS_HPET_H

#include "drivers/acpi.h"
#include "kernel/core/types.h"

/*
 * Map the HPET that ACPI describes, check its counter period, disable every
 * comparator interrupt and legacy routing, start the main counter.
 * Returns 0, -ENODEV (no HPET table) or -EINVAL (unusable block).
 */
int hpet_init(const struct acpi_info *acpi);

bool hpet_available(void);

/* Main counter value; 0 before a successful hpet_init. */
uint64_t hpet_read(void);

/* Counter period in femtoseconds (1..100,000,000); 0 before hpet_init. */
uint64_t hpet_period_fs(void);

/*
 * Valid bits of hpet_read(): all ones for a 64-bit counter, 0xffffffff for a
 * 32-bit one (it wraps): take deltas as (b - a) & hpet_counter_mask().
 */
uint64_t hpet_counter_mask(void);

#endif
