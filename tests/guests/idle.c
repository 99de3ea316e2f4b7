/*
 * idle: halts with interrupts enabled and nothing armed to wake it. The
 * hypervisor blocks its vCPU in HLT: an idle guest must cost (almost) no
 * CPU time.
 */
#include "tests/guests/lib/print.h"

int main(void)
{
	gprintf("idle: halting\n");
	for (;;)
		asm volatile("sti; hlt; cli" : : : "memory");
}
