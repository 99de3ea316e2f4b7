/* unit-test-sources: kernel/vdev/i8259.c */
/*
 * Virtual i8259A pair through its ports and lines, as a guest and the
 * interrupt-delivery path see it: Linux's init_8259A sequence, priority and
 * nesting, the slave behind master IR2 (EOI to both), IMR, level inputs per
 * ELCR, spurious IRQ 7 and 15, OCW3 register reads, poll, specific EOI,
 * AEOI, rotation, special mask and the ELCR bits the PC keeps edge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/vdev/i8259.h"

/* Command bytes as a guest writes them (8259A datasheet, Figures 6 and 8). */
#define ICW1_EDGE_CASCADE_ICW4 0x11 /* Linux init_8259A */
#define ICW1_SINGLE_ICW4       0x13
#define ICW1_CASCADE_NO_ICW4   0x10
#define ICW3_SLAVE_ON_IR2      0x04
#define ICW3_SLAVE_ID	       0x02
#define ICW4_8086	       0x01
#define ICW4_8086_AEOI	       0x03
#define ICW4_8086_SFNM	       0x11
#define OCW2_EOI	       0x20
#define OCW2_SPECIFIC_EOI      0x60
#define OCW2_ROTATE_EOI	       0xa0
#define OCW2_ROTATE_SPECIFIC   0xe0
#define OCW2_SET_PRIORITY      0xc0
#define OCW2_ROTATE_AEOI_SET   0x80
#define OCW2_ROTATE_AEOI_CLEAR 0x00
#define OCW3_READ_IRR	       0x0a
#define OCW3_READ_ISR	       0x0b
#define OCW3_POLL	       0x0c
#define OCW3_SET_SMM	       0x68
#define OCW3_RESET_SMM	       0x48
#define OCW3_NO_READ_CHANGE    0x08

#define MASTER_BASE 0x20
#define SLAVE_BASE  0x28

static struct vpic pic;

static void outb(uint16_t port, uint8_t value)
{
	vpic_write(&pic, port, value);
}

static uint8_t inb(uint16_t port)
{
	return vpic_read(&pic, port);
}

static uint8_t read_irr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_IRR);
	return inb(cmd_port);
}

static uint8_t read_isr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_ISR);
	return inb(cmd_port);
}

static void raise_irq(unsigned irq)
{
	vpic_set_irq(&pic, irq, true);
}

static void lower_irq(unsigned irq)
{
	vpic_set_irq(&pic, irq, false);
}

/* An edge: the line rises and falls, as a device pulsing it does. */
static void pulse_irq(unsigned irq)
{
	raise_irq(irq);
	lower_irq(irq);
}

/* arch/x86/kernel/i8259.c init_8259A(), then the given masks. */
static void linux_init(uint8_t master_icw4, uint8_t master_imr, uint8_t slave_imr)
{
	outb(VPIC_MASTER_DATA, 0xff);
	outb(VPIC_SLAVE_DATA, 0xff);
	outb(VPIC_MASTER_CMD, ICW1_EDGE_CASCADE_ICW4);
	outb(VPIC_MASTER_DATA, MASTER_BASE);
	outb(VPIC_MASTER_DATA, ICW3_SLAVE_ON_IR2);
	outb(VPIC_MASTER_DATA, master_icw4);
	outb(VPIC_SLAVE_CMD, ICW1_EDGE_CASCADE_ICW4);
	outb(VPIC_SLAVE_DATA, SLAVE_BASE);
	outb(VPIC_SLAVE_DATA, ICW3_SLAVE_ID);
	outb(VPIC_SLAVE_DATA, ICW4_8086);
	outb(VPIC_MASTER_DATA, master_imr);
	outb(VPIC_SLAVE_DATA, slave_imr);
}

static int setup(void **state)
{
	vpic_reset(&pic);
	return 0;
}

/* --- reset and initialisation ------------------------------------------------ */

