/*
 * The vCPU run loop (see vcpu_run.h), after Jailhouse's: the frequent
 * exits (CPUID, port and MMIO accesses to in-hypervisor devices, MSRs,
 * hypercalls) are handled and the guest re-entered without going through
 * the scheduler. Nothing here is per exit but the exit itself and one
 * counter: run time is accounted once per run (kernel/sched), the slice
 * deadline is armed once per run, and handling cycles are timed only when
 * exit timing is on.
 */
#include "kernel/vm/vcpu_run.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "kernel/core/log.h"
#include "kernel/core/pcpu.h"
#include "kernel/emul/exit.h"
#include "kernel/emul/exit_msr.h"
#include "kernel/guest/guest_boot.h"
#include "arch/x86/kernel_map.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/virq.h"
#include "kernel/guest/virt.h"
#include "kernel/vm/vcpu_snapshot.h"

/* Whose FPU registers each CPU holds: switched only when another vCPU runs there. */
static struct vcpu *fpu_owner[MAX_CPUS];
static bool exit_timing;

void vcpu_run_set_exit_timing(bool on)
{
	exit_timing = on;
}

static void forget_fpu_here(void *arg)
{
	struct vcpu **owner = &fpu_owner[this_pcpu()->index];
	if (*owner == arg)
		*owner = NULL;
}

/*
 * On each CPU that holds v's registers, through that CPU's scheduler (only
 * it touches its fpu_owner): a CPU in the middle of saving v's state into
 * v->fpu.area finishes first, so the caller may then reset or free the area.
 * v is stopped, so no CPU can take it meanwhile.
 */
int vcpu_run_forget_fpu(struct vcpu *v)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (__atomic_load_n(&fpu_owner[i], __ATOMIC_ACQUIRE) != v)
			continue;
		int err = sched_on_cpu(i, forget_fpu_here, v);
		if (err)
			return err;
	}
	return 0;
}

static void take_fpu(struct vcpu *v)
{
	struct vcpu **owner = &fpu_owner[this_pcpu()->index];
	if (*owner != v) {
		fpu_switch(*owner ? &(*owner)->fpu : NULL, &v->fpu);
		*owner = v;
	}
}

/* The earlier of two deadlines, 0 meaning none. */
static uint64_t earlier(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	return (!b || a < b) ? a : b;
}

/* The backend has no guest timer (SVM): the CPU's APIC timer stands in. Set once, same value. */
static bool cpu_timer;

/* Leave the guest at `deadline` (0: never): the backend's guest timer, or the APIC timer. */
static void arm_timer(struct vcpu *v, uint64_t deadline)
{
	if (virt->vcpu_set_timer(v, deadline) == -ENOTSUP) {
		cpu_timer = true;
		sched_cpu_timer(deadline);
	}
}

/*
 * Exits after which the vCPU's interrupt state or timer must be looked at
 * again before the next entry: the timer, an interrupt window, and a HLT
 * that did not block because an interrupt is pending (it must be delivered
 * now, not when the guest next opens a window). Anything else that changes
 * them (a virtual interrupt raised, a guest timer set, a block, a yield, a
 * request from another CPU) raises the CPU's work flag instead; an exit that
 * changed the vCPU's own interrupt chip (an EOI, a timer armed) widens
 * v->attention to every kind (virq_chip_recheck), which brings it back here
 * without a trip through the scheduler and costs the fast path nothing.
 */
#define ATTENTION_KINDS                                                                            \
	((1u << VEXIT_PREEMPT) | (1u << VEXIT_INTR_WINDOW) | (1u << VEXIT_NMI_WINDOW) |            \
	 (1u << VEXIT_HLT))
_Static_assert(VEXIT_KIND_COUNT <= 32, "ATTENTION_KINDS is one 32-bit mask");

static bool needs_attention(const struct vcpu *v, enum vcpu_exit_kind kind)
{
	return (v->attention >> kind) & 1;
}

/*
 * Enter and handle exits until the CPU's work flag is raised or the slice
 * deadline passes. The guest timer deadline is armed along with the slice's;
 * the inner do-while is the exit fast path: one counter, the handler, two tests.
 */
