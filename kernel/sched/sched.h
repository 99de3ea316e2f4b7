/*
 * The scheduler: every physical CPU runs the entities (vCPUs) homed on it.
 *  - Pinned entities own their CPU: no time slicing, no ticks.
 *  - Shared entities share their CPU by weight (weighted fair queueing on
 *    virtual run time, kernel/sched/runqueue.c: O(log n) per decision), with
 *    an optional cap; time slices end through the backend's guest timer
 *    (VMX-preemption timer) or the local APIC timer.
 *  - An entity blocks until something wakes it (or its wake deadline); yield
 *    ends a slice.
 * Placement picks the least loaded allowed CPU; an entity changes CPU only
 * when told to (sched_move: the console's `set cpus`), never by itself.
 *
 * The scheduler knows nothing of guests: it calls the run function given to
 * sched_init (kernel/vm's vCPU run loop), which runs an entity until the
 * CPU's work flag is raised (a wake-up, a timer, a request, a block or a
 * yield) and then returns here.
 */
#ifndef SHOJI_KERNEL_SCHED_H
#define SHOJI_KERNEL_SCHED_H

#include "kernel/core/types.h"
#include "kernel/sched/runqueue.h"

#define SCHED_SLICE_US		10000 /* time slice of shared entities */
#define SCHED_DEFAULT_WEIGHT	100
#define SCHED_CAP_WINDOW_SLICES 10   /* caps are enforced over this many slices */
#define SCHED_TIMER_VECTOR	0xef /* local APIC timer: slice ends and housekeeping ticks */

enum sched_state {
	SCHED_STOPPED = 0, /* not started, or its guest stopped */
	SCHED_RUNNABLE,	   /* in its home CPU's run queue */
	SCHED_RUNNING,
	SCHED_BLOCKED, /* waits for sched_wake (HLT) */
	SCHED_PARKED,  /* paused, or throttled by its cap until its window ends */
};

/* What the scheduler knows of a vCPU; embedded in struct vcpu. */
struct sched_entity {
	enum sched_state state;	     /* written by the home CPU, or under its run-queue lock */
	unsigned cpu;		     /* home CPU; changes under the old and new CPUs' locks */
	bool pinned;		     /* owns its CPU exclusively */
	bool batch;		     /* shared, but may go beside a pinned one (sched_move) */
	uint32_t weight;	     /* share among the shared entities of its CPU */
	uint32_t cap_pct;	     /* at most this % of one CPU; 0: no cap */
	struct rq_node rq;	     /* key: virtual run time (run time scaled by 1/weight) */
	uint64_t runtime;	     /* TSC cycles of its runs */
	volatile uint64_t run_since; /* TSC when the current run began; 0 while not running */
	uint64_t cap_window_start, cap_window_used;
	uint64_t wake_deadline; /* TSC: a blocked entity wakes then (0: only by sched_wake) */
	bool wake_pending; /* sched_notify reached it running: its next sched_block returns at once
			    */
	struct rq_node timer_node; /* in the home CPU's timer heap while blocked with a deadline */
};

/*
 * Set up per-CPU state (boot CPU, before entities exist). `run` runs one
 * entity; `reload` gives a running entity its CPU state back after a
 * request for another entity ran in the middle of its run (sched_on_cpu).
 */
void sched_init(void (*run)(struct sched_entity *se), void (*reload)(struct sched_entity *se));

/*
 * Give se a home CPU: `pinned_cpu` >= 0 pins it there (the CPU must be
 * online and not used by anyone else); -1 places it on the least loaded
 * online CPU that has no pinned entity. Returns the CPU or -errno.
 */
int sched_place(struct sched_entity *se, int pinned_cpu, uint32_t weight, uint32_t cap_pct);

/*
 * Undo sched_place, on se's home CPU (sched_on_cpu) between runs: se leaves
 * the run queue, the timer heap and the throttled list, and the CPU's load
 * and pinning forget it, so that its storage may be freed. se must be
 * stopped for good (its guest ended): nothing may wake it again.
 */
void sched_unplace(struct sched_entity *se);

/*
 * Run fn(arg) on `cpu` and wait: VMCS/VMCB work must happen on a vCPU's
 * home CPU. The request is posted to that CPU and run by its scheduler
 * between two runs, never inside another vCPU's exit handling (on the
 * calling CPU itself it runs at once, and the running entity is reloaded).
 * 0, or -ETIMEDOUT / -ENODEV when the CPU does not answer.
 */
int sched_on_cpu(unsigned cpu, void (*fn)(void *), void *arg);

