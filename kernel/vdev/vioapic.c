/*
 * Virtual I/O APIC: the register model of one 24-pin PC I/O APIC (Intel
 * 82093AA datasheet, with the ICH's version 0x20 EOI register). Owns one
 * struct vioapic; touches no host hardware (the hypervisor's own I/O APIC is
 * drivers/ioapic.c), no guest and no vCPU: messages leave only through the
 * caller's send function.
 *
 * Every value a guest writes has a defined effect; nothing here asserts.
 *
 * Delivery status (bit 12) always reads 0: a message is handed to the owner
 * the moment it is due, so none is ever pending in the chip. SMI, NMI, INIT
 * and ExtINT entries are delivered as edge (82093AA 3.2.4: those modes
 * require edge trigger; a level setting there is treated as edge and sets
 * no remote IRR). The reserved delivery modes 011 and 110 send nothing.
 */
#include "kernel/vdev/vioapic.h"

#include <string.h>

#define REDIR_FIRST	VIOAPIC_REG_REDIR(0)
#define REDIR_LAST	(VIOAPIC_REG_REDIR(VIOAPIC_PINS) - 1)
#define DEST_MASK	(0xffull << VIOAPIC_RTE_DEST_SHIFT)
#define MMIO_ALIGN_MASK 0x3u

/* The bits a guest may write: vector, mode, dest mode, polarity, trigger, mask, destination. */
#define RTE_WRITABLE                                                                               \
	(VIOAPIC_RTE_VECTOR_MASK | VIOAPIC_RTE_DELMODE_MASK | VIOAPIC_RTE_DEST_LOGICAL |           \
	 VIOAPIC_RTE_ACTIVE_LOW | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED | DEST_MASK)

static unsigned rte_delmode(uint64_t rte)
{
	return (unsigned)((rte & VIOAPIC_RTE_DELMODE_MASK) >> VIOAPIC_RTE_DELMODE_SHIFT);
}

/* A pin whose messages need an EOI: level trigger in fixed or lowest-priority mode. */
static bool rte_is_level(uint64_t rte)
{
	unsigned mode = rte_delmode(rte);

	return (rte & VIOAPIC_RTE_LEVEL) &&
	       (mode == VIOAPIC_DELMODE_FIXED || mode == VIOAPIC_DELMODE_LOWEST);
}

static bool rte_mode_reserved(uint64_t rte)
{
	unsigned mode = rte_delmode(rte);

	return mode == 3 || mode == 6; /* 82093AA 3.2.4: 011 and 110 are reserved */
}

/* The pin's input after the polarity inverter: electrical level XOR active-low. */
static bool pin_asserted(const struct vioapic *io, unsigned pin)
{
	bool line = io->lines & (1u << pin);

	return line != !!(io->redir[pin] & VIOAPIC_RTE_ACTIVE_LOW);
}

static void pin_send(struct vioapic *io, unsigned pin, vioapic_send_fn send, void *ctx)
{
	uint64_t rte = io->redir[pin];
	struct vioapic_msg m = {
	    .vector = (uint8_t)(rte & VIOAPIC_RTE_VECTOR_MASK),
	    .delivery_mode = (uint8_t)rte_delmode(rte),
	    .logical = rte & VIOAPIC_RTE_DEST_LOGICAL,
	    .dest = (uint8_t)(rte >> VIOAPIC_RTE_DEST_SHIFT),
	    .level = rte_is_level(rte),
	};

	if ((rte & VIOAPIC_RTE_MASKED) || rte_mode_reserved(rte))
		return;
	if (m.level)
		io->redir[pin] |= VIOAPIC_RTE_REMOTE_IRR;
	send(ctx, &m);
}

/* A level pin sends while asserted, unmasked and not waiting for an EOI. */
static void pin_service_level(struct vioapic *io, unsigned pin, vioapic_send_fn send, void *ctx)
{
	uint64_t rte = io->redir[pin];

	if (!rte_is_level(rte) || (rte & (VIOAPIC_RTE_MASKED | VIOAPIC_RTE_REMOTE_IRR)))
		return;
	if (pin_asserted(io, pin))
		pin_send(io, pin, send, ctx);
}

