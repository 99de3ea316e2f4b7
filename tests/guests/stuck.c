/*
 * stuck: the tightest loop there is, interrupts off and no instruction that
 * could exit: only the hypervisor's own means (the preemption timer, an NMI)
 * take the CPU back. Under Bochs 2.7 an external interrupt does not make
 * such a guest exit at all (HARNESS.md), unlike hog, which re-executes CLI.
 */
#include "tests/guests/lib/print.h"

int main(void)
{
	gprintf("stuck: looping with interrupts off\n");
	asm volatile("cli\n1:\tjmp 1b" ::: "memory");
	return 0;
}