static void test_reset_state(void **state)
{
	assert_int_equal(inb(VPIC_MASTER_DATA), 0xff);
	assert_int_equal(inb(VPIC_SLAVE_DATA), 0xff);
	assert_int_equal(inb(VPIC_ELCR_MASTER), 0x00);
	assert_int_equal(inb(VPIC_ELCR_SLAVE), 0x00);
	assert_int_equal(vpic_pending_vector(&pic), -1);

	/* Masked until the guest initialises the chips: latched, not delivered. */
	raise_irq(0);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x01);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

static void test_linux_init_sequence(void **state)
{
	outb(VPIC_MASTER_DATA, 0xff);
	outb(VPIC_MASTER_CMD, ICW1_EDGE_CASCADE_ICW4);
	/* ICW1 cleared the IMR; the next three data writes are ICW2-4, not masks. */
	assert_int_equal(inb(VPIC_MASTER_DATA), 0x00);
	assert_int_equal(pic.master.init_step, VPIC_WANT_ICW2);
	outb(VPIC_MASTER_DATA, MASTER_BASE);
	assert_int_equal(pic.master.init_step, VPIC_WANT_ICW3);
	outb(VPIC_MASTER_DATA, ICW3_SLAVE_ON_IR2);
	assert_int_equal(pic.master.init_step, VPIC_WANT_ICW4);
	outb(VPIC_MASTER_DATA, ICW4_8086);
	assert_int_equal(pic.master.init_step, VPIC_READY);
	assert_int_equal(inb(VPIC_MASTER_DATA), 0x00);
	assert_int_equal(pic.master.vector_base, MASTER_BASE);
	assert_int_equal(pic.master.icw3, ICW3_SLAVE_ON_IR2);
	assert_true(pic.master.mode_8086);
	assert_false(pic.master.auto_eoi);

	outb(VPIC_SLAVE_CMD, ICW1_EDGE_CASCADE_ICW4);
	outb(VPIC_SLAVE_DATA, SLAVE_BASE);
	outb(VPIC_SLAVE_DATA, ICW3_SLAVE_ID);
	outb(VPIC_SLAVE_DATA, ICW4_8086);
	assert_int_equal(pic.slave.vector_base, SLAVE_BASE);
	assert_int_equal(pic.slave.icw3, ICW3_SLAVE_ID);

	/* Mask all, then unmask IRQ 0 (the timer). */
	outb(VPIC_MASTER_DATA, 0xff);
	outb(VPIC_SLAVE_DATA, 0xff);
	outb(VPIC_MASTER_DATA, 0xfe);
	assert_int_equal(inb(VPIC_MASTER_DATA), 0xfe);
	assert_int_equal(inb(VPIC_SLAVE_DATA), 0xff);

	pulse_irq(0);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x01); /* IRR selected after ICW1 */
	assert_int_equal(vpic_pending_vector(&pic), 0x20);
	assert_int_equal(vpic_acknowledge(&pic), 0x20);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x01);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
}

/* ICW2 keeps T7-T3 only: the chip puts the IR number in bits 2-0. */
static void test_icw2_low_bits_ignored(void **state)
{
	outb(VPIC_MASTER_CMD, ICW1_EDGE_CASCADE_ICW4);
	outb(VPIC_MASTER_DATA, 0x37);
	outb(VPIC_MASTER_DATA, ICW3_SLAVE_ON_IR2);
	outb(VPIC_MASTER_DATA, ICW4_8086);
	pulse_irq(1);
	assert_int_equal(vpic_acknowledge(&pic), 0x31);
}

