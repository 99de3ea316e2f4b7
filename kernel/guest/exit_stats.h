/*
 * Per-guest exit statistics: names for exit kinds and the report of a
 * guest's counters (its vCPUs' stats, g->unclaimed_io, g->unclaimed_mmio, g->msr_gp).
 */
#ifndef SHOJI_KERNEL_EXIT_STATS_H
#define SHOJI_KERNEL_EXIT_STATS_H

#include "kernel/guest/vcpu.h"

struct guest;

/* Short stable name ("cpuid", "io", "msr-read", ...); "unknown" for a value out of range. */
const char *vcpu_exit_kind_name(enum vcpu_exit_kind kind);

/*
 * Log g's counters at info level: one line per exit kind taken at least once,
 * "stats: <guest> <kind> count=N cycles=N avg=N", then
 * "stats: <guest> unclaimed_io=N unclaimed_mmio=N msr_gp=N".
 */
void exit_stats_print(const struct guest *g);

#endif
