/*
 * ACPI tables the hypervisor reads for itself: RSDP -> XSDT (or RSDT) ->
 * MADT, FADT, HPET, MCFG. Every table's checksum and length are verified
 * before a single field is used; a bad table is reported and skipped.
 * The parser only reads memory; it never writes to firmware tables.
 */
#ifndef SHOJI_DRIVERS_ACPI_H
#define SHOJI_DRIVERS_ACPI_H

#include "kernel/core/types.h"

#define ACPI_MAX_CPUS	 256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_MCFG	 4
#define ACPI_MAX_TABLES	 64

struct acpi_ioapic {
	uint8_t id;
	hpa_t base;
	uint32_t gsi_base;
};

struct acpi_mcfg_region {
	hpa_t base; /* ECAM base of bus 0 of this segment */
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

struct acpi_info {
	uint8_t revision; /* RSDP revision: 0 = ACPI 1.0 (RSDT), >= 2 (XSDT) */
	char oem_id[7];	  /* NUL-terminated */
	hpa_t root_table; /* the XSDT or RSDT walked; 0: none usable */
	bool root_is_xsdt;
	unsigned table_count; /* entries the root table lists */

	/* MADT */
	bool has_madt;
	hpa_t lapic_base;
	unsigned cpu_count; /* enabled (or online-capable) processors */
	uint32_t apic_ids[ACPI_MAX_CPUS];
	unsigned ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	bool has_8259; /* MADT PCAT_COMPAT flag */

	/* FADT */
	bool has_fadt;
	uint32_t pm_timer_port; /* 0: none */
	bool pm_timer_32bit;
	uint16_t boot_arch_flags; /* IAPC_BOOT_ARCH */

	/* HPET */
	bool has_hpet;
	hpa_t hpet_base;

	/* MCFG */
	unsigned mcfg_count;
	struct acpi_mcfg_region mcfg[ACPI_MAX_MCFG];

	unsigned bad_tables; /* tables rejected (checksum, length, truncated) */
};

/*
 * Parse the tables reachable from a copy of the RSDP (as struct boot_info
 * carries it). Returns 0, -EINVAL if the RSDP itself is bad (then *info says
 * nothing), or 0 with info->bad_tables counting the tables that were skipped.
 */
int acpi_parse(const void *rsdp, size_t rsdp_length, struct acpi_info *info);

/* Log one summary line per table found (and per MCFG region). */
void acpi_print(const struct acpi_info *info);

#endif
