/* Dual pairs: output compared line by line, cut-offs, resynchronisation (see dual.h). */
#include "kernel/ha/dual.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/ha/heartbeat.h"
#include "kernel/sched/sched.h"
#include "kernel/vdev/standard.h"
#include "kernel/vm/vcpu_snapshot.h"

#define DUAL_MAX       8
#define QUEUE_LINES    (DUAL_AHEAD_MAX + 32) /* room for lines printed while being paused */
#define QUEUE_LINE_MAX 128		     /* console lines are at most 120 characters */
#define SECOND_SUFFIX  "-b"

/* One replica's console lines not matched yet, oldest first. */
struct line_queue {
	char line[QUEUE_LINES][QUEUE_LINE_MAX];
	unsigned head, count;
};

struct dual {
	char name[GUEST_NAME_MAX];
	/* rep[0] is the primary (named NAME), rep[1] the second (NAME-b). */
	struct guest *rep[2];
	bool cut[2];	   /* cut off: its output counts no more */
	bool held_back[2]; /* paused by the pair: it ran DUAL_AHEAD_MAX lines ahead */
	struct line_queue q[2];
	struct spinlock lock; /* the queues, roles, and the resynchronisation copy */
	uint64_t watchdog_tsc;
	unsigned watchdog_ms;

	/*
	 * Resynchronisation: the second replica is stopped (pending), then
	 * copied from the primary at one of the primary's exits (copied), then
	 * started by dual_poll.
	 */
	volatile bool resync_pending, resync_copied;
	uint64_t resync_start;
	uint8_t vcpu_blob[VCPU_SNAPSHOT_MAX];
	uint8_t dev_blob[VDEV_STATE_MAX];

	/*
	 * The replicas in a fixed order (rep[] is by role, and roles swap under
	 * the lock): replica[k]'s vCPUs stopped sets down[k], which dual_poll
	 * handles. A role is looked up under the lock, never carried across it.
	 */
	struct guest *replica[2];
	volatile bool down[2];

	uint64_t agreed, divergences;
	unsigned cutoffs, resyncs;
	char last_event[112];
};

static struct dual *pairs[DUAL_MAX];
static unsigned pair_count;

/* g's role in d now: 0 primary, 1 second replica. Under d->lock. */
static unsigned role_of(const struct dual *d, const struct guest *g)
{
	return d->rep[0] == g ? 0 : 1;
}

static struct dual *pair_of(const struct guest *g, unsigned *index)
{
	for (unsigned i = 0; i < pair_count; i++)
		for (unsigned r = 0; r < 2; r++)
			if (pairs[i]->rep[r] == g) {
				if (index)
					*index = r;
				return pairs[i];
			}
	return NULL;
}

/* ---- output: compare, release ---- */

/* Print a line as the pair's: through the primary, whose name the console knows. */
static void release(struct dual *d, const char *line)
{
	guest_console_emit(d->rep[0], d->name, line);
}

static void queue_push(struct line_queue *q, const char *line)
{
	snprintf(q->line[(q->head + q->count) % QUEUE_LINES], QUEUE_LINE_MAX, "%s", line);
	q->count++;
}

static const char *queue_head(const struct line_queue *q)
{
	return q->line[q->head];
}

static void queue_pop(struct line_queue *q)
{
	q->head = (q->head + 1) % QUEUE_LINES;
	q->count--;
}

static void release_all(struct dual *d, unsigned r)
{
	for (; d->q[r].count; queue_pop(&d->q[r]))
		release(d, queue_head(&d->q[r]));
}

static void resume_if_held(struct dual *d, unsigned r)
{
	if (!d->held_back[r])
		return;
	d->held_back[r] = false;
	d->rep[r]->heartbeat_tsc = rdtsc(); /* it could not beat while held */
	guest_set_paused(d->rep[r], false);
}

/*
 * Lines differ: the primary is trusted. What it printed goes out; the second
 * replica stops and is copied from the primary at the primary's next exit.
 */
