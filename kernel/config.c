/*
 * shoji.cfg parser (see config.h). Everything in the file is untrusted: lines
 * of any length, NUL bytes, no final newline, numbers that overflow. Values
 * are never copied out of the text except the guest name (checked first);
 * values quoted in messages are cut short and stripped of control bytes.
 * Owns only the struct config it fills; touches no other kernel state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/config.h"
#include "kernel/log.h"

/* Longest value shown in a message; longer ones end in "...". */
#define CFG_QUOTE_MAX 48

_Static_assert(GUEST_NAME_MAX == 32, "update the guest name message");
_Static_assert(CONFIG_GUESTS_MAX == 16, "update the too-many-guests message");

struct cfg_span {
	const char *p;
	size_t len;
};

enum cfg_key {
	CFG_KEY_IMAGE,
	CFG_KEY_MEMORY,
	CFG_KEY_MODE,
	CFG_KEY_LOAD,
	CFG_KEY_ENTRY,
	CFG_KEY_AUTOSTART,
	CFG_KEY_COUNT,
};

static const char *const cfg_key_names[CFG_KEY_COUNT] = {
    [CFG_KEY_IMAGE] = "image", [CFG_KEY_MEMORY] = "memory", [CFG_KEY_MODE] = "mode",
    [CFG_KEY_LOAD] = "load",   [CFG_KEY_ENTRY] = "entry",   [CFG_KEY_AUTOSTART] = "autostart",
};

enum cfg_where {
	CFG_TOP,   /* before the first section */
	CFG_GUEST, /* inside a [guest NAME] whose header was good */
	CFG_SKIP,  /* inside a section whose header was bad: its lines are ignored */
};

struct cfg_parser {
	const char *file;
	uint32_t line;
	const struct boot_module *modules;
	uint32_t module_count;
	struct config *out;
	enum cfg_where where;
	struct config_guest cur; /* the section being read (CFG_GUEST) */
	bool cur_bad;		 /* it had an error: drop it at its end */
	uint32_t cur_keys;	 /* bit per enum cfg_key already given */
};