static void run_inner(struct vcpu *v, uint64_t slice_end)
{
	volatile bool *work = sched_work_flag();
	/* The deadline armed; never the current one at first, UINT64_MAX included. */
	uint64_t timer = ~earlier(v->timer_deadline, v->chip_deadline);
	bool chip = v->irq_chip != NULL, look = true;
	struct vcpu_exit exit;

	for (;;) {
		if (look) {
			v->attention = ATTENTION_KINDS;
			if (v->irq_pending || v->timer_deadline || v->intr_window || chip)
				virq_before_entry(v);
		}
		uint64_t due = earlier(v->timer_deadline, v->chip_deadline);
		if (due != timer) {
			timer = due;
			arm_timer(v, earlier(slice_end, timer));
		}
		do {
			if (virt->vcpu_run(v, &exit)) {
				guest_stop(v->guest, GUEST_CRASHED, -1,
					   "VM entry failed (error %u)", exit.raw_reason);
				return;
			}
			v->stats[exit.kind].count++;
			if (exit_timing) {
				uint64_t t = rdtsc();
				exit_handle(v, &exit);
				v->stats[exit.kind].cycles += rdtsc() - t;
			} else {
				exit_handle(v, &exit);
			}
			if (*work)
				return;
		} while (!needs_attention(v, exit.kind));
		/* Only the chip's deadline moved (virq_chip_timer_armed): arm it, no look. */
		look = !v->timer_only || ((ATTENTION_KINDS >> exit.kind) & 1);
		v->timer_only = false;
		if (!look) {
			v->attention = ATTENTION_KINDS;
			continue;
		}
		if (exit.kind != VEXIT_PREEMPT)
			continue;
		/* The guest timer re-arms itself above; only the slice's end leaves. */
		if (slice_end && rdtsc() >= slice_end)
			return;
		/*
		 * A backend timer shorter than the deadline (VT-x counts 32 bits) ran out
		 * early: arm what is left, or every entry would exit at once.
		 */
		timer = ~earlier(v->timer_deadline, v->chip_deadline);
	}
}

static struct vcpu *vcpu_of(struct sched_entity *se)
{
	return (struct vcpu *)((char *)se - offsetof(struct vcpu, se));
}

/*
 * sched_move's release, on v's old CPU, v in no run: its FPU registers go
 * back into its image (the new CPU restores them from there) and the
 * backend lets go of its per-CPU state.
 */
static void release_here(struct sched_entity *se)
{
	struct vcpu *v = vcpu_of(se);
	struct vcpu **owner = &fpu_owner[this_pcpu()->index];
	if (*owner == v) {
		fpu_switch(&v->fpu, &v->fpu); /* saves them; the CPU keeps a copy nobody owns */
		*owner = NULL;
	}
	/* A clone's window changes where it runs: this CPU's entries would go stale. */
	if (v->guest->cow)
		kernel_map_flush_all_local();
	virt->vcpu_unload(v);
}

struct move_job {
	struct vcpu *v;
	unsigned to;
	bool pinned;
	int err;
};

static void move_here(void *arg)
{
	struct move_job *job = arg;
	struct vcpu *v = job->v;
	struct guest *g = v->guest;
	/*
	 * A secondary vCPU being started (hc_vcpu_start: marked started under
	 * g->lock, its state then set on its home CPU, then woken) must not
	 * move in between: its state would be set on the old CPU.
	 */
	spin_lock(&g->lock);
	if (g->state == GUEST_RUNNING && v->started && v->se.state == SCHED_STOPPED)
		job->err = -EAGAIN;
	else
		job->err = sched_move(&v->se, job->to, job->pinned, release_here);
	spin_unlock(&g->lock);
}

#define MOVE_TRIES 100

int vcpu_run_move(struct vcpu *v, unsigned cpu, bool pinned)
{
	for (unsigned i = 0; i < MOVE_TRIES; i++) {
		struct move_job job = {.v = v, .to = cpu, .pinned = pinned};
		int err = sched_on_cpu(v->se.cpu, move_here, &job);
		if (err)
			return err;
		if (job.err != -EAGAIN)
			return job.err;
		cpu_relax();
	}
	return -EAGAIN;
}

