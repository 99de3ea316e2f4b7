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

#include "kernel/mgmt/config.h"
#include "kernel/mgmt/config_parser.h"
#include "kernel/core/log.h"

static const char *const cfg_key_names[CFG_KEY_COUNT] = {
    [CFG_KEY_IMAGE] = "image",
    [CFG_KEY_MEMORY] = "memory",
    [CFG_KEY_MODE] = "mode",
    [CFG_KEY_LOAD] = "load",
    [CFG_KEY_ENTRY] = "entry",
    [CFG_KEY_AUTOSTART] = "autostart",
    [CFG_KEY_CMDLINE] = "cmdline",
    [CFG_KEY_VCPUS] = "vcpus",
    [CFG_KEY_CPUS] = "cpus",
    [CFG_KEY_WEIGHT] = "weight",
    [CFG_KEY_CAP] = "cap",
    [CFG_KEY_DEVICES] = "devices",
    [CFG_KEY_KERNEL] = "kernel",
    [CFG_KEY_INITRD] = "initrd",
    [CFG_KEY_MODULE] = "module",
    [CFG_KEY_DISK] = "disk",
    [CFG_KEY_INSTANCES] = "instances",
    [CFG_KEY_REDUNDANCY] = "redundancy",
    [CFG_KEY_STANDBY] = "standby",
    [CFG_KEY_STANDBY_CPUS] = "standby-cpus",
    [CFG_KEY_EPOCH_MS] = "epoch-ms",
    [CFG_KEY_WATCHDOG_MS] = "watchdog-ms",
    [CFG_KEY_BATCH] = "batch",
    [CFG_KEY_CLONE] = "clone",
};

static bool cfg_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

