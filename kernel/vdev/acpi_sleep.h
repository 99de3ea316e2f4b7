/*
 * The ACPI hardware-reduced sleep registers a PC guest's FADT names
 * (ACPI 6.5 4.8.3.7): SLEEP_CONTROL_REG at ACPI_SLEEP_PORT and
 * SLEEP_STATUS_REG one above it, byte wide. Writing SLP_EN with the
 * DSDT's \_S5_ type powers the guest off: it stops as having exited with
 * code 0 ("powered off (ACPI S5)"). The other sleep states are not offered
 * (the DSDT names none) and are ignored. Part of `devices = pc`.
 */
#ifndef SHOJI_KERNEL_VDEV_ACPI_SLEEP_H
#define SHOJI_KERNEL_VDEV_ACPI_SLEEP_H

#include "kernel/guest/vdev.h"

#define ACPI_SLEEP_PORT	 0x600 /* free on a PC: above the ISA range, below PCI's usual I/O */
#define ACPI_SLEEP_PORTS 2

int acpi_sleep_attach(struct guest *g, struct vdev *d);

#endif
