/* set's settings: weight=, cap=, cpus=, vcpus=, memory= checked as the config checks its keys (see
 * shell_settings.h). */
#include "kernel/mgmt/shell_settings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/core/types.h"
#include "kernel/mgmt/shell_text.h"

/* key=N with N in 1..max: the value, or -EINVAL / -ERANGE with the reason in @why. */
static int shell_set_count(const char *key, const char *v, uint32_t max, uint32_t *out, char *why)
{
	char q[SHELL_QUOTE_MAX + 4];
	uint64_t n;
	bool big;

	if (!shell_parse_num(v, strlen(v), max, &n, &big)) {
		snprintf(why, SHELL_WHY_MAX, "bad %s '%s'", key, shell_quote(v, q));
		return -EINVAL;
	}
	if (big || n < 1) {
		snprintf(why, SHELL_WHY_MAX, "%s '%s' out of range (1..%u)", key, shell_quote(v, q),
			 (unsigned)max);
		return -ERANGE;
	}
	*out = (uint32_t)n;
	return 0;
}

/* memory=N[K|M|G]: whole MiBs in the config's range (memory is added in whole MiBs). */
static int shell_set_memory(const char *v, struct shell_settings *st, char *why)
{
	char q[SHELL_QUOTE_MAX + 4];
	size_t len = strlen(v);
	uint64_t n, scale = 1;
	bool big;

	if (len && (v[len - 1] == 'K' || v[len - 1] == 'k'))
		scale = 1ULL << 10;
	else if (len && (v[len - 1] == 'M' || v[len - 1] == 'm'))
		scale = SZ_1M;
	else if (len && (v[len - 1] == 'G' || v[len - 1] == 'g'))
		scale = SZ_1G;
	if (scale != 1)
		len--;
	if (!shell_parse_num(v, len, SHELL_MEM_MAX, &n, &big)) {
		snprintf(why, SHELL_WHY_MAX, "bad memory size '%s'", shell_quote(v, q));
		return -EINVAL;
	}
	if (big || n * scale < SHELL_MEM_MIN || n * scale > SHELL_MEM_MAX) {
		snprintf(why, SHELL_WHY_MAX, "memory size '%s' out of range (1M..1G)",
			 shell_quote(v, q));
		return -ERANGE;
	}
	if (!IS_ALIGNED(n * scale, SZ_1M)) {
		snprintf(why, SHELL_WHY_MAX, "memory size '%s' is not whole MiBs", shell_quote(v, q));
		return -EINVAL;
	}
	st->mem_bytes = n * scale;
	return 0;
}

/* cap=N or N%, 1..100, or none (config.h's cap key). */
static int shell_set_cap(const char *v, struct shell_settings *st, char *why)
{
	char q[SHELL_QUOTE_MAX + 4];
	size_t n = strlen(v);
	uint64_t pct;
	bool big;

	if (!strcmp(v, "none")) {
		st->cap_pct = 0;
		return 0;
	}
	if (n > 0 && v[n - 1] == '%')
		n--;
	if (!shell_parse_num(v, n, SHELL_CAP_MAX, &pct, &big)) {
		snprintf(why, SHELL_WHY_MAX, "bad cap '%s' (expected a percentage 1..100, or none)",
			 shell_quote(v, q));
		return -EINVAL;
	}
	if (big || pct < 1) {
		snprintf(why, SHELL_WHY_MAX, "cap '%s' out of range (1%%..100%%)",
			 shell_quote(v, q));
		return -ERANGE;
	}
	st->cap_pct = (uint32_t)pct;
	return 0;
}

/* One pCPU more for cpus=LIST: in range, not the console's, not listed yet. */
static int shell_set_pin(struct shell_settings *st, uint64_t cpu, char *why)
{
	if (st->cpu_count == SHELL_CPUS_MAX) {
		snprintf(why, SHELL_WHY_MAX, "cpus lists more than %u CPUs", SHELL_CPUS_MAX);
		return -E2BIG;
	}
	if (cpu >= SHELL_PCPU_LIMIT) {
		snprintf(why, SHELL_WHY_MAX, "CPU %llu out of range (0..%u)",
			 (unsigned long long)cpu, SHELL_PCPU_LIMIT - 1);
		return -ERANGE;
	}
	if (cpu == SHELL_CONSOLE_CPU) {
		snprintf(why, SHELL_WHY_MAX,
			 "CPU %u runs the management console and cannot be pinned",
			 SHELL_CONSOLE_CPU);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < st->cpu_count; i++) {
		if (st->cpus[i] == cpu) {
			snprintf(why, SHELL_WHY_MAX, "CPU %u listed twice", (unsigned)cpu);
			return -EINVAL;
		}
	}
	st->cpus[st->cpu_count++] = (uint32_t)cpu;
	return 0;
}

