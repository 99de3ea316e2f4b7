/*
 * Runs in a bitmap of 64-bit words (bit i of word i / 64 is item i): the
 * loops over pages that zero, map or free one run at a time.
 */
#ifndef SHOJI_KERNEL_BITMAP_RUN_H
#define SHOJI_KERNEL_BITMAP_RUN_H

#include <stdbool.h>
#include <stdint.h>

static inline bool bitmap_test(const uint64_t *bits, uint64_t i)
{
	return bits && (bits[i / 64] >> (i % 64)) & 1;
}

/* The first item in [from, end) whose bit is not `value`, or end. NULL bits: all clear. */
static inline uint64_t bitmap_run_end(const uint64_t *bits, uint64_t from, uint64_t end,
				      bool value)
{
	while (from < end && bitmap_test(bits, from) == value)
		from++;
	return from;
}

#endif
