/*
 * Scheduler (see sched.h). Each CPU owns one run queue; an entity is queued
 * only on its home CPU, so its state is changed either by the home CPU or
 * under that CPU's run-queue lock. Virtual run time advances by
 * run time * SCHED_DEFAULT_WEIGHT / weight: picking the smallest gives each
 * shared entity CPU time in proportion to its weight.
 */
#include "kernel/sched/sched.h"

#include <errno.h>
#include <stdlib.h>
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/idt.h"
#include "arch/x86/smp.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/core/panic.h"
#include "kernel/core/pcpu.h"
#include "kernel/core/spinlock.h"

#define THROTTLED_MAX 16
#define US_PER_S      1000000ULL

struct cpu_sched {
	struct spinlock lock;
	struct runqueue *rq; /* runnable entities (room made by reserve) */
	uint64_t min_vruntime;
	unsigned entities;	 /* homed here */
	uint64_t load;		 /* sum of the weights of the shared entities homed here */
	bool pinned;		 /* a pinned entity owns this CPU */
	volatile bool failed;	 /* a simulated failure (sched_fail_cpu): nothing comes here */
	volatile bool work;	 /* the run loop must come back (sched_work_flag) */
	struct runqueue *timers; /* blocked entities with a wake deadline, keyed by it */
	struct sched_entity *throttled[THROTTLED_MAX]; /* over their cap until their window ends */
	unsigned throttled_count;
	uint64_t busy_cycles, idle_cycles, since;
	/* Switches: from the end of one entity's run to the start of another's. */
	struct sched_entity *last;
	struct sched_entity *volatile current; /* running now */
	uint64_t last_end, switches, switch_cycles;
	struct cpu_request *volatile request; /* posted by sched_on_cpu, run between runs */
};

/* Every CPU's queues until it gets a vCPU: empty, no room (reserve replaces them). */
static struct runqueue no_room;

/* A function another CPU wants run here (sched_on_cpu); it waits for `done`. */
struct cpu_request {
	void (*fn)(void *);
	void *arg;
	volatile bool done;
};

static struct cpu_sched cpus[MAX_CPUS];
static void (*housekeeping)(void);
static void (*run_entity)(struct sched_entity *se);
static void (*reload_entity)(struct sched_entity *se);
static uint64_t slice_cycles;

static struct sched_entity *entity_of(struct rq_node *n)
{
	return (struct sched_entity *)((char *)n - offsetof(struct sched_entity, rq));
}

static struct sched_entity *entity_of_timer(struct rq_node *n)
{
	return (struct sched_entity *)((char *)n - offsetof(struct sched_entity, timer_node));
}

/* Run the request posted to cs, if any (its home CPU, no run in progress or reloaded after). */
static bool run_request(struct cpu_sched *cs)
{
	struct cpu_request *r = __atomic_exchange_n(&cs->request, NULL, __ATOMIC_ACQUIRE);
	if (!r)
		return false;
	r->fn(r->arg);
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return true;
}

/*
 * While this CPU waits for another, it answers requests posted to itself
 * (the other CPU may be waiting for it). A request may load another vCPU's
 * state into the CPU: the run in progress, if any, gets its own back.
 */
static void serve_while_waiting(struct cpu_sched *me)
{
	if (run_request(me) && me->current && reload_entity)
		reload_entity(me->current);
	cpu_relax();
}

