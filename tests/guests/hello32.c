/* hello32: the smallest ELF32 guest. Shoji starts it in flat protected mode (VCPU_START_PROT32). */
#include "tests/guests/lib/serial.h"

int main(void)
{
	serial_puts("hello32: hello from 32-bit protected mode\n");
	serial_puts("hello32: PASS\n");
	return GUEST_EXIT_PASS;
}
