/*
 * shoji.cfg values: one parser per guest key (see config_parser.h). Each
 * checks the text it is given, stores the value in the section being read
 * and names the line and the reason when it refuses it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/mgmt/config_parser.h"
#include "kernel/core/log.h"
#include "kernel/core/parse_num.h"

static const struct {
	const char *name;
	uint32_t bit;
} cfg_devices[] = {
    {"uart", CONFIG_DEV_UART},
    {"debug-exit", CONFIG_DEV_DEBUG_EXIT},
    {"pc", CONFIG_DEV_PC},
};

/*
 * Unsigned number, decimal or 0x-hex, at the start of @s. Returns the count
 * of characters used, 0 if there is no number or it does not fit 64 bits.
 */
/* The number at the start of s (parse_num.h); 0 if none or past 64 bits. */
static size_t cfg_parse_u64(struct cfg_span s, uint64_t *value)
{
	bool overflow;
	size_t used = parse_u64(s.p, s.len, value, &overflow);
	return overflow ? 0 : used;
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

const struct boot_module *cfg_find_module(struct cfg_parser *p, struct cfg_span v)
{
	for (uint32_t i = 0; i < p->module_count; i++) {
		const char *name = p->modules[i].name;

		if (strnlen(name, sizeof(p->modules[i].name)) == v.len &&
		    memcmp(name, v.p, v.len) == 0)
			return &p->modules[i];
	}
	return NULL;
}

static int cfg_parse_image(struct cfg_parser *p, const char *key, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	if (p->cur.image) {
		cfg_error(p, "'image' and 'kernel' both given: they name the same file");
		return -EINVAL;
	}
	p->cur.image = cfg_find_module(p, v);
	p->cur.opts.kernel_only = !strcmp(key, "kernel");
	if (p->cur.image)
		return 0;
	cfg_error(p, "%s '%s' was not loaded", key, cfg_quote(v, q));
	return -ENOENT;
}

/*
 * A disk is written by its guest: one guest per file, or one guest's writes
 * would show in another's disk.
 */
static int cfg_parse_disk(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	p->cur.disk = cfg_find_module(p, v);
	if (!p->cur.disk) {
		cfg_error(p, "disk '%s' was not loaded", cfg_quote(v, q));
		return -ENOENT;
	}
	for (uint32_t i = 0; i < p->out->guest_count; i++)
		if (p->out->guests[i].disk == p->cur.disk) {
			cfg_error(p, "disk '%s' is already guest '%s''s", cfg_quote(v, q),
				  p->out->guests[i].name);
			p->cur.disk = NULL;
			return -EBUSY;
		}
	return 0;
}

static int cfg_parse_initrd(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	p->cur.initrd = cfg_find_module(p, v);
	if (!p->cur.initrd) {
		cfg_error(p, "initrd '%s' was not loaded", cfg_quote(v, q));
		return -ENOENT;
	}
	p->cur.opts.initrd_size = p->cur.initrd->size;
	return 0;
}

/* "PATH [ARGS]": the module the loader brought for PATH, and its string "PATH ARGS". */
static int cfg_parse_module(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	struct config_guest *g = &p->cur;
	size_t n = 0;

	if (g->module_count == CONFIG_MODULES_MAX) {
		cfg_error(p, "more than 8 modules");
		return -E2BIG;
	}
	while (n < v.len && v.p[n] != ' ' && v.p[n] != '\t')
		n++;
	struct cfg_span path = {v.p, n};
	struct cfg_span args = cfg_trim((struct cfg_span){v.p + n, v.len - n});
	const struct boot_module *m = cfg_find_module(p, path);
	if (!m) {
		cfg_error(p, "module '%s' was not loaded", cfg_quote(path, q));
		return -ENOENT;
	}
	size_t len = path.len + (args.len ? 1 + args.len : 0);
	if (len > CONFIG_MODULE_STRING_MAX) {
		cfg_error(p, "module line is %llu characters (at most 191)",
			  (unsigned long long)len);
		return -EINVAL;
	}
	for (size_t i = 0; i < args.len; i++) {
		unsigned char c = (unsigned char)args.p[i];

		if (c < 0x20 || c >= 0x7f) {
			cfg_error(p, "bad byte 0x%02x in module arguments (printable ASCII only)",
				  c);
			return -EINVAL;
		}
	}
	char *s = g->module_strings[g->module_count];
	memcpy(s, path.p, path.len);
	if (args.len) {
		s[path.len] = ' ';
		memcpy(s + path.len + 1, args.p, args.len);
	}
	s[len] = '\0';
	g->modules[g->module_count] = m;
	g->opts.module_sizes[g->module_count] = m->size;
	g->opts.module_count = ++g->module_count;
	return 0;
}

/* "yes" or "no" into *out; false (and *out untouched) for anything else. */
static bool yes_no(struct cfg_span v, bool *out)
{
	bool yes = cfg_span_is(v, "yes");
	if (!yes && !cfg_span_is(v, "no"))
		return false;
	*out = yes;
	return true;
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
			cfg_error(p, "unknown device '%s' (expected uart, debug-exit or pc)",
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

const char *cfg_plural(uint64_t n)
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
	if (cfg_cpu_taken(p, p->line, cpu))
		return -EBUSY;
	p->cur.cpus[p->cur_pin_count++] = (uint32_t)cpu;
	return 0;
}

/* A duplex standby is built pinned to its pCPU (kernel/mgmt/guests.c): it owns it too. */
bool cfg_cpu_taken(struct cfg_parser *p, uint32_t line, uint64_t cpu)
{
	for (uint32_t g = 0; g < p->out->guest_count; g++) {
		const struct config_guest *other = &p->out->guests[g];
		bool vcpu = false;

		for (uint32_t i = 0; other->pinned && i < config_pinned_cpus(other); i++)
			vcpu = vcpu || other->cpus[i] == cpu;
		if (vcpu) {
			cfg_error_at(p, line, "CPU %u already pinned to guest '%s'", (unsigned)cpu,
				     other->name);
			return true;
		}
		if (other->redundancy == CONFIG_REDUNDANCY_DUPLEX && other->standby_cpu == cpu) {
			cfg_error_at(p, line, "CPU %u already pinned to the standby of guest '%s'",
				     (unsigned)cpu, other->name);
			return true;
		}
	}
	return false;
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

static int cfg_parse_redundancy(struct cfg_parser *p, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];
	if (cfg_span_is(v, "none")) {
		p->cur.redundancy = CONFIG_REDUNDANCY_NONE;
		return 0;
	}
	if (cfg_span_is(v, "duplex")) {
		p->cur.redundancy = CONFIG_REDUNDANCY_DUPLEX;
		return 0;
	}
	if (cfg_span_is(v, "dual")) {
		p->cur.redundancy = CONFIG_REDUNDANCY_DUAL;
		return 0;
	}
	if (cfg_span_is(v, "tmr")) {
		p->cur.redundancy = CONFIG_REDUNDANCY_TMR;
		return 0;
	}
	cfg_error(p, "bad redundancy '%s' (expected none, duplex, dual or tmr)", cfg_quote(v, q));
	return -EINVAL;
}

int cfg_parse_value(struct cfg_parser *p, enum cfg_key key, struct cfg_span v)
{
	char q[CFG_QUOTE_MAX + 4];

	switch (key) {
	case CFG_KEY_IMAGE:
		return cfg_parse_image(p, "image", v);
	case CFG_KEY_KERNEL:
		return cfg_parse_image(p, "kernel", v);
	case CFG_KEY_INITRD:
		return cfg_parse_initrd(p, v);
	case CFG_KEY_MODULE:
		return cfg_parse_module(p, v);
	case CFG_KEY_DISK:
		return cfg_parse_disk(p, v);
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
	case CFG_KEY_CLONE:
		if (!yes_no(v, &p->cur.clone))
			break;
		return 0;
	case CFG_KEY_AUTOSTART:
		if (!yes_no(v, &p->cur.autostart))
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
	case CFG_KEY_INSTANCES:
		return cfg_parse_range(p, "instance count", v, 1, CONFIG_INSTANCES_MAX,
				       &p->cur.instances);
	case CFG_KEY_REDUNDANCY:
		return cfg_parse_redundancy(p, v);
	case CFG_KEY_STANDBY:
		if (cfg_span_is(v, "hot"))
			p->cur.standby_hot = true;
		else if (cfg_span_is(v, "cold"))
			p->cur.standby_hot = false;
		else
			break;
		return 0;
	case CFG_KEY_STANDBY_CPUS:
		p->cur.standby_cpu_set = true;
		/* As for 'cpus': indexes below CONFIG_PCPU_MAX; pCPU 0 is the console's. */
		return cfg_parse_range(p, "standby pCPU", v, 1, CONFIG_PCPU_MAX - 1,
				       &p->cur.standby_cpu);
	case CFG_KEY_EPOCH_MS:
		return cfg_parse_range(p, "epoch length (ms)", v, 1, 1000, &p->cur.epoch_ms);
	case CFG_KEY_WATCHDOG_MS:
		if (cfg_span_is(v, "0")) {
			p->cur.watchdog_ms = 0;
			return 0;
		}
		return cfg_parse_range(p, "watchdog (ms)", v, 10, 60000, &p->cur.watchdog_ms);
	case CFG_KEY_BATCH:
		if (!cfg_name_ok(v)) {
			cfg_error(p, "bad batch guest name '%s'", cfg_quote(v, q));
			return -EINVAL;
		}
		snprintf(p->cur.batch, sizeof(p->cur.batch), "%.*s", (int)v.len, v.p);
		return 0;
	case CFG_KEY_COUNT:
		break;
	}
	if (key == CFG_KEY_MODE)
		cfg_error(p, "bad mode '%s' (expected real, prot32 or long64)", cfg_quote(v, q));
	else if (key == CFG_KEY_STANDBY)
		cfg_error(p, "bad standby '%s' (expected hot or cold)", cfg_quote(v, q));
	else
		cfg_error(p, "bad autostart value '%s' (expected yes or no)", cfg_quote(v, q));
	return -EINVAL;
}
