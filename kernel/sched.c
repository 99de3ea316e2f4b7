/*
 * Scheduler (see sched.h). Each CPU owns one run queue; a vCPU is queued
 * only on its home CPU, so a vCPU's state is changed either by the home CPU
 * or under that CPU's run-queue lock. Virtual run time advances by
 * run time * SCHED_DEFAULT_WEIGHT / weight: picking the smallest gives each
 * shared vCPU CPU time in proportion to its weight.
 */
#include "kernel/sched.h"

#include <errno.h>
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/idt.h"
#include "arch/x86/smp.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/exit.h"
#include "kernel/guest.h"
#include "kernel/log.h"
#include "kernel/pcpu.h"
#include "kernel/spinlock.h"
#include "kernel/virq.h"
#include "kernel/virt.h"

#define THROTTLED_MAX 16
#define US_PER_S      1000000ULL

struct cpu_sched {
	struct spinlock lock;
	struct runqueue rq;
	uint64_t min_vruntime;
	unsigned vcpus;		/* homed here */
	uint64_t load;		/* sum of the weights of the shared vCPUs homed here */
	bool pinned;		/* a pinned vCPU owns this CPU */
	struct runqueue timers; /* blocked vCPUs with an armed timer, keyed by deadline */
	struct vcpu *throttled[THROTTLED_MAX]; /* over their cap until their window ends */
	unsigned throttled_count;
	uint64_t busy_cycles, idle_cycles, since;
	/* vCPU switches: from one vCPU's last exit to the next one's entry. */
	struct vcpu *last_vcpu;
	struct vcpu *fpu_owner; /* whose FPU state is in this CPU's registers */
	struct vcpu *volatile current; /* in run_vcpu (its run_since says if in the guest) */
	uint64_t last_exit, switches, switch_cycles;
};

static struct cpu_sched cpus[MAX_CPUS];
static void (*housekeeping)(void);
static uint64_t slice_cycles;

static struct vcpu *vcpu_of(struct rq_node *n)
{
	return (struct vcpu *)((char *)n - offsetof(struct vcpu, rq));
}

static struct vcpu *vcpu_of_timer(struct rq_node *n)
{
	return (struct vcpu *)((char *)n - offsetof(struct vcpu, timer_node));
}

int sched_on_cpu(unsigned cpu, void (*fn)(void *), void *arg)
{
	if (cpu == this_pcpu()->index) {
		fn(arg);
		return 0;
	}
	return smp_call_on_cpu(cpu, fn, arg);
}

static void timer_interrupt(struct trap_frame *frame)
{
	lapic_eoi();
}

void sched_init(void)
{
	slice_cycles = tsc_hz() / (US_PER_S / SCHED_SLICE_US);
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		rq_init(&cpus[i].rq);
		rq_init(&cpus[i].timers);
		cpus[i].since = rdtsc();
	}
	idt_set_handler(SCHED_TIMER_VECTOR, timer_interrupt);
}

void sched_set_housekeeping(void (*fn)(void))
{
	housekeeping = fn;
}

int sched_place(struct vcpu *v, int pinned_cpu, uint32_t weight, uint32_t cap_pct)
{
	int home = -1;
	if (pinned_cpu >= 0) {
		if (pinned_cpu >= MAX_CPUS || !smp_cpu_virt_ready(pinned_cpu))
			return -ENODEV;
		if (cpus[pinned_cpu].vcpus)
			return -EBUSY;
		home = pinned_cpu;
	} else {
		for (unsigned i = 0; i < MAX_CPUS; i++) {
			if (!smp_cpu_virt_ready(i) || cpus[i].pinned)
				continue;
			if (home < 0 || cpus[i].load < cpus[home].load)
				home = i;
		}
		if (home < 0)
			return -EBUSY;
	}
	struct cpu_sched *cs = &cpus[home];
	spin_lock(&cs->lock);
	v->cpu = home;
	v->pinned = pinned_cpu >= 0;
	v->weight = weight ? weight : SCHED_DEFAULT_WEIGHT;
	v->cap_pct = v->pinned ? 0 : cap_pct;
	v->state = VCPU_STOPPED;
	rq_node_init(&v->rq);
	rq_node_init(&v->timer_node);
	cs->vcpus++;
	if (v->pinned)
		cs->pinned = true;
	else
		cs->load += v->weight;
	spin_unlock(&cs->lock);
	return home;
}

