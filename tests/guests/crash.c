/*
 * crash: triple-faults on purpose. With an empty IDT, UD2's #UD cannot be
 * delivered (#GP), nor can that (#DF), which is a triple fault: Shoji must
 * report it and stop this guest alone.
 */
#include <stdint.h>

#include "tests/guests/lib/serial.h"

int main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = {0, 0};

	serial_puts("crash: about to triple fault\n");
	asm volatile("lidt %0\n\tud2" : : "m"(empty_idt) : "memory");
	serial_puts("crash: FAIL still running after the triple fault\n");
	return GUEST_EXIT_FAIL;
}
