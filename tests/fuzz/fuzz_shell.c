/* fuzz-sources: kernel/mgmt/shell.c kernel/mgmt/shell_input.c kernel/mgmt/shell_text.c kernel/mgmt/shell_settings.c kernel/core/parse_num.c */
/*
 * libFuzzer: the management console's command layer fed arbitrary input as
 * one command line, as a boot script and byte by byte through the line
 * editor. The input's first byte picks what the fake operations answer
 * (0, an errno, and for set a reason text of its own).
 *
 * After every call: each output line is printable ASCII and fits a message;
 * a guest name handed to an operation is 1..31 characters of [A-Za-z0-9_-];
 * the settings handed to set are within the config keys' ranges (weight
 * 1..1000, cap 0..100, at most 8 distinct pCPUs, none the console's, below
 * 64, pinned exactly when a list was given) and at least one is given; the
 * line editor never holds more than a line. ASan/UBSan catch the rest.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest/guest.h"
#include "kernel/mgmt/shell.h"

#define MSG_MAX 512 /* longer than any message the shell builds (SHELL_MSG_MAX) */

static int answer;	   /* what the operations return */
static bool answer_why;	   /* set fills in a reason of its own */
static unsigned set_calls; /* for the corpus' sake: reached */

static void check_text(const char *text)
{
	size_t n = strlen(text);
	if (n >= MSG_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f)
			abort();
}

static void check_guest(const char *g)
{
	size_t n = strlen(g);
	if (n == 0 || n >= GUEST_NAME_MAX)
		abort();
	if (strspn(g, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		abort();
}

static void out(void *ctx, const char *text)
{
	check_text(text);
}

static void put(void *ctx, const char *text)
{
	/* The echo: printable bytes, the prompt, a line end or an erase. */
	for (const char *c = text; *c; c++)
		if (((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) && *c != '\r' &&
		    *c != '\n' && *c != '\b')
			abort();
}

static int op_none(void *ctx)
{
	return answer;
}

static int op_guest(void *ctx, const char *g)
{
	check_guest(g);
	return answer;
}

static int op_opt_guest(void *ctx, const char *g)
{
	if (g)
		check_guest(g);
	return answer;
}

static int op_sleep(void *ctx, uint32_t ms)
{
	if (ms > SHELL_SLEEP_MAX)
		abort();
	return answer;
}

static int op_set(void *ctx, const char *g, const struct shell_settings *st, char *why)
{
	check_guest(g);
	set_calls++;
	if (why[0] ||
	    !(st->has_weight || st->has_cap || st->has_cpus || st->has_vcpus || st->has_memory))
		abort();
	if (st->has_vcpus && (st->vcpus < 1 || st->vcpus > SHELL_CPUS_MAX))
		abort();
	if (st->has_memory && (st->mem_bytes < SHELL_MEM_MIN || st->mem_bytes > SHELL_MEM_MAX ||
			       st->mem_bytes % (1u << 20)))
		abort();
	if (st->has_weight && (st->weight < 1 || st->weight > SHELL_WEIGHT_MAX))
		abort();
	if (st->has_cap && st->cap_pct > SHELL_CAP_MAX)
		abort();
	if (st->has_cpus && st->pinned != (st->cpu_count > 0))
		abort();
	if (st->cpu_count > SHELL_CPUS_MAX || (!st->has_cpus && st->cpu_count))
		abort();
	for (uint32_t i = 0; i < st->cpu_count; i++) {
		if (st->cpus[i] == SHELL_CONSOLE_CPU || st->cpus[i] >= SHELL_PCPU_LIMIT)
			abort();
		for (uint32_t j = 0; j < i; j++)
			if (st->cpus[i] == st->cpus[j])
				abort();
	}
	if (answer && answer_why) /* the longest reason it may give, unterminated at its end */
		memset(why, 'r', SHELL_WHY_MAX);
	return answer;
}

static const struct shell_ops ops = {
    .out = out,
    .put = put,
    .list = op_none,
    .info = op_guest,
    .stats = op_opt_guest,
    .start = op_guest,
    .stop = op_guest,
    .restart = op_guest,
    .pause = op_guest,
    .resume = op_guest,
    .sleep_ms = op_sleep,
    .wait = op_guest,
    .set = op_set,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	answer = (data[0] & 0x80) ? -(int)(data[0] & 0x3f) : 0;
	answer_why = data[0] & 0x40;
	data++;
	size--;

	/* One command line, exactly as long as the input (no NUL but its end). */
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	shell_execute(line, &ops, NULL);
	free(line);

	/* A script: exactly size bytes, not terminated. */
	char *script = malloc(size ? size : 1);
	if (!script)
		return 0;
	memcpy(script, data, size);
	shell_run_script(script, size, &ops, NULL);
	free(script);

	struct shell_input in;
	shell_input_init(&in, &ops, NULL);
	for (size_t i = 0; i < size; i++) {
		shell_input_byte(&in, data[i], &ops, NULL);
		if (in.len > SHELL_LINE_MAX)
			abort();
	}
	return 0;
}
