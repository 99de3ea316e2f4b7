/* Voting replicas: output compared line by line, cut-offs, rebuilds (see vote.h). */
#include "kernel/ha/vote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/ha/heartbeat.h"
#include "kernel/ha/line_queue.h"
#include "kernel/sched/sched.h"
#include "kernel/vdev/standard.h"
#include "kernel/vm/vcpu_snapshot.h"

#define GROUPS_MAX 8
/*
 * A replica that ends on its own has its end voted on like a line: its
 * queue's last entry. It starts with a byte the UART never passes on
 * (vuart.c prints non-printables as '.'), so no guest line can fake it.
 */
#define END_MARK '\001'

/*
 * A rebuild: the replica is stopped (STOPPING until its vCPU is down), then
 * waits for the primary's next exit (COPY_WANTED), where it is copied. From
 * the copy on it votes again, and vote_poll starts it (start_pending).
 */
enum rebuild { REBUILD_NONE, REBUILD_STOPPING, REBUILD_COPY_WANTED };

struct replica {
	struct guest *g;
	bool cut;	/* cut off: its output counts no more */
	bool held_back; /* paused by the group: it ran VOTE_AHEAD_MAX lines ahead */
	enum rebuild rebuild;
	bool start_pending;
	bool ended;	    /* stopped on its own, its end queued for the vote */
	volatile bool down; /* its vCPUs stopped: for vote_poll */
	struct line_queue q;
	uint8_t vcpu_blob[VCPU_SNAPSHOT_MAX]; /* its rebuild's vCPU state, loaded at entry */
};

struct vote {
	char name[GUEST_NAME_MAX];
	const char *kind; /* "dual" or "tmr", for the log */
	unsigned n;
	struct replica replica[VOTE_REPLICAS_MAX]; /* in a fixed order */
	/*
	 * By role: role[0] is the primary, named NAME, and always votes (its
	 * role is handed on before it is rebuilt or cut off). Roles move under
	 * the lock; a role is looked up under it, never carried across it.
	 */
	struct replica *role[VOTE_REPLICAS_MAX];
	struct spinlock lock; /* queues, roles, rebuild states and the copy */
	uint64_t watchdog_tsc;
	unsigned watchdog_ms;
	uint64_t rebuild_start;
	uint8_t dev_blob[VDEV_STATE_MAX];
	bool over; /* the group ended (agreed, alone, or stopped from the console) */

	uint64_t agreed, divergences;
	unsigned cutoffs, resyncs;
	char last_event[200];
};

static struct vote *groups[GROUPS_MAX];
static unsigned group_count;
static const char *const role_suffix[VOTE_REPLICAS_MAX] = {"", "-b", "-c"};

static struct vote *group_of(const struct guest *g, struct replica **rep)
{
	for (unsigned i = 0; i < group_count; i++)
		for (unsigned k = 0; k < groups[i]->n; k++)
			if (groups[i]->replica[k].g == g) {
				if (rep)
					*rep = &groups[i]->replica[k];
				return groups[i];
			}
	return NULL;
}

static bool voting(const struct replica *r)
{
	return !r->cut && r->rebuild == REBUILD_NONE;
}

/* The replicas voting now, in role order (the primary first); how many. */
static unsigned voters(const struct vote *d, struct replica **out)
{
	unsigned count = 0;
	for (unsigned i = 0; i < d->n; i++)
		if (voting(d->role[i])) {
			if (out)
				out[count] = d->role[i];
			count++;
		}
	return count;
}

static void set_names(struct vote *d)
{
	for (unsigned i = 0; i < d->n; i++)
		snprintf(d->role[i]->g->name, GUEST_NAME_MAX, "%s%s", d->name, role_suffix[i]);
}

/* Replica r becomes the primary and takes the group's name. Under the lock. */
static void promote(struct vote *d, struct replica *r)
{
	for (unsigned i = 1; i < d->n; i++)
		if (d->role[i] == r) {
			d->role[i] = d->role[0];
			d->role[0] = r;
		}
	set_names(d);
}

/* ---- output: compare, release ---- */

/* Ask the primary to copy itself into the replicas waiting for it, at its next exit. */
static void request_copy(struct vote *d);

/* Print a line as the group's: through the primary, whose name the console knows. */
static void release(struct vote *d, const char *line)
{
	guest_console_emit(d->role[0]->g, d->name, line);
}

static void group_ends_locked(struct vote *d, const char *why);

