/*
 * Virtual i8259A PIC pair: the register model of two Intel 8259As cascaded
 * as in a PC, with the chipset's ELCR deciding edge or level per input.
 * Owns one struct vpic; it touches no host hardware (the hypervisor's own
 * PICs are drivers/i8259.c), no guest and no vCPU: vectors leave only
 * through vpic_pending_vector() and vpic_acknowledge().
 *
 * Every value a guest writes has a defined effect; nothing here asserts.
 *
 * Not modelled: 8080/85 mode (the INTA bytes of a CALL; vectors are always
 * 8086-style), buffered mode (a pin, not a register), ICW1 LTIM (the PC's
 * ELCR overrides it), slaves on master inputs other than IR2 (a PC has one
 * slave; another input named in ICW3 answers with its own vector) and the
 * slave's cascade ID (recorded, not compared with the master's CAS lines).
 */
#include "kernel/vdev/i8259.h"

#include <string.h>

/* 8259A datasheet, Figure 6 (ICWs) and Figure 8 (OCWs). */
#define ICW1_IC4	 0x01 /* ICW4 follows */
#define ICW1_SNGL	 0x02 /* single chip: no ICW3 */
#define ICW1_SELECT	 0x10 /* on A0=0, bit 4 marks ICW1 */
#define ICW2_VECTOR_MASK 0xf8 /* 8086 mode: T7-T3; the chip supplies IR in bits 2-0 */
#define ICW4_UPM	 0x01 /* 8086/88 mode */
#define ICW4_AEOI	 0x02
#define ICW4_SFNM	 0x10

#define OCW3_SELECT 0x08 /* on A0=0 with bit 4 clear, bit 3 marks OCW3 (else OCW2) */
#define OCW3_RIS    0x01 /* with RR: read ISR rather than IRR */
#define OCW3_RR	    0x02 /* act on RIS */
#define OCW3_POLL   0x04
#define OCW3_SMM    0x20 /* with ESMM: set (1) or reset (0) special mask mode */
#define OCW3_ESMM   0x40 /* act on SMM */

#define OCW2_LEVEL_MASK		0x07 /* L2-L0: the IR a specific command names */
#define OCW2_COMMAND_MASK	0xe0 /* R, SL, EOI */
#define OCW2_ROTATE_AEOI_CLEAR	0x00
#define OCW2_NONSPECIFIC_EOI	0x20
#define OCW2_NOP		0x40
#define OCW2_SPECIFIC_EOI	0x60
#define OCW2_ROTATE_AEOI_SET	0x80
#define OCW2_ROTATE_NONSPECIFIC 0xa0 /* EOI, then the IR it ended gets lowest priority */
#define OCW2_SET_PRIORITY	0xc0 /* L becomes the lowest priority */
#define OCW2_ROTATE_SPECIFIC	0xe0

#define POLL_INT 0x80 /* poll word: I bit, a request was found; W2-W0 its IR */

#define IR_MASK		     (VPIC_IRQS_PER_CHIP - 1)
#define IR_LOWEST_AFTER_INIT 7 /* ICW1: IR0 highest, IR7 lowest */
#define ALL_MASKED	     0xff
#define EMPTY_BUS	     0xff

/* PIIX4 / ICH ELCR: IRQ 0, 1, 2 (timer, keyboard, cascade), 8 (RTC) and 13 (FPU) stay edge. */
#define ELCR_MASTER_FIXED_EDGE 0x07
#define ELCR_SLAVE_FIXED_EDGE  0x21

static uint8_t ir_bit(unsigned ir)
{
	return (uint8_t)(1u << (ir & IR_MASK));
}

/* The master input that has the slave behind it, as a bit mask (0 in single mode). */
static uint8_t slave_inputs(const struct vpic *p, const struct vpic_chip *c)
{
	if (c != &p->master || c->single)
		return 0;
	return c->icw3 & ir_bit(VPIC_CASCADE_IRQ);
}

/* The highest-priority IR set in mask, or -1 (priority starts after lowest_priority). */
static int chip_highest(const struct vpic_chip *c, uint8_t mask)
{
	for (unsigned i = 1; i <= VPIC_IRQS_PER_CHIP; i++) {
		unsigned ir = (c->lowest_priority + i) & IR_MASK;
		if (mask & ir_bit(ir))
			return (int)ir;
	}
	return -1;
}

/*
 * The IR the chip raises INT for, or -1. Fully nested mode: walking down
 * from the highest priority, an in-service level blocks itself and all
 * below it; in special fully nested mode a slave's input does not block
 * itself (the slave nests its own priorities). Special mask mode: an
 * in-service level blocks only itself (datasheet: masking a level "enables
 * interrupts from all other levels (lower as well as higher)").
 */
