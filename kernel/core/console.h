/*
 * The hypervisor's console: every line goes to COM1 and, when there is one,
 * the framebuffer. Output is serialized by one lock so lines from different
 * CPUs never interleave mid-line.
 */
#ifndef SHOJI_KERNEL_CONSOLE_H
#define SHOJI_KERNEL_CONSOLE_H

#include <stddef.h>

struct boot_framebuffer;

void console_init_serial(void);
void console_init_framebuffer(const struct boot_framebuffer *fb);
void console_write(const char *s, size_t len);

#endif
