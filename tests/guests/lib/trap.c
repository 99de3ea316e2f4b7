/*
 * Test guests (64-bit): the IDT and the exception dispatcher behind trap.h.
 * Owns the IDT and the trap_* recovery state; the stubs are in trap64.S.
 */
#include "tests/guests/lib/trap.h"

#include <stdbool.h>

#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/x86.h"

#define IDT_VECTORS	 64 /* exceptions, and interrupts 32-63 (the guest timer) */
#define FIRST_IRQ_VECTOR 32
#define GDT_CODE64_SEL	 0x08 /* start64.S */
#define IDT_GATE_INTR64	 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define TRAP_STUB_SIZE	 16

/* Saved by trap64.S: the pushes in reverse, then what the CPU pushed. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
} __attribute__((packed));

volatile uint8_t trap_skip_len;
volatile int trap_vector = TRAP_NONE;
volatile uint64_t trap_error_code, trap_cr2;
volatile unsigned trap_trap_count;
volatile int trap_last_trap = TRAP_NONE;
volatile uint64_t trap_last_trap_rip;
volatile unsigned trap_irq_count;
volatile int trap_last_irq = TRAP_NONE;

extern const char trap_stubs_start[]; /* trap64.S: stub v at + TRAP_STUB_SIZE * v */
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static const char *trap_guest_name = "guest";

void trap_dispatch(struct trap_frame *f);

void trap_init(const char *guest_name)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};

	trap_guest_name = guest_name;
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		uint64_t gva = (uint64_t)trap_stubs_start + TRAP_STUB_SIZE * v;
		idt[v] = (struct idt_gate){
		    .offset_lo = (uint16_t)gva,
		    .selector = GDT_CODE64_SEL,
		    .type = IDT_GATE_INTR64,
		    .offset_mid = (uint16_t)(gva >> 16),
		    .offset_hi = (uint32_t)(gva >> 32),
		};
	}
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= FIRST_IRQ_VECTOR) {
		trap_irq_count++;
		trap_last_irq = (int)f->vector;
		return;
	}
	if (f->vector == TRAP_DB || f->vector == TRAP_BP) {
		trap_trap_count++;
		trap_last_trap = (int)f->vector;
		trap_last_trap_rip = f->rip;
		return;
	}
	bool recoverable = f->vector == TRAP_UD || f->vector == TRAP_GP || f->vector == TRAP_PF;

	if (recoverable && trap_skip_len) {
		trap_vector = (int)f->vector;
		trap_error_code = f->error_code;
		trap_cr2 = f->vector == TRAP_PF ? read_cr2() : 0;
		f->rip += trap_skip_len;
		trap_skip_len = 0;
		return;
	}
	gprintf("%s: unexpected exception %lu error 0x%lx at rip 0x%lx cr2 0x%lx\n",
		trap_guest_name, f->vector, f->error_code, f->rip, read_cr2());
	gprintf("%s: FAIL unexpected exception\n", trap_guest_name);
	debug_exit(GUEST_EXIT_TRAP);
}
