/*
 * bench: exit round-trip costs as the guest sees them, in TSC cycles. Each
 * kind runs BENCH_WARMUP untimed iterations, then BENCH_ITERS timed ones;
 * prints "bench: <kind> <cycles per iteration>" and the machine-readable
 * "BENCH <kind> <cycles per iteration> <iterations>", then "bench: done".
 * The baseline loop has the same shape with no exiting instruction.
 */
#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/x86.h"

#define BENCH_WARMUP	   100
#define BENCH_ITERS	   1000
#define UART_SCRATCH	   (GUEST_UART_PORT + 7)
#define UNCLAIMED_MMIO_GPA 0xd0000000ul

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

/* noinline: every kind then runs the same loop, an indirect call to op. */
__attribute__((noinline)) static void bench(const char *kind, void (*op)(void))
{
	for (unsigned i = 0; i < BENCH_WARMUP; i++)
		op();
	uint64_t start = rdtsc();
	for (unsigned i = 0; i < BENCH_ITERS; i++)
		op();
	uint64_t per_iter = (rdtsc() - start) / BENCH_ITERS;

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
	gprintf("bench: done\n");
	return GUEST_EXIT_PASS;
}
