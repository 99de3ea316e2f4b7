/*
 * Virtual I/O APIC as in a PC chipset (Intel 82093AA datasheet; ICH I/O
 * APIC, version 0x20, with its directed EOI register): a 0x100-byte MMIO
 * window with IOREGSEL at 0x00, IOWIN at 0x10 and EOI at 0x40; 24 pins.
 *
 * A pure register model: it knows nothing of guests, vCPUs, local APICs or
 * time. Its owner maps the window (VIOAPIC_DEFAULT_BASE on a PC) and routes
 * accesses to vioapic_mmio_read() and vioapic_mmio_write(), drives the pins
 * with vioapic_set_irq(), forwards local APIC EOIs of level-triggered vectors
 * to vioapic_eoi(), and delivers each interrupt message the model hands to
 * its vioapic_send_fn. It does no locking; its owner serialises calls. The
 * send callback must not call back into the same vioapic.
 */
#ifndef SHOJI_KERNEL_VDEV_VIOAPIC_H
#define SHOJI_KERNEL_VDEV_VIOAPIC_H

#include "kernel/core/types.h"

#define VIOAPIC_DEFAULT_BASE 0xfec00000u
#define VIOAPIC_MMIO_SIZE    0x100u
#define VIOAPIC_IOREGSEL     0x00u
#define VIOAPIC_IOWIN	     0x10u
#define VIOAPIC_EOI	     0x40u /* version 0x20: write a vector, as an EOI broadcast does */

#define VIOAPIC_PINS 24

/* Register indices behind IOREGSEL (82093AA 3.2). */
#define VIOAPIC_REG_ID	     0x00
#define VIOAPIC_REG_VERSION  0x01
#define VIOAPIC_REG_ARB	     0x02
#define VIOAPIC_REG_REDIR(n) (0x10 + 2 * (n)) /* low dword; high dword at +1 */

#define VIOAPIC_VERSION	  0x20
#define VIOAPIC_ID_SHIFT  24
#define VIOAPIC_ID_MASK	  0x0fu /* 4-bit APIC ID, bits 27:24 */
#define VIOAPIC_MRE_SHIFT 16	/* version register: maximum redirection entry */

/* Redirection table entry bits (82093AA 3.2.4). */
#define VIOAPIC_RTE_VECTOR_MASK	    0xffull
#define VIOAPIC_RTE_DELMODE_SHIFT   8
#define VIOAPIC_RTE_DELMODE_MASK    (7ull << VIOAPIC_RTE_DELMODE_SHIFT)
#define VIOAPIC_RTE_DEST_LOGICAL    (1ull << 11)
#define VIOAPIC_RTE_DELIVERY_STATUS (1ull << 12) /* read-only */
#define VIOAPIC_RTE_ACTIVE_LOW	    (1ull << 13)
#define VIOAPIC_RTE_REMOTE_IRR	    (1ull << 14) /* read-only */
#define VIOAPIC_RTE_LEVEL	    (1ull << 15)
#define VIOAPIC_RTE_MASKED	    (1ull << 16)
#define VIOAPIC_RTE_DEST_SHIFT	    56

/* Delivery modes (bits 10:8). */
#define VIOAPIC_DELMODE_FIXED  0
#define VIOAPIC_DELMODE_LOWEST 1
#define VIOAPIC_DELMODE_SMI    2
#define VIOAPIC_DELMODE_NMI    4
#define VIOAPIC_DELMODE_INIT   5
#define VIOAPIC_DELMODE_EXTINT 7

/*
 * One interrupt message, as the I/O APIC puts it on the APIC bus / system
 * bus. For ExtINT the vector is the entry's field as written; the real one
 * comes from the 8259's INTA cycle, which is the owner's to run.
 */
struct vioapic_msg {
	uint8_t vector;
	uint8_t delivery_mode; /* VIOAPIC_DELMODE_* */
	bool logical;	       /* destination mode: logical (else physical) */
	uint8_t dest;	       /* bits 63:56 of the entry */
	bool level;	       /* trigger mode level: the target must EOI the vector */
};

typedef void (*vioapic_send_fn)(void *ctx, const struct vioapic_msg *m);

struct vioapic {
	uint8_t id;	  /* ID register bits 27:24 */
	uint8_t arb_id;	  /* arbitration ID, loaded from the ID on every ID write */
	uint8_t ioregsel; /* last register index selected */
	uint32_t lines;	  /* electrical level of each pin as last driven, bit n = pin n */
	uint64_t redir[VIOAPIC_PINS];
};

/* Power-on: every entry masked (and otherwise zero), all lines low, the given ID. */
void vioapic_reset(struct vioapic *io, uint8_t id);

/*
 * 32-bit read at offset into the window: IOREGSEL, IOWIN (the selected
 * register), or 0 for the EOI register (write-only), any other offset and
 * unaligned offsets. Unimplemented register indices read 0.
 */
uint32_t vioapic_mmio_read(struct vioapic *io, uint32_t offset);

/*
 * 32-bit write at offset into the window. A redirection entry write keeps
 * the read-only bits; unmasking (or turning level) a level pin whose line is
 * asserted and whose remote IRR is clear sends. Writes to read-only
 * registers, unimplemented indices and other offsets are ignored.
 */
void vioapic_mmio_write(struct vioapic *io, uint32_t offset, uint32_t value, vioapic_send_fn send,
			void *ctx);

/*
 * Drive pin (0-23) to the electrical level; the entry's polarity decides
 * whether that is asserted. Edge pins send on an assertion while unmasked
 * (an edge while masked is lost, as on the chip). Level pins send while
 * asserted, unmasked and with remote IRR clear, and set remote IRR. Pins
 * past 23 are ignored.
 */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level, vioapic_send_fn send, void *ctx);

/*
 * EOI for vector (the local APIC's broadcast, or the EOI register): every
 * level pin with that vector and remote IRR set has it cleared; one still
 * asserted and unmasked sends again.
 */
void vioapic_eoi(struct vioapic *io, uint8_t vector, vioapic_send_fn send, void *ctx);

#endif
