/*
 * Kernel command line: space-separated words, each a flag ("test-exit") or
 * key=value ("loglevel=debug"). Read-only helpers over the string.
 */
#ifndef SHOJI_KERNEL_CMDLINE_H
#define SHOJI_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* True if the word `flag` appears on its own. */
bool cmdline_has_flag(const char *cmdline, const char *flag);
/* Copies the value of key=... into buf (NUL-terminated, truncated to len); false if absent. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t len);

#endif
