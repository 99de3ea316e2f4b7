/* The IDT: every vector enters through isr.S and ends in trap_dispatch(). */
#ifndef SHOJI_ARCH_X86_IDT_H
#define SHOJI_ARCH_X86_IDT_H

#include "arch/x86/trap_frame.h"

#define VECTOR_NMI	 2
#define VECTOR_UD	 6
#define VECTOR_DF	 8
#define VECTOR_GP	 13
#define VECTOR_PF	 14
#define VECTOR_MC	 18
#define VECTOR_FIRST_IRQ 32
#define VECTOR_SPURIOUS	 0xff

typedef void (*irq_handler_t)(struct trap_frame *frame);

/* Build the IDT once (boot CPU). */
void idt_init(void);
/* Load it on the calling CPU. */
void idt_load(void);
/* Route an interrupt vector (>= 32) to a handler; the handler sends its own EOI. */
void idt_set_handler(unsigned vector, irq_handler_t handler);

void trap_dispatch(struct trap_frame *frame);

#endif