/* r, alone, releases what it queued: up to its end, if it ended. */
static void release_all(struct vote *d, struct replica *r)
{
	for (; r->q.count; line_queue_pop(&r->q)) {
		const char *line = line_queue_head(&r->q);
		if (line[0] == END_MARK) {
			char why[LINE_QUEUE_WIDTH];
			snprintf(why, sizeof(why), "%s", line + 1);
			group_ends_locked(d, why);
			return;
		}
		release(d, line);
	}
}

static void resume_if_held(struct replica *r)
{
	if (!r->held_back)
		return;
	r->held_back = false;
	r->g->heartbeat_tsc = rdtsc(); /* it could not beat while held */
	guest_set_paused(r->g, false);
}

/*
 * r's output departed from the group's: it is stopped (unless it ended on
 * its own) and copied from the primary at the primary's next exit. A primary
 * hands its role to `good` first. Under the lock.
 */
static void start_rebuild_locked(struct vote *d, struct replica *r, struct replica *good,
				 const char *what)
{
	d->divergences++;
	snprintf(d->last_event, sizeof(d->last_event), "%s", what);
	if (r == d->role[0])
		promote(d, good);
	log_warn("%s %s: %s; %s resynchronised from %s", d->kind, d->name, d->last_event,
		 r->g->name, d->role[0]->g->name);
	line_queue_clear(&r->q);
	d->rebuild_start = rdtsc();
	if (r->ended) {
		r->rebuild = REBUILD_COPY_WANTED;
		request_copy(d);
		return;
	}
	r->rebuild = REBUILD_STOPPING;
	guest_stop(r->g, GUEST_EXITED, 0, "diverged from its group: resynchronising");
	resume_if_held(r); /* its vCPU must run to notice the stop */
}

/* The replicas agree the guest ended: the others stop too. Under the lock. */
static void group_ends_locked(struct vote *d, const char *why)
{
	d->over = true;
	log_info("%s %s: the group ends (%s)", d->kind, d->name, why);
	for (unsigned i = 0; i < d->n; i++) {
		struct replica *o = &d->replica[i];
		line_queue_clear(&o->q);
		o->rebuild = REBUILD_NONE;
		o->start_pending = false;
		if (o->g->state == GUEST_RUNNING)
			guest_stop(o->g, GUEST_EXITED, 0, "%s", why);
		resume_if_held(o);
	}
}

/*
 * Release what the voters agree on. Once every voter has a line, the line
 * most of them printed goes out (on a tie, the primary's: with two there is
 * no majority) and every voter that printed another is rebuilt. A voter
 * alone releases its lines as they come.
 */
static void match_locked(struct vote *d)
{
	struct replica *v[VOTE_REPLICAS_MAX];
	unsigned nv;

	while ((nv = voters(d, v)) > 1) {
		unsigned best = 0, best_votes = 0;
		for (unsigned i = 0; i < nv; i++)
			if (!v[i]->q.count)
				goto out;
		for (unsigned i = 0; i < nv; i++) {
			unsigned votes = 0;
			for (unsigned j = 0; j < nv; j++)
				votes +=
				    !strcmp(line_queue_head(&v[i]->q), line_queue_head(&v[j]->q));
			if (votes > best_votes) {
				best = i;
				best_votes = votes;
			}
		}
		char line[LINE_QUEUE_WIDTH], theirs[VOTE_REPLICAS_MAX][LINE_QUEUE_WIDTH];
		snprintf(line, sizeof(line), "%s", line_queue_head(&v[best]->q));
		if (line[0] == END_MARK) {
			group_ends_locked(d, line + 1);
			return;
		}
		release(d, line);
		uint64_t after = d->agreed++;
		for (unsigned i = 0; i < nv; i++) {
			snprintf(theirs[i], sizeof(theirs[i]), "%s", line_queue_head(&v[i]->q));
			line_queue_pop(&v[i]->q);
		}
		for (unsigned i = 0; i < nv; i++) {
			char what[sizeof(d->last_event)];
			if (!strcmp(theirs[i], line))
				continue;
			if (nv == 2)
				snprintf(what, sizeof(what),
					 "divergence after line %llu: '%.40s' against '%.40s'",
					 (unsigned long long)after, line, theirs[i]);
			else
				snprintf(what, sizeof(what),
					 "%s outvoted after line %llu: '%.60s' against '%.60s'",
					 v[i]->g->name, (unsigned long long)after, theirs[i], line);
			start_rebuild_locked(d, v[i], v[best], what);
		}
	}
	if (nv == 1)
		release_all(d, v[0]);
out:
	for (unsigned i = 0; i < nv; i++)
		if (v[i]->q.count < VOTE_AHEAD_MAX / 2)
			resume_if_held(v[i]);
}

