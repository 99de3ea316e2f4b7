/*
 * I/O APICs listed in the MADT: all pins masked at start-up, single pins
 * routed to a local APIC on request.
 */
#ifndef SHOJI_DRIVERS_IOAPIC_H
#define SHOJI_DRIVERS_IOAPIC_H

#include "drivers/acpi.h"
#include "kernel/core/types.h"

/*
 * Read each I/O APIC's pin count and mask every redirection entry. Logs one
 * line per I/O APIC; one that is unusable is reported and skipped.
 */
void ioapic_init(const struct acpi_info *acpi);

/*
 * Route a GSI as fixed, physical-destination, edge-triggered, active-high
 * (the ISA default; interrupt source overrides are not applied) to vector on
 * the CPU with the given APIC ID, and unmask it.
 * Returns 0 or -EINVAL (vector < 16, APIC ID > 255, GSI not on any I/O APIC).
 */
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id);

/* Mask one GSI again. Returns 0 or -EINVAL (GSI not on any I/O APIC). */
int ioapic_mask(uint32_t gsi);

#endif
