/*
 * The scheduler: every physical CPU runs the vCPUs homed on it.
 *  - Pinned vCPUs own their CPU: no time slicing, no ticks.
 *  - Shared vCPUs share their CPU by weight (weighted fair queueing on
 *    virtual run time, kernel/runqueue.c: O(log n) per decision), with an
 *    optional cap; time slices end through the backend's guest timer
 *    (VMX-preemption timer) or the local APIC timer.
 *  - HLT blocks a vCPU until an event is pending for it; yield ends a slice.
 * vCPUs never migrate: placement picks the least loaded allowed CPU once.
 */
#ifndef SHOJI_KERNEL_SCHED_H
#define SHOJI_KERNEL_SCHED_H

#include "kernel/vcpu.h"

#define SCHED_SLICE_US		10000 /* time slice of shared vCPUs */
#define SCHED_DEFAULT_WEIGHT	100
#define SCHED_CAP_WINDOW_SLICES 10   /* caps are enforced over this many slices */
#define SCHED_TIMER_VECTOR	0xef /* local APIC timer: slice ends and housekeeping ticks */

/* Set up per-CPU scheduling state (boot CPU, before guests exist). */
void sched_init(void);

/*
 * Give v a home CPU: `pinned_cpu` >= 0 pins it there (the CPU must be
 * online and not used by anyone else); -1 places it on the least loaded
 * online CPU that has no pinned vCPU. Returns the CPU or -errno.
 */
int sched_place(struct vcpu *v, int pinned_cpu, uint32_t weight, uint32_t cap_pct);

/* Run fn(arg) on `cpu` and wait (VMCS/VMCB work must happen on a vCPU's home CPU). */
int sched_on_cpu(unsigned cpu, void (*fn)(void *), void *arg);

/* Make v runnable on its home CPU (start, HLT wake-up, resume); kicks that CPU. */
void sched_wake(struct vcpu *v);

/* Ask v's home CPU to look at v again soon (stop or pause requested from elsewhere). */
void sched_kick(struct vcpu *v);

/* Exit policy hooks, on v's home CPU while it runs. */
void sched_block(struct vcpu *v); /* HLT without a pending event */
void sched_yield(struct vcpu *v);

/*
 * Housekeeping run on CPU 0 between slices (management console, end of a
 * test run): at least every SCHED_SLICE_US while CPU 0 is busy or idle.
 */
void sched_set_housekeeping(void (*fn)(void));

/* The scheduling loop of the calling CPU; never returns. */
void sched_idle_loop(void) __attribute__((noreturn));

/*
 * v's FPU image was reset (guest restart): no CPU may keep treating its
 * registers as v's. v must not be running.
 */
void sched_forget_fpu(struct vcpu *v);

/* TSC cycles v has spent in its guest, including a run in progress (any CPU may ask). */
uint64_t sched_vcpu_runtime(const struct vcpu *v);

struct sched_cpu_stats {
	uint64_t busy_cycles;		  /* in guests */
	uint64_t idle_cycles;		  /* halted, nothing to run */
	uint64_t since;			  /* TSC when the counters started */
	unsigned vcpus;			  /* homed here */
	uint64_t switches, switch_cycles; /* vCPU to vCPU, exit to entry */
	bool pinned;			  /* owned by one pinned vCPU */
};

void sched_get_cpu_stats(unsigned cpu, struct sched_cpu_stats *out);

#endif
