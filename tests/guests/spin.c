/*
 * spin: never exits on its own; counts its work in blocks of 2^20 loop
 * iterations and prints "spin: work <n>" after each. For scheduler tests: it
 * uses all the CPU time it gets, and its count measures how much that was.
 */
#include <stdint.h>

#include "tests/guests/lib/print.h"

#define SPIN_BLOCK (1ul << 20)

int main(void)
{
	gprintf("spin: spinning\n");
	for (uint64_t n = 1;; n++) {
		for (uint64_t i = 0; i < SPIN_BLOCK; i++)
			asm volatile("" : : : "memory"); /* keep the loop */
		gprintf("spin: work %lu\n", n);
	}
}
