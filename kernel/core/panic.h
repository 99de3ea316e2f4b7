/*
 * panic(): the hypervisor's own invariant is broken. Prints the reason, the
 * caller's registers and a stack trace, stops every CPU. BUG_ON guards
 * hypervisor invariants only; never use it on guest- or user-controlled input.
 */
#ifndef SHOJI_KERNEL_PANIC_H
#define SHOJI_KERNEL_PANIC_H

#include <stdbool.h>

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
bool panic_in_progress(void);

#define BUG_ON(cond)                                                                               \
	do {                                                                                       \
		if (__builtin_expect(!!(cond), 0))                                                 \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond);                      \
	} while (0)

#endif
