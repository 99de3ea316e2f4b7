/*
 * The C string functions the pure modules (config_scan, elf_load, ...) call,
 * for the firmware build: gnu-efi's libefi brings only memcpy and memset.
 * The host unit tests use the C library's instead (this file is not linked
 * there). An unresolved call would link silently (-shared) and jump to 0.
 */
#include <stddef.h>
#include <string.h>

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