static void test_single_mode_and_no_icw4(void **state)
{
	/* Single: no ICW3, so ICW4 follows ICW2 directly. */
	outb(VPIC_MASTER_CMD, ICW1_SINGLE_ICW4);
	outb(VPIC_MASTER_DATA, 0x40);
	assert_int_equal(pic.master.init_step, VPIC_WANT_ICW4);
	outb(VPIC_MASTER_DATA, ICW4_8086_AEOI);
	assert_true(pic.master.auto_eoi);
	outb(VPIC_MASTER_DATA, 0xfb);
	assert_int_equal(inb(VPIC_MASTER_DATA), 0xfb);

	/* In single mode IR2 is an ordinary input: the master answers itself. */
	outb(VPIC_MASTER_DATA, 0x00);
	outb(VPIC_SLAVE_CMD, ICW1_EDGE_CASCADE_ICW4);
	outb(VPIC_SLAVE_DATA, SLAVE_BASE);
	outb(VPIC_SLAVE_DATA, ICW3_SLAVE_ID);
	outb(VPIC_SLAVE_DATA, ICW4_8086);
	pulse_irq(9);
	assert_int_equal(vpic_acknowledge(&pic), 0x42);
	assert_int_equal(read_isr(VPIC_SLAVE_CMD), 0x00);

	/* No IC4: ICW4 functions reset (AEOI off), and the write after ICW3 is a mask. */
	outb(VPIC_MASTER_CMD, ICW1_CASCADE_NO_ICW4);
	assert_false(pic.master.auto_eoi);
	outb(VPIC_MASTER_DATA, MASTER_BASE);
	outb(VPIC_MASTER_DATA, ICW3_SLAVE_ON_IR2);
	assert_int_equal(pic.master.init_step, VPIC_READY);
	outb(VPIC_MASTER_DATA, 0xfd);
	assert_int_equal(inb(VPIC_MASTER_DATA), 0xfd);
	assert_false(pic.master.mode_8086);
}

/* ICW1: IMR and ISR cleared, edge latches dropped, priority and read select reset. */
static void test_icw1_resets_chip(void **state)
{
	linux_init(ICW4_8086, 0x00, 0xff);
	outb(VPIC_ELCR_MASTER, 0x20);
	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
	pulse_irq(4);
	raise_irq(5); /* level */
	raise_irq(6); /* edge, line held high */
	outb(VPIC_MASTER_CMD, OCW2_SET_PRIORITY | 3);
	outb(VPIC_MASTER_CMD, OCW3_SET_SMM);
	outb(VPIC_MASTER_CMD, OCW3_READ_ISR);
	outb(VPIC_MASTER_DATA, 0xaa);

	outb(VPIC_MASTER_CMD, ICW1_EDGE_CASCADE_ICW4);
	assert_int_equal(inb(VPIC_MASTER_DATA), 0x00);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x20); /* IRR again: only the level line */
	assert_int_equal(pic.master.isr, 0x00);
	assert_false(pic.master.special_mask);
	assert_int_equal(pic.master.lowest_priority, 7);
	outb(VPIC_MASTER_DATA, MASTER_BASE);
	outb(VPIC_MASTER_DATA, ICW3_SLAVE_ON_IR2);
	outb(VPIC_MASTER_DATA, ICW4_8086);

	/* IRQ 6, still high, needs a fresh 0->1 transition. */
	raise_irq(6);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x20);
	lower_irq(6);
	raise_irq(6);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x60);
	assert_int_equal(vpic_pending_vector(&pic), 0x25);
}

/* --- priority, masking, cascade ---------------------------------------------- */

static void test_nesting_by_priority(void **state)
{
	linux_init(ICW4_8086, 0xc4, 0xff); /* IRQ 0, 1, 3, 4, 5 open */

	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x08);

	/* Lower priority waits behind IRQ 3 in service. */
	pulse_irq(5);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	/* Higher priority nests. */
	pulse_irq(1);
	assert_int_equal(vpic_pending_vector(&pic), 0x21);
	assert_int_equal(vpic_acknowledge(&pic), 0x21);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x0a);
	assert_int_equal(vpic_pending_vector(&pic), -1);

	/* A non-specific EOI ends the highest level in service: IRQ 1 first. */
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x08);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(vpic_pending_vector(&pic), 0x25);

	/* Two requests at once: the higher priority is taken first. */
	pulse_irq(4);
	pulse_irq(0);
	assert_int_equal(vpic_acknowledge(&pic), 0x20);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_acknowledge(&pic), 0x24);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_acknowledge(&pic), 0x25);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

