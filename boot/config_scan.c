/*
 * Scan of shoji.cfg for the loader (see config_scan.h). Pure: reads the
 * text, writes only the result struct.
 */
#include <errno.h>
#include <string.h>

#include "boot/config_scan.h"
#include "kernel/core/types.h"

/* The limits below are spelled out in the messages. */
_Static_assert(BOOT_MODULE_NAME_MAX == 64 && BOOT_CMDLINE_MAX == 512 &&
		   CONFIG_SCAN_IMAGES_MAX == 31,
	       "update the config_scan error messages");

struct config_span {
	const char *p;
	size_t len;
};

static bool config_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static struct config_span config_trim(const char *p, size_t len)
{
	while (len > 0 && config_is_blank(*p)) {
		p++;
		len--;
	}
	while (len > 0 && config_is_blank(p[len - 1]))
		len--;
	return (struct config_span){p, len};
}

static bool config_span_is(struct config_span s, const char *word)
{
	return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

static int config_fail(struct config_scan *out, uint32_t line, const char **reason, const char *why,
		       int err)
{
	out->error_line = line;
	*reason = why;
	return err;
}

static void config_skip(struct config_scan *out, uint32_t line, const char *why)
{
	if (out->skip_count < CONFIG_SCAN_SKIPS_MAX)
		out->skips[out->skip_count] = (struct config_scan_skip){line, why};
	out->skip_count++;
}

/* @line_has_nul: the kernel drops a line with a NUL anywhere, comment included. */
static int config_add_image(struct config_scan *out, struct config_span key, struct config_span v,
			    bool line_has_nul, uint32_t line, const char **reason)
{
	/* The skip list keeps the message pointers: static strings only. */
	static const struct {
		const char *key, *empty, *too_long;
	} kinds[] = {
	    {"image", "empty value for 'image'", "image path longer than 63 characters"},
	    {"kernel", "empty value for 'kernel'", "kernel path longer than 63 characters"},
	    {"initrd", "empty value for 'initrd'", "initrd path longer than 63 characters"},
	    {"module", "empty value for 'module'", "module path longer than 63 characters"},
	    {"disk", "empty value for 'disk'", "disk path longer than 63 characters"},
	    {"script", "empty value for 'script'", "script path longer than 63 characters"},
	};
	size_t k = 0;
	while (k + 1 < sizeof(kinds) / sizeof(kinds[0]) && !config_span_is(key, kinds[k].key))
		k++;
	if (line_has_nul) {
		config_skip(out, line, "NUL byte in line");
		return 0;
	}
	if (v.len == 0) {
		config_skip(out, line, kinds[k].empty);
		return 0;
	}
	if (v.len >= BOOT_MODULE_NAME_MAX) {
		config_skip(out, line, kinds[k].too_long);
		return 0;
	}
	for (uint32_t i = 0; i < out->image_count; i++)
		if (strlen(out->images[i]) == v.len && memcmp(out->images[i], v.p, v.len) == 0)
			return 0; /* two guests may share one image: load it once */
	if (out->image_count == CONFIG_SCAN_IMAGES_MAX)
		return config_fail(out, line, reason, "too many images (at most 31)", -E2BIG);
	memcpy(out->images[out->image_count], v.p, v.len);
	out->images[out->image_count][v.len] = '\0';
	out->image_count++;
	return 0;
}

static int config_scan_line(struct config_scan *out, struct config_span l, bool *top_level,
			    uint32_t line, const char **reason)
{
	bool has_nul = memchr(l.p, '\0', l.len) != NULL;
	const char *hash = memchr(l.p, '#', l.len);
	if (hash)
		l.len = (size_t)(hash - l.p);
	l = config_trim(l.p, l.len);
	if (l.len == 0)
		return 0;
	if (l.p[0] == '[') {
		*top_level = false;
		return 0;
	}

	const char *eq = memchr(l.p, '=', l.len);
	if (!eq)
		return 0; /* the kernel reports malformed lines */
	struct config_span key = config_trim(l.p, (size_t)(eq - l.p));
	struct config_span val = config_trim(eq + 1, l.len - (size_t)(eq - l.p) - 1);

	/* "module = PATH ARGS": the file is PATH, the first word (kernel/mgmt/config_values.c). */
	if (config_span_is(key, "module")) {
		size_t n = 0;

		while (n < val.len && val.p[n] != ' ' && val.p[n] != '\t')
			n++;
		val.len = n;
	}
	/* Images, initramfs, modules and the script come along as modules named by their path. */
	if (config_span_is(key, "image") || config_span_is(key, "kernel") ||
	    config_span_is(key, "module") || config_span_is(key, "initrd") ||
	    config_span_is(key, "disk") ||
	    (*top_level && config_span_is(key, "script")))
		return config_add_image(out, key, val, has_nul, line, reason);
	if (*top_level && config_span_is(key, "cmdline")) {
		if (memchr(val.p, '\0', val.len))
			return config_fail(out, line, reason, "NUL byte in cmdline", -EINVAL);
		if (val.len >= BOOT_CMDLINE_MAX)
			return config_fail(out, line, reason, "cmdline longer than 511 characters",
					   -E2BIG);
		memcpy(out->cmdline, val.p, val.len);
		out->cmdline[val.len] = '\0';
	}
	return 0;
}

int config_scan(const char *text, size_t len, struct config_scan *out, const char **reason)
{
	bool top_level = true;
	uint32_t line = 0;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		int ret;

		line++;
		ret = config_scan_line(out, (struct config_span){text + pos, end - pos}, &top_level,
				       line, reason);
		if (ret)
			return ret;
		pos = end + 1;
	}
	return 0;
}
