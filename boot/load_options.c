/*
 * LoadOptions to command-line words (see load_options.h).
 */
#include <errno.h>
#include <string.h>

#include "boot/load_options.h"
#include "kernel/core/types.h"

#define LOAD_OPTIONS_CHAR_MIN 0x20 /* printable ASCII */
#define LOAD_OPTIONS_CHAR_MAX 0x7e

/* UCS-2 little endian; the buffer carries no alignment promise. */
static uint16_t load_options_char(const uint8_t *raw, size_t k)
{
	return (uint16_t)(raw[2 * k] | raw[2 * k + 1] << 8);
}

static bool load_options_blank(uint16_t c)
{
	return c == ' ' || c == '\t';
}

int load_options_args(const void *opts, size_t bytes, char *out, size_t out_size)
{
	const uint8_t *raw = opts;
	size_t n = bytes / 2, chars, i = 0, end, len = 0;

	if (out_size == 0)
		return -E2BIG;
	out[0] = '\0';
	if (bytes % 2)
		return -EINVAL;

	/* Validate first: binary data is refused as a whole, never half-used. */
	for (chars = 0; chars < n; chars++) {
		uint16_t c = load_options_char(raw, chars);
		if (c == 0)
			break;
		if (!load_options_blank(c) &&
		    (c < LOAD_OPTIONS_CHAR_MIN || c > LOAD_OPTIONS_CHAR_MAX))
			return -EINVAL;
	}

	while (i < chars && load_options_blank(load_options_char(raw, i)))
		i++;
	while (i < chars && !load_options_blank(load_options_char(raw, i)))
		i++; /* the image path */
	while (i < chars && load_options_blank(load_options_char(raw, i)))
		i++;
	end = chars;
	while (end > i && load_options_blank(load_options_char(raw, end - 1)))
		end--;
	if (end - i >= out_size)
		return -E2BIG;
	for (; i < end; i++) {
		uint16_t c = load_options_char(raw, i);
		out[len++] = c == '\t' ? ' ' : (char)c;
	}
	out[len] = '\0';
	return 0;
}
