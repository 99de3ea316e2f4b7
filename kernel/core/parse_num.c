/* Decimal and 0x numbers (see parse_num.h). */
#include "kernel/core/parse_num.h"

size_t parse_u64(const char *s, size_t len, uint64_t *value, bool *overflow)
{
	unsigned base = 10;
	size_t i = 0, digits = 0;
	uint64_t v = 0;

	*overflow = false;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < len; i++, digits++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v)) {
			*overflow = true;
			v = UINT64_MAX;
		}
	}
	if (digits == 0)
		return 0;
	*value = v;
	return i;
}
