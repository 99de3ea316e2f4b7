/*
 * reset: asks the machine to reset, the PC's two ways: through the reset
 * control register (0xcf9, RST_CPU) or, every other start, the i8042's
 * reset pulse (0xfe to port 0x64). Under Shoji (devices = pc) that restarts
 * the guest from its image, so it prints "reset: run" again and again, until
 * the console stops it. Which way it takes comes from the TSC's low bit,
 * since a restart leaves it no memory of the last run.
 */
#include <stdint.h>

#include "tests/guests/lib/print.h"
#include "tests/guests/lib/x86.h"

#define RESET_CONTROL	  0xcf9
#define RESET_CPU	  0x06 /* SYS_RST | RST_CPU */
#define I8042_COMMAND	  0x64
#define I8042_PULSE_RESET 0xfe

int main(void)
{
	if (rdtsc() & 1) {
		gprintf("reset: run, resetting through port 0xcf9\n");
		outb(RESET_CONTROL, RESET_CPU);
	} else {
		gprintf("reset: run, resetting through the i8042\n");
		outb(I8042_COMMAND, I8042_PULSE_RESET);
	}
	for (;;)
		asm volatile("pause");
}
