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

_Static_assert(CONFIG_VCPUS_MAX == 8, "update the vCPU count messages");
_Static_assert(CONFIG_WEIGHT_MAX == 1000, "update the weight message");
_Static_assert(CONFIG_CMDLINE_MAX == 255, "update the cmdline message");
_Static_assert(CONFIG_CONSOLE_PCPU == 0, "update the console CPU messages");

/* Guest section keys. */
enum cfg_key {
	CFG_KEY_IMAGE,
	CFG_KEY_MEMORY,
	CFG_KEY_MODE,
	CFG_KEY_LOAD,
	CFG_KEY_ENTRY,
	CFG_KEY_AUTOSTART,
	CFG_KEY_CMDLINE,
	CFG_KEY_VCPUS,
	CFG_KEY_CPUS,
	CFG_KEY_WEIGHT,
	CFG_KEY_CAP,
	CFG_KEY_DEVICES,
	CFG_KEY_COUNT,
};

static const char *const cfg_key_names[CFG_KEY_COUNT] = {
    [CFG_KEY_IMAGE] = "image",	   [CFG_KEY_MEMORY] = "memory", [CFG_KEY_MODE] = "mode",
    [CFG_KEY_LOAD] = "load",	   [CFG_KEY_ENTRY] = "entry",	[CFG_KEY_AUTOSTART] = "autostart",
    [CFG_KEY_CMDLINE] = "cmdline", [CFG_KEY_VCPUS] = "vcpus",	[CFG_KEY_CPUS] = "cpus",
    [CFG_KEY_WEIGHT] = "weight",   [CFG_KEY_CAP] = "cap",	[CFG_KEY_DEVICES] = "devices",
};

static const struct {
	const char *name;
	uint32_t bit;
} cfg_devices[] = {
    {"uart", CONFIG_DEV_UART},
    {"debug-exit", CONFIG_DEV_DEBUG_EXIT},
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
	uint32_t cpu_count;		      /* 0: pCPU indexes not checked against it */
	uint64_t free_memory;		      /* 0: guest memory not checked against it */
	bool script_seen;		      /* top-level "script" given (good or not) */
	struct config_guest cur;	      /* the section being read (CFG_GUEST) */
	bool cur_bad;			      /* it had an error: drop it at its end */
	uint32_t cur_keys;		      /* bit per enum cfg_key already given */
	uint32_t cur_bad_keys;		      /* bit per enum cfg_key whose value was bad */
	uint32_t cur_key_line[CFG_KEY_COUNT]; /* where each given key is */
	uint32_t cur_pin_count;		      /* entries in cur.cpus */
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

static const struct boot_module *cfg_find_module(struct cfg_parser *p, struct cfg_span v)
{
	for (uint32_t i = 0; i < p->module_count; i++) {
		const char *name = p->modules[i].name;

		if (strnlen(name, sizeof(p->modules[i].name)) == v.len &&
		    memcmp(name, v.p, v.len) == 0)
			return &p->modules[i];
	}
	return NULL;
}

static int cfg_parse_image(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	p->cur.image = cfg_find_module(p, v);
	if (p->cur.image)
		return 0;
	cfg_error(p, "image '%s' was not loaded", cfg_quote(v, q));
	return -ENOENT;
}

/* A whole value that is one number in [min, max]; @what names it in messages. */
static int cfg_parse_range(struct cfg_parser *p, const char *what, struct cfg_span v, uint32_t min,
			   uint32_t max, uint32_t *out)
{
	char q[CFG_QUOTE_MAX + 4];
	uint64_t value;

	if (v.len == 0 || cfg_parse_u64(v, &value) != v.len) {
		cfg_error(p, "bad %s '%s'", what, cfg_quote(v, q));
		return -EINVAL;
	}
	if (value < min || value > max) {
		cfg_error(p, "%s '%s' out of range (%u..%u)", what, cfg_quote(v, q), (unsigned)min,
			  (unsigned)max);
		return -EINVAL;
	}
	*out = (uint32_t)value;
	return 0;
}

/* The guest's own command line: kept verbatim, so only printable ASCII. */
static int cfg_parse_cmdline(struct cfg_parser *p, struct cfg_span v)
{
	if (v.len > CONFIG_CMDLINE_MAX) {
		cfg_error(p, "guest cmdline is %llu characters (at most 255)",
			  (unsigned long long)v.len);
		return -EINVAL;
	}
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (c < 0x20 || c >= 0x7f) {
			cfg_error(p, "bad byte 0x%02x in cmdline (printable ASCII only)", c);
			return -EINVAL;
		}
	}
	memcpy(p->cur.cmdline, v.p, v.len);
	p->cur.cmdline[v.len] = '\0';
	return 0;
}

