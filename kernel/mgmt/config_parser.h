/*
 * Internals shared by the config parser's two halves: config.c (lines,
 * sections, cross-key checks) and config_values.c (one value per key).
 * Not part of the kernel's interface: only those two files include it.
 */
#ifndef SHOJI_KERNEL_CONFIG_PARSER_H
#define SHOJI_KERNEL_CONFIG_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/mgmt/config.h"

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
_Static_assert(CONFIG_MODULES_MAX == 8 && CONFIG_MODULE_STRING_MAX == 191,
	       "update the module messages");
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
	CFG_KEY_KERNEL,
	CFG_KEY_INITRD,
	CFG_KEY_MODULE, /* the one key given more than once */
	CFG_KEY_DISK,
	CFG_KEY_INSTANCES,
	CFG_KEY_REDUNDANCY,
	CFG_KEY_STANDBY,
	CFG_KEY_STANDBY_CPUS,
	CFG_KEY_EPOCH_MS,
	CFG_KEY_WATCHDOG_MS,
	CFG_KEY_BATCH,
	CFG_KEY_CLONE,
	CFG_KEY_COUNT,
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

struct cfg_span cfg_trim(struct cfg_span s);
bool cfg_span_is(struct cfg_span s, const char *word);
/* A guest name: 1..GUEST_NAME_MAX-1 of [A-Za-z0-9_-]. */
bool cfg_name_ok(struct cfg_span name);
/* A printable, bounded copy of @s for messages. */
const char *cfg_quote(struct cfg_span s, char buf[CFG_QUOTE_MAX + 4]);
/* Log "cfg: FILE:LINE: message" and count the error. */
void cfg_error_at(struct cfg_parser *p, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define cfg_error(p, ...) cfg_error_at((p), (p)->line, __VA_ARGS__)

/* config_values.c */
/* Check and store the value @v of guest key @key into p->cur; 0 or -EINVAL (logged). */
int cfg_parse_value(struct cfg_parser *p, enum cfg_key key, struct cfg_span v);
/* The loaded module named exactly @v, or NULL. */
const struct boot_module *cfg_find_module(struct cfg_parser *p, struct cfg_span v);
/* "s" unless n is 1. */
const char *cfg_plural(uint64_t n);
/*
 * Is pCPU @cpu a kept guest's own (a vCPU of it pinned there, or its duplex
 * standby)? If so, say whose at @line and return true.
 */
bool cfg_cpu_taken(struct cfg_parser *p, uint32_t line, uint64_t cpu);

#endif