/* The same IRQ does not nest on itself: its edge waits in IRR behind its ISR bit. */
static void test_same_irq_waits_for_eoi(void **state)
{
	linux_init(ICW4_8086, 0xfe, 0xff);
	pulse_irq(0);
	assert_int_equal(vpic_acknowledge(&pic), 0x20);
	pulse_irq(0);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x01);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_acknowledge(&pic), 0x20);
}

static void test_imr_masking(void **state)
{
	linux_init(ICW4_8086, 0xff, 0xff);
	pulse_irq(4);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x10); /* IMR does not stop IRR */
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_MASTER_DATA, 0xef);
	assert_int_equal(vpic_pending_vector(&pic), 0x24);
	outb(VPIC_MASTER_DATA, 0xff);
	assert_int_equal(vpic_pending_vector(&pic), -1);

	/* A slave IRQ needs its own bit and the master's IR2 open. */
	pulse_irq(14);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_SLAVE_DATA, 0xbf);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x14);
	outb(VPIC_MASTER_DATA, 0xfb);
	assert_int_equal(vpic_pending_vector(&pic), 0x2e);
	outb(VPIC_SLAVE_DATA, 0xff);
	/* Master IR2 stays latched: the CPU would get the slave's spurious IR7. */
	assert_int_equal(vpic_pending_vector(&pic), 0x2f);
}

static void test_slave_cascade_eoi_both(void **state)
{
	linux_init(ICW4_8086, 0xfb, 0xce); /* master IR2; slave IRQ 8, 12, 13 */

	pulse_irq(12);
	assert_int_equal(read_irr(VPIC_SLAVE_CMD), 0x10);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x04); /* the slave's INT on IR2 */
	assert_int_equal(vpic_pending_vector(&pic), 0x2c);
	assert_int_equal(vpic_acknowledge(&pic), 0x2c);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x04);
	assert_int_equal(read_isr(VPIC_SLAVE_CMD), 0x10);
	assert_int_equal(read_irr(VPIC_SLAVE_CMD), 0x00);

	/* IRQ 13 is below 12 on the slave; an EOI to the master alone does not free it. */
	pulse_irq(13);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_SLAVE_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), 0x2d);
	assert_int_equal(vpic_acknowledge(&pic), 0x2d);

	/* IRQ 8 outranks 13 on the slave, but without SFNM the master's IR2 in service blocks it.
	 */
	pulse_irq(8);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_SLAVE_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), 0x28);
	assert_int_equal(vpic_acknowledge(&pic), 0x28);
	outb(VPIC_SLAVE_CMD, OCW2_EOI);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(read_isr(VPIC_SLAVE_CMD), 0x00);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

/* Master IRQ 1 outranks the whole slave; the slave outranks master IRQ 3-7. */
static void test_cascade_priority_against_master(void **state)
{
	linux_init(ICW4_8086, 0x00, 0x00);
	pulse_irq(10);
	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x2a);
	pulse_irq(1);
	assert_int_equal(vpic_pending_vector(&pic), 0x21);
	assert_int_equal(vpic_acknowledge(&pic), 0x21);
	outb(VPIC_MASTER_CMD, OCW2_EOI); /* IRQ 1 */
	outb(VPIC_SLAVE_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), -1); /* IR2 still in service */
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
}

