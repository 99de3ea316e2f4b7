/* hello64: the smallest ELF64 guest. Shoji starts it in long mode (VCPU_START_LONG64). */
#include "tests/guests/lib/serial.h"

int main(void)
{
	serial_puts("hello64: hello from 64-bit long mode\n");
	serial_puts("hello64: PASS\n");
	return GUEST_EXIT_PASS;
}
