/*
 * hog: spins forever with interrupts disabled, never exiting to the
 * hypervisor on its own. Only the hypervisor's guest timer (or a host
 * interrupt) can take the CPU back: guests sharing the CPU must keep running.
 *
 * The loop re-executes CLI rather than being an empty `jmp .`: Bochs 2.7
 * re-evaluates whether host interrupts are masked only when the guest
 * changes IF, so after one VM re-entry an empty loop with IF=0 would never
 * see an external-interrupt exit again (real CPUs exit regardless of IF).
 */
#include "tests/guests/lib/print.h"

int main(void)
{
	gprintf("hog: spinning with interrupts off\n");
	asm volatile("cli");
	for (;;)
		asm volatile("cli" : : : "memory");
}