/* Caller holds cs->lock. A vCPU coming back must not bank the time it was away. */
static void enqueue_locked(struct cpu_sched *cs, struct vcpu *v)
{
	if (v->rq.key + slice_cycles < cs->min_vruntime)
		v->rq.key = cs->min_vruntime - slice_cycles;
	v->state = VCPU_RUNNABLE;
	rq_insert(&cs->rq, &v->rq);
}

void sched_kick(struct vcpu *v)
{
	if (v->cpu != this_pcpu()->index)
		smp_send_wakeup(v->cpu);
}

void sched_wake(struct vcpu *v)
{
	struct cpu_sched *cs = &cpus[v->cpu];
	spin_lock(&cs->lock);
	bool queued = false;
	if (v->state == VCPU_STOPPED || v->state == VCPU_BLOCKED || v->state == VCPU_PARKED) {
		v->halted_if0 = false;
		rq_remove(&cs->timers, &v->timer_node);
		enqueue_locked(cs, v);
		queued = true;
	}
	spin_unlock(&cs->lock);
	if (queued)
		sched_kick(v);
}

void sched_block(struct vcpu *v)
{
	struct cpu_sched *cs = &cpus[v->cpu];
	spin_lock(&cs->lock);
	v->state = VCPU_BLOCKED;
	if (v->timer_deadline) {
		v->timer_node.key = v->timer_deadline;
		rq_insert(&cs->timers, &v->timer_node);
	}
	spin_unlock(&cs->lock);
}

/* Blocked vCPUs whose timer is due get their interrupt (which wakes them). */
static void fire_timers(struct cpu_sched *cs, uint64_t now)
{
	for (;;) {
		spin_lock(&cs->lock);
		struct rq_node *n = rq_peek(&cs->timers);
		if (!n || n->key > now) {
			spin_unlock(&cs->lock);
			return;
		}
		rq_remove(&cs->timers, n);
		spin_unlock(&cs->lock);
		struct vcpu *v = vcpu_of_timer(n);
		v->timer_deadline = 0;
		virq_raise(v, v->timer_vector);
	}
}

void sched_yield(struct vcpu *v)
{
	v->yield = true;
}

static void account(struct cpu_sched *cs, struct vcpu *v, uint64_t cycles, uint64_t now)
{
	v->runtime += cycles;
	v->rq.key += cycles * SCHED_DEFAULT_WEIGHT / v->weight;
	cs->busy_cycles += cycles;
	if (v->cap_pct) {
		if (now - v->cap_window_start >= SCHED_CAP_WINDOW_SLICES * slice_cycles) {
			v->cap_window_start = now;
			v->cap_window_used = 0;
		}
		v->cap_window_used += cycles;
	}
}

static uint64_t cap_budget_left(const struct vcpu *v)
{
	uint64_t allowed = SCHED_CAP_WINDOW_SLICES * slice_cycles * v->cap_pct / 100;
	return v->cap_window_used >= allowed ? 0 : allowed - v->cap_window_used;
}

/* One APIC timer interrupt `tsc_ticks` from now (it ends HLT, or exits a guest). */
static void apic_timer_in(uint64_t tsc_ticks)
{
	uint64_t hz = lapic_timer_hz();
	if (!hz || !tsc_hz())
		return;
	uint64_t ticks = tsc_ticks / 1000 * hz / (tsc_hz() / 1000);
	if (ticks > UINT32_MAX)
		ticks = UINT32_MAX;
	lapic_timer_oneshot(ticks ? ticks : 1, SCHED_TIMER_VECTOR);
}

