/*
 * The ACPI fixed hardware of a PC guest (ACPI 6.5 4.8), at the ports its
 * FADT names (kernel/guest/guest_acpi.h): the PM1a event block (PM1_STS,
 * PM1_EN), the PM1a control block and the PM timer, in the PIIX4 order:
 *   ACPI_PM_PORT + 0  PM1_STS (word, write 1 to clear)  + 2  PM1_EN (word)
 *                + 4  PM1_CNT (word)                    + 8  PM_TMR (dword)
 * The PM timer counts at 3.579545 MHz from the TSC, 32 bits wide (FADT
 * TMR_VAL_EXT): a guest calibrates its clocks against it and may use it
 * as a clocksource. SCI_EN always reads 1: there is no SMI command port,
 * the guest finds ACPI mode already on. Writing SLP_EN with the DSDT's
 * \_S5_ type powers the guest off (it stops as exited with code 0); the
 * other sleep states are not offered and are ignored. No event ever raises
 * the SCI. Part of `devices = pc`.
 */
#ifndef SHOJI_KERNEL_VDEV_ACPI_PM_H
#define SHOJI_KERNEL_VDEV_ACPI_PM_H

#include "kernel/guest/vdev.h"

#define ACPI_PM_PORT	 0x600 /* free on a PC: above the ISA range, below PCI's usual I/O */
#define ACPI_PM_PORTS	 12
#define ACPI_PM_TIMER_HZ 3579545 /* ACPI 6.5 4.8.3.3 */

struct acpi_pm {
	struct vdev dev;
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint64_t timer_base_tsc; /* the TSC at which the PM timer read 0 */
};

int acpi_pm_attach(struct guest *g, struct acpi_pm *pm);

/* Power-on state (a restart): status and enables clear, the timer from 0. */
void acpi_pm_reset(struct acpi_pm *pm);

#endif
