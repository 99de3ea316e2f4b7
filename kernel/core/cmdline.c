/* Command-line word lookup. */
#include "kernel/core/cmdline.h"

#include <string.h>

/* Finds the word `key` (a flag) or `key=value`; returns where its value starts. */
static bool cmdline_find(const char *s, const char *key, bool want_value, const char **value,
			 size_t *value_len)
{
	size_t klen = strlen(key);
	while (s && *s) {
		while (*s == ' ' || *s == '\t')
			s++;
		const char *word = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		size_t wlen = s - word;
		if (wlen >= klen && !strncmp(word, key, klen)) {
			if (!want_value && wlen == klen)
				return true;
			if (want_value && wlen > klen && word[klen] == '=') {
				*value = word + klen + 1;
				*value_len = wlen - klen - 1;
				return true;
			}
		}
	}
	return false;
}

bool cmdline_has_flag(const char *cmdline, const char *flag)
{
	return cmdline_find(cmdline, flag, false, NULL, NULL);
}

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t len)
{
	const char *value;
	size_t vlen;
	if (!len || !cmdline_find(cmdline, key, true, &value, &vlen))
		return false;
	if (vlen >= len)
		vlen = len - 1;
	memcpy(buf, value, vlen);
	buf[vlen] = '\0';
	return true;
}