static void diverged_locked(struct dual *d, const char *what)
{
	d->divergences++;
	snprintf(d->last_event, sizeof(d->last_event), "%s", what);
	log_warn("dual %s: %s; %s resynchronised from %s", d->name, d->last_event, d->rep[1]->name,
		 d->rep[0]->name);
	release_all(d, 0);
	d->q[1].head = d->q[1].count = 0;
	resume_if_held(d, 0);
	d->resync_pending = true;
	d->resync_start = rdtsc();
	guest_stop(d->rep[1], GUEST_EXITED, 0, "diverged from its primary: resynchronising");
	resume_if_held(d, 1); /* its vCPU must run to notice the stop */
}

static void match_locked(struct dual *d)
{
	while (d->q[0].count && d->q[1].count) {
		if (strcmp(queue_head(&d->q[0]), queue_head(&d->q[1]))) {
			char what[sizeof(d->last_event)];
			snprintf(what, sizeof(what),
				 "divergence after line %llu: '%.40s' against '%.40s'",
				 (unsigned long long)d->agreed, queue_head(&d->q[0]),
				 queue_head(&d->q[1]));
			diverged_locked(d, what);
			return;
		}
		release(d, queue_head(&d->q[0]));
		queue_pop(&d->q[0]);
		queue_pop(&d->q[1]);
		d->agreed++;
	}
	for (unsigned r = 0; r < 2; r++)
		if (d->q[r].count < DUAL_AHEAD_MAX / 2)
			resume_if_held(d, r);
}

static void hold_line(struct guest *g, const char *line)
{
	struct dual *d = pair_of(g, NULL);
	/* A line as the replica stops is the UART's partial line flushed, not output. */
	if (!d || g->state != GUEST_RUNNING)
		return;
	spin_lock(&d->lock);
	unsigned r = role_of(d, g); /* a cut-off on CPU 0 may just have swapped the roles */
	if (d->cut[r]) {
		/* Too late: its output counts no more. */
	} else if (d->cut[!r] || (d->resync_pending && r == 0)) {
		release(d, line); /* alone, or ahead of a second replica being rebuilt */
	} else if (!d->resync_pending) {
		if (d->q[r].count == QUEUE_LINES) {
			/* The other fell too far behind, held replica or not: it failed. */
			guest_stop(d->rep[!r], GUEST_CRASHED, -1, "%u lines behind its replica",
				   QUEUE_LINES);
			resume_if_held(d, !r);
			release(d, queue_head(&d->q[r])); /* r's lines go out alone from now */
			queue_pop(&d->q[r]);
		}
		queue_push(&d->q[r], line);
		match_locked(d);
		if (d->q[r].count >= DUAL_AHEAD_MAX && !d->held_back[r] && !d->resync_pending) {
			d->held_back[r] = true; /* wait for the other */
			guest_set_paused(g, true);
		}
	}
	spin_unlock(&d->lock);
}

/* ---- resynchronisation: at an exit of the primary, on its CPU ---- */

static void resync_copy(struct vcpu *v)
{
	struct guest *a = v->guest;
	struct dual *d = pair_of(a, NULL);
	a->epoch_deadline = 0;
	a->epoch_hook = NULL;
	if (!d)
		return;
	spin_lock(&d->lock);
	if (role_of(d, a) != 0) { /* no longer the primary: nothing to copy from here */
		spin_unlock(&d->lock);
		return;
	}
	struct guest *b = d->rep[1];
	const uint8_t *src = guest_ram_read_ptr(a, 0, a->mem_size);
	uint8_t *dst = guest_ram_ptr(b, 0, b->mem_size);
	int n = vcpu_snapshot_take(v, d->vcpu_blob, sizeof(d->vcpu_blob));
	int dev = vdev_standard_save(a, d->dev_blob, sizeof(d->dev_blob));
	int err = !src || !dst || a->mem_size != b->mem_size ? -EINVAL : n < 0 ? n : dev;
	if (err >= 0)
		err = vdev_standard_load(b, d->dev_blob, dev);
	if (!err) {
		memcpy(dst, src, a->mem_size);
		b->vcpus[0].restore = d->vcpu_blob;
		b->vcpus[0].restore_len = n;
		d->resync_copied = true; /* dual_poll starts it; from here both print alike */
	} else {
		log_err("dual %s: %s cannot be copied from %s (%d): cut off", d->name, b->name,
			a->name, err);
		d->cut[1] = true;
	}
	d->resync_pending = false;
	spin_unlock(&d->lock);
}

