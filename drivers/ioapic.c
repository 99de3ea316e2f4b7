/*
 * I/O APIC (Intel 82093AA datasheet). Owns every redirection table entry of
 * every I/O APIC in the MADT; it leaves their IDs and arbitration registers
 * alone. Register access goes through an index/data pair (IOREGSEL, IOWIN),
 * so two CPUs must never program the same I/O APIC at once: ioapic_init runs
 * on the BSP, later ioapic_route/ioapic_mask callers serialize among
 * themselves (no spinlock exists yet).
 */
#include <errno.h>

#include "drivers/ioapic.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"

/* Memory-mapped registers (82093AA 3.1). */
#define IOAPIC_IOREGSEL	 0x00
#define IOAPIC_IOWIN	 0x10
#define IOAPIC_MMIO_SIZE 0x20

/* Indirect registers (82093AA 3.2). */
#define IOAPIC_REG_VER	       0x01
#define IOAPIC_REG_REDTBL(pin) (0x10 + 2 * (pin)) /* low dword; high at +1 */

/* IOAPICVER (3.2.2): bits 23:16 = maximum redirection entry (pins - 1). */
#define IOAPIC_VER_MAXREDIR_SHIFT 16
#define IOAPIC_VER_MAXREDIR_MASK  0xffU
#define IOAPIC_VER_ABSENT	  0xffffffffU /* what a read of nothing returns */
/* IOREGSEL is 8 bits: entries 0x10..0xff hold at most 120 pins. */
#define IOAPIC_MAX_PINS 120U

/* Redirection entry (3.2.4). */
#define IOAPIC_RTE_DM_FIXED	 (0U << 8)
#define IOAPIC_RTE_DEST_PHYSICAL (0U << 11)
#define IOAPIC_RTE_ACTIVE_HIGH	 (0U << 13)
#define IOAPIC_RTE_EDGE		 (0U << 15)
#define IOAPIC_RTE_MASKED	 (1U << 16)
#define IOAPIC_RTE_DEST_SHIFT	 24 /* in the high dword: bits 63:56 */
#define IOAPIC_MAX_DEST		 0xffU

#define IOAPIC_MIN_VECTOR 16 /* SDM 3A 11.5.2: 0-15 are illegal */

struct ioapic {
	volatile uint32_t *regs; /* NULL: skipped */
	uint8_t id;
	uint32_t gsi_base;
	unsigned pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;

static uint32_t ioapic_read(const struct ioapic *io, uint8_t reg)
{
	io->regs[IOAPIC_IOREGSEL / sizeof(uint32_t)] = reg;
	return io->regs[IOAPIC_IOWIN / sizeof(uint32_t)];
}

static void ioapic_write(const struct ioapic *io, uint8_t reg, uint32_t val)
{
	io->regs[IOAPIC_IOREGSEL / sizeof(uint32_t)] = reg;
	io->regs[IOAPIC_IOWIN / sizeof(uint32_t)] = val;
}

static void ioapic_mask_pin(const struct ioapic *io, unsigned pin)
{
	/* Low dword first: its mask bit takes effect before the rest is cleared. */
	ioapic_write(io, IOAPIC_REG_REDTBL(pin), IOAPIC_RTE_MASKED);
	ioapic_write(io, IOAPIC_REG_REDTBL(pin) + 1, 0);
}

void ioapic_init(const struct acpi_info *acpi)
{
	ioapic_count = 0;
	if (!acpi || acpi->ioapic_count == 0) {
		log_warn("ioapic: none in the MADT");
		return;
	}

	for (unsigned i = 0; i < MIN(acpi->ioapic_count, ACPI_MAX_IOAPICS); i++) {
		const struct acpi_ioapic *madt = &acpi->ioapics[i];
		struct ioapic *io = &ioapics[ioapic_count++];
		uint32_t ver;

		io->regs = NULL;
		io->id = madt->id;
		io->gsi_base = madt->gsi_base;
		io->pins = 0;
		/* The kernel's page tables map MMIO below 4 GiB only. */
		if (madt->base == 0 || madt->base + IOAPIC_MMIO_SIZE > SZ_4G) {
			log_err("ioapic: id %u at 0x%llx is not mapped, skipped", madt->id,
				(unsigned long long)madt->base);
			continue;
		}
		io->regs = phys_to_virt(madt->base);
		ver = ioapic_read(io, IOAPIC_REG_VER);
		if (ver == IOAPIC_VER_ABSENT) {
			log_err("ioapic: id %u at 0x%llx does not answer, skipped", madt->id,
				(unsigned long long)madt->base);
			io->regs = NULL;
			continue;
		}
		io->pins = ((ver >> IOAPIC_VER_MAXREDIR_SHIFT) & IOAPIC_VER_MAXREDIR_MASK) + 1;
		if (io->pins > IOAPIC_MAX_PINS) {
			log_warn("ioapic: id %u reports %u pins, using the %u IOREGSEL can reach",
				 io->id, io->pins, IOAPIC_MAX_PINS);
			io->pins = IOAPIC_MAX_PINS;
		}
		for (unsigned pin = 0; pin < io->pins; pin++)
			ioapic_mask_pin(io, pin);
		log_info("ioapic: id %u at 0x%llx gsi %u-%u, all %u pins masked", io->id,
			 (unsigned long long)madt->base, io->gsi_base, io->gsi_base + io->pins - 1,
			 io->pins);
	}
}

static struct ioapic *ioapic_for_gsi(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];

		if (io->regs && gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id)
{
	unsigned pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);

	if (!io) {
		log_err("ioapic: GSI %u is on no I/O APIC", gsi);
		return -EINVAL;
	}
	if (vector < IOAPIC_MIN_VECTOR || apic_id > IOAPIC_MAX_DEST) {
		/* 8-bit physical destination: higher IDs need interrupt remapping. */
		log_err("ioapic: GSI %u: cannot route to vector %u on APIC %u", gsi, vector,
			apic_id);
		return -EINVAL;
	}
	/* Mask, set the destination, then write the low dword, which unmasks:
	 * the entry is never live with a half-written destination. */
	ioapic_write(io, IOAPIC_REG_REDTBL(pin), IOAPIC_RTE_MASKED);
	ioapic_write(io, IOAPIC_REG_REDTBL(pin) + 1, apic_id << IOAPIC_RTE_DEST_SHIFT);
	ioapic_write(io, IOAPIC_REG_REDTBL(pin),
		     IOAPIC_RTE_DM_FIXED | IOAPIC_RTE_DEST_PHYSICAL | IOAPIC_RTE_ACTIVE_HIGH |
			 IOAPIC_RTE_EDGE | vector);
	return 0;
}

int ioapic_mask(uint32_t gsi)
{
	unsigned pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);

	if (!io) {
		log_err("ioapic: GSI %u is on no I/O APIC", gsi);
		return -EINVAL;
	}
	ioapic_write(io, IOAPIC_REG_REDTBL(pin), IOAPIC_RTE_MASKED);
	return 0;
}
