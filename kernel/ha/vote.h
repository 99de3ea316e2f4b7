/*
 * Replicas that vote on their output: dual (two) and TMR (three). The
 * replicas of one guest start from the same image on their own pCPUs and
 * run side by side; their console lines are compared one by one and a line
 * is released once every replica still voting printed one: the line most
 * of them printed goes out, so the outside sees only agreed output. A
 * replica whose line differs from the released one is reported and rebuilt
 * from a good replica (its RAM, vCPU and UART state copied at an exit of the
 * primary, which is always a replica in the majority): with three, it was
 * outvoted; with two, there is no majority and the primary is trusted. So
 * is a replica that ends on its own while the primary runs. A replica that
 * crashes, stops answering (watchdog: no heartbeat while it should be
 * running) or is failed from the console is cut off and reported; the
 * others carry on without a gap, and the last one alone. A replica that
 * ends on its own has its end voted on like a line: the group ends when the
 * vote says so, and a replica that ended alone is rebuilt.
 *
 * A replica that runs far ahead (VOTE_AHEAD_MAX lines unmatched) is paused
 * until the others catch up: the group runs in lockstep on its output.
 * Replicas are named NAME (the primary), NAME-b and NAME-c; the names move
 * with the roles. Deterministic guests (the same output for the same input)
 * only: the replicas' clocks and interrupts are not synchronised.
 */
#ifndef SHOJI_KERNEL_HA_VOTE_H
#define SHOJI_KERNEL_HA_VOTE_H

#include <stdbool.h>

struct guest;

#define VOTE_REPLICAS_MAX 3  /* TMR */
#define VOTE_AHEAD_MAX	  64 /* unmatched lines a replica may be ahead by */

/*
 * Group n (2 or 3) replicas, built the same way on their own pCPUs and not
 * started; rep[0] becomes the primary, and all are renamed. watchdog_ms 0:
 * no watchdog. 0, -ENOSPC, -ENOMEM, -EINVAL (n out of range, or more than
 * one vCPU: a rebuild copies one).
 */
int vote_create(struct guest *const *rep, unsigned n, unsigned watchdog_ms);

/* Start every replica of g's group (the others' start is a no-op). 0 or -ENOENT. */
int vote_start(struct guest *g);

/* Every vCPU of g stopped (any CPU): vote_poll handles a replica's end. */
void vote_guest_stopped(struct guest *g);

/* CPU 0, from housekeeping: rebuilds to finish, cut-offs, watchdogs. */
void vote_poll(void);

/* Whether a group has a replica's end or a rebuild still to handle. */
bool vote_busy(void);

/*
 * Whether g's group runs on: one of its replicas may have ended while the
 * vote on its end is still open. False for any other guest.
 */
bool vote_running(const struct guest *g);

/* Stop the whole group of g (the console's stop). 0, -ENOENT, -EALREADY. */
int vote_stop(struct guest *g);

/*
 * "crash" or "hang" into replica g. 0, -EINVAL, -ENOENT (not a voting
 * replica), -EAGAIN (it is not running, is cut off, or a rebuild is under
 * way).
 */
int vote_fail(struct guest *g, const char *kind);

/* "primary", "secondary", "rebuilding" or "cut off"; NULL for any other guest. */
const char *vote_role(const struct guest *g);

/* One line about g's group for the console: lines agreed, divergences, cut-offs. */
void vote_describe(const struct guest *g, char *buf, unsigned size);

#endif
