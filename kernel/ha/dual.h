/*
 * Dual redundancy: two replicas of one guest, started from the same image
 * on two pCPUs, run side by side. Their console lines are compared one by
 * one: a line is released once both printed it alike, so the outside sees
 * only agreed output. A replica that crashes, stops answering (watchdog:
 * no heartbeat while it should be running) or is failed from the console is
 * cut off and reported, and the survivor's lines go out alone from then on,
 * without a gap. Lines that differ without a fault are a divergence: it is
 * reported and the second replica is resynchronised from the first (its
 * RAM, vCPU and UART state copied at an exit of the first), which is
 * trusted as the primary; so is a second replica that ends on its own
 * while its primary runs. When the primary ends, the pair does.
 *
 * A replica that runs far ahead (DUAL_AHEAD_MAX lines unmatched) is paused
 * until the other catches up: the pair runs in lockstep on its output.
 * Replicas are named NAME and NAME-b; a survivor takes the name NAME.
 * Deterministic guests (the same output for the same input) only: the
 * replicas' clocks and interrupts are not synchronised.
 */
#ifndef SHOJI_KERNEL_HA_DUAL_H
#define SHOJI_KERNEL_HA_DUAL_H

#include <stdbool.h>

struct guest;

#define DUAL_AHEAD_MAX 64 /* unmatched lines a replica may be ahead by */

/*
 * Pair replica a (primary) with b, both built, not started; renames b to
 * NAME-b. watchdog_ms 0: no watchdog. 0, -ENOSPC, -ENOMEM, -EINVAL (more
 * than one vCPU: a resynchronisation copies one).
 */
int dual_create(struct guest *a, struct guest *b, unsigned watchdog_ms);

/* Start both replicas (a's pair; b's start is a no-op). 0 or -ENOENT. */
int dual_start(struct guest *g);

/* Every vCPU of g stopped (any CPU): a replica that crashed is cut off. */
void dual_guest_stopped(struct guest *g);

/* CPU 0, from housekeeping: resynchronisations to finish, cut-offs, watchdogs. */
void dual_poll(void);

/* Whether a pair still runs or has a replica's end still to handle. */
bool dual_busy(void);

/* "crash" or "hang" into replica g. 0, -EINVAL, -ENOENT (not a dual replica), -EAGAIN. */
int dual_fail(struct guest *g, const char *kind);

/* "primary", "secondary" or "cut off" for a replica, NULL for any other guest. */
const char *dual_role(const struct guest *g);

/* One line about g's pair for the console: lines agreed, divergences, cut-offs. */
void dual_describe(const struct guest *g, char *buf, unsigned size);

#endif