int sched_on_cpu(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct cpu_sched *me = &cpus[this_pcpu()->index];
	if (cpu == this_pcpu()->index) {
		fn(arg);
		if (me->current && reload_entity)
			reload_entity(me->current);
		return 0;
	}
	if (cpu >= MAX_CPUS || !smp_cpu_online(cpu))
		return -ENODEV;
	struct cpu_sched *cs = &cpus[cpu];
	struct cpu_request r = {.fn = fn, .arg = arg};
	uint64_t give_up = rdtsc() + tsc_hz() / US_PER_S * SMP_CALL_TIMEOUT_US;
	struct cpu_request *none = NULL;
	while (!__atomic_compare_exchange_n(&cs->request, &none, &r, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED)) {
		none = NULL;
		serve_while_waiting(me);
		if (rdtsc() > give_up)
			return -ETIMEDOUT;
	}
	/* Its run loop comes back to the scheduler, which runs the request first. */
	cs->work = true;
	smp_send_wakeup(cpu);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		serve_while_waiting(me);
		if (rdtsc() > give_up) {
			struct cpu_request *mine = &r;
			/* Take it back unless the CPU has it already (then it finishes). */
			if (__atomic_compare_exchange_n(&cs->request, &mine, NULL, false,
							__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				return -ETIMEDOUT;
		}
	}
	return 0;
}

/* Slice ends, housekeeping ticks and wake deadlines: the run loop must come back. */
static void timer_interrupt(struct trap_frame *frame)
{
	cpus[this_pcpu()->index].work = true;
	lapic_eoi();
}

void sched_init(void (*run)(struct sched_entity *se), void (*reload)(struct sched_entity *se))
{
	run_entity = run;
	reload_entity = reload;
	slice_cycles = tsc_hz() / (US_PER_S / SCHED_SLICE_US);
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		cpus[i].rq = &no_room;
		cpus[i].timers = &no_room;
		cpus[i].since = rdtsc();
	}
	idt_set_handler(SCHED_TIMER_VECTOR, timer_interrupt);
}

void sched_set_housekeeping(void (*fn)(void))
{
	housekeeping = fn;
}

volatile bool *sched_work_flag(void)
{
	return &cpus[this_pcpu()->index].work;
}

bool sched_running_here(const struct sched_entity *se)
{
	return cpus[this_pcpu()->index].current == se;
}

/* Online for guests, and not failed: where entities may be placed or moved. */
static bool cpu_usable(unsigned cpu)
{
	return smp_cpu_virt_ready(cpu) && !cpus[cpu].failed;
}

int sched_fail_cpu(unsigned cpu)
{
	if (cpu >= MAX_CPUS || !smp_cpu_virt_ready(cpu))
		return -ENODEV;
	if (cpus[cpu].failed)
		return -EALREADY;
	cpus[cpu].failed = true;
	return 0;
}

bool sched_cpu_failed(unsigned cpu)
{
	return cpu < MAX_CPUS && cpus[cpu].failed;
}

/* Serialises growing the queues (placements on CPU 0, moves on the CPUs that serve them). */
static struct spinlock grow_lock = SPINLOCK_INIT;

/*
 * Room in cs's run and timer queues for `entities` entities, made before
 * one more is placed or moved there: new arrays allocated outside cs->lock,
 * swapped in under it. A queue holds at most its CPU's entities.
 */
static int reserve(struct cpu_sched *cs, unsigned entities)
{
	spin_lock(&grow_lock);
	unsigned cap = cs->rq->cap;
	int err = 0;
	if (entities > cap) {
		unsigned want = MAX(MAX(entities, 2 * cap), 8u);
		struct runqueue *run = rq_new(want), *timed = rq_new(want);
		if (run && timed) {
			spin_lock(&cs->lock);
			rq_move(run, cs->rq);
			rq_move(timed, cs->timers);
			cs->rq = run;
			cs->timers = timed;
			spin_unlock(&cs->lock);
			/*
			 * The queues replaced are never freed: their CPU reads a
			 * count through its pointer without the lock (the idle
			 * loop's timer check). Each is half the size of the next,
			 * so what is kept is less than what is in use.
			 */
		} else {
			free(run);
			free(timed);
			err = -ENOMEM;
		}
	}
	spin_unlock(&grow_lock);
	return err;
}

int sched_place(struct sched_entity *se, int pinned_cpu, uint32_t weight, uint32_t cap_pct)
{
	int home = -1;
	if (pinned_cpu >= 0) {
		if (pinned_cpu >= MAX_CPUS || !cpu_usable(pinned_cpu))
			return -ENODEV;
		if (cpus[pinned_cpu].entities)
			return -EBUSY;
		home = pinned_cpu;
	} else {
		for (unsigned i = 0; i < MAX_CPUS; i++) {
			if (!cpu_usable(i) || cpus[i].pinned)
				continue;
			if (home < 0 || cpus[i].load < cpus[home].load)
				home = i;
		}
		if (home < 0)
			return -EBUSY;
	}
	struct cpu_sched *cs = &cpus[home];
	if (reserve(cs, cs->entities + 1))
		return -ENOMEM;
	spin_lock(&cs->lock);
	se->cpu = home;
	se->pinned = pinned_cpu >= 0;
	se->weight = weight ? weight : SCHED_DEFAULT_WEIGHT;
	se->cap_pct = se->pinned ? 0 : cap_pct;
	se->state = SCHED_STOPPED;
	rq_node_init(&se->rq);
	rq_node_init(&se->timer_node);
	cs->entities++;
	if (se->pinned)
		cs->pinned = true;
	else
		cs->load += se->weight;
	spin_unlock(&cs->lock);
	return home;
}

