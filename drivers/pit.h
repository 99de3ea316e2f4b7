/*
 * i8254 programmable interval timer: channel 2 as a gated busy-wait for
 * calibrating other clocks, and channel 0 silenced so it raises no IRQ 0.
 */
#ifndef SHOJI_DRIVERS_PIT_H
#define SHOJI_DRIVERS_PIT_H

#include "kernel/core/types.h"

/* Input clock of every channel: 14.31818 MHz / 12 (82C54 on PC platforms). */
#define PIT_HZ 1193182ULL

/* Longest single channel-2 wait: 65535 ticks is ~54.9 ms; pit_wait_us loops in 50 ms chunks. */
#define PIT_MAX_TICKS 0xffffU

/*
 * Busy-wait for ticks PIT input clocks (1..PIT_MAX_TICKS; 0 returns at once).
 * Returns 0, -ENODEV if channel 2's output never went low (no PIT behind
 * ports 0x42/0x61) or -ETIMEDOUT if it never reached terminal count.
 */
int pit_wait_ticks(uint16_t ticks);

/* Busy-wait for us microseconds (any length, in <= 50 ms steps). Same returns. */
int pit_wait_us(uint32_t us);

/* Put channel 0 in mode 0 without loading a count: it never fires IRQ 0. */
void pit_disable(void);

#endif
