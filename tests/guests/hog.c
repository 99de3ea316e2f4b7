/*
 * hog: spins forever with interrupts disabled, never exiting to the
 * hypervisor on its own. Only the hypervisor's guest timer can take the CPU
 * back: guests sharing the CPU must keep running.
 */
#include "tests/guests/lib/print.h"

int main(void)
{
	gprintf("hog: spinning with interrupts off\n");
	asm volatile("cli");
	for (;;)
		asm volatile("" : : : "memory");
}
