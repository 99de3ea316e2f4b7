/* Test guests: a small printf to the serial console (64-bit guests). */
#ifndef SHOJI_TESTS_GUESTS_LIB_PRINT_H
#define SHOJI_TESTS_GUESTS_LIB_PRINT_H

/*
 * Conversions: %s %c %d %i %u %x %p %%, length modifiers l, ll, z; a field
 * width with optional '0' flag. No floating point, no precision.
 */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