/* "N" or "N%", 1..100; "none" for no cap. */
static int cfg_parse_cap(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	struct cfg_span n = v;
	uint64_t value;

	if (cfg_span_is(v, "none")) {
		p->cur.cap_percent = 0;
		return 0;
	}
	if (n.len > 0 && n.p[n.len - 1] == '%')
		n = cfg_trim((struct cfg_span){n.p, n.len - 1});
	if (n.len == 0 || cfg_parse_u64(n, &value) != n.len) {
		cfg_error(p, "bad cap '%s' (expected a percentage 1..100, or none)",
			  cfg_quote(v, q));
		return -EINVAL;
	}
	if (value < 1 || value > 100) {
		cfg_error(p, "cap '%s' out of range (1%%..100%%)", cfg_quote(v, q));
		return -EINVAL;
	}
	p->cur.cap_percent = (uint32_t)value;
	return 0;
}

/* The item of comma list @v at *@pos, trimmed; false past the last one. */
static bool cfg_next_item(struct cfg_span v, size_t *pos, struct cfg_span *item)
{
	const char *comma;
	size_t end;

	if (*pos > v.len)
		return false;
	comma = memchr(v.p + *pos, ',', v.len - *pos);
	end = comma ? (size_t)(comma - v.p) : v.len;
	*item = cfg_trim((struct cfg_span){v.p + *pos, end - *pos});
	*pos = end + 1;
	return true;
}

static int cfg_parse_devices(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	struct cfg_span item;
	uint32_t devices = 0;
	size_t pos = 0;

	if (cfg_span_is(v, "none")) {
		p->cur.devices = 0;
		return 0;
	}
	while (cfg_next_item(v, &pos, &item)) {
		size_t d;

		if (item.len == 0) {
			cfg_error(p, "bad device list '%s'", cfg_quote(v, q));
			return -EINVAL;
		}
		for (d = 0; d < ARRAY_SIZE(cfg_devices); d++)
			if (cfg_span_is(item, cfg_devices[d].name))
				break;
		if (d == ARRAY_SIZE(cfg_devices)) {
			cfg_error(p, "unknown device '%s' (expected uart or debug-exit)",
				  cfg_quote(item, q));
			return -EINVAL;
		}
		if (devices & cfg_devices[d].bit) {
			cfg_error(p, "device '%s' listed twice", cfg_devices[d].name);
			return -EINVAL;
		}
		devices |= cfg_devices[d].bit;
	}
	p->cur.devices = devices;
	return 0;
}

static const char *cfg_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* Pin the guest's next vCPU to @cpu: a pCPU that exists, is not the console's and is free. */
static int cfg_pin_cpu(struct cfg_parser *p, uint64_t cpu)
{
	uint32_t limit = p->cpu_count ? p->cpu_count : CONFIG_PCPU_MAX;

	if (p->cur_pin_count == CONFIG_VCPUS_MAX) {
		cfg_error(p, "cpus lists more than 8 CPUs");
		return -EINVAL;
	}
	if (cpu >= limit) {
		if (p->cpu_count)
			cfg_error(p, "CPU %llu does not exist (%u CPU%s)", (unsigned long long)cpu,
				  (unsigned)p->cpu_count, cfg_plural(p->cpu_count));
		else
			cfg_error(p, "CPU %llu out of range (0..%u)", (unsigned long long)cpu,
				  CONFIG_PCPU_MAX - 1);
		return -EINVAL;
	}
	if (cpu == CONFIG_CONSOLE_PCPU) {
		cfg_error(p, "CPU 0 runs the management console and cannot be pinned");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < p->cur_pin_count; i++) {
		if (p->cur.cpus[i] == cpu) {
			cfg_error(p, "CPU %u listed twice", (unsigned)cpu);
			return -EINVAL;
		}
	}
	for (uint32_t g = 0; g < p->out->guest_count; g++) {
		const struct config_guest *other = &p->out->guests[g];

		if (!other->pinned)
			continue;
		for (uint32_t i = 0; i < other->vcpus; i++) {
			if (other->cpus[i] == cpu) {
				cfg_error(p, "CPU %u already pinned to guest '%s'", (unsigned)cpu,
					  other->name);
				return -EBUSY;
			}
		}
	}
	p->cur.cpus[p->cur_pin_count++] = (uint32_t)cpu;
	return 0;
}

