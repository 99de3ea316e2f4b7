/*
 * apic: the virtual PC's local APICs and I/O APIC as a guest written here
 * sees them (2 vCPUs, devices = pc), checking what Linux does not exercise:
 * the firmware's virtual-wire state, the timer's one-shot, periodic and
 * TSC-deadline modes against the TSC frequency the timing leaf gives, TPR
 * and CR8 masking, a self IPI, a fixed IPI to vCPU 1, x2APIC mode with its
 * #GP rules, and COM1's interrupt routed through the I/O APIC.
 */
#include <stdint.h>

#include "tests/guests/lib/check.h"
#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/trap.h"
#include "tests/guests/lib/x86.h"

#define LAPIC		 0xfee00000ul
#define IOAPIC		 0xfec00000ul
#define REG_ID		 0x20
#define REG_VERSION	 0x30
#define REG_TPR		 0x80
#define REG_EOI		 0xb0
#define REG_SVR		 0xf0
#define REG_ICR_LO	 0x300
#define REG_ICR_HI	 0x310
#define REG_LVT_TIMER	 0x320
#define REG_LVT_LINT0	 0x350
#define REG_LVT_LINT1	 0x360
#define REG_TIMER_INIT	 0x380
#define REG_TIMER_COUNT	 0x390
#define REG_TIMER_DIV	 0x3e0
#define LVT_MASKED	 (1u << 16)
#define TIMER_PERIODIC	 (1u << 17)
#define TIMER_DEADLINE	 (2u << 17)
#define DIVIDE_BY_1	 0xb
#define SVR_ENABLED	 0x1ff
#define ICR_SELF	 (1u << 18)
#define MSR_APIC_BASE	 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_ID	 0x802
#define MSR_X2APIC_VER	 0x803
#define MSR_X2APIC_EOI	 0x80b
#define MSR_X2APIC_SELF	 0x83f
#define APIC_BASE_EN	 (1ul << 11)
#define APIC_BASE_EXTD	 (1ul << 10)
#define APIC_BASE_BSP	 (1ul << 8)
#define COM1		 0x3f8
#define VEC_ONESHOT	 0x31
#define VEC_PERIODIC	 0x32
#define VEC_DEADLINE	 0x33
#define VEC_SELF	 0x34
#define VEC_IPI		 0x36
#define VEC_COM1	 0x37
#define VEC_X2SELF	 0x38
#define SPIN_LIMIT	 200000000ul

static uint32_t apic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC + reg);
}

static void apic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(LAPIC + reg) = value;
}

static uint32_t ioapic_read(uint32_t index)
{
	*(volatile uint32_t *)IOAPIC = index;
	return *(volatile uint32_t *)(IOAPIC + 0x10);
}

