/*
 * ticker: sleeps in HLT on the one-shot timer hypercall, over and over, with
 * random timeouts from 1 us (often over before the HLT is reached) to 2 ms,
 * and sometimes re-arms or cancels a far-off timer first. Every sleep must end by
 * exactly one timer interrupt, never before the timeout. A wake-up the
 * hypervisor loses leaves the guest halted for good: the scenario that runs
 * several tickers beside cross-CPU requests sees it as a guest that never
 * prints its verdict.
 */
#include <stdint.h>

#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/trap.h"

#define TIMER_VECTOR 0x30
#define SLEEPS	     2000
#define REPORT_EVERY 250
#define MAX_SLEEP_NS 2000000

static uint64_t rng_state;

static uint64_t random_u64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* 1 us .. MAX_SLEEP_NS, short ones as often as long ones. */
static uint64_t random_timeout_ns(void)
{
	uint64_t r = random_u64();
	return (r & 1) ? 1000 + r % 20000 : 1000 + r % MAX_SLEEP_NS;
}

static int fail(unsigned i, const char *what, uint64_t got, uint64_t want)
{
	gprintf("ticker: FAIL sleep %u: %s (got %lu, expected %lu)\n", i, what, got, want);
	return GUEST_EXIT_FAIL;
}

int main(void)
{
	trap_init("ticker");
	rng_state = (uint64_t)hypercall(HC_TIME_NS, 0, 0, 0) | 1;
	gprintf("ticker: %u sleeps\n", SLEEPS);
	uint64_t late_max = 0;
	for (unsigned i = 1; i <= SLEEPS; i++) {
		uint64_t ns = random_timeout_ns();
		unsigned before = trap_irq_count;
		uint64_t t0 = (uint64_t)hypercall(HC_TIME_NS, 0, 0, 0);
		switch (random_u64() % 4) {
		case 0: /* armed long, then re-armed: only the second deadline counts */
			hypercall(HC_SET_TIMER, 1000000000, TIMER_VECTOR, 0);
			break;
		case 1: /* armed, cancelled, armed again */
			hypercall(HC_SET_TIMER, 1000000000, TIMER_VECTOR, 0);
			hypercall(HC_SET_TIMER, 0, 0, 0);
			break;
		}
		if (hypercall(HC_SET_TIMER, ns, TIMER_VECTOR, 0))
			return fail(i, "set_timer", 1, 0);
		/* STI's shadow covers the HLT: the interrupt cannot come in between. */
		asm volatile("sti; hlt; cli" ::: "memory");
		uint64_t took = (uint64_t)hypercall(HC_TIME_NS, 0, 0, 0) - t0;
		if (trap_irq_count - before != 1)
			return fail(i, "timer interrupts during the sleep", trap_irq_count - before, 1);
		if (trap_last_irq != TIMER_VECTOR)
			return fail(i, "vector", (uint64_t)trap_last_irq, TIMER_VECTOR);
		if (took + 1 < ns) /* +1: both clock readings round down */
			return fail(i, "woken early, ns", took, ns);
		if (took - ns > late_max)
			late_max = took - ns;
		if (i % REPORT_EVERY == 0)
			gprintf("ticker: %u sleeps\n", i);
	}
	gprintf("ticker: latest wake-up %lu us after its deadline\n", late_max / 1000);
	gprintf("ticker: PASS\n");
	return GUEST_EXIT_PASS;
}