static int chip_request(const struct vpic *p, const struct vpic_chip *c)
{
	uint8_t requests = c->irr & ~c->imr;
	uint8_t nesting = c->special_fully_nested ? slave_inputs(p, c) : 0;

	for (unsigned i = 1; i <= VPIC_IRQS_PER_CHIP; i++) {
		unsigned ir = (c->lowest_priority + i) & IR_MASK;
		uint8_t bit = ir_bit(ir);
		bool in_service = c->isr & bit;

		if (c->special_mask) {
			if (!in_service && (requests & bit))
				return (int)ir;
			continue;
		}
		if ((requests & bit) && (!in_service || (nesting & bit)))
			return (int)ir;
		if (in_service)
			return -1;
	}
	return -1;
}

/* Drive input ir to level: an edge input latches IRR on 0->1, a level input's IRR follows. */
static void chip_drive_line(struct vpic_chip *c, unsigned ir, bool level)
{
	uint8_t bit = ir_bit(ir);

	if (level && !(c->lines & bit) && !(c->elcr & bit))
		c->irr |= bit;
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
	if (c->elcr & bit)
		c->irr = (c->irr & ~bit) | (c->lines & bit);
}

/* The slave's INT is the master's IR2 line: recompute it after anything touching the slave. */
static void vpic_update_cascade(struct vpic *p)
{
	chip_drive_line(&p->master, VPIC_CASCADE_IRQ, chip_request(p, &p->slave) >= 0);
}

/* INTA (or a poll) taking ir: into service unless AEOI; an edge latch is consumed. */
static void chip_acknowledge(struct vpic_chip *c, unsigned ir)
{
	uint8_t bit = ir_bit(ir);

	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_in_auto_eoi)
		c->lowest_priority = (uint8_t)ir;
}

/*
 * The slave's INT falls while it answers an acknowledge (the request moves
 * out of IRR); one still pending afterwards raises it again, a new edge at
 * the master, so AEOI on the slave loses nothing.
 */
static void vpic_slave_acknowledged(struct vpic *p)
{
	chip_drive_line(&p->master, VPIC_CASCADE_IRQ, false);
	vpic_update_cascade(p);
}

static void chip_reset(struct vpic_chip *c, uint8_t fixed_edge)
{
	memset(c, 0, sizeof(*c));
	c->imr = ALL_MASKED;
	c->lowest_priority = IR_LOWEST_AFTER_INIT;
	c->elcr_fixed_edge = fixed_edge;
	c->init_step = VPIC_READY;
}

void vpic_reset(struct vpic *p)
{
	chip_reset(&p->master, ELCR_MASTER_FIXED_EDGE);
	chip_reset(&p->slave, ELCR_SLAVE_FIXED_EDGE);
}

/*
 * ICW1 (datasheet "Initialization Command Words"): edge sense reset (edge
 * latches cleared; a line already high must fall and rise again), IMR
 * cleared, IR7 lowest priority, special mask off, IRR selected for reading,
 * ICW4 functions zero until an ICW4 sets them. The datasheet is silent on
 * ISR; it is cleared, as every PC emulator does, so a re-initialising guest
 * is not left with a level stuck in service.
 */
static void chip_icw1(struct vpic_chip *c, uint8_t value)
{
	c->irr &= c->elcr;
	c->isr = 0;
	c->imr = 0;
	c->lowest_priority = IR_LOWEST_AFTER_INIT;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->mode_8086 = false;
	c->auto_eoi = false;
	c->special_fully_nested = false;
	c->rotate_in_auto_eoi = false;
	c->icw4_expected = value & ICW1_IC4;
	c->single = value & ICW1_SNGL;
	c->init_step = VPIC_WANT_ICW2;
}

static void chip_ocw2(struct vpic_chip *c, uint8_t value)
{
	unsigned level = value & OCW2_LEVEL_MASK;
	int ir;

	switch (value & OCW2_COMMAND_MASK) {
	case OCW2_NONSPECIFIC_EOI:
	case OCW2_ROTATE_NONSPECIFIC:
		/* Ends the highest-priority level in service: the one fully nested mode took last.
		 */
		ir = chip_highest(c, c->isr);
		if (ir < 0)
			break;
		c->isr &= ~ir_bit((unsigned)ir);
		if ((value & OCW2_COMMAND_MASK) == OCW2_ROTATE_NONSPECIFIC)
			c->lowest_priority = (uint8_t)ir;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= ~ir_bit(level);
		break;
	case OCW2_ROTATE_SPECIFIC:
		c->isr &= ~ir_bit(level);
		c->lowest_priority = (uint8_t)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest_priority = (uint8_t)level;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_in_auto_eoi = true;
		break;
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_in_auto_eoi = false;
		break;
	case OCW2_NOP:
		break;
	}
}

static void chip_ocw3(struct vpic_chip *c, uint8_t value)
{
	if (value & OCW3_POLL)
		c->poll = true;
	if (value & OCW3_RR)
		c->read_isr = value & OCW3_RIS;
	if (value & OCW3_ESMM)
		c->special_mask = value & OCW3_SMM;
}

static void chip_write_command(struct vpic_chip *c, uint8_t value)
{
	if (value & ICW1_SELECT)
		chip_icw1(c, value);
	else if (value & OCW3_SELECT)
		chip_ocw3(c, value);
	else
		chip_ocw2(c, value);
}