void sched_unplace(struct sched_entity *se)
{
	struct cpu_sched *cs = &cpus[se->cpu];
	BUG_ON(se->cpu != this_pcpu()->index || cs->current == se);
	/* Owned by this CPU alone (requeue, unthrottle): no lock needed. */
	for (unsigned i = 0; i < cs->throttled_count;) {
		if (cs->throttled[i] == se)
			cs->throttled[i] = cs->throttled[--cs->throttled_count];
		else
			i++;
	}
	spin_lock(&cs->lock);
	if (rq_queued(&se->rq))
		rq_remove(cs->rq, &se->rq);
	if (rq_queued(&se->timer_node))
		rq_remove(cs->timers, &se->timer_node);
	se->state = SCHED_STOPPED;
	cs->entities--;
	if (se->pinned)
		cs->pinned = false;
	else
		cs->load -= se->weight;
	if (cs->last == se)
		cs->last = NULL;
	spin_unlock(&cs->lock);
}

/*
 * Lock se's home CPU's run queue and return it. se->cpu changes only with
 * both CPUs' locks held (sched_move): read it again once the lock is held.
 */
static struct cpu_sched *lock_home(struct sched_entity *se)
{
	for (;;) {
		unsigned cpu = __atomic_load_n(&se->cpu, __ATOMIC_ACQUIRE);
		struct cpu_sched *cs = &cpus[cpu];
		spin_lock(&cs->lock);
		if (__atomic_load_n(&se->cpu, __ATOMIC_RELAXED) == cpu)
			return cs;
		spin_unlock(&cs->lock);
	}
}

/* Caller holds cs->lock. An entity coming back must not bank the time it was away. */
static void enqueue_locked(struct cpu_sched *cs, struct sched_entity *se)
{
	if (se->rq.key + slice_cycles < cs->min_vruntime)
		se->rq.key = cs->min_vruntime - slice_cycles;
	se->state = SCHED_RUNNABLE;
	rq_insert(cs->rq, &se->rq);
	/* Whoever runs there now may have to share: its deadline is due again. */
	cs->work = true;
}

void sched_kick(struct sched_entity *se)
{
	cpus[se->cpu].work = true;
	if (se->cpu != this_pcpu()->index)
		smp_send_wakeup(se->cpu);
}

void sched_wake(struct sched_entity *se)
{
	struct cpu_sched *cs = lock_home(se);
	bool queued = false;
	if (se->state == SCHED_STOPPED)
		se->wake_pending = false; /* news of its last run (a stop) is not for the next */
	if (se->state == SCHED_STOPPED || se->state == SCHED_BLOCKED || se->state == SCHED_PARKED) {
		rq_remove(cs->timers, &se->timer_node);
		enqueue_locked(cs, se);
		queued = true;
	}
	spin_unlock(&cs->lock);
	if (queued)
		sched_kick(se);
}

void sched_notify(struct sched_entity *se)
{
	struct cpu_sched *cs = lock_home(se);
	bool kick = se->state != SCHED_STOPPED;
	if (se->state == SCHED_BLOCKED || se->state == SCHED_PARKED) {
		rq_remove(cs->timers, &se->timer_node);
		enqueue_locked(cs, se);
	} else if (kick) {
		se->wake_pending = true;
	}
	spin_unlock(&cs->lock);
	if (kick)
		sched_kick(se);
}

void sched_block(struct sched_entity *se, uint64_t wake_deadline)
{
	struct cpu_sched *cs = &cpus[se->cpu];
	spin_lock(&cs->lock);
	cs->work = true;
	if (se->wake_pending) {
		/* A notification came after its owner last looked: it must look again, not sleep.
		 */
		se->wake_pending = false;
		spin_unlock(&cs->lock);
		return;
	}
	se->state = SCHED_BLOCKED;
	se->wake_deadline = wake_deadline;
	if (wake_deadline) {
		se->timer_node.key = wake_deadline;
		rq_insert(cs->timers, &se->timer_node);
	}
	spin_unlock(&cs->lock);
}

