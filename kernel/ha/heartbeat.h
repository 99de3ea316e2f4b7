/*
 * The watchdog's question, asked the same way by every redundancy scheme:
 * has a guest missed its heartbeat (HC_HEARTBEAT) for longer than a limit?
 */
#ifndef SHOJI_KERNEL_HA_HEARTBEAT_H
#define SHOJI_KERNEL_HA_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "kernel/guest/guest.h"

/*
 * The beat is read before the clock, and the difference taken signed: a
 * beat another CPU records meanwhile (or a TSC a little ahead there) is
 * not "late" by an unsigned wrap-around.
 */
static inline bool heartbeat_late(const struct guest *g, uint64_t limit_tsc)
{
	uint64_t beat = g->heartbeat_tsc;
	return (int64_t)(rdtsc() - beat) > (int64_t)limit_tsc;
}

#endif
