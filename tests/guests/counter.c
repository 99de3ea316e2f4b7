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
 * into the same stream. It never exits on its own unless a check fails:
 * ELF guests get no command line, so a test ends it from the console.
 *
 * Exit codes: 3 a data page did not hold what was written to it, 4 the
 * heartbeat hypercall did not answer 0.
 */
#include <stdint.h>

#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"

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

int main(void)
{
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
		for (unsigned long i = 0; i < COUNTER_DELAY_PAUSES; i++)
			asm volatile("pause" : : : "memory");
	}
}
