/* fuzz-sources: kernel/vdev/i8259.c */
/*
 * libFuzzer: the virtual i8259A pair driven by arbitrary sequences of port
 * writes, port reads, line changes and INTA cycles. Input: pairs of bytes
 * (op, value); op bits 0-2 pick the action, bits 3-6 its port or IRQ.
 *
 * After every step: the state is one a chip can hold (priority, init step,
 * vector base, ELCR within what the chipset allows, level IRRs following
 * their lines), vpic_pending_vector() is a vector of a chip, never that of a
 * masked or absent request, and vpic_acknowledge() returns exactly what it
 * promised, setting the ISR bit outside AEOI; with nothing pending, a
 * spurious IR7 that puts nothing in service. ASan/UBSan catch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/vdev/i8259.h"

enum fuzz_op {
	OP_WRITE,
	OP_READ,
	OP_SET_IRQ,
	OP_ACKNOWLEDGE,
	OP_PENDING,
	OP_RESET, /* only with value 0xff, so resets stay rare */
};

#define OP_ACTION_MASK	0x07
#define OP_TARGET_SHIFT 3
#define OP_TARGET_MASK	0x0f
#define RESET_VALUE	0xff
#define CHIP_VECTORS	8
#define EMPTY_BUS	0xff

/* The six ports of the pair and their neighbours, which nothing claims. */
static const uint16_t ports[16] = {
    VPIC_MASTER_CMD,
    VPIC_MASTER_DATA,
    VPIC_SLAVE_CMD,
    VPIC_SLAVE_DATA,
    VPIC_ELCR_MASTER,
    VPIC_ELCR_SLAVE,
    VPIC_MASTER_CMD,
    VPIC_MASTER_DATA,
    VPIC_SLAVE_CMD,
    VPIC_SLAVE_DATA,
    VPIC_MASTER_CMD,
    VPIC_SLAVE_CMD,
    0x22,
    0xa2,
    0x4d2,
    0x4cf,
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool in_chip_range(const struct vpic_chip *c, int vector)
{
	return vector >= c->vector_base && vector < c->vector_base + CHIP_VECTORS;
}

static void check_chip(const struct vpic_chip *c)
{
	check(c->lowest_priority < VPIC_IRQS_PER_CHIP);
	check(c->init_step <= VPIC_WANT_ICW4);
	check((c->vector_base & (CHIP_VECTORS - 1)) == 0);
	check((c->elcr & c->elcr_fixed_edge) == 0);
	check((c->irr & c->elcr) == (c->lines & c->elcr));
}

static bool master_cascades(const struct vpic *p)
{
	return !p->master.single && (p->master.icw3 & (1u << VPIC_CASCADE_IRQ));
}

/*
 * pv from vpic_pending_vector(): the chip that would answer must have that
 * request unmasked in IRR, or (slave only) be answering with its spurious
 * IR7. Checked when the two chips' vector ranges do not overlap.
 */
static void check_pending(const struct vpic *p, int pv)
{
	const struct vpic_chip *m = &p->master, *s = &p->slave;

	if (pv < 0) {
		check(pv == -1);
		return;
	}
	check(in_chip_range(m, pv) || in_chip_range(s, pv));
	if (m->vector_base == s->vector_base ||
	    abs((int)m->vector_base - (int)s->vector_base) < CHIP_VECTORS)
		return;
	if (in_chip_range(m, pv)) {
		unsigned ir = (unsigned)(pv - m->vector_base);
		check(!(m->imr & (1u << ir)) && (m->irr & (1u << ir)));
		check(ir != VPIC_CASCADE_IRQ || !master_cascades(p));
		return;
	}
	unsigned ir = (unsigned)(pv - s->vector_base);
	uint8_t cascade = 1u << VPIC_CASCADE_IRQ;
	check(master_cascades(p) && !(m->imr & cascade) && (m->irr & cascade));
	check(ir == VPIC_SPURIOUS_IR || (!(s->imr & (1u << ir)) && (s->irr & (1u << ir))));
}

static void acknowledge(struct vpic *p)
{
	int pv = vpic_pending_vector(p);
	struct vpic before = *p;
	int vector = vpic_acknowledge(p);

	check(in_chip_range(&p->master, vector) || in_chip_range(&p->slave, vector));
	if (pv < 0) {
		/* Nothing to deliver: the master's spurious IR7, nothing put in service. */
		check(vector == p->master.vector_base + VPIC_SPURIOUS_IR);
		check(p->master.isr == before.master.isr && p->slave.isr == before.slave.isr);
		return;
	}
	check(vector == pv);
	if (p->master.vector_base == p->slave.vector_base ||
	    abs((int)p->master.vector_base - (int)p->slave.vector_base) < CHIP_VECTORS)
		return;
	if (in_chip_range(&p->master, vector)) {
		uint8_t bit = (uint8_t)(1u << (vector - p->master.vector_base));
		check(before.master.auto_eoi || (p->master.isr & bit));
	} else {
		uint8_t bit = (uint8_t)(1u << (vector - p->slave.vector_base));
		check(before.master.auto_eoi || (p->master.isr & (1u << VPIC_CASCADE_IRQ)));
		if (vector - p->slave.vector_base != VPIC_SPURIOUS_IR)
			check(before.slave.auto_eoi || (p->slave.isr & bit));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpic pic;

	vpic_reset(&pic);
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t op = data[i], value = data[i + 1];
		unsigned target = (op >> OP_TARGET_SHIFT) & OP_TARGET_MASK;
		uint16_t port = ports[target];
		uint8_t got;

		switch (op & OP_ACTION_MASK) {
		case OP_WRITE:
			vpic_write(&pic, port, value);
			break;
		case OP_READ:
			got = vpic_read(&pic, port);
			if (port == VPIC_ELCR_MASTER)
				check(got == pic.master.elcr);
			else if (port == VPIC_ELCR_SLAVE)
				check(got == pic.slave.elcr);
			else if (target >= 12)
				check(got == EMPTY_BUS);
			break;
		case OP_SET_IRQ:
			vpic_set_irq(&pic, target, value & 1);
			break;
		case OP_ACKNOWLEDGE:
			acknowledge(&pic);
			break;
		case OP_RESET:
			if (value == RESET_VALUE)
				vpic_reset(&pic);
			break;
		default: /* OP_PENDING and the spare codes: just look */
			break;
		}
		check_chip(&pic.master);
		check_chip(&pic.slave);
		int pv = vpic_pending_vector(&pic);
		check(pv == vpic_pending_vector(&pic));
		check_pending(&pic, pv);
	}
	return 0;
}
