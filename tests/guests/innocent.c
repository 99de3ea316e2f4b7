/*
 * innocent: the guest beside a hostile one. It fills 4 MiB of its memory
 * with a pattern that depends on the address and the round, checks every
 * word of the previous round while writing the next, and prints
 * "innocent: round <n> intact" after each. Anything another guest (or the
 * hypervisor on its behalf) changes in its memory, it reports and stops:
 * "innocent: FAIL round <n> word <i>".
 */
#include <stdint.h>

#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"

#define WORDS (4u << 20) / sizeof(uint64_t)

static uint64_t area[WORDS];

static uint64_t pattern(uint64_t i, uint64_t round)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ round * 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 31);
}

int main(void)
{
	gprintf("innocent: checking 4 MiB of its memory, round after round\n");
	for (uint64_t i = 0; i < WORDS; i++)
		area[i] = pattern(i, 0);
	for (uint64_t round = 1;; round++) {
		for (uint64_t i = 0; i < WORDS; i++) {
			if (area[i] != pattern(i, round - 1)) {
				gprintf("innocent: FAIL round %lu word %lu\n", round, i);
				return GUEST_EXIT_FAIL;
			}
			area[i] = pattern(i, round);
		}
		gprintf("innocent: round %lu intact\n", round);
	}
}
