/*
 * 8259A PIC shutdown (8259A datasheet, ICW1-ICW4). Firmware may leave the
 * PICs routing IRQs to vectors 8-15, which overlap CPU exceptions: remap
 * them to 0x20-0x2f first, so a stray interrupt cannot look like a #DF.
 * Without an I/O APIC, single IRQs can be unmasked again (the console's).
 */
#include "drivers/i8259.h"

#include "arch/x86/io.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT_ICW4		  0x11
#define ICW3_MASTER_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID		  0x02
#define ICW4_8086		  0x01
#define PIC1_VECTOR_BASE	  I8259_VECTOR_BASE
#define PIC2_VECTOR_BASE	  (I8259_VECTOR_BASE + 8)
#define MASK_ALL		  0xff
#define OCW2_EOI		  0x20
#define PIC_CASCADE_IRQ		  2

void i8259_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC1_VECTOR_BASE);
	outb(PIC2_DATA, PIC2_VECTOR_BASE);
	outb(PIC1_DATA, ICW3_MASTER_SLAVE_ON_IRQ2);
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, MASK_ALL);
	outb(PIC2_DATA, MASK_ALL);
}

void i8259_unmask(unsigned irq)
{
	if (irq < 8) {
		outb(PIC1_DATA, inb(PIC1_DATA) & ~(1u << irq));
	} else {
		outb(PIC2_DATA, inb(PIC2_DATA) & ~(1u << (irq - 8)));
		outb(PIC1_DATA, inb(PIC1_DATA) & ~(1u << PIC_CASCADE_IRQ));
	}
}

void i8259_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}
