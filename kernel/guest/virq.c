/* Virtual interrupt delivery and the one-shot timer (see virq.h). */
#include "kernel/guest/virq.h"

#include <errno.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "drivers/tsc_math.h"
#include "kernel/sched/sched.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/vcpu_event.h"
#include "kernel/guest/virt.h"

#define FIRST_EXTERNAL_VECTOR 32

void virq_raise(struct vcpu *v, uint8_t vector)
{
	v->irq_vector = vector;
	v->irq_pending = true;
	sched_notify(&v->se); /* also reaches a vCPU deciding to block in HLT right now */
}

int virq_set_timer(struct vcpu *v, uint64_t ns, uint8_t vector)
{
	if (!ns) {
		v->timer_deadline = 0;
		sched_kick(&v->se);
		return 0;
	}
	if (vector < FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	v->timer_vector = vector;
	/* Any ns is legal: a timeout too long for the TSC saturates to "never", never wraps. */
	v->timer_deadline = tsc_deadline_after(rdtsc(), tsc_ns_to_ticks(ns, tsc_hz()));
	sched_kick(&v->se); /* the run loop arms the new deadline */
	return 0;
}

/* SDM 3A 10.8.3.1: an interrupt whose priority class is at or below the TPR waits. */
static bool masked_by_tpr(struct vcpu *v)
{
	return (v->irq_vector >> 4) <= virt->vcpu_read_cr(v, 8);
}

static struct virq_chip *chip_of(struct vcpu *v)
{
	return v->irq_chip;
}

/*
 * Bring the chip's timers up to now when its deadline has come or it changed.
 * The stale mark is taken before the poll (a locked exchange orders it before
 * the poll's reads): a change during the poll marks it again.
 */
static void chip_poll_if_due(struct vcpu *v, struct virq_chip *chip)
{
	uint64_t now = rdtsc();
	bool stale = v->chip_stale && __atomic_exchange_n(&v->chip_stale, false, __ATOMIC_ACQ_REL);
	if (stale || (v->chip_deadline && now >= v->chip_deadline))
		v->chip_deadline = chip->poll(chip, now);
}

/* The INTA cycle if an interrupt is pending: its vector, or -1. */
static int chip_take(struct virq_chip *chip)
{
	if (chip->take)
		return chip->take(chip);
	return chip->pending(chip) >= 0 ? chip->acknowledge(chip) : -1;
}

void virq_chip_notify(struct vcpu *v)
{
	if (sched_running_here(&v->se))
		virq_chip_recheck(v, false); /* in v's own exit: its run loop looks first */
	else
		sched_notify(&v->se);
}

void virq_chip_changed(struct vcpu *v)
{
	__atomic_store_n(&v->chip_stale, true, __ATOMIC_RELEASE);
	virq_chip_notify(v);
}

bool virq_pending(struct vcpu *v)
{
	struct virq_chip *chip = chip_of(v);
	if (chip)
		chip_poll_if_due(v, chip);
	return v->event_pending || (v->irq_pending && !masked_by_tpr(v)) ||
	       (chip && chip->pending(chip) >= 0);
}

uint64_t virq_wake_deadline(struct vcpu *v)
{
	uint64_t t = v->timer_deadline, c = chip_of(v) ? v->chip_deadline : 0;
	if (!t)
		return c;
	return (!c || t < c) ? t : c;
}

void virq_before_entry(struct vcpu *v)
{
	if (v->timer_deadline && rdtsc() >= v->timer_deadline) {
		v->timer_deadline = 0;
		v->irq_vector = v->timer_vector;
		v->irq_pending = true;
	}
	bool want_window = false;
	/* A TPR-masked interrupt needs no window: only a MOV to CR8 can unmask it. */
	if (v->irq_pending && !masked_by_tpr(v)) {
		if (!v->event_pending && virt->vcpu_interruptible(v)) {
			v->irq_pending = false;
			vcpu_event_queue_interrupt(v, v->irq_vector);
		} else {
			want_window = true;
		}
	}
	/*
	 * The chip's interrupt: delivered like the line above, one event per
	 * entry. Whether the guest can take one is asked first: it is cheaper
	 * than the chip's look, which it then makes once.
	 */
	struct virq_chip *chip = chip_of(v);
	if (chip) {
		chip_poll_if_due(v, chip);
		if (!v->event_pending && virt->vcpu_interruptible(v)) {
			int vector = chip_take(chip);
			if (vector >= 0)
				vcpu_event_queue_interrupt(v, (uint8_t)vector);
		} else if (chip->pending(chip) >= 0) {
			want_window = true;
		}
	}
	if (want_window != v->intr_window) {
		v->intr_window = want_window;
		virt->vcpu_intr_window(v, want_window);
	}
	if (chip && chip->enter)
		chip->enter(chip);
}

bool virq_startup_ipi(struct vcpu *t, uint8_t vector)
{
	struct guest *g = t->guest;
	spin_lock(&g->lock);
	bool waiting = t->se.state == SCHED_STOPPED && !t->started && g->state == GUEST_RUNNING;
	if (waiting) {
		t->started = true;
		t->sipi_vector = vector;
		t->start_pending = true;
	}
	spin_unlock(&g->lock);
	if (!waiting)
		return false;
	__atomic_fetch_add(&g->vcpus_started, 1, __ATOMIC_SEQ_CST);
	sched_wake(&t->se);
	return true;
}