/* cpus=shared, or pCPUs one per vCPU: "1,3", "2-3", "1,4-6" (config.h's cpus key). */
static int shell_set_cpus(const char *v, struct shell_settings *st, char *why)
{
	char q[SHELL_QUOTE_MAX + 4];
	const char *item = v;

	st->cpu_count = 0;
	st->pinned = false;
	if (!strcmp(v, "shared"))
		return 0;
	for (;;) {
		const char *comma = strchr(item, ',');
		size_t n = comma ? (size_t)(comma - item) : strlen(item);
		const char *dash = memchr(item, '-', n);
		size_t first = dash ? (size_t)(dash - item) : n;
		uint64_t lo, hi;
		bool big_lo, big_hi;

		if (!shell_parse_num(item, first, SHELL_PCPU_LIMIT, &lo, &big_lo) ||
		    !shell_parse_num(dash ? dash + 1 : item, dash ? n - first - 1 : n,
				     SHELL_PCPU_LIMIT, &hi, &big_hi)) {
			snprintf(why, SHELL_WHY_MAX,
				 "bad cpus value '%s' (expected shared, or CPUs like 1,3 or 2-3)",
				 shell_quote(v, q));
			return -EINVAL;
		}
		if (big_lo) {
			char cpu[SHELL_QUOTE_MAX + 4];

			snprintf(why, SHELL_WHY_MAX, "CPU '%s' out of range (0..%u)",
				 shell_mask(item, first, SHELL_QUOTE_MAX, cpu),
				 SHELL_PCPU_LIMIT - 1);
			return -ERANGE;
		}
		if (lo > hi) {
			char range[SHELL_QUOTE_MAX + 4];

			snprintf(why, SHELL_WHY_MAX, "bad CPU range '%s'",
				 shell_mask(item, n, SHELL_QUOTE_MAX, range));
			return -EINVAL;
		}
		/* Ends within SHELL_CPUS_MAX + 1 steps: shell_set_pin fails past that. */
		for (uint64_t cpu = lo;; cpu++) {
			int ret = shell_set_pin(st, cpu, why);

			if (ret)
				return ret;
			if (cpu == hi)
				break;
		}
		if (!comma)
			break;
		item = comma + 1;
	}
	st->pinned = true;
	return 0;
}

/*
 * The words after set's guest: key=value each, every key at most once.
 * 0, or -errno with the reason in @why.
 */
int shell_parse_settings(char *rest, struct shell_settings *st, char *why)
{
	char q[SHELL_QUOTE_MAX + 4];
	char *word;

	memset(st, 0, sizeof(*st));
	while ((word = shell_next_word(&rest))) {
		char *eq = strchr(word, '=');
		bool *seen;
		int ret;

		if (eq)
			*eq = '\0';
		if (eq && !strcmp(word, "weight"))
			seen = &st->has_weight;
		else if (eq && !strcmp(word, "cap"))
			seen = &st->has_cap;
		else if (eq && !strcmp(word, "cpus"))
			seen = &st->has_cpus;
		else if (eq && !strcmp(word, "vcpus"))
			seen = &st->has_vcpus;
		else if (eq && !strcmp(word, "memory"))
			seen = &st->has_memory;
		else {
			if (eq)
				*eq = '=';
			snprintf(why, SHELL_WHY_MAX,
				 "bad setting '%s' (expected weight=N, cap=N%%|none, "
				 "cpus=shared|LIST, vcpus=N or memory=SIZE)",
				 shell_quote(word, q));
			return -EINVAL;
		}
		if (*seen) {
			snprintf(why, SHELL_WHY_MAX, "%s given twice", word);
			return -EINVAL;
		}
		*seen = true;
		if (seen == &st->has_weight) /* config.h's weight key */
			ret = shell_set_count("weight", eq + 1, SHELL_WEIGHT_MAX, &st->weight, why);
		else if (seen == &st->has_cap)
			ret = shell_set_cap(eq + 1, st, why);
		else if (seen == &st->has_vcpus) /* the guest's own count is the op's check */
			ret = shell_set_count("vcpus", eq + 1, SHELL_CPUS_MAX, &st->vcpus, why);
		else if (seen == &st->has_memory)
			ret = shell_set_memory(eq + 1, st, why);
		else
			ret = shell_set_cpus(eq + 1, st, why);
		if (ret)
			return ret;
	}
	return 0;
}
