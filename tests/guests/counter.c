/*
 * counter: a deterministic guest for the redundancy tests. Iteration n = 1, 2, ...
 * folds n into a running checksum, checks the data page it filled DATA_PAGES
 * iterations ago, fills that page again for n, prints "seq <n> sum <16 hex digits>"
 * and sends a heartbeat. Every line follows from n alone, so the log shows any
 * output lost or repeated across a failover (tests/system/counter_check.py
 * recomputes it), and the page check shows guest memory that does not match
 * the registers and state it was resumed with.
 *
 * All of its state is in guest memory and registers (no clock, no device
 * state beyond the UART's): a checkpoint taken at any instruction resumes
 * into the same stream. With a local APIC (devices = pc) its lines are
 * paced by the APIC timer instead, halting between ticks, so that a
 * checkpoint must carry the virtual PC's state too (the timer armed, a tick
 * in service): one lost, and the resumed replica halts for good. It never
 * exits on its own unless a check fails: ELF guests get no command line, so
 * a test ends it from the console.
 *
 * Exit codes: 3 a data page did not hold what was written to it, 4 the
 * heartbeat hypercall did not answer 0.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/guest/hypercall_abi.h"
#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/trap.h"
#include "tests/guests/lib/x86.h"

#define DATA_PAGES	64
#define QWORDS_PER_PAGE 512
/* 2^64 / golden ratio: neighbouring qwords of a page differ in many bits. */
#define FILL_STRIDE	   0x9e3779b97f4a7c15ull
#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ull
#define FNV64_PRIME	   0x100000001b3ull

/*
 * PAUSEs after each line keep the log readable. With 20000, measured: a line
 * every ~5.5 ms under QEMU TCG, every ~1.8 ms of Bochs' emulated time.
 */
#ifndef COUNTER_DELAY_PAUSES
#define COUNTER_DELAY_PAUSES 20000ul
#endif

/* The local APIC timer's pace: a line per tick. */
#define LAPIC_BASE	 0xfee00000ul
#define LAPIC_EOI	 0xb0
#define LAPIC_SVR	 0xf0
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV	 0x3e0
#define SVR_ENABLED	 0x1ff
#define DIVIDE_BY_1	 0xb
#define TIMER_PERIODIC	 (1u << 17)
#define TIMER_VECTOR	 0x30
#define TICK_US		 2000
#define CPUID_1_EDX_APIC (1u << 9)

#define EXIT_MEMORY_CHECK 3
#define EXIT_HEARTBEAT	  4

/*
 * Volatile: every iteration reads them from memory and writes them back, so
 * a checkpoint that loses this page shows as a repeated or skipped line.
 */
static volatile struct {
	uint64_t seq; /* the last iteration completed */
	uint64_t sum; /* FNV-1a 64 over the little-endian bytes of 1, 2, ..., seq */
} state = {.seq = 0, .sum = FNV64_OFFSET_BASIS};

static uint64_t data[DATA_PAGES][QWORDS_PER_PAGE] __attribute__((aligned(4096)));

static uint64_t fnv1a_mix(uint64_t hash, uint64_t n)
{
	for (unsigned i = 0; i < 8; i++) {
		hash ^= (n >> (8 * i)) & 0xff;
		hash *= FNV64_PRIME;
	}
	return hash;
}

/* What qword i of a page holds after iteration n filled it (0: never filled, .bss). */
static uint64_t fill_value(uint64_t n, unsigned i)
{
	return n ? n ^ (i * FILL_STRIDE) : 0;
}

static void check_page(uint64_t n)
{
	uint64_t filled_by = n > DATA_PAGES ? n - DATA_PAGES : 0;
	const uint64_t *page = data[n % DATA_PAGES];

	for (unsigned i = 0; i < QWORDS_PER_PAGE; i++) {
		uint64_t want = fill_value(filled_by, i);
		if (page[i] == want)
			continue;
		gprintf("counter: memory check FAILED at seq %lu\n", n);
		gprintf("counter: page %lu qword %u holds %016lx, expected %016lx\n",
			n % DATA_PAGES, i, page[i], want);
		debug_exit(EXIT_MEMORY_CHECK);
	}
}

static void fill_page(uint64_t n)
{
	uint64_t *page = data[n % DATA_PAGES];

	for (unsigned i = 0; i < QWORDS_PER_PAGE; i++)
		page[i] = fill_value(n, i);
}

static void lapic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = value;
}

/* A periodic local APIC timer, if there is an APIC and its timer's frequency is given. */
static bool apic_timer_start(void)
{
	if (!(cpuid(1, 0).edx & CPUID_1_EDX_APIC))
		return false;
	uint64_t timer_khz = cpuid(SHOJI_CPUID_TIMING, 0).ebx;
	if (!timer_khz)
		return false;
	trap_init("counter");
	lapic_write(LAPIC_SVR, SVR_ENABLED);
	lapic_write(LAPIC_TIMER_DIV, DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, TIMER_PERIODIC | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)(timer_khz * TICK_US / 1000));
	return true;
}

static void wait_tick(void)
{
	unsigned seen = trap_irq_count;
	while (trap_irq_count == seen)
		asm volatile("sti; hlt; cli" : : : "memory");
	lapic_write(LAPIC_EOI, 0);
}

int main(void)
{
	bool ticks = apic_timer_start();
	if (ticks)
		gprintf("counter: %u data pages, a line per local APIC timer tick (%u us)\n",
			DATA_PAGES, TICK_US);
	else
		gprintf("counter: %u data pages, %lu pauses between lines\n", DATA_PAGES,
			COUNTER_DELAY_PAUSES);
	for (;;) {
		uint64_t n = state.seq + 1;
		uint64_t sum = fnv1a_mix(state.sum, n);

		check_page(n);
		fill_page(n);
		state.sum = sum;
		state.seq = n;
		gprintf("seq %lu sum %016lx\n", n, sum);
		long beat = hypercall(HC_HEARTBEAT, 0, 0, 0);
		if (beat) {
			gprintf("counter: heartbeat FAILED at seq %lu: answered %ld\n", n, beat);
			debug_exit(EXIT_HEARTBEAT);
		}
		if (ticks)
			wait_tick();
		for (unsigned long i = 0; !ticks && i < COUNTER_DELAY_PAUSES; i++)
			asm volatile("pause" : : : "memory");
	}
}