/* "shared", or pCPUs one per vCPU: "1,3", "2-3", "1, 4-6". */
static int cfg_parse_cpus(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	struct cfg_span item;
	size_t pos = 0;

	p->cur.pinned = false;
	p->cur_pin_count = 0;
	if (cfg_span_is(v, "shared"))
		return 0;
	while (cfg_next_item(v, &pos, &item)) {
		const char *dash = memchr(item.p, '-', item.len);
		struct cfg_span first = item, last = item;
		uint64_t lo, hi;
		int ret;

		if (dash) {
			size_t n = (size_t)(dash - item.p);

			first = cfg_trim((struct cfg_span){item.p, n});
			last = cfg_trim((struct cfg_span){dash + 1, item.len - n - 1});
		}
		if (first.len == 0 || last.len == 0 || cfg_parse_u64(first, &lo) != first.len ||
		    cfg_parse_u64(last, &hi) != last.len) {
			cfg_error(p,
				  "bad cpus value '%s' (expected shared, or CPUs like 1,3 or 2-3)",
				  cfg_quote(v, q));
			return -EINVAL;
		}
		if (lo > hi) {
			cfg_error(p, "bad CPU range '%s'", cfg_quote(item, q));
			return -EINVAL;
		}
		/* Ends within CONFIG_VCPUS_MAX + 1 steps: cfg_pin_cpu fails past that. */
		for (uint64_t cpu = lo;; cpu++) {
			ret = cfg_pin_cpu(p, cpu);
			if (ret)
				return ret;
			if (cpu == hi)
				break;
		}
	}
	p->cur.pinned = true;
	return 0;
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
	case CFG_KEY_CMDLINE:
		return cfg_parse_cmdline(p, v);
	case CFG_KEY_VCPUS:
		return cfg_parse_range(p, "vCPU count", v, 1, CONFIG_VCPUS_MAX, &p->cur.vcpus);
	case CFG_KEY_CPUS:
		return cfg_parse_cpus(p, v);
	case CFG_KEY_WEIGHT:
		return cfg_parse_range(p, "weight", v, 1, CONFIG_WEIGHT_MAX, &p->cur.weight);
	case CFG_KEY_CAP:
		return cfg_parse_cap(p, v);
	case CFG_KEY_DEVICES:
		return cfg_parse_devices(p, v);
	case CFG_KEY_COUNT:
		break;
	}
	if (key == CFG_KEY_MODE)
		cfg_error(p, "bad mode '%s' (expected real, prot32 or long64)", cfg_quote(v, q));
	else
		cfg_error(p, "bad autostart value '%s' (expected yes or no)", cfg_quote(v, q));
	return -EINVAL;
}

static void cfg_top_script(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	if (p->script_seen) {
		cfg_error(p, "duplicate key 'script'");
		return;
	}
	p->script_seen = true;
	if (v.len == 0) {
		cfg_error(p, "empty value for 'script'");
		return;
	}
	p->out->script = cfg_find_module(p, v);
	if (!p->out->script)
		cfg_error(p, "script '%s' was not loaded", cfg_quote(v, q));
}

