/*
 * service: one instance of a scaled-out service under a load step, for the
 * autoscaler (kernel/mgmt/autoscale.h). The demand on the whole service, in
 * percent of what one instance can serve, follows a fixed profile of the
 * hypervisor's clock (HC_TIME_NS): DEMAND_LOW, then DEMAND_HIGH from
 * STEP_UP_MS to STEP_DOWN_MS, then DEMAND_LOW again. As behind a load
 * balancer, each running instance (HC_INSTANCES) takes an equal share and
 * reports it (HC_LOAD, at most 100: a saturated instance is just busy)
 * every REPORT_MS, sleeping in between. It prints a line when its share
 * changes, and runs until it is stopped (scaled in).
 */
#include <stdint.h>

#include "kernel/guest/hypercall_abi.h"
#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/trap.h"
#include "tests/guests/lib/x86.h"

#define DEMAND_LOW   40	 /* percent of one instance */
#define DEMAND_HIGH  450 /* 7 instances at 64%, 5 would be at 90%: above the band */
#define STEP_UP_MS   1500
#define STEP_DOWN_MS 4000
#define REPORT_MS    20
#define TIMER_VECTOR 0x30

static uint64_t now_ms(void)
{
	return (uint64_t)hypercall(HC_TIME_NS, 0, 0, 0) / 1000000;
}

static void sleep_ms(uint64_t ms)
{
	hypercall(HC_SET_TIMER, (long)(ms * 1000000), TIMER_VECTOR, 0);
	/* STI's shadow covers the HLT: the interrupt cannot come in between. */
	asm volatile("sti; hlt; cli" ::: "memory");
}

int main(void)
{
	trap_init("service");
	uint32_t number = cpuid(SHOJI_CPUID_INSTANCE, 0).eax;
	unsigned last_load = ~0u, last_count = 0;
	for (;;) {
		uint64_t t = now_ms();
		unsigned demand = t >= STEP_UP_MS && t < STEP_DOWN_MS ? DEMAND_HIGH : DEMAND_LOW;
		long count = hypercall(HC_INSTANCES, 0, 0, 0);
		unsigned n = count > 0 ? (unsigned)count : 1;
		unsigned load = (demand + n - 1) / n;
		load = load > 100 ? 100 : load;
		if (hypercall(HC_LOAD, load, 0, 0)) {
			gprintf("service %u: FAIL: HC_LOAD %u refused\n", number, load);
			return GUEST_EXIT_FAIL;
		}
		if (load != last_load || n != last_count)
			gprintf("service %u: t=%lums demand %u%% over %u instances: load %u%%\n",
				number, t, demand, n, load);
		last_load = load;
		last_count = n;
		sleep_ms(REPORT_MS);
	}
}
