/*
 * Kernel log: one line per call, prefixed with the time since boot (from the
 * TSC once it is calibrated), written to every console.
 */
#include "kernel/core/log.h"

#include <stdio.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "kernel/core/console.h"

#define LOG_LINE_MAX 512

static enum log_level current_level = LOG_INFO;
static uint64_t boot_tsc;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	if (level > current_level)
		return;

	char line[LOG_LINE_MAX];
	int n;
	uint64_t now = rdtsc();
	if (!boot_tsc)
		boot_tsc = now;
	if (tsc_hz()) {
		uint64_t us = tsc_to_ns(now - boot_tsc) / 1000;
		n = snprintf(line, sizeof(line), "[%5llu.%06llu] ",
			     (unsigned long long)(us / 1000000),
			     (unsigned long long)(us % 1000000));
	} else {
		n = snprintf(line, sizeof(line), "[    early   ] ");
	}
	int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2; /* truncated line still ends in a newline */
	line[n++] = '\n';
	console_write(line, n);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}