/* Replica r is down for good: the others carry on. Under the lock. */
static void cut_off_locked(struct vote *d, struct replica *r)
{
	struct replica *v[VOTE_REPLICAS_MAX];

	r->cut = true;
	d->cutoffs++;
	r->g->console_hold = NULL;
	snprintf(d->last_event, sizeof(d->last_event), "%s cut off: %s", r->g->name,
		 r->g->stop_reason);
	line_queue_clear(&r->q);
	unsigned nv = voters(d, v);
	if (!nv) {
		/* Nobody in a good state is left to copy from. */
		log_err("%s %s: %s, and no replica is left in a good state", d->kind, d->name,
			d->last_event);
		group_ends_locked(d, "no good replica left");
		return;
	}
	if (r == d->role[0])
		promote(d, v[0]);
	else
		set_names(d);
	if (nv == 1)
		log_warn("%s %s: %s; %s carries on alone after line %llu", d->kind, d->name,
			 d->last_event, d->role[0]->g->name, (unsigned long long)d->agreed);
	else
		log_warn("%s %s: %s; %u replicas carry on after line %llu", d->kind, d->name,
			 d->last_event, nv, (unsigned long long)d->agreed);
	match_locked(d);
}

/* r's queue is full: a voter with nothing queued is QUEUE_LINES behind; it failed. */
static void fail_laggards_locked(struct vote *d, struct replica *r)
{
	for (unsigned i = 0; i < d->n; i++) {
		struct replica *s = &d->replica[i];
		if (s == r || !voting(s) || s->q.count)
			continue;
		guest_stop(s->g, GUEST_CRASHED, -1, "%u lines behind its group", LINE_QUEUE_LINES);
		resume_if_held(s);
		cut_off_locked(d, s);
	}
}

static void hold_line(struct guest *g, const char *line)
{
	struct replica *r;
	struct vote *d = group_of(g, &r);
	/* A line as the replica stops is the UART's partial line flushed, not output. */
	if (!d || g->state != GUEST_RUNNING)
		return;
	spin_lock(&d->lock);
	if (!voting(r) || d->over) {
		/* Cut off, being rebuilt, or the group ended: its output counts no more. */
	} else {
		if (line_queue_full(&r->q))
			fail_laggards_locked(d, r);
		if (line_queue_full(&r->q)) { /* nobody empty-handed to blame: its oldest goes */
			release(d, line_queue_head(&r->q));
			line_queue_pop(&r->q);
		}
		if (voters(d, NULL) == 1) {
			release(d, line);
		} else {
			line_queue_push(&r->q, line);
			match_locked(d);
			if (voting(r) && r->q.count >= VOTE_AHEAD_MAX && !r->held_back) {
				r->held_back = true; /* wait for the others */
				guest_set_paused(g, true);
			}
		}
	}
	spin_unlock(&d->lock);
}

/* ---- rebuild: the copy, at an exit of the primary, on its CPU ---- */

static int copy_replica(struct vote *d, struct vcpu *v, struct replica *t)
{
	struct guest *a = v->guest, *b = t->g;
	const uint8_t *src = guest_ram_read_ptr(a, 0, a->mem_size);
	uint8_t *dst = guest_ram_ptr(b, 0, b->mem_size);
	if (!src || !dst || a->mem_size != b->mem_size)
		return -EINVAL;
	int n = vcpu_snapshot_take(v, t->vcpu_blob, sizeof(t->vcpu_blob));
	if (n < 0)
		return n;
	int dev = vdev_standard_save(a, d->dev_blob, sizeof(d->dev_blob));
	if (dev < 0)
		return dev;
	int err = vdev_standard_load(b, d->dev_blob, dev);
	if (err)
		return err;
	memcpy(dst, src, a->mem_size);
	b->vcpus[0].restore = t->vcpu_blob;
	b->vcpus[0].restore_len = n;
	return 0;
}

static void copy_at_exit(struct vcpu *v)
{
	struct guest *a = v->guest;
	struct replica *src;
	struct vote *d = group_of(a, &src);
	a->epoch_deadline = 0;
	a->epoch_hook = NULL;
	if (!d)
		return;
	spin_lock(&d->lock);
	if (src != d->role[0]) {
		/* No longer the primary (it was cut off meanwhile): the new one copies. */
		spin_unlock(&d->lock);
		request_copy(d);
		return;
	}
	for (unsigned i = 0; i < d->n; i++) {
		struct replica *t = &d->replica[i];
		if (t->cut || t->rebuild != REBUILD_COPY_WANTED)
			continue;
		int err = copy_replica(d, v, t);
		t->rebuild = REBUILD_NONE;
		if (err) {
			log_err("%s %s: %s cannot be copied from %s (%d): cut off", d->kind,
				d->name, t->g->name, a->name, err);
			t->cut = true;
			continue;
		}
		t->q = src->q; /* from here it prints what the primary prints */
		t->ended = false;
		t->start_pending = true;
	}
	spin_unlock(&d->lock);
}

