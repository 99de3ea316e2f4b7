/*
 * The console's words, shared by the command parser (shell.c) and set's
 * settings (shell_settings.c): what a blank is, the next word of a line,
 * user text made safe to print (control and non-ASCII bytes as '?', long
 * words cut with "..."), numbers as the config reads them.
 */
#ifndef SHOJI_KERNEL_MGMT_SHELL_TEXT_H
#define SHOJI_KERNEL_MGMT_SHELL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest user word quoted in a message; longer ones end in "...". */
#define SHELL_QUOTE_MAX 32

bool shell_is_blank(char c);

/* @n bytes of @s, printable, into @buf (@max + 4 bytes), cut to @max with "...". */
const char *shell_mask(const char *s, size_t n, size_t max, char *buf);

/* A NUL-terminated word, masked and cut to SHELL_QUOTE_MAX. */
const char *shell_quote(const char *word, char buf[SHELL_QUOTE_MAX + 4]);

/* Next blank-separated word of *@p, NUL terminated in place; NULL if none is left. */
char *shell_next_word(char **p);

/*
 * Decimal or 0x-hex, the whole of [s, s + n): false if it is not a number;
 * else *big says whether it is above @max (*out then @max + 1).
 */
bool shell_parse_num(const char *s, size_t n, uint64_t max, uint64_t *out, bool *big);

#endif
