/*
 * spin: never exits on its own; prints "spin: <n>" after every 2^24 loop
 * iterations (n counts those blocks). For scheduler tests: it burns its time
 * slice and shows progress.
 */
#include <stdint.h>

#include "tests/guests/lib/print.h"

#define SPIN_BLOCK (1ul << 24)

int main(void)
{
	gprintf("spin: spinning\n");
	for (uint64_t n = 1;; n++) {
		for (uint64_t i = 0; i < SPIN_BLOCK; i++)
			asm volatile("" : : : "memory"); /* keep the loop */
		gprintf("spin: %lu\n", n);
	}
}
