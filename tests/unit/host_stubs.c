/*
 * What kernel modules expect from the rest of the kernel, for host unit tests:
 * the log goes to stderr so a failing test shows the module's own messages.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kernel/core/log.h"

static enum log_level current_level = LOG_DEBUG;

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
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}