void vcpu_run_reload(struct sched_entity *se)
{
	virt->vcpu_load(vcpu_of(se));
}

/*
 * v was started (virq_startup_ipi, or HC_VCPU_START in hypercall.c): take
 * its state here, on v's own CPU with its state loaded, as the CPU itself
 * would. False if the backend refused it (the guest is then stopped).
 */
static bool take_start_state(struct vcpu *v)
{
	struct vcpu_sregs sipi, *state = v->start_state;
	v->start_pending = false;
	v->start_state = NULL;
	if (!state) {
		guest_boot_sipi_state(v->sipi_vector, &sipi);
		state = &sipi;
	}
	memset(&v->regs, 0, sizeof(v->regs));
	int err = exit_msr_reset(v);
	if (!err)
		err = virt->vcpu_set_sregs(v, state);
	if (state != &sipi)
		free(state);
	if (err)
		guest_stop(v->guest, GUEST_CRASHED, -1, "vCPU %u: start state refused (%d)", v->id,
			   err);
	return !err;
}

/* A checkpoint's state waits for v (kernel/ha's failover): load it now, v loaded here. */
static bool load_restore(struct vcpu *v)
{
	int err = vcpu_snapshot_load(v, v->restore, v->restore_len);
	v->restore = NULL;
	if (err)
		guest_stop(v->guest, GUEST_CRASHED, -1, "vCPU %u: checkpoint state refused (%d)",
			   v->id, err);
	return !err;
}

/*
 * v asked to stop itself (HC_VCPU_STOP) and its guest runs on: it leaves
 * the scheduler as a vCPU not yet started, which HC_VCPU_START may start
 * again. Under g->lock, as a start and a stop of the guest take it.
 */
static void stop_one(struct guest *g, struct vcpu *v)
{
	spin_lock(&g->lock);
	v->stopping = false;
	if (g->state == GUEST_RUNNING) {
		v->started = false;
		v->se.state = SCHED_STOPPED;
		g->vcpus_started--;
	}
	spin_unlock(&g->lock);
	if (v->se.state == SCHED_STOPPED)
		log_info("guest %s: vCPU %u stopped itself", g->name, v->id);
}

void vcpu_run_entity(struct sched_entity *se)
{
	struct vcpu *v = vcpu_of(se);
	struct guest *g = v->guest;
	if (g->state != GUEST_RUNNING) {
		se->state = SCHED_STOPPED;
		guest_vcpu_stopped(g, v);
		return;
	}
	if (g->paused) {
		se->state = SCHED_PARKED;
		return;
	}
	take_fpu(v);
	virt->vcpu_load(v);
	uint64_t start = rdtsc();
	se->run_since = start;
	bool ready = (!v->restore || load_restore(v)) && (!v->start_pending || take_start_state(v));
	if (ready)
		run_inner(v, earlier(sched_run_deadline(se, start), g->epoch_deadline));
	/* The epoch ended: the checkpoint, at this exit, with v's state still loaded. */
	if (ready && g->epoch_hook && g->epoch_deadline && rdtsc() >= g->epoch_deadline &&
	    g->state == GUEST_RUNNING)
		g->epoch_hook(v);
	/*
	 * A backend timer stays as it is between runs (only run_inner enters
	 * the guest, and it arms the timer first): switching it off and on
	 * again cost four VMCS writes per vCPU switch. The CPU's timer must
	 * not go off in the next vCPU's run.
	 */
	if (cpu_timer)
		sched_cpu_timer(0);
	virt->vcpu_put(v);
	if (v->stopping && g->state == GUEST_RUNNING)
		stop_one(g, v);
	if (g->state != GUEST_RUNNING && se->state != SCHED_STOPPED) {
		se->state = SCHED_STOPPED;
		guest_vcpu_stopped(g, v);
	} else if (g->paused && se->state == SCHED_RUNNING) {
		se->state = SCHED_PARKED;
	}
}