/* A0=1: the ICW the init sequence is waiting for, else OCW1. */
static void chip_write_data(struct vpic_chip *c, uint8_t value)
{
	switch (c->init_step) {
	case VPIC_READY:
		c->imr = value;
		break;
	case VPIC_WANT_ICW2:
		c->vector_base = value & ICW2_VECTOR_MASK;
		if (!c->single)
			c->init_step = VPIC_WANT_ICW3;
		else
			c->init_step = c->icw4_expected ? VPIC_WANT_ICW4 : VPIC_READY;
		break;
	case VPIC_WANT_ICW3:
		c->icw3 = value;
		c->init_step = c->icw4_expected ? VPIC_WANT_ICW4 : VPIC_READY;
		break;
	case VPIC_WANT_ICW4:
		c->mode_8086 = value & ICW4_UPM;
		c->auto_eoi = value & ICW4_AEOI;
		c->special_fully_nested = value & ICW4_SFNM;
		c->init_step = VPIC_READY;
		break;
	}
}

/* Only the ELCR bits the chipset lets software set; an input turning edge has seen no edge. */
static void chip_write_elcr(struct vpic_chip *c, uint8_t value)
{
	uint8_t elcr = value & ~c->elcr_fixed_edge;

	c->irr &= ~(c->elcr & ~elcr);
	c->elcr = elcr;
	c->irr = (c->irr & ~elcr) | (c->lines & elcr);
}

/* Poll command: the read is the acknowledge (datasheet "The Poll Command"). */
static uint8_t vpic_poll(struct vpic *p, struct vpic_chip *c)
{
	int ir = chip_request(p, c);

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_acknowledge(c, (unsigned)ir);
	if (c == &p->slave)
		vpic_slave_acknowledged(p);
	return POLL_INT | (uint8_t)ir;
}

uint8_t vpic_read(struct vpic *p, uint16_t port)
{
	struct vpic_chip *c;

	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_MASTER_DATA:
		c = &p->master;
		break;
	case VPIC_SLAVE_CMD:
	case VPIC_SLAVE_DATA:
		c = &p->slave;
		break;
	case VPIC_ELCR_MASTER:
		return p->master.elcr;
	case VPIC_ELCR_SLAVE:
		return p->slave.elcr;
	default:
		return EMPTY_BUS;
	}
	/* A poll takes the next read on either port. */
	if (c->poll)
		return vpic_poll(p, c);
	if (port == VPIC_MASTER_DATA || port == VPIC_SLAVE_DATA)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void vpic_write(struct vpic *p, uint16_t port, uint8_t value)
{
	switch (port) {
	case VPIC_MASTER_CMD:
		chip_write_command(&p->master, value);
		break;
	case VPIC_MASTER_DATA:
		chip_write_data(&p->master, value);
		break;
	case VPIC_SLAVE_CMD:
		chip_write_command(&p->slave, value);
		break;
	case VPIC_SLAVE_DATA:
		chip_write_data(&p->slave, value);
		break;
	case VPIC_ELCR_MASTER:
		chip_write_elcr(&p->master, value);
		break;
	case VPIC_ELCR_SLAVE:
		chip_write_elcr(&p->slave, value);
		break;
	default:
		return;
	}
	vpic_update_cascade(p);
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	if (irq >= VPIC_IRQS || irq == VPIC_CASCADE_IRQ)
		return;
	if (irq < VPIC_IRQS_PER_CHIP)
		chip_drive_line(&p->master, irq, level);
	else
		chip_drive_line(&p->slave, irq - VPIC_IRQS_PER_CHIP, level);
	vpic_update_cascade(p);
}

int vpic_pending_vector(const struct vpic *p)
{
	int ir = chip_request(p, &p->master);

	if (ir < 0)
		return -1;
	if (!(slave_inputs(p, &p->master) & ir_bit((unsigned)ir)))
		return p->master.vector_base + ir;
	int slave_ir = chip_request(p, &p->slave);
	return p->slave.vector_base + (slave_ir < 0 ? VPIC_SPURIOUS_IR : slave_ir);
}

int vpic_acknowledge(struct vpic *p)
{
	int ir = chip_request(p, &p->master);

	if (ir < 0)
		return p->master.vector_base + VPIC_SPURIOUS_IR;
	chip_acknowledge(&p->master, (unsigned)ir);
	if (!(slave_inputs(p, &p->master) & ir_bit((unsigned)ir)))
		return p->master.vector_base + ir;

	/* The master put IR2 on CAS0-2: the slave supplies the vector, or its IR7 if it has none.
	 */
	int slave_ir = chip_request(p, &p->slave);
	int vector = p->slave.vector_base + VPIC_SPURIOUS_IR;
	if (slave_ir >= 0) {
		chip_acknowledge(&p->slave, (unsigned)slave_ir);
		vector = p->slave.vector_base + slave_ir;
	}
	vpic_slave_acknowledged(p);
	return vector;
}
