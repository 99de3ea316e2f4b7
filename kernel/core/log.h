/*
 * Kernel log: levels, TSC timestamps, one line per call. Messages carry
 * their module's prefix in the format ("acpi: ..."). Output goes to every
 * console (COM1, framebuffer). Formats carry no trailing newline.
 */
#ifndef SHOJI_KERNEL_LOG_H
#define SHOJI_KERNEL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* Lines above this level are dropped (command line: loglevel=err|warn|info|debug). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(enum log_level level, const char *fmt, va_list ap);

#define log_err(...)   log_printf(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