static void cfg_key_value(struct cfg_parser *p, struct cfg_span key, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	enum cfg_key k;

	if (p->where == CFG_TOP) {
		if (cfg_span_is(key, "script"))
			cfg_top_script(p, v);
		else if (!cfg_span_is(key, "cmdline"))
			cfg_error(p, "key outside a guest section");
		return; /* cmdline is the loader's (boot/config_scan.c) */
	}
	for (k = 0; k < CFG_KEY_COUNT; k++)
		if (cfg_span_is(key, cfg_key_names[k]))
			break;
	if (k == CFG_KEY_COUNT) {
		if (cfg_span_is(key, "script"))
			cfg_error(p, "'script' belongs at the top, before the first section");
		else
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
	p->cur_key_line[k] = p->line;
	/* An empty guest cmdline is a choice; any other empty value a slip. */
	if (v.len == 0 && k != CFG_KEY_CMDLINE) {
		cfg_error(p, "empty value for '%s'", cfg_key_names[k]);
		p->cur_bad = true;
		p->cur_bad_keys |= 1U << k;
		return;
	}
	if (cfg_parse_value(p, k, v)) {
		p->cur_bad = true;
		p->cur_bad_keys |= 1U << k;
	}
}

static bool cfg_key_good(const struct cfg_parser *p, enum cfg_key k)
{
	return (p->cur_keys & (1U << k)) && !(p->cur_bad_keys & (1U << k));
}

/* Line of key @k if given, else the section header's. */
static uint32_t cfg_key_line(const struct cfg_parser *p, enum cfg_key k)
{
	return (p->cur_keys & (1U << k)) ? p->cur_key_line[k] : p->cur.line;
}

/* Keys that must agree with each other, checked once all are read (in any order). */
static void cfg_check_placement(struct cfg_parser *p)
{
	struct config_guest *g = &p->cur;

	if (!cfg_key_good(p, CFG_KEY_CPUS) || !g->pinned)
		return;
	if (!(p->cur_bad_keys & (1U << CFG_KEY_VCPUS))) {
		if (p->cpu_count && g->vcpus > p->cpu_count - 1) {
			cfg_error_at(p, cfg_key_line(p, CFG_KEY_VCPUS),
				     "vcpus = %u but only %u CPU%s can be pinned (%u CPU%s, CPU 0 "
				     "runs the management console)",
				     (unsigned)g->vcpus, (unsigned)(p->cpu_count - 1),
				     cfg_plural(p->cpu_count - 1), (unsigned)p->cpu_count,
				     cfg_plural(p->cpu_count));
			p->cur_bad = true;
		} else if (p->cur_pin_count != g->vcpus) {
			cfg_error_at(p, cfg_key_line(p, CFG_KEY_CPUS),
				     "cpus lists %u CPU%s but vcpus = %u",
				     (unsigned)p->cur_pin_count, cfg_plural(p->cur_pin_count),
				     (unsigned)g->vcpus);
			p->cur_bad = true;
		}
	}
	if (cfg_key_good(p, CFG_KEY_WEIGHT)) {
		cfg_error_at(p, cfg_key_line(p, CFG_KEY_WEIGHT),
			     "weight is for shared guests only (this one is pinned)");
		p->cur_bad = true;
	}
	/* A pinned vCPU owns its pCPU and takes no scheduler ticks: nothing enforces a cap. */
	if (cfg_key_good(p, CFG_KEY_CAP) && g->cap_percent) {
		cfg_error_at(p, cfg_key_line(p, CFG_KEY_CAP),
			     "cap is for shared guests only (this one is pinned)");
		p->cur_bad = true;
	}
}

/* "512M", "1G", "200K": the largest unit that divides @bytes (rounded down to K). */
static const char *cfg_size(uint64_t bytes, char buf[24])
{
	if (bytes && IS_ALIGNED(bytes, SZ_1G))
		snprintf(buf, 24, "%lluG", (unsigned long long)(bytes / SZ_1G));
	else if (IS_ALIGNED(bytes, SZ_1M))
		snprintf(buf, 24, "%lluM", (unsigned long long)(bytes / SZ_1M));
	else
		snprintf(buf, 24, "%lluK", (unsigned long long)(bytes >> 10));
	return buf;
}

/* The guests kept so far plus this one must fit the caller's free memory. */
static void cfg_check_memory(struct cfg_parser *p)
{
	char need[24], left[24];
	uint64_t used = 0, remain;

	if (!p->free_memory)
		return;
	for (uint32_t i = 0; i < p->out->guest_count; i++)
		used += p->out->guests[i].mem_size; /* <= free_memory: each was checked */
	remain = p->free_memory - used;
	if (p->cur.mem_size <= remain)
		return;
	cfg_error_at(p, cfg_key_line(p, CFG_KEY_MEMORY), "guest '%s' needs %s but only %s remain",
		     p->cur.name, cfg_size(p->cur.mem_size, need), cfg_size(remain, left));
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
	cfg_check_placement(p);
	/* Only a guest that would otherwise be kept is charged for its memory. */
	if (!p->cur_bad)
		cfg_check_memory(p);
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
	p->cur.vcpus = 1;
	p->cur.weight = CONFIG_WEIGHT_DEFAULT;
	p->cur.devices = CONFIG_DEV_DEFAULT;
	p->cur_bad = false;
	p->cur_keys = 0;
	p->cur_bad_keys = 0;
	p->cur_pin_count = 0;
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
		 uint32_t module_count, uint32_t cpu_count, uint64_t free_memory,
		 struct config *out)
{
	struct cfg_parser p = {
	    .file = file,
	    .modules = modules,
	    .module_count = module_count,
	    .cpu_count = cpu_count,
	    .free_memory = free_memory,
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
