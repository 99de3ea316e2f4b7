/*
 * Duplex redundancy: a guest runs as the active replica of a pair on one
 * pCPU while its standby waits on another.
 *
 * Hot standby (Remus-style, in one machine): every epoch the active
 * replica's only vCPU stops at an exit, and the checkpoint (the pages
 * written since the last one, tracked through EPT/NPT write protection,
 * the vCPU's state and the UART's) goes out as a replication stream
 * (repl_stream.h) whose receiver writes it into the standby. The guest's
 * console lines of an epoch are held and released only once the checkpoint
 * that covers them is committed. When the active replica fails (a crash,
 * a missed heartbeat, a failure injected from the console) the standby
 * resumes from the last committed checkpoint: nothing released is lost or
 * repeated, and what the failed epoch printed is printed again by the
 * standby as it redoes the work. The failed replica becomes the new standby,
 * brought up to date by a full copy at the next checkpoint.
 *
 * Cold standby: the standby waits; on failure it is built from the image
 * and starts from scratch, and the failed replica waits as the next standby.
 *
 * A batch guest may use the standby's pCPU while the standby waits: it gives
 * the CPU up when the standby takes over and follows the standby role.
 *
 * Replicas are named NAME (the active one) and NAME-standby; the names move
 * with the roles, so the console always reaches the active one by NAME.
 */
#ifndef SHOJI_KERNEL_HA_DUPLEX_H
#define SHOJI_KERNEL_HA_DUPLEX_H

#include <stdbool.h>
#include <stddef.h>

struct guest;

struct duplex_params {
	bool hot;
	unsigned epoch_ms;    /* hot: checkpoint interval */
	unsigned watchdog_ms; /* 0: no watchdog */
	/* Build g again from its image, not started (mgmt's loader): a standby that has no
	 * checkpoint to resume starts from there. 0 or -errno. */
	int (*reload)(struct guest *g);
	/*
	 * NULL, or a guest whose vCPUs run on the standby's pCPU meanwhile (batch
	 * entities, sched.h): on failover it is paused before the standby starts,
	 * then moved to the failed replica's pCPU (the new standby's) and resumed.
	 */
	struct guest *batch;
};

/*
 * Pair `active` (built, not started) with `standby` (built the same way on
 * another pCPU, never started). Names them NAME and NAME-standby. 0,
 * -ENOMEM, -EINVAL (a hot standby for a guest with more than one vCPU).
 */
int duplex_create(struct guest *active, struct guest *standby, const struct duplex_params *p);

/* Start the pair's active replica (its first checkpoint is a full copy). 0 or -errno. */
int duplex_start(struct guest *active);

/* Every vCPU of g stopped (any CPU): an active replica's end is handled by duplex_poll. */
void duplex_guest_stopped(struct guest *g);

/* CPU 0, from housekeeping: failovers to do, watchdogs to check. */
void duplex_poll(void);

/*
 * Whether g's pair runs on: its active replica runs, or a failover is under
 * way. False for any other guest.
 */
bool duplex_running(const struct guest *g);

/* Whether a pair still runs or is between a failure and its failover (a test run goes on). */
bool duplex_busy(void);

/*
 * Inject a failure into g's pair (g either replica's name): "crash" stops the
 * active replica as a fault would; "hang" stops it running without telling
 * anyone (only the watchdog notices). 0, -EINVAL (unknown kind, or a hang
 * with no watchdog), -ENOENT (not a duplex guest), -EAGAIN (a failover is
 * under way).
 */
int duplex_fail(struct guest *g, const char *kind);

/*
 * A pCPU failed (sched_fail_cpu; its guests are stopped as crashed): a pair
 * whose standby was there has none from now on; its primary runs on
 * unprotected, and a failure of it ends the guest. CPU 0.
 */
void duplex_cpu_failed(void);

/* A planned switch-over: the standby takes over after the next checkpoint. */
int duplex_failover(struct guest *g);

/* "primary" or "standby" for a replica of a pair, NULL for any other guest. */
const char *duplex_role(const struct guest *g);

/* One line about g's role and its pair's figures, for the console. */
void duplex_describe(const struct guest *g, char *buf, size_t size);

#endif