static bool cfg_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static struct cfg_span cfg_trim(struct cfg_span s)
{
	while (s.len > 0 && cfg_is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && cfg_is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

static bool cfg_span_is(struct cfg_span s, const char *word)
{
	return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

/* A printable, bounded copy of @s for messages. */
static const char *cfg_quote(struct cfg_span s, char buf[CFG_QUOTE_MAX + 4])
{
	size_t n = MIN(s.len, (size_t)CFG_QUOTE_MAX);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (s.len > n) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static void cfg_error_at(struct cfg_parser *p, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_error_at(struct cfg_parser *p, uint32_t line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("cfg: %s:%u: %s", p->file, (unsigned)line, msg);
	p->out->error_count++;
}

#define cfg_error(p, ...) cfg_error_at((p), (p)->line, __VA_ARGS__)

/*
 * Unsigned number, decimal or 0x-hex, at the start of @s. Returns the count
 * of characters used, 0 if there is no number or it does not fit 64 bits.
 */
static size_t cfg_parse_u64(struct cfg_span s, uint64_t *value)
{
	unsigned base = 10;
	size_t i = 0, digits = 0;
	uint64_t v = 0;

	if (s.len >= 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < s.len; i++, digits++) {
		char c = s.p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return 0;
	}
	if (digits == 0)
		return 0;
	*value = v;
	return i;
}

static int cfg_parse_memory(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	uint64_t size, scale = 1;
	size_t used = cfg_parse_u64(v, &size);

	if (used == 0)
		goto bad;
	if (used + 1 == v.len) {
		switch (v.p[used]) {
		case 'K':
		case 'k':
			scale = 1ULL << 10;
			break;
		case 'M':
		case 'm':
			scale = SZ_1M;
			break;
		case 'G':
		case 'g':
			scale = SZ_1G;
			break;
		default:
			goto bad;
		}
	} else if (used != v.len) {
		goto bad;
	}
	if (__builtin_mul_overflow(size, scale, &size) || size < CONFIG_MEM_MIN ||
	    size > CONFIG_MEM_MAX) {
		cfg_error(p, "memory size '%s' out of range (1M..1G)", cfg_quote(v, q));
		return -EINVAL;
	}
	/* Guest RAM is mapped in whole pages (EPT/NPT). */
	if (!IS_ALIGNED(size, PAGE_SIZE)) {
		cfg_error(p, "memory size '%s' is not a multiple of 4K", cfg_quote(v, q));
		return -EINVAL;
	}
	p->cur.mem_size = size;
	return 0;
bad:
	cfg_error(p, "bad memory size '%s'", cfg_quote(v, q));
	return -EINVAL;
}

static int cfg_parse_gpa(struct cfg_parser *p, const char *key, struct cfg_span v, gpa_t *gpa)
{
	char q[CFG_QUOTE_MAX + 4];
	uint64_t value;

	if (cfg_parse_u64(v, &value) != v.len) {
		cfg_error(p, "bad %s address '%s'", key, cfg_quote(v, q));
		return -EINVAL;
	}
	/* guest.h: RAM sits below the MMIO window; nothing loads at or above it. */
	if (value >= GUEST_MMIO_BASE) {
		cfg_error(p, "%s address '%s' not below the MMIO window (0x%llx)", key,
			  cfg_quote(v, q), (unsigned long long)GUEST_MMIO_BASE);
		return -EINVAL;
	}
	*gpa = value;
	return 0;
}

static int cfg_parse_image(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	for (uint32_t i = 0; i < p->module_count; i++) {
		const char *name = p->modules[i].name;

		if (strnlen(name, sizeof(p->modules[i].name)) == v.len &&
		    memcmp(name, v.p, v.len) == 0) {
			p->cur.image = &p->modules[i];
			return 0;
		}
	}
	cfg_error(p, "image '%s' was not loaded", cfg_quote(v, q));
	return -ENOENT;
}

static int cfg_parse_value(struct cfg_parser *p, enum cfg_key key, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	switch (key) {
	case CFG_KEY_IMAGE:
		return cfg_parse_image(p, v);
	case CFG_KEY_MEMORY:
		return cfg_parse_memory(p, v);
	case CFG_KEY_MODE:
		if (cfg_span_is(v, "real"))
			p->cur.opts.mode = VCPU_START_REAL;
		else if (cfg_span_is(v, "prot32"))
			p->cur.opts.mode = VCPU_START_PROT32;
		else if (cfg_span_is(v, "long64"))
			p->cur.opts.mode = VCPU_START_LONG64;
		else
			break;
		p->cur.opts.mode_set = true;
		return 0;
	case CFG_KEY_LOAD:
		p->cur.opts.load_set = true;
		return cfg_parse_gpa(p, "load", v, &p->cur.opts.load_gpa);
	case CFG_KEY_ENTRY:
		p->cur.opts.entry_set = true;
		return cfg_parse_gpa(p, "entry", v, &p->cur.opts.entry_gpa);
	case CFG_KEY_AUTOSTART:
		if (cfg_span_is(v, "yes"))
			p->cur.autostart = true;
		else if (cfg_span_is(v, "no"))
			p->cur.autostart = false;
		else
			break;
		return 0;
	case CFG_KEY_COUNT:
		break;
	}
	if (key == CFG_KEY_MODE)
		cfg_error(p, "bad mode '%s' (expected real, prot32 or long64)", cfg_quote(v, q));
	else
		cfg_error(p, "bad autostart value '%s' (expected yes or no)", cfg_quote(v, q));
	return -EINVAL;
}

static void cfg_key_value(struct cfg_parser *p, struct cfg_span key, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	enum cfg_key k;

	if (p->where == CFG_TOP) {
		if (!cfg_span_is(key, "cmdline"))
			cfg_error(p, "key outside a guest section");
		return; /* cmdline is the loader's (boot/config_scan.c) */
	}
	for (k = 0; k < CFG_KEY_COUNT; k++)
		if (cfg_span_is(key, cfg_key_names[k]))
			break;
	if (k == CFG_KEY_COUNT) {
		cfg_error(p, "unknown key '%s'", cfg_quote(key, q));
		p->cur_bad = true;
		return;
	}
	if (p->cur_keys & (1U << k)) {
		cfg_error(p, "duplicate key '%s'", cfg_key_names[k]);
		p->cur_bad = true;
		return;
	}
	p->cur_keys |= 1U << k;
	if (v.len == 0) {
		cfg_error(p, "empty value for '%s'", cfg_key_names[k]);
		p->cur_bad = true;
		return;
	}
	if (cfg_parse_value(p, k, v))
		p->cur_bad = true;
}

/* Close the current section: keep the guest or say it was dropped. */
static void cfg_end_section(struct cfg_parser *p)
{
	if (p->where != CFG_GUEST)
		return;
	if (!p->cur.image && !p->cur_bad) {
		cfg_error_at(p, p->cur.line, "guest '%s' has no image", p->cur.name);
		p->cur_bad = true;
	}
	if (p->cur_bad)
		log_warn("cfg: %s:%u: guest '%s' skipped", p->file, (unsigned)p->cur.line,
			 p->cur.name);
	else
		p->out->guests[p->out->guest_count++] = p->cur;
	p->where = CFG_SKIP;
}

static bool cfg_name_ok(struct cfg_span name)
{
	if (name.len == 0 || name.len >= GUEST_NAME_MAX)
		return false;
	for (size_t i = 0; i < name.len; i++) {
		char c = name.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* @l: a trimmed, comment-free line starting with '['. */
static void cfg_section(struct cfg_parser *p, struct cfg_span l)
{
	char q[CFG_QUOTE_MAX + 4];
	struct cfg_span inner, word, name;
	size_t k = 0;

	cfg_end_section(p);
	p->where = CFG_SKIP;
	if (l.len < 2 || l.p[l.len - 1] != ']') {
		cfg_error(p, "bad section header '%s'", cfg_quote(l, q));
		return;
	}
	inner = cfg_trim((struct cfg_span){l.p + 1, l.len - 2});
	while (k < inner.len && !cfg_is_blank(inner.p[k]))
		k++;
	word = (struct cfg_span){inner.p, k};
	name = cfg_trim((struct cfg_span){inner.p + k, inner.len - k});
	if (!cfg_span_is(word, "guest")) {
		cfg_error(p, "unknown section '%s'", cfg_quote(l, q));
		return;
	}
	if (!cfg_name_ok(name)) {
		cfg_error(p, "bad guest name '%s' (1-31 characters of A-Z a-z 0-9 _ -)",
			  cfg_quote(name, q));
		return;
	}
	for (uint32_t i = 0; i < p->out->guest_count; i++) {
		if (cfg_span_is(name, p->out->guests[i].name)) {
			cfg_error(p, "duplicate guest name '%s'", cfg_quote(name, q));
			return;
		}
	}
	if (p->out->guest_count == CONFIG_GUESTS_MAX) {
		cfg_error(p, "too many guests (at most 16)");
		return;
	}
	memset(&p->cur, 0, sizeof(p->cur));
	memcpy(p->cur.name, name.p, name.len);
	p->cur.mem_size = CONFIG_MEM_DEFAULT;
	p->cur.opts.mode = VCPU_START_REAL;
	p->cur.opts.load_gpa = CONFIG_FLAT_LOAD_DEFAULT;
	p->cur.autostart = true;
	p->cur.line = p->line;
	p->cur_bad = false;
	p->cur_keys = 0;
	p->where = CFG_GUEST;
}

static void cfg_line(struct cfg_parser *p, struct cfg_span l)
{
	const char *hash, *eq;

	if (memchr(l.p, '\0', l.len)) {
		if (p->where != CFG_SKIP) {
			cfg_error(p, "NUL byte in line");
			p->cur_bad = true;
		}
		return;
	}
	hash = memchr(l.p, '#', l.len);
	if (hash)
		l.len = (size_t)(hash - l.p);
	l = cfg_trim(l);
	if (l.len == 0)
		return;
	if (l.p[0] == '[') {
		cfg_section(p, l);
		return;
	}
	if (p->where == CFG_SKIP)
		return; /* the section header was reported */

	eq = memchr(l.p, '=', l.len);
	if (!eq) {
		cfg_error(p, "malformed line (expected 'key = value' or '[guest NAME]')");
		p->cur_bad = true;
		return;
	}
	cfg_key_value(p, cfg_trim((struct cfg_span){l.p, (size_t)(eq - l.p)}),
		      cfg_trim((struct cfg_span){eq + 1, l.len - (size_t)(eq - l.p) - 1}));
}

int config_parse(const char *file, const char *text, size_t len, const struct boot_module *modules,
		 uint32_t module_count, struct config *out)
{
	struct cfg_parser p = {
	    .file = file,
	    .modules = modules,
	    .module_count = module_count,
	    .out = out,
	    .where = CFG_TOP,
	};
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		p.line++;
		cfg_line(&p, (struct cfg_span){text + pos, end - pos});
		pos = end + 1;
	}
	cfg_end_section(&p);
	return out->error_count ? -EINVAL : 0;
}
