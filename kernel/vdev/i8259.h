/*
 * Virtual i8259A PIC pair as wired in a PC (Intel 8259A datasheet; PIIX/ICH
 * ELCR): the master at 0x20/0x21, the slave at 0xa0/0xa1 with its INT on the
 * master's IR2, and the edge/level control registers at 0x4d0/0x4d1.
 *
 * A pure register model: it knows nothing of guests, vCPUs or how a vector
 * reaches a CPU. Whoever owns it routes port accesses to vpic_read() and
 * vpic_write(), drives the ISA lines with vpic_set_irq(), and, when the CPU
 * can take an interrupt, asks vpic_pending_vector() and runs the INTA cycle
 * with vpic_acknowledge(). It does no locking; its owner serialises calls.
 *
 * Interrupt requests are numbered as on the PC: 0-7 on the master, 8-15 on
 * the slave. IRQ 2 is the cascade, not a line a device can drive.
 */
#ifndef SHOJI_KERNEL_VDEV_I8259_H
#define SHOJI_KERNEL_VDEV_I8259_H

#include "kernel/core/types.h"

#define VPIC_MASTER_CMD	 0x20 /* A0=0: ICW1, OCW2, OCW3; reads IRR/ISR/poll */
#define VPIC_MASTER_DATA 0x21 /* A0=1: ICW2-ICW4, OCW1 (IMR) */
#define VPIC_SLAVE_CMD	 0xa0
#define VPIC_SLAVE_DATA	 0xa1
#define VPIC_ELCR_MASTER 0x4d0 /* IRQ 0-7: 1 = level triggered */
#define VPIC_ELCR_SLAVE	 0x4d1 /* IRQ 8-15 */
#define VPIC_CHIP_PORTS	 2     /* each chip and the ELCR pair claim two ports */

#define VPIC_IRQS	   16
#define VPIC_IRQS_PER_CHIP 8
#define VPIC_CASCADE_IRQ   2 /* the master input the slave's INT drives */
#define VPIC_SPURIOUS_IR   7 /* a chip with no request answers INTA as IR7, ISR untouched */

/* Next initialisation command word a chip expects on its A0=1 port. */
enum vpic_init_step {
	VPIC_READY,	/* initialised: A0=1 writes are OCW1 */
	VPIC_WANT_ICW2, /* after ICW1 */
	VPIC_WANT_ICW3, /* cascade mode only */
	VPIC_WANT_ICW4, /* only if ICW1 asked for it */
};

/* One 8259A. The 8-bit registers are the chip's own, bit n = input IRn. */
struct vpic_chip {
	uint8_t irr;   /* interrupt request: edge latches and level lines */
	uint8_t isr;   /* in service: acknowledged and not yet EOI'd */
	uint8_t imr;   /* interrupt mask (OCW1) */
	uint8_t lines; /* input levels as last driven (master IR2: the slave's INT), for edges */
	uint8_t elcr;  /* ELCR: 1 = level triggered (on a PC this, not ICW1 LTIM, rules) */
	uint8_t elcr_fixed_edge; /* inputs the chipset keeps edge triggered */
	uint8_t vector_base;	 /* ICW2 T7-T3: IRn is delivered as vector_base + n */
	uint8_t icw3;		 /* master: inputs with a slave; slave: its cascade ID */
	uint8_t lowest_priority; /* IR of lowest priority; the next one up is highest */
	enum vpic_init_step init_step;
	bool icw4_expected;	   /* ICW1 IC4 */
	bool single;		   /* ICW1 SNGL: no cascade, no ICW3 */
	bool mode_8086;		   /* ICW4 uPM; 8080/85 mode is recorded, not modelled */
	bool auto_eoi;		   /* ICW4 AEOI: INTA does not set ISR */
	bool special_fully_nested; /* ICW4 SFNM: a slave in service may still interrupt */
	bool rotate_in_auto_eoi;   /* OCW2: each AEOI acknowledge rotates priority */
	bool special_mask;	   /* OCW3 SMM: ISR blocks only its own level */
	bool read_isr;		   /* OCW3 RIS: A0=0 reads ISR rather than IRR */
	bool poll;		   /* OCW3 P: the next read is a poll (an INTA without INTA) */
};

struct vpic {
	struct vpic_chip master, slave;
};

/*
 * Power-on state: both chips ready, vector base 0, every input masked (the
 * datasheet leaves power-on state undefined; masked, nothing is delivered
 * before the guest initialises the chips), all inputs edge triggered.
 */
void vpic_reset(struct vpic *p);

/* Byte read from a PIC or ELCR port; 0xff (an empty bus) from any other port. */
uint8_t vpic_read(struct vpic *p, uint16_t port);

/* Byte write to a PIC or ELCR port; writes to any other port are ignored. */
void vpic_write(struct vpic *p, uint16_t port, uint8_t value);

/*
 * Drive ISA line irq (0-15) to level. An edge-triggered input latches IRR on
 * a 0->1 transition and keeps it until acknowledged (a device may pulse its
 * line); a level-triggered input (ELCR) has IRR follow the line. IRQ 2 (the
 * cascade) and numbers past 15 are ignored.
 */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);

/*
 * The vector the CPU would get if it took an interrupt now, or -1 while the
 * master's INT output is low (nothing unmasked outranks what is in service).
 * It is exactly what vpic_acknowledge() would return; that includes the
 * slave's spurious IR7 when the master latched its IR2 for a request the
 * slave has since withdrawn.
 */
int vpic_pending_vector(const struct vpic *p);

/*
 * The INTA cycle: returns the vector and marks the request in service (in
 * ISR, except in AEOI mode), clearing an edge input's IRR latch; through the
 * cascade, both chips do so. With no request left (withdrawn since
 * vpic_pending_vector()), the chip answers with its IR7 vector and sets no
 * ISR bit: spurious IRQ 7 (master) or 15 (slave, master's IR2 still in
 * service). Always returns a vector, 0-255.
 */
int vpic_acknowledge(struct vpic *p);

#endif
