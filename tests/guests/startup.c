/*
 * startup: the start-up meter's guest. Prints the TSC its first instruction
 * read (lib/start64.S); under Bochs with clock sync=none that is an exact
 * instruction count since reset, comparable with Shoji's own entry TSC.
 */
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"

extern unsigned long long guest_entry_tsc; /* lib/start64.S */

int main(void)
{
	gprintf("startup: guest-entry-tsc=%llu\n", guest_entry_tsc);
	return GUEST_EXIT_PASS;
}