/* ---- roles, failures ---- */

static void set_names(struct dual *d)
{
	snprintf(d->rep[0]->name, GUEST_NAME_MAX, "%s", d->name);
	snprintf(d->rep[1]->name, GUEST_NAME_MAX, "%s%s", d->name, SECOND_SUFFIX);
}

int dual_create(struct guest *a, struct guest *b, unsigned watchdog_ms)
{
	if (pair_count == DUAL_MAX)
		return -ENOSPC;
	if (a->vcpu_count != 1 || b->vcpu_count != 1)
		return -EINVAL;
	struct dual *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", a->name);
	d->rep[0] = d->replica[0] = a;
	d->rep[1] = d->replica[1] = b;
	d->watchdog_ms = watchdog_ms;
	d->watchdog_tsc = tsc_hz() / 1000 * watchdog_ms;
	a->ha = b->ha = d;
	set_names(d);
	pairs[pair_count++] = d;
	log_info("dual %s: replicas on CPU %u and CPU %u, output compared line by line, watchdog "
		 "%u ms",
		 d->name, a->vcpus[0].se.cpu, b->vcpus[0].se.cpu, watchdog_ms);
	return 0;
}

int dual_start(struct guest *g)
{
	unsigned r;
	struct dual *d = pair_of(g, &r);
	if (!d)
		return -ENOENT;
	if (r != 0)
		return 0; /* started with its primary */
	for (unsigned i = 0; i < 2; i++) {
		struct guest *rep = d->rep[i];
		rep->console_hold = hold_line;
		rep->heartbeat_tsc = rdtsc();
		rep->vcpus_started = 1;
		guest_start(rep);
	}
	return 0;
}

void dual_guest_stopped(struct guest *g)
{
	struct dual *d = pair_of(g, NULL);
	if (d)
		__atomic_store_n(&d->down[d->replica[1] == g], true, __ATOMIC_RELEASE);
}

/* Replica r is down for good: the other carries on alone, as the primary. */
static void cut_off_locked(struct dual *d, unsigned r)
{
	struct guest *g = d->rep[r];
	d->cut[r] = true;
	d->cutoffs++;
	g->console_hold = NULL;
	snprintf(d->last_event, sizeof(d->last_event), "%s cut off: %s", g->name, g->stop_reason);
	d->q[r].head = d->q[r].count = 0;
	resume_if_held(d, !r);
	release_all(d, !r);
	if (r == 0) { /* the survivor becomes the primary, under the pair's name */
		d->rep[0] = d->rep[1];
		d->rep[1] = g;
		d->cut[0] = false;
		d->cut[1] = true;
		d->q[0] = d->q[1];
		d->q[1].head = d->q[1].count = 0;
		d->held_back[0] = d->held_back[1];
		d->held_back[1] = false;
	}
	set_names(d);
	log_warn("dual %s: %s; %s carries on alone after line %llu", d->name, d->last_event,
		 d->rep[0]->name, (unsigned long long)d->agreed);
}

/* The second replica is down for its resynchronisation: the primary copies itself at its next exit.
 */
static void request_copy(struct dual *d)
{
	struct guest *a = d->rep[0];
	a->epoch_hook = resync_copy;
	a->epoch_deadline = 1;
	sched_kick(&a->vcpus[0].se);
}

static void replica_down(struct dual *d, struct guest *g)
{
	spin_lock(&d->lock);
	unsigned r = role_of(d, g);
	if (r == 1 && (d->resync_pending || d->resync_copied) && !d->cut[1]) {
		bool pending = d->resync_pending;
		spin_unlock(&d->lock);
		if (pending)
			request_copy(d);
		return;
	}
	if (d->cut[r]) { /* cut off already (a failed copy): nothing more */
		spin_unlock(&d->lock);
		return;
	}
	if (g->state == GUEST_CRASHED && !d->cut[!r]) {
		cut_off_locked(d, r);
		spin_unlock(&d->lock);
		return;
	}
	/*
	 * The second replica ended while its primary runs: its behaviour departed
	 * from the primary's (a deterministic guest ends alike), a divergence.
	 */
	if (r == 1 && !d->cut[0] && d->rep[0]->state == GUEST_RUNNING) {
		char what[sizeof(d->last_event)];
		snprintf(what, sizeof(what), "%s ended on its own (%.60s) while its primary runs",
			 g->name, g->stop_reason);
		diverged_locked(d, what);
		spin_unlock(&d->lock);
		request_copy(d);
		return;
	}
	spin_unlock(&d->lock);
	/* The primary ended (its own exit, or stopped from the console): so does its pair. */
	struct guest *other = d->rep[!r];
	if (!d->cut[!r] && other->state == GUEST_RUNNING) {
		log_info("dual %s: %s ended (%s); its replica stops too", d->name, g->name,
			 g->stop_reason);
		guest_stop(other, GUEST_EXITED, 0, "its replica ended");
		if (other->paused)
			guest_set_paused(other, false);
	}
}

