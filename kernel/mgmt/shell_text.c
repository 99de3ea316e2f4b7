/* The console's words: blanks, quoting user text in messages, numbers (see shell_text.h). */
#include "kernel/mgmt/shell_text.h"

#include <string.h>

#include "kernel/core/parse_num.h"
#include "kernel/core/types.h"

bool shell_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool shell_is_printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* @n bytes of @s, printable, into @buf (@max + 4 bytes), cut to @max with "...". */
const char *shell_mask(const char *s, size_t n, size_t max, char *buf)
{
	size_t k = MIN(n, max);

	for (size_t i = 0; i < k; i++)
		buf[i] = shell_is_printable((unsigned char)s[i]) ? s[i] : '?';
	if (n > k) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

const char *shell_quote(const char *word, char buf[SHELL_QUOTE_MAX + 4])
{
	return shell_mask(word, strlen(word), SHELL_QUOTE_MAX, buf);
}

/* Next blank-separated word of *@p, NUL terminated in place; NULL if none is left. */
char *shell_next_word(char **p)
{
	char *s = *p, *word;

	while (*s && shell_is_blank(*s))
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	word = s;
	while (*s && !shell_is_blank(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return word;
}

/* Decimal or 0x-hex, the whole of [s, s + n), at most @max; as the config reads numbers. */
bool shell_parse_num(const char *s, size_t n, uint64_t max, uint64_t *out, bool *big)
{
	uint64_t v;
	bool overflow;
	if (!n || parse_u64(s, n, &v, &overflow) != n)
		return false;
	*big = overflow || v > max;
	*out = *big ? max + 1 : v;
	return true;
}
