/*
 * Loader console: printf-style ASCII lines on the firmware's ConOut (which
 * OVMF mirrors to the serial port). Usable only before ExitBootServices.
 */
#ifndef SHOJI_BOOT_EFI_CONSOLE_H
#define SHOJI_BOOT_EFI_CONSOLE_H

#include <efi.h>

/* Formats: %s %c %d %u %x with l/ll/z and a zero-padded width; '\n' -> CRLF. */
void efi_console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "shoji.efi: error: WHAT: REASON" on one line. */
void efi_console_error(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A short reason for a firmware status: "file not found", "out of memory", ... */
const char *efi_console_status(EFI_STATUS status);

#endif