void sched_yield(struct sched_entity *se)
{
	cpus[se->cpu].work = true;
}

/* Blocked entities whose wake deadline has come are woken. */
static void fire_timers(struct cpu_sched *cs, uint64_t now)
{
	for (;;) {
		spin_lock(&cs->lock);
		struct rq_node *n = rq_peek(cs->timers);
		if (!n || n->key > now) {
			spin_unlock(&cs->lock);
			return;
		}
		rq_remove(cs->timers, n);
		struct sched_entity *se = entity_of_timer(n);
		se->wake_deadline = 0;
		if (se->state == SCHED_BLOCKED)
			enqueue_locked(cs, se);
		spin_unlock(&cs->lock);
	}
}

static void account(struct cpu_sched *cs, struct sched_entity *se, uint64_t cycles, uint64_t now)
{
	se->runtime += cycles;
	se->rq.key += cycles * SCHED_DEFAULT_WEIGHT / se->weight;
	cs->busy_cycles += cycles;
	if (se->cap_pct) {
		if (now - se->cap_window_start >= SCHED_CAP_WINDOW_SLICES * slice_cycles) {
			se->cap_window_start = now;
			se->cap_window_used = 0;
		}
		se->cap_window_used += cycles;
	}
}

static uint64_t cap_budget_left(const struct sched_entity *se)
{
	uint64_t allowed = SCHED_CAP_WINDOW_SLICES * slice_cycles * se->cap_pct / 100;
	return se->cap_window_used >= allowed ? 0 : allowed - se->cap_window_used;
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

void sched_cpu_timer(uint64_t deadline)
{
	if (!deadline) {
		lapic_timer_stop();
		return;
	}
	uint64_t now = rdtsc();
	apic_timer_in(deadline > now ? deadline - now : 1);
}

uint64_t sched_run_deadline(const struct sched_entity *se, uint64_t start)
{
	struct cpu_sched *cs = &cpus[se->cpu];
	if (se->pinned)
		return 0;
	/*
	 * The first wake deadline of an entity blocked here ends the run too:
	 * only this CPU fires it. Only this CPU adds timers, so none earlier
	 * appears during the run (others may only take one away: an early end).
	 */
	spin_lock(&cs->lock);
	struct rq_node *timer = rq_peek(cs->timers);
	uint64_t wake = timer ? (timer->key > start ? timer->key : start + 1) : 0;
	bool others = cs->rq->count;
	spin_unlock(&cs->lock);
	if (!(others || se->cpu == 0 || se->cap_pct))
		return wake;
	uint64_t deadline = start + slice_cycles;
	if (se->cap_pct) {
		uint64_t left = cap_budget_left(se);
		if (start + left < deadline)
			deadline = start + (left ? left : 1);
	}
	return wake && wake < deadline ? wake : deadline;
}

/* Put se back in the run queue, or aside until its cap window ends. */
static void requeue(struct cpu_sched *cs, struct sched_entity *se)
{
	if (se->cap_pct && !cap_budget_left(se) && cs->throttled_count < THROTTLED_MAX) {
		se->state = SCHED_PARKED;
		cs->throttled[cs->throttled_count++] = se;
		return;
	}
	spin_lock(&cs->lock);
	enqueue_locked(cs, se);
	spin_unlock(&cs->lock);
}

/* Run se until its run function comes back, and account for the run. */
static void run_one(struct cpu_sched *cs, struct sched_entity *se)
{
	se->state = SCHED_RUNNING;
	se->run_since = 0;
	cs->current = se;
	run_entity(se);
	uint64_t end = rdtsc(), start = se->run_since;
	cs->current = NULL;
	se->run_since = 0;
	if (start) { /* 0: the run function never entered the guest */
		if (cs->last && cs->last != se && cs->last_end) {
			cs->switches++;
			cs->switch_cycles += start - cs->last_end;
		}
		account(cs, se, end - start, end);
		cs->last = se;
		cs->last_end = end;
	}
	if (se->state == SCHED_RUNNING)
		requeue(cs, se);
}

/* Throttled entities whose cap window has ended go back to the run queue. */
static void unthrottle(struct cpu_sched *cs, uint64_t now)
{
	for (unsigned i = 0; i < cs->throttled_count;) {
		struct sched_entity *se = cs->throttled[i];
		if (now - se->cap_window_start >= SCHED_CAP_WINDOW_SLICES * slice_cycles ||
		    se->state != SCHED_PARKED) {
			cs->throttled[i] = cs->throttled[--cs->throttled_count];
			se->cap_window_start = now;
			se->cap_window_used = 0;
			spin_lock(&cs->lock);
			if (se->state == SCHED_PARKED)
				enqueue_locked(cs, se);
			spin_unlock(&cs->lock);
		} else {
			i++;
		}
	}
}

/* Wait for work: an IPI, or the APIC timer (CPU 0's chores, throttling, wake deadlines). */
static void idle(struct cpu_sched *cs, bool cpu0)
{
	uint64_t t0 = rdtsc();
	uint64_t wait = (cpu0 || cs->throttled_count) ? slice_cycles : 0;
	cs->last_end = 0; /* an idle gap is no switch cost */
	spin_lock(&cs->lock);
	struct rq_node *next = rq_peek(cs->timers);
	if (next) {
		uint64_t left = next->key > t0 ? next->key - t0 : 1;
		if (!wait || left < wait)
			wait = left;
	}
	bool work = cs->work || cs->request;
	spin_unlock(&cs->lock);
	if (wait)
		apic_timer_in(wait);
	if (!work)
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
		cs->work = false;
		run_request(cs);
		if (cpu0 && housekeeping)
			housekeeping();
		if (cs->throttled_count)
			unthrottle(cs, rdtsc());
		if (cs->timers->count)
			fire_timers(cs, rdtsc());
		spin_lock(&cs->lock);
		struct rq_node *n = rq_pop(cs->rq);
		/* The popped key is the smallest: the run queue's virtual clock only moves forward.
		 */
		if (n && n->key > cs->min_vruntime)
			cs->min_vruntime = n->key;
		spin_unlock(&cs->lock);
		if (!n) {
			idle(cs, cpu0);
			continue;
		}
		run_one(cs, entity_of(n));
	}
}

