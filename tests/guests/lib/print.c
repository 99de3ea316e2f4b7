/* Test guests: gprintf, formatting straight to the serial console. */
#include "tests/guests/lib/print.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "tests/guests/lib/serial.h"

static void print_number(uint64_t v, unsigned base, bool negative, unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		buf[n++] = '-';
	while (width > n) {
		serial_putc(pad);
		width--;
	}
	while (n)
		serial_putc(buf[--n]);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		unsigned width = 0, longs = 0;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}

		uint64_t u;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t s = longs ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			print_number(u, 10, s < 0, width, pad);
			break;
		}
		case 'u':
		case 'x':
			u = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			print_number(u, *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		case 'p':
			serial_puts("0x");
			print_number((uintptr_t)va_arg(ap, void *), 16, false, width, pad);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			serial_puts(s ? s : "(null)");
			break;
		}
		case 'c':
			serial_putc((char)va_arg(ap, int));
			break;
		case '%':
			serial_putc('%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the terminator */
			break;
		default:
			serial_putc('%');
			serial_putc(*fmt);
			break;
		}
	}
	va_end(ap);
}