/* Exit v when the TSC reaches deadline (0: never); the APIC timer stands in if need be. */
static void arm_timer(struct vcpu *v, uint64_t deadline)
{
	if (virt->vcpu_set_timer(v, deadline) != -ENOTSUP)
		return;
	if (deadline) {
		uint64_t now = rdtsc();
		apic_timer_in(deadline > now ? deadline - now : 1);
	} else {
		lapic_timer_stop();
	}
}

/*
 * When this run of v must end: the slice end if someone else may want the
 * CPU (others queued, CPU 0's chores, a cap), the guest's own timer, or 0.
 */
static uint64_t run_deadline(const struct cpu_sched *cs, const struct vcpu *v, uint64_t start,
			     bool cpu0)
{
	uint64_t deadline = 0;
	if (!v->pinned && (cs->rq.count || cpu0 || v->cap_pct)) {
		deadline = start + slice_cycles;
		if (v->cap_pct) {
			uint64_t now = rdtsc(), left = cap_budget_left(v);
			if (now + left < deadline)
				deadline = now + (left ? left : 1);
		}
	}
	if (v->timer_deadline && (!deadline || v->timer_deadline < deadline))
		deadline = v->timer_deadline;
	return deadline;
}

/* Put v back in the run queue, or aside until its cap window ends. */
static void requeue(struct cpu_sched *cs, struct vcpu *v)
{
	if (v->cap_pct && !cap_budget_left(v) && cs->throttled_count < THROTTLED_MAX) {
		v->state = VCPU_PARKED;
		cs->throttled[cs->throttled_count++] = v;
		return;
	}
	spin_lock(&cs->lock);
	enqueue_locked(cs, v);
	spin_unlock(&cs->lock);
}

/* Run v until its slice ends, it blocks, yields, or its guest stops or pauses. */
static void run_vcpu(struct cpu_sched *cs, struct vcpu *v, bool cpu0)
{
	struct guest *g = v->guest;
	uint64_t start = rdtsc(), armed = 0;
	v->state = VCPU_RUNNING;
	cs->current = v;

	for (;;) {
		if (g->state != GUEST_RUNNING) {
			v->state = VCPU_STOPPED;
			break;
		}
		if (g->paused) {
			v->state = VCPU_PARKED;
			break;
		}
		if (v->irq_pending || v->timer_deadline || v->intr_window)
			virq_before_entry(v);
		uint64_t deadline = run_deadline(cs, v, start, cpu0);
		if (deadline != armed) {
			arm_timer(v, deadline);
			armed = deadline;
		}

		struct vcpu_exit exit;
		uint64_t t0 = rdtsc();
		if (cs->last_exit && cs->last_vcpu != v) {
			cs->switches++;
			cs->switch_cycles += t0 - cs->last_exit;
		}
		if (cs->fpu_owner != v) {
			fpu_switch(cs->fpu_owner ? &cs->fpu_owner->fpu : NULL, &v->fpu);
			cs->fpu_owner = v;
		}
		v->run_since = t0;
		int err = virt->vcpu_run(v, &exit);
		uint64_t t1 = rdtsc();
		v->run_since = 0;
		account(cs, v, t1 - t0, t1);
		if (err) {
			guest_stop(g, GUEST_CRASHED, -1, "VM entry failed (error %u)",
				   exit.raw_reason);
			v->state = VCPU_STOPPED;
			break;
		}
		exit_handle(v, &exit);
		v->exits++;
		v->stats[exit.kind].count++;
		v->stats[exit.kind].cycles += rdtsc() - t1;
		cs->last_vcpu = v;
		cs->last_exit = t1;

		if (v->state != VCPU_RUNNING)
			break; /* blocked in HLT */
		bool slice_over = !v->pinned && t1 - start >= slice_cycles;
		bool over_cap = v->cap_pct && !cap_budget_left(v);
		if (exit.kind == VEXIT_PREEMPT || slice_over || over_cap || v->yield) {
			v->yield = false;
			requeue(cs, v);
			break;
		}
	}
	cs->current = NULL;
	if (armed)
		arm_timer(v, 0);
	if (v->state == VCPU_STOPPED)
		guest_vcpu_stopped(g, v);
}