struct cfg_span cfg_trim(struct cfg_span s)
{
	while (s.len > 0 && cfg_is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && cfg_is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

bool cfg_span_is(struct cfg_span s, const char *word)
{
	return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

/* A printable, bounded copy of @s for messages. */
const char *cfg_quote(struct cfg_span s, char buf[CFG_QUOTE_MAX + 4])
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

void cfg_error_at(struct cfg_parser *p, uint32_t line, const char *fmt, ...)
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
	if ((p->cur_keys & (1U << k)) && k != CFG_KEY_MODULE) {
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
		} else if (config_voting(g) && p->cur_pin_count != config_replicas(g)) {
			cfg_error_at(
			    p, cfg_key_line(p, CFG_KEY_CPUS),
			    "cpus lists %u CPU%s but a %s guest needs %u (one per replica)",
			    (unsigned)p->cur_pin_count, cfg_plural(p->cur_pin_count),
			    config_redundancy_name(g), config_replicas(g));
			p->cur_bad = true;
		} else if (!config_voting(g) && p->cur_pin_count != g->vcpus) {
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

/* The guests kept so far plus this one must fit the caller's free memory, as allocated. */
static void cfg_check_memory(struct cfg_parser *p)
{
	char need[24], left[24], asked[24];
	uint64_t used = 0, remain;
	uint64_t footprint = config_guest_footprint(&p->cur);

	if (!p->free_memory)
		return;
	for (uint32_t i = 0; i < p->out->guest_count; i++)
		used += config_guest_footprint(&p->out->guests[i]); /* each was checked */
	remain = p->free_memory - used;
	if (footprint <= remain)
		return;
	cfg_size(footprint, need);
	cfg_size(remain, left);
	/* Why it needs more than it asked for: whole MiBs, and one copy per guest built. */
	char why[128] = "", each[48] = "";
	if (p->cur.redundancy != CONFIG_REDUNDANCY_NONE)
		snprintf(each, sizeof(each), " for each of the %u replicas of a %s guest",
			 config_replicas(&p->cur), config_redundancy_name(&p->cur));
	else if (p->cur.instances > 1)
		snprintf(each, sizeof(each), " for each of %u instances",
			 (unsigned)p->cur.instances);
	bool rounded = guest_ram_footprint(p->cur.mem_size) != p->cur.mem_size;
	if (footprint != p->cur.mem_size)
		snprintf(why, sizeof(why), " (%s%s%s%s)", cfg_size(p->cur.mem_size, asked),
			 rounded ? " rounded up to whole MiBs" : "",
			 rounded && each[0] ? "," : "", each);
	cfg_error_at(p, cfg_key_line(p, CFG_KEY_MEMORY), "guest '%s' needs %s%s but only %s remain",
		     p->cur.name, need, why, left);
	p->cur_bad = true;
}

int config_instance_name(char out[GUEST_NAME_MAX], const char *base, unsigned number)
{
	if (number < 1 || number > CONFIG_INSTANCES_MAX)
		return -EINVAL;
	int n = snprintf(out, GUEST_NAME_MAX, "%s-%u", base, number);
	if (n < 0 || n >= GUEST_NAME_MAX) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Instances share one placement and everything the config gives the guest. */
static void cfg_check_instances(struct cfg_parser *p)
{
	struct config_guest *g = &p->cur;
	uint32_t line = cfg_key_line(p, CFG_KEY_INSTANCES);

	if (!cfg_key_good(p, CFG_KEY_INSTANCES) || g->instances == 1)
		return;
	if (strlen(g->name) + CONFIG_INSTANCE_SUFFIX_MAX >= GUEST_NAME_MAX) {
		cfg_error_at(p, line, "instances need a name of at most %u characters ('%s')",
			     (unsigned)(GUEST_NAME_MAX - 1 - CONFIG_INSTANCE_SUFFIX_MAX), g->name);
		p->cur_bad = true;
	}
	if (g->pinned) {
		cfg_error_at(p, line, "instances share their CPUs: no 'cpus' list");
		p->cur_bad = true;
	}
	if (g->disk) {
		cfg_error_at(p, line, "instances cannot share a disk");
		p->cur_bad = true;
	}
}

/* Clones share the template's RAM: one vCPU, no state the template's RAM does not hold. */
static void cfg_check_clone(struct cfg_parser *p)
{
	struct config_guest *g = &p->cur;
	uint32_t line = cfg_key_line(p, CFG_KEY_CLONE);
	const char *why = g->vcpus != 1			      ? "one vCPU"
			  : g->pinned			      ? "shared CPUs (no 'cpus' list)"
			  : g->disk			      ? "no disk"
			  : (g->devices & CONFIG_DEV_PC)	      ? "no pc devices"
			  : g->redundancy != CONFIG_REDUNDANCY_NONE ? "no redundancy"
								      : NULL;
	if (!g->clone || !why)
		return;
	cfg_error_at(p, line, "clones need %s", why);
	p->cur_bad = true;
}

/* The guest kept so far (above in the file) named `name`, or NULL. */
static struct config_guest *cfg_kept_guest(struct cfg_parser *p, const char *name)
{
	for (uint32_t i = 0; i < p->out->guest_count; i++)
		if (!strcmp(p->out->guests[i].name, name))
			return &p->out->guests[i];
	return NULL;
}

/*
 * A duplex's batch guest runs on the standby's pCPU while the primary is
 * healthy: a shared guest of one instance defined above, nobody else's.
 */
static void cfg_check_batch(struct cfg_parser *p)
{
	const struct config_guest *b = cfg_kept_guest(p, p->cur.batch);
	const char *why = NULL;
	if (!b)
		why = "is not a guest defined above this one";
	else if (b->pinned || b->redundancy != CONFIG_REDUNDANCY_NONE || b->instances > 1)
		why = "must be a shared guest with one instance and no redundancy";
	else if (b->is_batch)
		why = "is already the batch guest of another duplex guest";
	if (why) {
		cfg_error_at(p, cfg_key_line(p, CFG_KEY_BATCH), "batch guest '%s' %s", p->cur.batch,
			     why);
		p->cur_bad = true;
	}
}

/*
 * A duplex guest is two guests; a hot standby is checkpointed, which covers
 * one vCPU, the UART and the debug-exit port so far (kernel/ha/duplex.h).
 */
static void cfg_check_redundancy(struct cfg_parser *p)
{
	struct config_guest *g = &p->cur;
	uint32_t line = cfg_key_line(p, CFG_KEY_REDUNDANCY);
	bool standby_keys = p->cur_keys & ((1U << CFG_KEY_STANDBY) | (1U << CFG_KEY_STANDBY_CPUS) |
					   (1U << CFG_KEY_EPOCH_MS) | (1U << CFG_KEY_WATCHDOG_MS) |
					   (1U << CFG_KEY_BATCH));
	const uint32_t read_here = (1U << CFG_KEY_REDUNDANCY) | (1U << CFG_KEY_STANDBY) |
				   (1U << CFG_KEY_STANDBY_CPUS) | (1U << CFG_KEY_CPUS) |
				   (1U << CFG_KEY_VCPUS) | (1U << CFG_KEY_INSTANCES) |
				   (1U << CFG_KEY_DEVICES) | (1U << CFG_KEY_DISK);
	const char *why = NULL;

	/* A bad value is reported alone, not again as a mismatch its default made. */
	if (p->cur_bad_keys & read_here)
		return;
	if (g->redundancy == CONFIG_REDUNDANCY_NONE) {
		if (standby_keys) {
			cfg_error_at(p, p->cur.line,
				     "guest '%s': standby settings need 'redundancy = duplex'",
				     g->name);
			p->cur_bad = true;
		}
		return;
	}
	if (config_voting(g)) {
		if (g->instances > 1)
			why = "has one instance";
		else if (p->cur_keys & ((1U << CFG_KEY_STANDBY) | (1U << CFG_KEY_STANDBY_CPUS) |
					(1U << CFG_KEY_EPOCH_MS) | (1U << CFG_KEY_BATCH)))
			why = "takes no 'standby', 'standby-cpus', 'epoch-ms' or 'batch' (duplex "
			      "only)";
		else if (!g->pinned || g->vcpus != 1)
			why = "has one vCPU and needs 'cpus' (a pCPU per replica)";
		else if (g->disk)
			why = "cannot yet resynchronise a disk";
		if (why) {
			cfg_error_at(p, line, "guest '%s': a %s guest %s", g->name,
				     config_redundancy_name(g), why);
			p->cur_bad = true;
		}
		return;
	}
	if (g->instances > 1)
		why = "a duplex guest has one instance";
	else if (!g->pinned || !g->standby_cpu_set)
		why = "a duplex guest needs 'cpus' (the primary's) and 'standby-cpus'";
	else if (g->vcpus != 1 || g->cpus[0] == g->standby_cpu)
		why = "a duplex guest has one vCPU, and its standby another pCPU";
	else if (g->standby_hot && g->disk)
		why = "a hot standby cannot yet checkpoint a disk";
	else if (p->cpu_count && g->standby_cpu >= p->cpu_count)
		why = "'standby-cpus' names a pCPU this machine does not have";
	if (why) {
		cfg_error_at(p, line, "guest '%s': %s", g->name, why);
		p->cur_bad = true;
		return;
	}
	/* The standby's pCPU is its own, as a pinned vCPU's is: the scheduler refuses a second. */
	if (cfg_cpu_taken(p, cfg_key_line(p, CFG_KEY_STANDBY_CPUS), g->standby_cpu))
		p->cur_bad = true;
	else if (g->batch[0])
		cfg_check_batch(p);
}

/* Close the current section: keep the guest or say it was dropped. */
static void cfg_keep_guest(struct cfg_parser *p)
{
	if (p->cur.batch[0]) { /* its batch guest goes on its standby's pCPU */
		struct config_guest *b = cfg_kept_guest(p, p->cur.batch);
		b->is_batch = true;
		b->batch_cpu = p->cur.standby_cpu;
	}
	p->out->guests[p->out->guest_count++] = p->cur;
}

static void cfg_end_section(struct cfg_parser *p)
{
	if (p->where != CFG_GUEST)
		return;
	if (!p->cur.image && !p->cur_bad) {
		cfg_error_at(p, p->cur.line, "guest '%s' has no image", p->cur.name);
		p->cur_bad = true;
	}
	/* Linux finds its timer and interrupts on the PC's PIC and PIT unless told otherwise. */
	if (p->cur.opts.kernel_only && !(p->cur_keys & (1U << CFG_KEY_DEVICES)))
		p->cur.devices |= CONFIG_DEV_PC;
	/* The disk is a device of the virtual PC: its interrupt and ACPI entry are the PC's. */
	if (p->cur.disk && !(p->cur.devices & CONFIG_DEV_PC) && !p->cur_bad) {
		cfg_error_at(p, cfg_key_line(p, CFG_KEY_DISK),
			     "a 'disk' needs the PC platform (devices = pc)");
		p->cur_bad = true;
	}
	cfg_check_placement(p);
	cfg_check_instances(p);
	cfg_check_clone(p);
	cfg_check_redundancy(p);
	/* Only a guest that would otherwise be kept is charged for its memory. */
	if (!p->cur_bad)
		cfg_check_memory(p);
	if (p->cur_bad)
		log_warn("cfg: %s:%u: guest '%s' skipped", p->file, (unsigned)p->cur.line,
			 p->cur.name);
	else
		cfg_keep_guest(p);
	p->where = CFG_SKIP;
}

bool cfg_name_ok(struct cfg_span name)
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
	p->cur.instances = 1;
	p->cur.standby_hot = true;
	p->cur.epoch_ms = CONFIG_EPOCH_MS_DEFAULT;
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