static void test_special_fully_nested(void **state)
{
	linux_init(ICW4_8086_SFNM, 0xfb, 0x00);
	pulse_irq(12);
	assert_int_equal(vpic_acknowledge(&pic), 0x2c);
	/* SFNM: a higher slave IRQ reaches the CPU with the master's IR2 in service. */
	pulse_irq(9);
	assert_int_equal(vpic_pending_vector(&pic), 0x29);
	assert_int_equal(vpic_acknowledge(&pic), 0x29);
	assert_int_equal(read_isr(VPIC_SLAVE_CMD), 0x12);
	/* A lower one still waits for the slave's own EOIs. */
	pulse_irq(15);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

/* --- level inputs and spurious interrupts ------------------------------------ */

static void test_level_triggered_via_elcr(void **state)
{
	linux_init(ICW4_8086, 0xfb, 0xf7); /* master IR2, slave IRQ 11 */
	outb(VPIC_ELCR_SLAVE, 0x08);
	assert_int_equal(inb(VPIC_ELCR_SLAVE), 0x08);

	raise_irq(11);
	assert_int_equal(vpic_acknowledge(&pic), 0x2b);
	assert_int_equal(read_irr(VPIC_SLAVE_CMD), 0x08); /* INTA leaves a level request */
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_SLAVE_CMD, OCW2_EOI);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	/* Line still high: the same request again. */
	assert_int_equal(vpic_pending_vector(&pic), 0x2b);
	assert_int_equal(vpic_acknowledge(&pic), 0x2b);

	/* The device is serviced: the line falls, IRR follows, nothing after the EOIs. */
	lower_irq(11);
	assert_int_equal(read_irr(VPIC_SLAVE_CMD), 0x00);
	outb(VPIC_SLAVE_CMD, OCW2_EOI);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), -1);

	/* The same line in edge mode: one delivery per rising edge. */
	outb(VPIC_ELCR_SLAVE, 0x00);
	raise_irq(11);
	assert_int_equal(vpic_acknowledge(&pic), 0x2b);
	outb(VPIC_SLAVE_CMD, OCW2_EOI);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

/* A pulsed edge stays latched until acknowledged; a dropped level line does not. */
static void test_edge_latch_survives_line_drop(void **state)
{
	linux_init(ICW4_8086, 0x00, 0xff);
	outb(VPIC_ELCR_MASTER, 0x40);
	pulse_irq(5);
	pulse_irq(6);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x20);
	assert_int_equal(vpic_pending_vector(&pic), 0x25);
}

static void test_spurious_irq7(void **state)
{
	linux_init(ICW4_8086, 0x00, 0xff);
	outb(VPIC_ELCR_MASTER, 0x20);

	/* Level request withdrawn between pending and INTA. */
	raise_irq(5);
	assert_int_equal(vpic_pending_vector(&pic), 0x25);
	lower_irq(5);
	assert_int_equal(vpic_acknowledge(&pic), 0x27);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);

	/* Edge request masked between pending and INTA: spurious, still latched. */
	pulse_irq(4);
	assert_int_equal(vpic_pending_vector(&pic), 0x24);
	outb(VPIC_MASTER_DATA, 0x10);
	assert_int_equal(vpic_acknowledge(&pic), 0x27);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x10);
	outb(VPIC_MASTER_DATA, 0x00);
	assert_int_equal(vpic_acknowledge(&pic), 0x24);
}

/* Slave withdraws after the master latched IR2: vector 0x2f, only the master's ISR set. */
static void test_spurious_irq15(void **state)
{
	linux_init(ICW4_8086, 0xfb, 0xf7);
	outb(VPIC_ELCR_SLAVE, 0x08);
	raise_irq(11);
	assert_int_equal(vpic_pending_vector(&pic), 0x2b);
	lower_irq(11);
	assert_int_equal(vpic_pending_vector(&pic), 0x2f);
	assert_int_equal(vpic_acknowledge(&pic), 0x2f);
	assert_int_equal(read_isr(VPIC_SLAVE_CMD), 0x00);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x04);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

/* --- OCW3 --------------------------------------------------------------------- */