/* Throttled vCPUs whose cap window has ended go back to the run queue. */
static void unthrottle(struct cpu_sched *cs, uint64_t now)
{
	for (unsigned i = 0; i < cs->throttled_count;) {
		struct vcpu *v = cs->throttled[i];
		if (now - v->cap_window_start >= SCHED_CAP_WINDOW_SLICES * slice_cycles ||
		    v->guest->state != GUEST_RUNNING) {
			cs->throttled[i] = cs->throttled[--cs->throttled_count];
			v->cap_window_start = now;
			v->cap_window_used = 0;
			spin_lock(&cs->lock);
			if (v->state == VCPU_PARKED && !v->guest->paused)
				enqueue_locked(cs, v);
			spin_unlock(&cs->lock);
		} else {
			i++;
		}
	}
}

/* Wait for work: an IPI, or the APIC timer (CPU 0's chores, throttling, guest timers). */
static void idle(struct cpu_sched *cs, bool cpu0)
{
	uint64_t t0 = rdtsc();
	uint64_t wait = (cpu0 || cs->throttled_count) ? slice_cycles : 0;
	cs->last_exit = 0; /* an idle gap is no switch cost */
	spin_lock(&cs->lock);
	struct rq_node *next = rq_peek(&cs->timers);
	if (next) {
		uint64_t left = next->key > t0 ? next->key - t0 : 1;
		if (!wait || left < wait)
			wait = left;
	}
	spin_unlock(&cs->lock);
	if (wait)
		apic_timer_in(wait);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	cs->idle_cycles += rdtsc() - t0;
}

void sched_idle_loop(void)
{
	unsigned me = this_pcpu()->index;
	struct cpu_sched *cs = &cpus[me];
	bool cpu0 = me == 0;
	cs->since = rdtsc();
	for (;;) {
		if (cpu0 && housekeeping)
			housekeeping();
		if (cs->throttled_count)
			unthrottle(cs, rdtsc());
		if (cs->timers.count)
			fire_timers(cs, rdtsc());
		spin_lock(&cs->lock);
		struct rq_node *n = rq_pop(&cs->rq);
		/* The popped key is the smallest: the run queue's virtual clock only moves forward.
		 */
		if (n && n->key > cs->min_vruntime)
			cs->min_vruntime = n->key;
		spin_unlock(&cs->lock);
		if (!n) {
			idle(cs, cpu0);
			continue;
		}
		run_vcpu(cs, vcpu_of(n), cpu0);
	}
}

void sched_forget_fpu(struct vcpu *v)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (cpus[i].fpu_owner == v)
			cpus[i].fpu_owner = NULL;
}

uint64_t sched_vcpu_runtime(const struct vcpu *v)
{
	uint64_t since = v->run_since;
	return v->runtime + (since ? rdtsc() - since : 0);
}

void sched_get_cpu_stats(unsigned cpu, struct sched_cpu_stats *out)
{
	struct cpu_sched *cs = &cpus[cpu];
	/* A run in progress counts too: a pinned vCPU may not have exited for seconds. */
	struct vcpu *running = cs->current;
	uint64_t since = running ? running->run_since : 0;
	*out = (struct sched_cpu_stats){
	    .busy_cycles = cs->busy_cycles + (since ? rdtsc() - since : 0),
	    .idle_cycles = cs->idle_cycles,
	    .since = cs->since,
	    .vcpus = cs->vcpus,
	    .pinned = cs->pinned,
	    .switches = cs->switches,
	    .switch_cycles = cs->switch_cycles,
	};
}