void dual_poll(void)
{
	for (unsigned i = 0; i < pair_count; i++) {
		struct dual *d = pairs[i];
		for (unsigned k = 0; k < 2; k++)
			if (__atomic_exchange_n(&d->down[k], false, __ATOMIC_ACQ_REL))
				replica_down(d, d->replica[k]);
		if (d->resync_copied) {
			struct guest *b = d->rep[1];
			d->resync_copied = false;
			d->resyncs++;
			b->heartbeat_tsc = rdtsc();
			b->vcpus_started = 1;
			guest_start(b);
			log_info(
			    "dual %s: %s resumed as a copy of %s, %llu us after the divergence",
			    d->name, b->name, d->rep[0]->name,
			    (unsigned long long)(tsc_to_ns(rdtsc() - d->resync_start) / 1000));
		}
		for (unsigned r = 0; d->watchdog_tsc && r < 2; r++) {
			struct guest *g = d->rep[r];
			spin_lock(&d->lock);
			bool expired = !d->cut[r] && !d->held_back[r] &&
				       g->state == GUEST_RUNNING &&
				       heartbeat_late(g, d->watchdog_tsc);
			if (expired)
				guest_stop(g, GUEST_CRASHED, -1, "watchdog: no heartbeat for %u ms",
					   d->watchdog_ms);
			spin_unlock(&d->lock);
			if (expired && g->paused)
				guest_set_paused(g,
						 false); /* its vCPU must run to notice the stop */
		}
	}
}

bool dual_busy(void)
{
	for (unsigned i = 0; i < pair_count; i++) {
		const struct dual *d = pairs[i];
		if (d->down[0] || d->down[1] || d->resync_pending || d->resync_copied)
			return true;
	}
	return false;
}

int dual_fail(struct guest *g, const char *kind)
{
	unsigned r;
	struct dual *d = pair_of(g, &r);
	if (!d)
		return -ENOENT;
	if (g->state != GUEST_RUNNING || d->cut[r] || d->resync_pending || d->resync_copied)
		return -EAGAIN;
	if (!strcmp(kind, "crash")) {
		spin_lock(&d->lock); /* not in the middle of a resynchronisation copy */
		guest_stop(g, GUEST_CRASHED, -1, "failure injected from the console (crash)");
		spin_unlock(&d->lock);
		return 0;
	}
	if (!strcmp(kind, "hang") && d->watchdog_tsc) {
		log_info("dual %s: hang injected: %s stops running, silently", d->name, g->name);
		guest_set_paused(g, true);
		return 0;
	}
	return -EINVAL;
}

const char *dual_role(const struct guest *g)
{
	unsigned r;
	const struct dual *d = pair_of(g, &r);
	if (!d)
		return NULL;
	return d->cut[r] ? "cut off" : r == 0 ? "primary" : "secondary";
}

void dual_describe(const struct guest *g, char *buf, unsigned size)
{
	unsigned r;
	const struct dual *d = pair_of(g, &r);
	if (!d) {
		snprintf(buf, size, "role=plain");
		return;
	}
	snprintf(buf, size,
		 "role=%s dual lines-agreed=%llu divergences=%llu resyncs=%u cut-offs=%u%s%s",
		 dual_role(g), (unsigned long long)d->agreed, (unsigned long long)d->divergences,
		 d->resyncs, d->cutoffs, d->last_event[0] ? " last=" : "", d->last_event);
}
