/*
 * The legacy 8259A PIC pair: the hypervisor uses the (IO)APICs, so both are
 * masked; only a machine without an I/O APIC gets a line back (the console's).
 */
#ifndef SHOJI_DRIVERS_I8259_H
#define SHOJI_DRIVERS_I8259_H

#define I8259_VECTOR_BASE 0x20 /* IRQ 0 after i8259_disable; IRQ 8 at +8 */

/* Remap both PICs away from the exception vectors and mask every line. */
void i8259_disable(void);
/* Let ISA IRQ irq through (after i8259_disable: vector I8259_VECTOR_BASE + irq). */
void i8259_unmask(unsigned irq);
/* End of interrupt for irq (non-specific, to the slave too when it came through it). */
void i8259_eoi(unsigned irq);

#endif
