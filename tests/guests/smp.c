/*
 * smp: a guest with two vCPUs. vCPU 0 starts vCPU 1 through HC_VCPU_START
 * (in vCPU 0's mode, at ap_main on its own stack); vCPU 1 proves it runs by
 * bumping a counter vCPU 0 waits for. Only vCPU 0 prints, so the lines of
 * the shared UART never interleave.
 */
#include <stdint.h>

#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"

#define AP_STACK_SIZE 4096
#define WAIT_SPINS    100000000ul

static uint8_t ap_stack[AP_STACK_SIZE] __attribute__((aligned(16)));
static volatile uint64_t ap_counter;
static volatile uint32_t ap_apic_id;

static void ap_main(void)
{
	uint32_t ebx;
	asm volatile("cpuid" : "=b"(ebx) : "a"(1), "c"(0) : "edx");
	ap_apic_id = ebx >> 24; /* initial APIC ID = vCPU id */
	for (;;)
		__atomic_fetch_add(&ap_counter, 1, __ATOMIC_RELAXED);
}

int main(void)
{
	gprintf("smp: starting vCPU 1\n");
	/* The stack top minus 8: as if ap_main had been called. */
	long r = hypercall(HC_VCPU_START, 1, (long)ap_main, (long)(ap_stack + AP_STACK_SIZE - 8));
	if (r) {
		gprintf("smp: FAIL vcpu start returned %ld\n", r);
		return 1;
	}
	if (hypercall(HC_VCPU_START, 1, (long)ap_main, 0) != HC_EINVAL) {
		gprintf("smp: FAIL second start of vCPU 1 accepted\n");
		return 1;
	}
	for (uint64_t i = 0; i < WAIT_SPINS && ap_counter < 1000; i++)
		hypercall(HC_YIELD, 0, 0, 0);
	if (ap_counter < 1000) {
		gprintf("smp: FAIL vCPU 1 did not run\n");
		return 1;
	}
	gprintf("smp: vCPU 1 runs (apic id %u)\n", ap_apic_id);
	gprintf("smp: PASS\n");
	return 0;
}