static void test_ocw3_read_irr_isr(void **state)
{
	linux_init(ICW4_8086, 0xf0, 0xff);
	pulse_irq(3);
	pulse_irq(1);
	assert_int_equal(vpic_acknowledge(&pic), 0x21);
	pulse_irq(6); /* masked: still in IRR */

	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x48);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x02);
	/* The selection sticks until changed; OCW3 without RR leaves it alone. */
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x02);
	outb(VPIC_MASTER_CMD, OCW3_NO_READ_CHANGE);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x02);
	/* The data port always reads IMR. */
	assert_int_equal(inb(VPIC_MASTER_DATA), 0xf0);
	outb(VPIC_MASTER_CMD, OCW3_READ_IRR);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x48);
}

static void test_poll_mode(void **state)
{
	linux_init(ICW4_8086, 0x00, 0xff);
	outb(VPIC_MASTER_CMD, OCW3_POLL);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x00); /* nothing requesting */

	pulse_irq(5);
	pulse_irq(3);
	outb(VPIC_MASTER_CMD, OCW3_POLL);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x83); /* the read acknowledged IRQ 3 */
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x08);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x20); /* one read only: back to IRR */
	outb(VPIC_MASTER_CMD, OCW3_POLL);
	assert_int_equal(inb(VPIC_MASTER_DATA),
			 0x00); /* IRQ 5 waits behind 3; data port polls too */
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	outb(VPIC_MASTER_CMD, OCW3_POLL);
	assert_int_equal(inb(VPIC_MASTER_CMD), 0x85);
	assert_int_equal(inb(VPIC_MASTER_DATA), 0x00); /* IMR again */
}

static void test_special_mask_mode(void **state)
{
	linux_init(ICW4_8086, 0x00, 0xff);
	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
	pulse_irq(5);
	assert_int_equal(vpic_pending_vector(&pic), -1);

	/* The handler masks its own level and enables lower ones. */
	outb(VPIC_MASTER_DATA, 0x08);
	outb(VPIC_MASTER_CMD, OCW3_SET_SMM);
	assert_int_equal(vpic_pending_vector(&pic), 0x25);
	assert_int_equal(vpic_acknowledge(&pic), 0x25);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x28);
	/* An in-service level still blocks itself. */
	pulse_irq(5);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	outb(VPIC_MASTER_CMD, OCW2_SPECIFIC_EOI | 5);
	assert_int_equal(vpic_pending_vector(&pic), 0x25);
	/* Back to fully nested: IRQ 3 in service blocks 5 again. */
	outb(VPIC_MASTER_CMD, OCW3_RESET_SMM);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

/* --- OCW2 --------------------------------------------------------------------- */

static void test_specific_eoi(void **state)
{
	linux_init(ICW4_8086, 0x00, 0xff);
	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
	pulse_irq(1);
	assert_int_equal(vpic_acknowledge(&pic), 0x21);
	/* End IRQ 3 (not the highest in service, which a non-specific EOI would pick). */
	outb(VPIC_MASTER_CMD, OCW2_SPECIFIC_EOI | 3);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x02);
	outb(VPIC_MASTER_CMD, OCW2_SPECIFIC_EOI | 6); /* not in service: no effect */
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x02);
	outb(VPIC_MASTER_CMD, OCW2_SPECIFIC_EOI | 1);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
}

static void test_auto_eoi(void **state)
{
	linux_init(ICW4_8086_AEOI, 0x00, 0xff);
	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x00);
	/* Nothing in service: a lower priority is delivered without any EOI. */
	pulse_irq(6);
	assert_int_equal(vpic_acknowledge(&pic), 0x26);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
}

