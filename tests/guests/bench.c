/*
 * bench: exit round-trip costs as the guest sees them, in TSC cycles. Each
 * kind runs BENCH_WARMUP untimed iterations, then BENCH_ITERS timed ones;
 * prints "bench: <kind> <cycles per iteration>" and the machine-readable
 * "BENCH <kind> <cycles per iteration> <iterations>", then "bench: done".
 * The baseline loop has the same shape with no exiting instruction.
 *
 * timer_tick is what a busy guest's timer tick costs beyond the tick's own
 * code: the TSC deadline armed TICK_LEAD cycles ahead (a WRMSR), the
 * interrupt taken while the guest spins with IF=1, and the xAPIC EOI (a
 * store to the APIC page). Its figure has the lead taken off, so natively
 * it is the interrupt's entry and return and the loop's few instructions.
 */
#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/trap.h"
#include "tests/guests/lib/x86.h"

#define BENCH_WARMUP		100
#define BENCH_ITERS		1000
#define UART_SCRATCH		(GUEST_UART_PORT + 7)
#define UNCLAIMED_MMIO_GPA	0xd0000000ul
#define LAPIC			0xfee00000ul
#define LAPIC_EOI		0xb0
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_LVT_LINT0		0x350
#define LVT_TSC_DEADLINE	(2u << 17)
#define LVT_MASKED		(1u << 16)
#define MSR_TSC_DEADLINE	0x6e0u
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define TICK_VECTOR		0x30
#define TICK_LEAD		2000 /* cycles: past the WRMSR's exit, as a real tick is */

static void op_baseline(void)
{
	asm volatile("nop" : : : "memory");
}

static void op_cpuid(void)
{
	uint32_t a = 0, b, c = 0, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
}

static void op_pio_write(void)
{
	outb(UART_SCRATCH, 0x5a);
}

static void op_rdmsr(void)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_IA32_PAT) : "memory");
}

/*
 * The hypercall instruction inline, like CPUID above: the loop then holds
 * only the exiting instruction (the library's hypercall() adds a call and a
 * switch on the instruction, ~18 guest instructions).
 */
static void op_vmcall(void)
{
	long ret = HC_VERSION;
	asm volatile("vmcall" : "+a"(ret) : : "memory");
}

static void op_vmmcall(void)
{
	long ret = HC_VERSION;
	asm volatile("vmmcall" : "+a"(ret) : : "memory");
}

static void op_mmio_read(void)
{
	uint32_t v;
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(UNCLAIMED_MMIO_GPA) : "memory");
}

static void lapic_write(unsigned reg, uint32_t value)
{
	*(volatile uint32_t *)(LAPIC + reg) = value;
}

/* One tick: armed, taken while spinning with interrupts on, acknowledged. */
static void op_timer_tick(void)
{
	unsigned before = trap_irq_count;
	uint64_t deadline = rdtsc() + TICK_LEAD;
	asm volatile("wrmsr"
		     :
		     : "c"(MSR_TSC_DEADLINE), "a"((uint32_t)deadline),
		       "d"((uint32_t)(deadline >> 32))
		     : "memory");
	asm volatile("sti" ::: "memory");
	while (trap_irq_count == before)
		asm volatile("" ::: "memory");
	asm volatile("cli" ::: "memory");
	lapic_write(LAPIC_EOI, 0);
}

/* noinline: every kind then runs the same loop, an indirect call to op. */
__attribute__((noinline)) static void bench(const char *kind, void (*op)(void))
{
	for (unsigned i = 0; i < BENCH_WARMUP; i++)
		op();
	uint64_t start = rdtsc();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		op();
	uint64_t per_iter = (rdtsc() - start) / BENCH_ITERS;
	if (op == op_timer_tick)
		per_iter -= TICK_LEAD;

	gprintf("bench: %s %lu\n", kind, per_iter);
	gprintf("BENCH %s %lu %u\n", kind, per_iter, BENCH_ITERS);
}

int main(void)
{
	gprintf("bench: start\n");
	bench("baseline", op_baseline);
	bench("cpuid", op_cpuid);
	bench("pio_write", op_pio_write);
	bench("rdmsr", op_rdmsr);
	switch (hypercall_insn()) {
	case SHOJI_HC_INSN_VMCALL:
		bench("hypercall", op_vmcall);
		break;
	case SHOJI_HC_INSN_VMMCALL:
		bench("hypercall", op_vmmcall);
		break;
	default:
		gprintf("bench: hypercall skipped (not under Shoji)\n");
		break;
	}
	bench("mmio_read", op_mmio_read);
	if (cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE) {
		trap_init("bench");
		/* As Linux leaves it with the I/O APIC in use: the PIC's ExtINT masked. */
		lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
		lapic_write(LAPIC_LVT_TIMER, TICK_VECTOR | LVT_TSC_DEADLINE);
		bench("timer_tick", op_timer_tick);
		lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	} else {
		gprintf("bench: timer_tick skipped (no TSC-deadline timer)\n");
	}
	gprintf("bench: done\n");
	return GUEST_EXIT_PASS;
}
