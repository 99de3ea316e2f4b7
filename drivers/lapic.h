/*
 * Local APIC of the running CPU, in x2APIC mode when the CPU supports it
 * (SDM 3A 11.12), else in xAPIC mode through its MMIO page.
 */
#ifndef SHOJI_DRIVERS_LAPIC_H
#define SHOJI_DRIVERS_LAPIC_H

#include "drivers/acpi.h"
#include "kernel/core/types.h"

#define LAPIC_SPURIOUS_VECTOR 0xff

/*
 * Bring up this CPU's local APIC: pick x2APIC when CPUID.1:ECX[21] allows,
 * software-enable it with LAPIC_SPURIOUS_VECTOR, mask every LVT entry, TPR 0,
 * timer divide 16. Each CPU calls it once for itself, the BSP first; acpi may
 * be NULL (the MADT address is only a fallback for IA32_APIC_BASE).
 * Returns 0, -ENODEV (no local APIC) or -EINVAL (APIC page not mapped).
 */
int lapic_init(const struct acpi_info *acpi);

bool lapic_is_x2apic(void);

/* This CPU's APIC ID (32 bits in x2APIC mode, 8 in xAPIC mode). */
uint32_t lapic_id(void);

void lapic_eoi(void);

/*
 * IPIs, physical destination. Vectors below 16 are illegal (SDM 3A 11.5.2).
 * Return 0, -ENODEV before lapic_init, -EINVAL for a bad vector or an ID that
 * xAPIC mode cannot address (> 255), -ETIMEDOUT if an xAPIC never reported
 * the ICR idle again.
 */
int lapic_send_ipi(uint32_t apic_id, uint8_t vector);
int lapic_send_init(uint32_t apic_id);
/* Start-up IPI: the target starts in real mode at page << 12. */
int lapic_send_sipi(uint32_t apic_id, uint8_t page);

/*
 * NMI to every other CPU, for panic. Does nothing before lapic_init (then no
 * other CPU has been started by us). Never blocks for long, never logs.
 */
void lapic_send_nmi_all_but_self(void);

/* One-shot timer: raise vector after ticks timer clocks (bus clock / 16); 0 stops it. */
void lapic_timer_oneshot(uint32_t ticks, uint8_t vector);
void lapic_timer_stop(void);

/*
 * Measure the timer's tick rate (after divide 16) against the TSC, in two
 * halves so that other boot work (tsc_init) fills the window instead of a
 * spin: _start sets the timer counting; lapic_timer_calibrate measures over
 * all the time since (at least ~2 ms; without _start, from now). The timer
 * must stay untouched in between. Needs tsc_init before the second half.
 * Returns 0, -ENODEV before lapic_init/tsc_init or -EIO if the timer does
 * not count.
 */
void lapic_timer_calibrate_start(void);
int lapic_timer_calibrate(void);

/* Timer ticks per second as lapic_timer_oneshot counts them; 0 until calibrated. */
uint64_t lapic_timer_hz(void);

#endif
