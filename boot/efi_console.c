/*
 * Loader console (see efi_console.h). Owns the ASCII -> UCS-2 conversion
 * and a small printf; it keeps no state beyond gnu-efi's ST.
 */
#include <efi.h>
#include <efilib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot/efi_console.h"

#define EFI_CONSOLE_LINE_MAX 256

struct efi_console_buf {
	CHAR16 text[EFI_CONSOLE_LINE_MAX + 1];
	unsigned len;
};

static void efi_console_flush(struct efi_console_buf *b)
{
	b->text[b->len] = 0;
	if (b->len)
		uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, b->text);
	b->len = 0;
}

static void efi_console_putc(struct efi_console_buf *b, char c)
{
	/* Room for a CR before LF: the console wants CRLF line ends. */
	if (b->len + 2 > EFI_CONSOLE_LINE_MAX)
		efi_console_flush(b);
	if (c == '\n')
		b->text[b->len++] = '\r';
	b->text[b->len++] = (CHAR16)(unsigned char)c;
}

static void efi_console_number(struct efi_console_buf *b, uint64_t v, unsigned base, bool neg,
			       unsigned width, bool zero)
{
	char digits[24];
	unsigned n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		digits[n++] = '-';
	for (unsigned i = n; i < width; i++)
		efi_console_putc(b, zero ? '0' : ' ');
	while (n)
		efi_console_putc(b, digits[--n]);
}

static void efi_console_vformat(struct efi_console_buf *b, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		unsigned width = 0, longs = 0;
		bool zero = false;

		if (*fmt != '%') {
			efi_console_putc(b, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			zero = true;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			while (*s)
				efi_console_putc(b, *s++);
			break;
		}
		case 'c':
			efi_console_putc(b, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
			efi_console_number(b, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width,
					   zero);
			break;
		}
		case 'u':
		case 'x': {
			/* long, long long and size_t are all 64-bit on x86-64. */
			uint64_t v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			efi_console_number(b, v, *fmt == 'x' ? 16 : 10, false, width, zero);
			break;
		}
		case '%':
			efi_console_putc(b, '%');
			break;
		default:
			return; /* unknown conversion or stray '%' at the end */
		}
	}
}

void efi_console_printf(const char *fmt, ...)
{
	struct efi_console_buf b = {.len = 0};
	va_list ap;

	va_start(ap, fmt);
	efi_console_vformat(&b, fmt, ap);
	va_end(ap);
	efi_console_flush(&b);
}

void efi_console_error(const char *what, const char *fmt, ...)
{
	struct efi_console_buf b = {.len = 0};
	va_list ap;

	efi_console_printf("shoji.efi: error: %s: ", what);
	va_start(ap, fmt);
	efi_console_vformat(&b, fmt, ap);
	va_end(ap);
	efi_console_putc(&b, '\n');
	efi_console_flush(&b);
}

const char *efi_console_status(EFI_STATUS status)
{
	switch (status) {
	case EFI_NOT_FOUND:
		return "file not found";
	case EFI_OUT_OF_RESOURCES:
		return "out of memory";
	case EFI_DEVICE_ERROR:
		return "device error";
	case EFI_VOLUME_CORRUPTED:
		return "file system corrupted";
	case EFI_ACCESS_DENIED:
		return "access denied";
	case EFI_UNSUPPORTED:
		return "unsupported by the firmware";
	case EFI_LOAD_ERROR:
		return "load error";
	default:
		break;
	}

	/* Loader is single-threaded: one static buffer for the rare unknown status. */
	static char text[] = "EFI status 0x0000000000000000";
	char *digit = text + sizeof(text) - 2;
	for (int i = 0; i < 16; i++, status >>= 4)
		*digit-- = "0123456789abcdef"[status & 0xf];
	return text;
}