/* AEOI on the slave: two requests, one INTA each, none lost at the cascade. */
static void test_slave_auto_eoi(void **state)
{
	linux_init(ICW4_8086_AEOI, 0xfb, 0x00);
	outb(VPIC_SLAVE_CMD, ICW1_EDGE_CASCADE_ICW4);
	outb(VPIC_SLAVE_DATA, SLAVE_BASE);
	outb(VPIC_SLAVE_DATA, ICW3_SLAVE_ID);
	outb(VPIC_SLAVE_DATA, ICW4_8086_AEOI);
	pulse_irq(9);
	pulse_irq(14);
	assert_int_equal(vpic_acknowledge(&pic), 0x29);
	assert_int_equal(vpic_pending_vector(&pic), 0x2e);
	assert_int_equal(vpic_acknowledge(&pic), 0x2e);
	assert_int_equal(vpic_pending_vector(&pic), -1);
}

static void test_rotation(void **state)
{
	linux_init(ICW4_8086, 0x00, 0xff);

	/* Rotate on non-specific EOI: IRQ 1 becomes lowest, so 2 is highest. */
	pulse_irq(1);
	assert_int_equal(vpic_acknowledge(&pic), 0x21);
	outb(VPIC_MASTER_CMD, OCW2_ROTATE_EOI);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(pic.master.lowest_priority, 1);
	pulse_irq(0);
	pulse_irq(1);
	pulse_irq(6);
	assert_int_equal(vpic_acknowledge(&pic), 0x26);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), 0x20);

	/* Set priority: IR7 lowest makes IR0 highest again; IR0 lowest makes IR1 highest. */
	outb(VPIC_MASTER_CMD, OCW2_SET_PRIORITY | 0);
	assert_int_equal(vpic_pending_vector(&pic), 0x21);
	outb(VPIC_MASTER_CMD, OCW2_SET_PRIORITY | 7);
	assert_int_equal(vpic_pending_vector(&pic), 0x20);

	/* Rotate on specific EOI: the named level becomes lowest. */
	assert_int_equal(vpic_acknowledge(&pic), 0x20);
	outb(VPIC_MASTER_CMD, OCW2_ROTATE_SPECIFIC | 0);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(pic.master.lowest_priority, 0);
	pulse_irq(0);
	assert_int_equal(vpic_acknowledge(&pic), 0x21);
}

static void test_rotate_in_auto_eoi(void **state)
{
	linux_init(ICW4_8086_AEOI, 0x00, 0xff);
	outb(VPIC_MASTER_CMD, OCW2_ROTATE_AEOI_SET);
	pulse_irq(0);
	pulse_irq(4);
	assert_int_equal(vpic_acknowledge(&pic), 0x20);
	assert_int_equal(pic.master.lowest_priority, 0);
	pulse_irq(0);
	pulse_irq(1);
	/* 1 highest now: 1, then 4 (rotating past it), then 0, each ack rotating again. */
	assert_int_equal(vpic_acknowledge(&pic), 0x21);
	assert_int_equal(vpic_acknowledge(&pic), 0x24);
	assert_int_equal(vpic_acknowledge(&pic), 0x20);

	/* Cleared: acknowledges leave the priority alone. */
	outb(VPIC_MASTER_CMD, OCW2_ROTATE_AEOI_CLEAR);
	pulse_irq(3);
	assert_int_equal(vpic_acknowledge(&pic), 0x23);
	assert_int_equal(pic.master.lowest_priority, 0);
}

/* --- ELCR and port decoding ---------------------------------------------------- */