struct share_job {
	struct sched_entity *se;
	uint32_t weight, cap_pct;
	int err;
};

/* Take se out of cs's throttled list, if it is there (on cs's CPU). */
static bool unthrottle_one(struct cpu_sched *cs, struct sched_entity *se)
{
	for (unsigned i = 0; i < cs->throttled_count; i++) {
		if (cs->throttled[i] == se) {
			cs->throttled[i] = cs->throttled[--cs->throttled_count];
			return true;
		}
	}
	return false;
}

/*
 * On se's home CPU, between runs: nothing else changes se's key, weight or
 * cap window meanwhile (account() runs here too). A run of se in progress
 * (this CPU serving a request while waiting for another) is charged at the
 * new weight when it ends.
 */
static void set_share_here(void *arg)
{
	struct share_job *job = arg;
	struct sched_entity *se = job->se;
	struct cpu_sched *cs = &cpus[this_pcpu()->index];
	if (se->cpu != this_pcpu()->index || se->pinned) {
		job->err = se->pinned ? -EINVAL : -EAGAIN;
		return;
	}
	spin_lock(&cs->lock);
	uint32_t old = se->weight;
	cs->load = cs->load - old + job->weight;
	/*
	 * Its lag behind the queue's virtual clock is real time scaled by
	 * 1/weight: rescale it, so that the CPU time it is owed (or ahead)
	 * stays the same and only the time from now on follows the new weight.
	 */
	int64_t lag = (int64_t)(se->rq.key - cs->min_vruntime);
	lag = lag / (int64_t)job->weight * (int64_t)old +
	      lag % (int64_t)job->weight * (int64_t)old / (int64_t)job->weight;
	bool queued = rq_queued(&se->rq);
	if (queued)
		rq_remove(cs->rq, &se->rq);
	se->rq.key = cs->min_vruntime + (uint64_t)lag;
	se->weight = job->weight;
	if (queued)
		rq_insert(cs->rq, &se->rq);
	if (job->cap_pct && !se->cap_pct) { /* a fresh cap counts from now */
		se->cap_window_start = rdtsc();
		se->cap_window_used = 0;
	}
	se->cap_pct = job->cap_pct;
	/* Throttled under the old cap but within the new one (or none): it may run now. */
	if (se->state == SCHED_PARKED && (!se->cap_pct || cap_budget_left(se)) &&
	    unthrottle_one(cs, se))
		enqueue_locked(cs, se);
	cs->work = true; /* the next run's deadline follows the new cap */
	spin_unlock(&cs->lock);
	job->err = 0;
}