void vioapic_reset(struct vioapic *io, uint8_t id)
{
	memset(io, 0, sizeof(*io));
	io->id = id & VIOAPIC_ID_MASK;
	io->arb_id = io->id;
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		io->redir[pin] = VIOAPIC_RTE_MASKED;
}

static uint32_t vioapic_reg_read(const struct vioapic *io, uint8_t index)
{
	if (index >= REDIR_FIRST && index <= REDIR_LAST) {
		uint64_t rte = io->redir[(index - REDIR_FIRST) / 2];
		return (index & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
	}
	switch (index) {
	case VIOAPIC_REG_ID:
		return (uint32_t)io->id << VIOAPIC_ID_SHIFT;
	case VIOAPIC_REG_VERSION:
		return VIOAPIC_VERSION | ((VIOAPIC_PINS - 1u) << VIOAPIC_MRE_SHIFT);
	case VIOAPIC_REG_ARB:
		return (uint32_t)io->arb_id << VIOAPIC_ID_SHIFT;
	default:
		return 0;
	}
}

uint32_t vioapic_mmio_read(struct vioapic *io, uint32_t offset)
{
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		return io->ioregsel;
	case VIOAPIC_IOWIN:
		return vioapic_reg_read(io, io->ioregsel);
	default:
		return 0;
	}
}

static void vioapic_redir_write(struct vioapic *io, uint8_t index, uint32_t value,
				vioapic_send_fn send, void *ctx)
{
	unsigned pin = (index - REDIR_FIRST) / 2;
	uint64_t old = io->redir[pin], rte;

	if (index & 1)
		rte = (old & 0xffffffffull) | ((uint64_t)value << 32);
	else
		rte = (old & ~0xffffffffull) | value;
	rte = (rte & RTE_WRITABLE) | (old & VIOAPIC_RTE_REMOTE_IRR);
	/* Remote IRR belongs to level pins only: an entry turned edge drops it. */
	if (!rte_is_level(rte))
		rte &= ~VIOAPIC_RTE_REMOTE_IRR;
	io->redir[pin] = rte;
	pin_service_level(io, pin, send, ctx);
}

void vioapic_mmio_write(struct vioapic *io, uint32_t offset, uint32_t value, vioapic_send_fn send,
			void *ctx)
{
	uint8_t index;

	switch (offset) {
	case VIOAPIC_IOREGSEL:
		io->ioregsel = (uint8_t)value; /* 82093AA 3.1.1: bits 7:0, the rest reserved */
		return;
	case VIOAPIC_EOI:
		vioapic_eoi(io, (uint8_t)value, send, ctx);
		return;
	case VIOAPIC_IOWIN:
		break;
	default:
		return;
	}
	index = io->ioregsel;
	if (index >= REDIR_FIRST && index <= REDIR_LAST) {
		vioapic_redir_write(io, index, value, send, ctx);
	} else if (index == VIOAPIC_REG_ID) {
		/* 82093AA 3.2.3: writing the ID also loads the arbitration ID. */
		io->id = (uint8_t)((value >> VIOAPIC_ID_SHIFT) & VIOAPIC_ID_MASK);
		io->arb_id = io->id;
	}
	/* Version, arbitration and unimplemented indices are read-only. */
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level, vioapic_send_fn send, void *ctx)
{
	bool was_asserted;

	if (pin >= VIOAPIC_PINS)
		return;
	was_asserted = pin_asserted(io, pin);
	if (level)
		io->lines |= 1u << pin;
	else
		io->lines &= ~(1u << pin);
	if (rte_is_level(io->redir[pin]))
		pin_service_level(io, pin, send, ctx);
	else if (!was_asserted && pin_asserted(io, pin))
		pin_send(io, pin, send, ctx); /* masked: the edge is lost */
}

void vioapic_eoi(struct vioapic *io, uint8_t vector, vioapic_send_fn send, void *ctx)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io->redir[pin];

		if (!(rte & VIOAPIC_RTE_REMOTE_IRR) || (rte & VIOAPIC_RTE_VECTOR_MASK) != vector)
			continue;
		io->redir[pin] = rte & ~VIOAPIC_RTE_REMOTE_IRR;
		pin_service_level(io, pin, send, ctx);
	}
}