static void request_copy(struct vote *d)
{
	struct guest *a = d->role[0]->g;
	a->epoch_hook = copy_at_exit;
	a->epoch_deadline = 1;
	sched_kick(&a->vcpus[0].se);
}

/* ---- creation, failures, the poll ---- */

int vote_create(struct guest *const *rep, unsigned n, unsigned watchdog_ms)
{
	if (group_count == GROUPS_MAX)
		return -ENOSPC;
	if (n < 2 || n > VOTE_REPLICAS_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (rep[i]->vcpu_count != 1)
			return -EINVAL;
	struct vote *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", rep[0]->name);
	d->kind = n == 3 ? "tmr" : "dual";
	d->n = n;
	for (unsigned i = 0; i < n; i++) {
		d->replica[i].g = rep[i];
		d->role[i] = &d->replica[i];
		rep[i]->ha = d;
	}
	d->watchdog_ms = watchdog_ms;
	d->watchdog_tsc = tsc_hz() / 1000 * watchdog_ms;
	set_names(d);
	groups[group_count++] = d;
	char cpus[48];
	unsigned len = 0;
	for (unsigned i = 0; i < n; i++)
		len += snprintf(cpus + len, sizeof(cpus) - len, "%sCPU %u",
				!i	     ? ""
				: i + 1 == n ? " and "
					     : ", ",
				rep[i]->vcpus[0].se.cpu);
	log_info("%s %s: replicas on %s, output compared line by line%s, watchdog %u ms", d->kind,
		 d->name, cpus, n == 3 ? " (majority vote)" : "", watchdog_ms);
	return 0;
}

int vote_start(struct guest *g)
{
	struct replica *r;
	struct vote *d = group_of(g, &r);
	if (!d)
		return -ENOENT;
	if (r != &d->replica[0])
		return 0; /* started with the first */
	for (unsigned i = 0; i < d->n; i++) {
		struct guest *rep = d->replica[i].g;
		rep->console_hold = hold_line;
		rep->heartbeat_tsc = rdtsc();
		rep->vcpus_started = 1;
		guest_start(rep);
	}
	return 0;
}

void vote_guest_stopped(struct guest *g)
{
	struct replica *r;
	if (group_of(g, &r))
		__atomic_store_n(&r->down, true, __ATOMIC_RELEASE);
}

static void replica_down(struct vote *d, struct replica *r)
{
	bool copy = false;
	spin_lock(&d->lock);
	if (r->rebuild == REBUILD_STOPPING) {
		r->rebuild = REBUILD_COPY_WANTED;
		copy = true;
	} else if (r->cut || r->rebuild != REBUILD_NONE || d->over) {
		/* cut off already, waiting for its copy, or the group is over: nothing more */
	} else if (r->g->state == GUEST_CRASHED && voters(d, NULL) > 1) {
		cut_off_locked(d, r);
	} else if (voters(d, NULL) > 1) {
		/* It ended on its own: the others must end alike, or it departed from them. */
		char end[LINE_QUEUE_WIDTH];
		snprintf(end, sizeof(end), "%cended: %.100s", END_MARK, r->g->stop_reason);
		r->ended = true;
		if (line_queue_full(&r->q))
			line_queue_pop(&r->q);
		line_queue_push(&r->q, end);
		match_locked(d);
	} else {
		group_ends_locked(d, r->g->stop_reason);
	}
	spin_unlock(&d->lock);
	if (copy)
		request_copy(d);
}

static void start_rebuilt(struct vote *d, struct replica *t)
{
	spin_lock(&d->lock);
	bool go = t->start_pending;
	t->start_pending = false;
	unsigned cpu = t->g->vcpus[0].se.cpu;
	if (go && sched_cpu_failed(cpu)) { /* rebuilt for nothing: it has no CPU to run on */
		snprintf(t->g->stop_reason, sizeof(t->g->stop_reason), "its CPU %u failed", cpu);
		cut_off_locked(d, t);
		go = false;
	}
	spin_unlock(&d->lock);
	if (!go)
		return;
	d->resyncs++;
	t->g->heartbeat_tsc = rdtsc();
	t->g->vcpus_started = 1;
	guest_start(t->g);
	log_info("%s %s: %s resumed as a copy of %s, %llu us after the divergence", d->kind,
		 d->name, t->g->name, d->role[0]->g->name,
		 (unsigned long long)(tsc_to_ns(rdtsc() - d->rebuild_start) / 1000));
}

static void check_watchdog(struct vote *d, struct replica *r)
{
	spin_lock(&d->lock);
	bool expired = voting(r) && !d->over && !r->held_back && r->g->state == GUEST_RUNNING &&
		       heartbeat_late(r->g, d->watchdog_tsc);
	if (expired)
		guest_stop(r->g, GUEST_CRASHED, -1, "watchdog: no heartbeat for %u ms",
			   d->watchdog_ms);
	spin_unlock(&d->lock);
	if (expired && r->g->paused)
		guest_set_paused(r->g, false); /* its vCPU must run to notice the stop */
}

void vote_poll(void)
{
	for (unsigned i = 0; i < group_count; i++) {
		struct vote *d = groups[i];
		for (unsigned k = 0; k < d->n; k++)
			if (__atomic_exchange_n(&d->replica[k].down, false, __ATOMIC_ACQ_REL))
				replica_down(d, &d->replica[k]);
		for (unsigned k = 0; k < d->n; k++)
			start_rebuilt(d, &d->replica[k]);
		for (unsigned k = 0; d->watchdog_tsc && k < d->n; k++)
			check_watchdog(d, &d->replica[k]);
	}
}

/* Whether any replica of d is being rebuilt. Under the lock. */
static bool rebuilding_locked(const struct vote *d)
{
	for (unsigned k = 0; k < d->n; k++)
		if (d->replica[k].rebuild != REBUILD_NONE || d->replica[k].start_pending)
			return true;
	return false;
}

bool vote_busy(void)
{
	for (unsigned i = 0; i < group_count; i++) {
		struct vote *d = groups[i];
		spin_lock(&d->lock);
		bool busy = rebuilding_locked(d);
		for (unsigned k = 0; k < d->n; k++)
			busy |= d->replica[k].down;
		spin_unlock(&d->lock);
		if (busy)
			return true;
	}
	return false;
}

bool vote_running(const struct guest *g)
{
	const struct vote *d = group_of(g, NULL);
	return d && !d->over;
}

int vote_stop(struct guest *g)
{
	struct vote *d = group_of(g, NULL);
	if (!d)
		return -ENOENT;
	spin_lock(&d->lock);
	int err = d->over ? -EALREADY : 0;
	if (!err)
		group_ends_locked(d, "stopped from the console");
	spin_unlock(&d->lock);
	return err;
}

int vote_fail(struct guest *g, const char *kind)
{
	struct replica *r;
	struct vote *d = group_of(g, &r);
	if (!d)
		return -ENOENT;
	bool crash = !strcmp(kind, "crash"), hang = !strcmp(kind, "hang") && d->watchdog_tsc;
	if (!crash && !hang)
		return -EINVAL;
	int err = 0;
	spin_lock(&d->lock); /* not in the middle of a copy */
	if (g->state != GUEST_RUNNING || !voting(r) || d->over || rebuilding_locked(d))
		err = -EAGAIN;
	else if (crash)
		guest_stop(g, GUEST_CRASHED, -1, "failure injected from the console (crash)");
	spin_unlock(&d->lock);
	if (!err && hang) {
		log_info("%s %s: hang injected: %s stops running, silently", d->kind, d->name,
			 g->name);
		guest_set_paused(g, true);
	}
	return err;
}

const char *vote_role(const struct guest *g)
{
	struct replica *r;
	const struct vote *d = group_of(g, &r);
	if (!d)
		return NULL;
	return r->cut						? "cut off"
	       : r->rebuild != REBUILD_NONE || r->start_pending ? "rebuilding"
	       : r == d->role[0]				? "primary"
								: "secondary";
}

void vote_describe(const struct guest *g, char *buf, unsigned size)
{
	const struct vote *d = group_of(g, NULL);
	if (!d) {
		snprintf(buf, size, "role=plain");
		return;
	}
	snprintf(buf, size,
		 "role=%s %s lines-agreed=%llu divergences=%llu resyncs=%u cut-offs=%u%s%s",
		 vote_role(g), d->kind, (unsigned long long)d->agreed,
		 (unsigned long long)d->divergences, d->resyncs, d->cutoffs,
		 d->last_event[0] ? " last=" : "", d->last_event);
}