int sched_set_share(struct sched_entity *se, uint32_t weight, uint32_t cap_pct)
{
	if (!weight || cap_pct > 100)
		return -EINVAL;
	struct share_job job = {.se = se, .weight = weight, .cap_pct = cap_pct};
	int err = sched_on_cpu(se->cpu, set_share_here, &job);
	return err ? err : job.err;
}

int sched_shared_cpu(uint64_t avoid)
{
	_Static_assert(MAX_CPUS <= 64, "one bit per CPU in `avoid`");
	int home = -1;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (!cpu_usable(i) || cpus[i].pinned || ((avoid >> i) & 1))
			continue;
		if (home < 0 || cpus[i].load < cpus[home].load)
			home = i;
	}
	return home;
}

/* Both CPUs' locks, the lower index first (one lock if they are the same CPU). */
static void lock_pair(struct cpu_sched *a, struct cpu_sched *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void unlock_pair(struct cpu_sched *a, struct cpu_sched *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

int sched_move(struct sched_entity *se, unsigned to, bool pinned,
	       void (*release)(struct sched_entity *se))
{
	unsigned me = this_pcpu()->index;
	struct cpu_sched *from = &cpus[me], *dst;
	if (se->cpu != me || from->current == se)
		return -EAGAIN; /* not home, or in its run (this CPU serves a request meanwhile) */
	if (to >= MAX_CPUS || !cpu_usable(to))
		return -ENODEV;
	dst = &cpus[to];
	if (reserve(dst, dst->entities + 1))
		return -ENOMEM;
	lock_pair(from, dst);
	/* A pinned entity owns its CPU; shared ones never go where one is pinned, but batch ones.
	 */
	bool alone = dst->entities == (to == me ? 1u : 0u);
	if ((pinned && !alone) ||
	    (!pinned && dst->pinned && !se->batch && !(to == me && se->pinned))) {
		unlock_pair(from, dst);
		return -EBUSY;
	}
	/* Out of every structure of its old CPU, its place in virtual time kept as lag. */
	bool queued = rq_queued(&se->rq), timed = rq_queued(&se->timer_node);
	rq_remove(from->rq, &se->rq);
	rq_remove(from->timers, &se->timer_node);
	bool throttled = unthrottle_one(from, se);
	int64_t lag = (int64_t)(se->rq.key - from->min_vruntime);
	from->entities--;
	if (se->pinned)
		from->pinned = false;
	else
		from->load -= se->weight;
	if (to != me && release)
		release(se);
	/* In, as sched_place would have put it there. */
	se->pinned = pinned;
	if (pinned)
		se->cap_pct = 0;
	dst->entities++;
	if (pinned)
		dst->pinned = true;
	else
		dst->load += se->weight;
	se->rq.key = dst->min_vruntime + (uint64_t)lag;
	__atomic_store_n(&se->cpu, to, __ATOMIC_RELEASE);
	if (queued || throttled)
		enqueue_locked(dst, se); /* a throttled one: its cap window runs on there */
	if (timed)
		rq_insert(dst->timers, &se->timer_node);
	unlock_pair(from, dst);
	/* Its new CPU may be idle in HLT, its timer set for others: it must look. */
	if (queued || throttled || timed)
		sched_kick(se);
	return 0;
}

uint64_t sched_runtime(const struct sched_entity *se)
{
	uint64_t since = se->run_since;
	return se->runtime + (since ? rdtsc() - since : 0);
}

void sched_get_cpu_stats(unsigned cpu, struct sched_cpu_stats *out)
{
	struct cpu_sched *cs = &cpus[cpu];
	/* A run in progress counts too: a pinned vCPU may not have exited for seconds. */
	struct sched_entity *running = cs->current;
	uint64_t since = running ? running->run_since : 0;
	*out = (struct sched_cpu_stats){
	    .busy_cycles = cs->busy_cycles + (since ? rdtsc() - since : 0),
	    .idle_cycles = cs->idle_cycles,
	    .since = cs->since,
	    .entities = cs->entities,
	    .pinned = cs->pinned,
	    .switches = cs->switches,
	    .switch_cycles = cs->switch_cycles,
	};
}
