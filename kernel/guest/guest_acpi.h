/*
 * The ACPI tables a guest sees (ACPI 6.5): RSDP, XSDT, FADT, FACS (full
 * fixed hardware only), MADT and a DSDT whose AML is assembled here. Pure
 * functions over a byte buffer: guest RAM is a host pointer + size
 * (GPA 0 = ram[0]), so host unit tests run them. The module owns the bytes
 * of [base, base + room) it writes and nothing else; the devices the tables
 * describe (reset port, sleep registers, PM timer, COM1, virtio-mmio) are
 * the caller's to emulate.
 *
 * Layout from @base (each table 16-byte aligned, the FACS 64-byte aligned):
 *   RSDP (36 bytes), XSDT (FADT, MADT), FADT (276 bytes),
 *   FACS (64 bytes, only when !hw_reduced), MADT, DSDT.
 *
 * I/O ports the caller emulates, from cfg->sleep_port:
 *   hw_reduced  +0 SLEEP_CONTROL_REG (byte; SLP_TYP bits 4:2, SLP_EN bit 5)
 *               +1 SLEEP_STATUS_REG (byte; WAK_STS bit 7)
 *   otherwise   +0 PM1a_EVT_BLK (4 bytes: PM1_STS word, PM1_EN word)
 *               +4 PM1a_CNT_BLK (word; SCI_EN bit 0 must read 1: there is no
 *                  SMI_CMD, so the OS finds ACPI mode already on; SLP_TYP
 *                  bits 12:10, SLP_EN bit 13)
 *               +6 unused (2 bytes)
 *               +8 PM_TMR_BLK (dword, read-only; a free-running 32-bit
 *                  counter at 3.579545 MHz, TMR_VAL_EXT set: ACPI 4.8
 *                  "Power Management Timer")
 *               12 bytes in all, the PIIX4 PM block's order; the SCI is
 *               ISA IRQ 9 (GUEST_ACPI_SCI_IRQ), no GPE block.
 * Poweroff writes SLP_TYP = GUEST_ACPI_SLP_TYP_S5 (the DSDT's \_S5_).
 */
#ifndef SHOJI_KERNEL_GUEST_ACPI_H
#define SHOJI_KERNEL_GUEST_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/core/types.h"

#define GUEST_ACPI_VCPUS_MAX   255 /* xAPIC IDs 0..254; 0xff is the broadcast ID */
#define GUEST_ACPI_VIRTIO_MAX  4
#define GUEST_ACPI_SLP_TYP_S5  5
#define GUEST_ACPI_SCI_IRQ     9 /* full fixed hardware only: the PC's customary SCI */
#define GUEST_ACPI_PM1_EVT_OFF 0 /* of cfg->sleep_port, full fixed hardware */
#define GUEST_ACPI_PM1_EVT_LEN 4
#define GUEST_ACPI_PM1_CNT_OFF 4
#define GUEST_ACPI_PM1_CNT_LEN 2
#define GUEST_ACPI_PM_TMR_OFF  8
#define GUEST_ACPI_PM_TMR_LEN  4	  /* 5.2.9: PM_TMR_LEN must be 4 */
#define GUEST_ACPI_RSDP_ALIGN  16	  /* ACPI 5.2.5.1: found on a 16-byte boundary */
#define GUEST_ACPI_PKGLEN_MAX  0x0fffffff /* ACPI 20.2.4: 28 bits */

struct guest_acpi_config {
	unsigned vcpus; /* APIC IDs and processor UIDs 0..vcpus-1 */
	gpa_t lapic_gpa;
	gpa_t ioapic_gpa;
	uint8_t ioapic_id;
	bool hw_reduced;
	uint16_t sleep_port;
	uint16_t reset_port;
	uint8_t reset_value;
	unsigned virtio_count;
	struct {
		gpa_t gpa;
		uint32_t size;
		uint32_t gsi;
	} virtio[GUEST_ACPI_VIRTIO_MAX];
};

/*
 * Write the tables for @cfg into [@base, @base + @room) of @ram (@ram_size
 * bytes) and return the RSDP's GPA (= @base) in @rsdp_gpa. Nothing outside
 * that range is written, and nothing at all on failure. Returns 0, -ENOSPC
 * when the tables do not fit in @room, or -EINVAL: vcpus 0 or above
 * GUEST_ACPI_VCPUS_MAX, virtio_count above GUEST_ACPI_VIRTIO_MAX, a virtio
 * range empty or not below 4 GiB, sleep_port 0 or its port block (2 bytes
 * hw-reduced, 12 otherwise) reaching past port 0xffff, reset_port 0, a
 * LAPIC/IOAPIC address not below 4 GiB, @base not 16-byte aligned, or the
 * range not in RAM below 4 GiB (the FADT's DSDT and FIRMWARE_CTRL fields are
 * 32-bit).
 */
int guest_acpi_write(uint8_t *ram, uint64_t ram_size, gpa_t base, uint64_t room,
		     const struct guest_acpi_config *cfg, gpa_t *rsdp_gpa);

/*
 * The AML PkgLength encoding (ACPI 20.2.4) of a package whose body (what
 * follows the PkgLength) is @body_len bytes: the length counts its own 1-4
 * bytes. Writes them to @out and returns how many, or 0 when the total is
 * above GUEST_ACPI_PKGLEN_MAX.
 */
unsigned guest_acpi_pkglength(uint32_t body_len, uint8_t out[4]);

#endif
