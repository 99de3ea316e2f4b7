/*
 * Numbers as users write them in the config and at the console: decimal, or
 * hexadecimal after 0x/0X. One reader for both, so they accept the same text.
 */
#ifndef SHOJI_KERNEL_CORE_PARSE_NUM_H
#define SHOJI_KERNEL_CORE_PARSE_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Read the number at the start of s[0, len): returns how many characters it
 * took (0: no digit, "0x" alone included) and its value in *value. Digits
 * past 64 bits are still taken, *overflow set and *value saturated, so that
 * a caller can tell "too big" from "not a number".
 */
size_t parse_u64(const char *s, size_t len, uint64_t *value, bool *overflow);

#endif