static void test_elcr_fixed_edge_bits(void **state)
{
	outb(VPIC_ELCR_MASTER, 0xff);
	outb(VPIC_ELCR_SLAVE, 0xff);
	assert_int_equal(inb(VPIC_ELCR_MASTER), 0xf8); /* IRQ 0, 1, 2 edge */
	assert_int_equal(inb(VPIC_ELCR_SLAVE), 0xde);  /* IRQ 8, 13 edge */

	/* IRQ 0 stays edge: a line held high after EOI is not delivered again. */
	linux_init(ICW4_8086, 0xfe, 0xff);
	raise_irq(0);
	assert_int_equal(vpic_acknowledge(&pic), 0x20);
	outb(VPIC_MASTER_CMD, OCW2_EOI);
	assert_int_equal(vpic_pending_vector(&pic), -1);

	/* ICW1 does not touch the ELCR. */
	assert_int_equal(inb(VPIC_ELCR_MASTER), 0xf8);
	outb(VPIC_ELCR_SLAVE, 0x00);
	assert_int_equal(inb(VPIC_ELCR_SLAVE), 0x00);
}

static void test_other_ports(void **state)
{
	linux_init(ICW4_8086, 0x12, 0x34);
	static const uint16_t others[] = {0x1f, 0x22, 0x9f, 0xa2, 0x4cf, 0x4d2, 0x120, 0xffff};
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		outb(others[i], 0x00);
		assert_int_equal(inb(others[i]), 0xff);
	}
	assert_int_equal(inb(VPIC_MASTER_DATA), 0x12);
	assert_int_equal(inb(VPIC_SLAVE_DATA), 0x34);
	assert_int_equal(inb(VPIC_ELCR_MASTER), 0x00);
}

static void test_set_irq_ignores_cascade_and_range(void **state)
{
	linux_init(ICW4_8086, 0x00, 0x00);
	raise_irq(2);
	raise_irq(16);
	raise_irq(255);
	assert_int_equal(read_irr(VPIC_MASTER_CMD), 0x00);
	assert_int_equal(read_irr(VPIC_SLAVE_CMD), 0x00);
	assert_int_equal(vpic_pending_vector(&pic), -1);
	/* An INTA with nothing pending: spurious IRQ 7, no ISR bit. */
	assert_int_equal(vpic_acknowledge(&pic), 0x27);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0x00);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_reset_state, setup),
	    cmocka_unit_test_setup(test_linux_init_sequence, setup),
	    cmocka_unit_test_setup(test_icw2_low_bits_ignored, setup),
	    cmocka_unit_test_setup(test_single_mode_and_no_icw4, setup),
	    cmocka_unit_test_setup(test_icw1_resets_chip, setup),
	    cmocka_unit_test_setup(test_nesting_by_priority, setup),
	    cmocka_unit_test_setup(test_same_irq_waits_for_eoi, setup),
	    cmocka_unit_test_setup(test_imr_masking, setup),
	    cmocka_unit_test_setup(test_slave_cascade_eoi_both, setup),
	    cmocka_unit_test_setup(test_cascade_priority_against_master, setup),
	    cmocka_unit_test_setup(test_special_fully_nested, setup),
	    cmocka_unit_test_setup(test_level_triggered_via_elcr, setup),
	    cmocka_unit_test_setup(test_edge_latch_survives_line_drop, setup),
	    cmocka_unit_test_setup(test_spurious_irq7, setup),
	    cmocka_unit_test_setup(test_spurious_irq15, setup),
	    cmocka_unit_test_setup(test_ocw3_read_irr_isr, setup),
	    cmocka_unit_test_setup(test_poll_mode, setup),
	    cmocka_unit_test_setup(test_special_mask_mode, setup),
	    cmocka_unit_test_setup(test_specific_eoi, setup),
	    cmocka_unit_test_setup(test_auto_eoi, setup),
	    cmocka_unit_test_setup(test_slave_auto_eoi, setup),
	    cmocka_unit_test_setup(test_rotation, setup),
	    cmocka_unit_test_setup(test_rotate_in_auto_eoi, setup),
	    cmocka_unit_test_setup(test_elcr_fixed_edge_bits, setup),
	    cmocka_unit_test_setup(test_other_ports, setup),
	    cmocka_unit_test_setup(test_set_irq_ignores_cascade_and_range, setup),
	};
	return cmocka_run_group_tests_name("i8259", tests, NULL, NULL);
}