static void ioapic_write(uint32_t index, uint32_t value)
{
	*(volatile uint32_t *)IOAPIC = index;
	*(volatile uint32_t *)(IOAPIC + 0x10) = value;
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* Halt until an interrupt has been taken (STI's shadow covers the HLT); IF off again after. */
static void wait_irq(void)
{
	unsigned before = trap_irq_count;
	while (trap_irq_count == before)
		asm volatile("sti; hlt; cli" ::: "memory");
}

/* Open an interrupt window briefly: whatever is deliverable is taken. */
static void window(void)
{
	asm volatile("sti; nop; nop; cli" ::: "memory");
}

static void check_firmware_state(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	check_true("cpuid 1 edx apic", r.edx & (1u << 9), r.edx, 1u << 9);
	check_true("cpuid 1 ecx x2apic and tsc-deadline", (r.ecx & 0x1200000) == 0x1200000, r.ecx,
		   0x1200000);
	check_eq("apic base msr", rdmsr(MSR_APIC_BASE), LAPIC | APIC_BASE_EN | APIC_BASE_BSP);
	check_eq("apic id", apic_read(REG_ID) >> 24, 0);
	check_eq("apic version and max lvt", apic_read(REG_VERSION) & 0xff00ff, 0x50014);
	/* MP spec virtual wire: the PIC through LINT0 as ExtINT, NMI on LINT1. */
	check_eq("svr enabled by firmware", apic_read(REG_SVR), SVR_ENABLED);
	check_eq("lint0 extint", apic_read(REG_LVT_LINT0), 0x700);
	check_eq("lint1 nmi", apic_read(REG_LVT_LINT1), 0x400);
	apic_write(REG_LVT_LINT0, LVT_MASKED);
}

static void check_timer(uint64_t tsc_khz)
{
	uint64_t ticks = tsc_khz; /* 1 ms: the timer counts the TSC (divide by 1) */
	apic_write(REG_TIMER_DIV, DIVIDE_BY_1);
	apic_write(REG_LVT_TIMER, VEC_ONESHOT);
	uint64_t t0 = rdtsc();
	apic_write(REG_TIMER_INIT, (uint32_t)ticks);
	check_true("one-shot counts down", apic_read(REG_TIMER_COUNT) < ticks,
		   apic_read(REG_TIMER_COUNT), ticks);
	wait_irq();
	uint64_t took = rdtsc() - t0;
	check_eq("one-shot vector", (uint64_t)trap_last_irq, VEC_ONESHOT);
	check_true("one-shot not early", took >= ticks, took, ticks);
	check_eq("one-shot then zero", apic_read(REG_TIMER_COUNT), 0);
	apic_write(REG_EOI, 0);

	/* Periodic: three interrupts from one programming, each a period apart at least. */
	apic_write(REG_LVT_TIMER, VEC_PERIODIC | TIMER_PERIODIC);
	t0 = rdtsc();
	apic_write(REG_TIMER_INIT, (uint32_t)(ticks / 4));
	for (int i = 0; i < 3; i++) {
		wait_irq();
		check_eq("periodic vector", (uint64_t)trap_last_irq, VEC_PERIODIC);
		apic_write(REG_EOI, 0);
	}
	took = rdtsc() - t0;
	check_true("three periods", took >= 3 * (ticks / 4), took, 3 * (ticks / 4));
	apic_write(REG_LVT_TIMER, LVT_MASKED);
	apic_write(REG_TIMER_INIT, 0);
	/* A period that ended after the last EOI waits in IRR, as on hardware: take it. */
	window();
	apic_write(REG_EOI, 0);

	/* TSC deadline: the interrupt comes at the deadline, not before. */
	apic_write(REG_LVT_TIMER, VEC_DEADLINE | TIMER_DEADLINE);
	uint64_t deadline = rdtsc() + ticks;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	wait_irq();
	check_eq("deadline vector", (uint64_t)trap_last_irq, VEC_DEADLINE);
	check_true("deadline not early", rdtsc() >= deadline, rdtsc(), deadline);
	check_eq("deadline disarmed", rdmsr(MSR_TSC_DEADLINE), 0);
	apic_write(REG_EOI, 0);
	apic_write(REG_LVT_TIMER, LVT_MASKED);
}

static void check_tpr_and_self_ipi(void)
{
	unsigned before = trap_irq_count;
	apic_write(REG_TPR, 0x40); /* class 4 masks vector 0x34 (class 3) */
	apic_write(REG_ICR_LO, VEC_SELF | ICR_SELF);
	window();
	check_eq("self ipi held by tpr", trap_irq_count - before, 0);
	uint64_t cr8;
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	check_eq("cr8 follows tpr", cr8, 4);
	asm volatile("mov %0, %%cr8" : : "r"(0ul) : "memory");
	check_eq("tpr follows cr8", apic_read(REG_TPR), 0);
	window();
	check_eq("self ipi after tpr lowered", trap_irq_count - before, 1);
	check_eq("self ipi vector", (uint64_t)trap_last_irq, VEC_SELF);
	apic_write(REG_EOI, 0);
}

static uint8_t ap_stack[4096] __attribute__((aligned(16)));
static volatile int ap_ready;
static volatile unsigned ap_irqs;

static void ap_main(void)
{
	apic_write(REG_SVR, SVR_ENABLED); /* a fresh APIC is software-disabled */
	ap_ready = 1;
	for (;;) {
		unsigned before = trap_irq_count;
		asm volatile("sti; hlt; cli" ::: "memory");
		if (trap_irq_count != before) {
			ap_irqs++;
			apic_write(REG_EOI, 0);
		}
	}
}

static void check_ipi_to_vcpu1(void)
{
	long r =
	    hypercall(HC_VCPU_START, 1, (long)ap_main, (long)(ap_stack + sizeof(ap_stack) - 8));
	check_eq("vcpu 1 started", (uint64_t)r, 0);
	for (unsigned long i = 0; !ap_ready && i < SPIN_LIMIT; i++)
		asm volatile("pause");
	check_eq("vcpu 1 ready", ap_ready, 1);
	apic_write(REG_ICR_HI, 1u << 24); /* physical destination: APIC ID 1 */
	apic_write(REG_ICR_LO, VEC_IPI);
	for (unsigned long i = 0; !ap_irqs && i < SPIN_LIMIT; i++)
		asm volatile("pause");
	check_eq("ipi reached vcpu 1", ap_irqs, 1);
	check_eq("ipi vector", (uint64_t)trap_last_irq, VEC_IPI);
	check_eq("icr delivery status idle", apic_read(REG_ICR_LO) & (1u << 12), 0);
}

static void check_ioapic_com1(void)
{
	check_eq("ioapic version", ioapic_read(1), 0x170020);
	check_eq("ioapic pin 4 masked at reset", ioapic_read(0x18) & LVT_MASKED, LVT_MASKED);
	ioapic_write(0x19, 0);	      /* destination APIC ID 0 */
	ioapic_write(0x18, VEC_COM1); /* fixed, physical, edge, active high, unmasked */
	unsigned before = trap_irq_count;
	outb(COM1 + 4, 0x08); /* MCR OUT2: the UART's line reaches the interrupt controller */
	outb(COM1 + 1, 0x02); /* IER: THR empty interrupt, raised at once */
	wait_irq();
	check_eq("com1 through the ioapic", trap_irq_count - before, 1);
	check_eq("com1 vector", (uint64_t)trap_last_irq, VEC_COM1);
	check_eq("iir says thr empty", inb(COM1 + 2) & 0x0f, 0x02);
	outb(COM1 + 1, 0);
	outb(COM1 + 4, 0);
	apic_write(REG_EOI, 0);
	ioapic_write(0x18, LVT_MASKED);
}

static void check_x2apic(void)
{
	wrmsr(MSR_APIC_BASE, LAPIC | APIC_BASE_EN | APIC_BASE_EXTD);
	check_eq("x2apic id msr", rdmsr(MSR_X2APIC_ID), 0);
	check_eq("x2apic version msr", rdmsr(MSR_X2APIC_VER) & 0xff00ff, 0x50014);
	check_eq("xapic page gone in x2apic mode", apic_read(REG_VERSION), 0xffffffff);
	unsigned before = trap_irq_count;
	wrmsr(MSR_X2APIC_SELF, VEC_X2SELF);
	window();
	check_eq("x2apic self ipi", trap_irq_count - before, 1);
	check_eq("x2apic self ipi vector", (uint64_t)trap_last_irq, VEC_X2SELF);
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("wrmsr") : : "c"(MSR_X2APIC_EOI), "a"(1), "d"(0) : "memory");
	check_eq("x2apic eoi with a value #GP", (uint64_t)trap_end(), TRAP_GP);
	wrmsr(MSR_X2APIC_EOI, 0);
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("wrmsr")
		     :
		     : "c"(MSR_APIC_BASE), "a"((uint32_t)(LAPIC | APIC_BASE_EN)), "d"(0)
		     : "memory");
	check_eq("x2apic to xapic directly #GP", (uint64_t)trap_end(), TRAP_GP);
}

int main(void)
{
	trap_init("apic");
	check_begin("apic");
	uint64_t tsc_khz = cpuid(SHOJI_CPUID_TIMING, 0).eax;
	check_true("timing leaf tsc khz", tsc_khz >= 1000, tsc_khz, 1000);
	check_firmware_state();
	check_timer(tsc_khz);
	check_tpr_and_self_ipi();
	check_ipi_to_vcpu1();
	check_ioapic_com1();
	check_x2apic();
	return check_verdict();
}