/*
 * Give a shared se a new weight and cap (0: none) from the next run on:
 * done on its home CPU between runs. Its virtual lag is rescaled, so the
 * time it is owed stays owed; a throttled se whose budget the new cap
 * allows runs again at once. 0, -EINVAL (pinned se, weight 0, cap > 100),
 * or sched_on_cpu's error.
 */
int sched_set_share(struct sched_entity *se, uint32_t weight, uint32_t cap_pct);

/*
 * The least loaded online CPU no entity is pinned to (where a shared entity
 * goes), leaving out those whose bit is set in `avoid`; -1 if none is left.
 */
int sched_shared_cpu(uint64_t avoid);

/*
 * Re-home se to CPU `to`, pinned or shared (a pinned entity loses its cap).
 * Called on se's home CPU from a request (sched_on_cpu), so se is in no
 * run: it leaves the old CPU's run queue, timer heap and throttled list and
 * joins the new CPU's in the same state, its virtual lag kept. `release`
 * (may be NULL) runs on the old CPU between the two, under both CPUs'
 * run-queue locks, to move the backend's per-CPU state (the vCPU's VMCS).
 * -EAGAIN if called elsewhere or se is in a run here, -ENODEV for a CPU not
 * online, -EBUSY if `to` has a pinned entity (unless se is a batch entity,
 * which shares a pinned CPU with its owner: a duplex standby that waits), or
 * any entity when pinning.
 */
int sched_move(struct sched_entity *se, unsigned to, bool pinned,
	       void (*release)(struct sched_entity *se));

/*
 * A simulated physical-CPU failure: from now on nothing is placed on or
 * moved to `cpu` (the caller stops what runs there). 0, -ENODEV (no such
 * CPU online), -EALREADY.
 */
int sched_fail_cpu(unsigned cpu);
bool sched_cpu_failed(unsigned cpu);

/* Make se runnable on its home CPU (start, wake-up, resume) if it was not. */
void sched_wake(struct sched_entity *se);

/* Make se's home CPU come back to the scheduler soon (stop, pause, a request for se). */
void sched_kick(struct sched_entity *se);

/*
 * Something changed that se must look at (its guest stopped, an interrupt
 * is pending for it): a blocked or parked se is woken; a running or runnable
 * one is kicked, and a sched_block it is about to make returns at once, so
 * the news is never lost between its last look and its block. A stopped se
 * stays stopped. Any CPU.
 */
void sched_notify(struct sched_entity *se);

/*
 * On se's home CPU while it runs: block it (until sched_wake, sched_notify or
 * wake_deadline), yield; it stays runnable if a sched_notify came first.
 */
void sched_block(struct sched_entity *se, uint64_t wake_deadline);
void sched_yield(struct sched_entity *se);

/* Whether se's run function is under way on the calling CPU (se is in its exit handling). */
bool sched_running_here(const struct sched_entity *se);

/*
 * The calling CPU's work flag: raised when its run loop must return to the
 * scheduler. The run loop tests it before every entry: one load.
 */
volatile bool *sched_work_flag(void);

/*
 * For the run function: the TSC at which the run that began at `start`
 * must end (slice end when others wait or on CPU 0, cap budget, the first
 * wake deadline of an entity blocked on its CPU), 0 for none.
 */
uint64_t sched_run_deadline(const struct sched_entity *se, uint64_t start);

/*
 * For run functions whose backend has no guest timer: one local APIC timer
 * interrupt at `deadline` (TSC; 0 stops it). It raises the work flag.
 */
void sched_cpu_timer(uint64_t deadline);

/*
 * Housekeeping run on CPU 0 between slices (management console, end of a
 * test run): at least every SCHED_SLICE_US while CPU 0 is busy or idle.
 */
void sched_set_housekeeping(void (*fn)(void));

/* The scheduling loop of the calling CPU; never returns. */
void sched_idle_loop(void) __attribute__((noreturn));

/* TSC cycles se has run, including a run in progress (any CPU may ask). */
uint64_t sched_runtime(const struct sched_entity *se);

struct sched_cpu_stats {
	uint64_t busy_cycles;		  /* running entities */
	uint64_t idle_cycles;		  /* halted, nothing to run */
	uint64_t since;			  /* TSC when the counters started */
	unsigned entities;		  /* homed here */
	uint64_t switches, switch_cycles; /* entity to another entity, end of run to next start */
	bool pinned;			  /* owned by one pinned entity */
};

void sched_get_cpu_stats(unsigned cpu, struct sched_cpu_stats *out);

#endif
