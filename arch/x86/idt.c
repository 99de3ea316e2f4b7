/*
 * IDT set-up and the first-level trap dispatch. Exceptions are the
 * hypervisor's own bugs (guests' exceptions arrive as VM exits, not here):
 * they are reported and end in panic. NMI, #DF and #MC run on IST stacks.
 */
#include "arch/x86/idt.h"

#include "arch/x86/exception.h"
#include "arch/x86/gdt.h"
#include "drivers/lapic.h"
#include "kernel/core/log.h"

#define IDT_ENTRIES    256
#define GATE_INTERRUPT 0x8e /* present, DPL0, 64-bit interrupt gate */
#define ISR_STUB_SIZE  16

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const char isr_stub_table[];

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static irq_handler_t irq_handlers[IDT_ENTRIES];

static void idt_set_gate(unsigned vector, uint64_t target, uint8_t ist)
{
	idt[vector] = (struct idt_gate){
	    .offset_low = target & 0xffff,
	    .selector = GDT_KERNEL_CS,
	    .ist = ist,
	    .type_attr = GATE_INTERRUPT,
	    .offset_mid = (target >> 16) & 0xffff,
	    .offset_high = target >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_ENTRIES; v++) {
		uint8_t ist = 0;
		if (v == VECTOR_NMI)
			ist = IST_NMI;
		else if (v == VECTOR_DF)
			ist = IST_DF;
		else if (v == VECTOR_MC)
			ist = IST_MC;
		idt_set_gate(v, (uint64_t)(uintptr_t)(isr_stub_table + v * ISR_STUB_SIZE), ist);
	}
}

void idt_load(void)
{
	struct idt_ptr ptr = {.limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_set_handler(unsigned vector, irq_handler_t handler)
{
	if (vector >= VECTOR_FIRST_IRQ && vector < IDT_ENTRIES)
		irq_handlers[vector] = handler;
}

void trap_dispatch(struct trap_frame *frame)
{
	unsigned vector = frame->vector;

	if (vector < VECTOR_FIRST_IRQ) {
		exception_handle(frame);
		return;
	}
	if (vector == VECTOR_SPURIOUS)
		return; /* SDM 3A 11.9: no EOI for spurious interrupts */
	if (irq_handlers[vector]) {
		irq_handlers[vector](frame);
		return;
	}
	log_warn("trap: unexpected interrupt vector %u", vector);
	lapic_eoi();
}
