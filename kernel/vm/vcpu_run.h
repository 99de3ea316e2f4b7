/*
 * The vCPU run loop: what the scheduler calls to run a vCPU. An inner loop
 * enters the guest, handles the exit (kernel/emul) and enters again at
 * once, going back to the scheduler only when this CPU's work flag is up
 * (a wake-up, a timer, a request, a block, a yield) or the slice ended.
 */
#ifndef SHOJI_KERNEL_VM_VCPU_RUN_H
#define SHOJI_KERNEL_VM_VCPU_RUN_H

#include "kernel/guest/vcpu.h"
#include "kernel/sched/sched.h"

/* The scheduler's run function (sched_init's argument): runs the vCPU holding se. */
void vcpu_run_entity(struct sched_entity *se);

/* Load the running vCPU holding se into the CPU again (sched_init's `reload`). */
void vcpu_run_reload(struct sched_entity *se);

/*
 * Before v's FPU image is reset or freed (guest restart): no CPU keeps
 * treating its registers as v's, none is still saving into the image. v
 * must not be running. 0, or the error of a CPU that did not answer.
 */
int vcpu_run_forget_fpu(struct vcpu *v);

/*
 * Re-home v to `cpu`, pinned there or shared (sched_move), whatever its
 * state: done on its old CPU between runs, its FPU registers and the
 * backend's per-CPU state (VMCS) handed over (virt->vcpu_unload), then it
 * carries on there as it was (queued, blocked, parked or stopped). 0,
 * -EBUSY / -ENODEV (sched_move), -EAGAIN if it stayed busy, or the error of
 * a CPU that did not answer.
 */
int vcpu_run_move(struct vcpu *v, unsigned cpu, bool pinned);

/* Time each exit's handling into vcpu->stats[].cycles (off by default: it costs RDTSCs). */
void vcpu_run_set_exit_timing(bool on);

#endif
