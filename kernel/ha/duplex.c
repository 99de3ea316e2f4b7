/* Duplex pairs: checkpoints, output commit and failover (see duplex.h). */
#include "kernel/ha/duplex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_dirty.h"
#include "kernel/ha/heartbeat.h"
#include "kernel/ha/repl_stream.h"
#include "kernel/sched/sched.h"
#include "kernel/vdev/standard.h"
#include "kernel/vm/vcpu_run.h"
#include "kernel/vm/vcpu_snapshot.h"

#define DUPLEX_MAX     8
#define HELD_BYTES     (32 * 1024) /* an epoch's console lines; more ends the epoch early */
#define HELD_SOFT      (HELD_BYTES - 8 * 1024)
#define HELD_LINE_MAX  256
#define STANDBY_SUFFIX "-standby"

struct checkpoint_state {
	uint8_t vcpu[VCPU_SNAPSHOT_MAX];
	uint32_t vcpu_len;
	uint8_t devices[VDEV_STATE_MAX];
	uint32_t devices_len;
};

/* Committed checkpoints of one kind: how many, their pages and pauses (TSC). */
struct ckpt_figures {
	uint64_t count, pages, pause_total, pause_max;
};

static void ckpt_count(struct ckpt_figures *f, uint64_t pages, uint64_t pause)
{
	f->count++;
	f->pages += pages;
	f->pause_total += pause;
	if (pause > f->pause_max)
		f->pause_max = pause;
}

struct duplex {
	char name[GUEST_NAME_MAX];
	struct guest *active, *standby;
	struct duplex_params params;
	uint64_t epoch_tsc, watchdog_tsc;
	struct spinlock lock; /* a checkpoint against a failover */

	/* Sender side (the active replica's CPU, at its epoch's end). */
	struct repl_writer *writer;
	uint64_t epoch;
	bool full_copy; /* the standby is new: send every page */
	uint8_t blob[VCPU_SNAPSHOT_MAX];

	/*
	 * Receiver side: the standby's image, and its state in two slots: the
	 * epoch being received fills the one that is not `committed`, and COMMIT
	 * makes it the committed one.
	 */
	struct repl_reader reader;
	struct checkpoint_state slot[2];
	unsigned committed; /* index into slot[] */
	uint64_t committed_epoch;
	bool have_committed;

	/* Output commit: this epoch's console lines, NUL-separated. */
	char held[HELD_BYTES];
	size_t held_len;
	unsigned held_lines;

	/* Failure handling (flags set anywhere, acted on by duplex_poll on CPU 0). */
	volatile bool down, planned, failing;
	/* The standby's pCPU failed: no failover is possible; the pair ends with the primary. */
	volatile bool standby_lost;
	uint64_t down_tsc;

	/* Figures. */
	uint64_t pages_last;		       /* of the checkpoint being taken */
	struct ckpt_figures incremental, full; /* dirty pages only; every page */
	uint64_t dropped_lines;
	unsigned failovers;
	uint64_t last_failover_us;
	char last_failover[96];
};

static struct duplex *pairs[DUPLEX_MAX];
static unsigned pair_count;

static uint64_t tsc_to_us(uint64_t ticks)
{
	return tsc_to_ns(ticks) / 1000;
}

/* ---- receiver: the standby's image ---- */

static struct checkpoint_state *receiving(struct duplex *d)
{
	return &d->slot[!d->committed];
}

static int recv_begin(void *ctx, uint64_t epoch)
{
	struct duplex *d = ctx;
	receiving(d)->vcpu_len = receiving(d)->devices_len = 0;
	return 0;
}

static int recv_page(void *ctx, gpa_t gpa, const void *data)
{
	struct duplex *d = ctx;
	void *dst = guest_ram_ptr(d->standby, gpa, REPL_PAGE_BYTES);
	if (!dst)
		return -EINVAL;
	memcpy(dst, data, REPL_PAGE_BYTES);
	return 0;
}

static int recv_blob(void *ctx, enum repl_type type, uint64_t arg, const void *data, uint32_t len)
{
	struct checkpoint_state *st = receiving(ctx);
	if (type == REPL_VCPU && arg == 0 && len <= sizeof(st->vcpu) &&
	    !vcpu_snapshot_check(data, len)) {
		memcpy(st->vcpu, data, len);
		st->vcpu_len = len;
		return 0;
	}
	if (type == REPL_DEVICES && len <= sizeof(st->devices)) {
		memcpy(st->devices, data, len);
		st->devices_len = len;
		return 0;
	}
	return -EINVAL;
}

static int recv_commit(void *ctx, uint64_t epoch)
{
	struct duplex *d = ctx;
	if (!receiving(d)->vcpu_len || !receiving(d)->devices_len)
		return -EINVAL; /* a checkpoint without its state is no checkpoint */
	d->committed = !d->committed;
	d->committed_epoch = epoch;
	d->have_committed = true;
	return 0;
}

static const struct repl_reader_ops recv_ops = {
    .begin = recv_begin,
    .page = recv_page,
    .blob = recv_blob,
    .commit = recv_commit,
};

/* The in-machine transport: the writer's chunks go straight to the reader. */
static int loopback_write(void *ctx, const void *bytes, size_t len)
{
	struct duplex *d = ctx;
	return repl_reader_feed(&d->reader, bytes, len);
}

/* ---- sender: the checkpoint, on the active replica's CPU ---- */

static int send_page(void *ctx, gpa_t gpa, const void *page)
{
	struct duplex *d = ctx;
	d->pages_last++;
	return repl_put(d->writer, REPL_PAGE, gpa, page, REPL_PAGE_BYTES);
}

static int skip_page(void *ctx, gpa_t gpa, const void *page)
{
	return 0; /* a full copy follows */
}

static void release_held(struct duplex *d, struct guest *g)
{
	for (size_t at = 0; at < d->held_len; at += strlen(d->held + at) + 1)
		guest_console_emit(g, d->name, d->held + at);
	d->held_len = 0;
	d->held_lines = 0;
}

static int take_checkpoint(struct duplex *d, struct vcpu *v)
{
	struct guest *g = v->guest;
	d->pages_last = 0;
	int err = repl_begin(d->writer, ++d->epoch);
	if (!err)
		err = guest_dirty_collect(g, d->full_copy ? skip_page : send_page, d);
	if (!err && d->full_copy)
		err = guest_dirty_each_page(g, send_page, d);
	int n = err ? err : vcpu_snapshot_take(v, d->blob, sizeof(d->blob));
	if (n >= 0)
		err = repl_put(d->writer, REPL_VCPU, v->id, d->blob, n);
	else
		err = n;
	if (!err) {
		spin_lock(&g->dev_lock);
		n = vdev_standard_save(g, d->blob, sizeof(d->blob));
		spin_unlock(&g->dev_lock);
		err = n >= 0 ? repl_put(d->writer, REPL_DEVICES, 0, d->blob, n) : n;
	}
	if (!err)
		err = repl_commit(d->writer);
	return err;
}

/* g no longer checkpointed (its dirty log is the caller's to stop). */
static void disarm(struct guest *g)
{
	g->epoch_deadline = 0;
	g->epoch_hook = NULL;
	g->console_hold = NULL;
}

static void epoch_end(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct duplex *d = g->ha;
	uint64_t start = rdtsc();
	spin_lock(&d->lock);
	/* A replica that failed meanwhile is not checkpointed: its state is the fault's. */
	if (d->active != g || d->down || g->state != GUEST_RUNNING) {
		spin_unlock(&d->lock);
		return;
	}
	if (d->standby_lost) {
		/* Nobody to take over: its output goes out as it comes, and nothing is copied. */
		release_held(d, g);
		disarm(g);
		spin_unlock(&d->lock);
		guest_dirty_stop(g);
		return;
	}
	bool full = d->full_copy;
	int err = take_checkpoint(d, v);
	if (err) {
		/*
		 * Some of its pages may have reached the standby's image: that image
		 * no longer matches any checkpoint, so none is offered until the next
		 * full copy commits. The epoch's output stays held for it.
		 */
		log_err("duplex %s: checkpoint %llu failed (%d%s%s): the next one is a full copy",
			d->name, (unsigned long long)d->epoch, err, d->reader.error[0] ? ": " : "",
			d->reader.error);
		repl_writer_init(d->writer, (struct repl_sink){loopback_write, d});
		repl_reader_init(&d->reader, &recv_ops, d);
		d->have_committed = false;
		d->full_copy = true;
	} else {
		d->full_copy = false;
		release_held(d, g); /* the checkpoint covering it is committed */
	}
	uint64_t pause = rdtsc() - start;
	if (!err)
		ckpt_count(full ? &d->full : &d->incremental, d->pages_last, pause);
	/* The guest could not beat while it was held here: the watchdog does not count it. */
	if (g->heartbeat_tsc < start)
		g->heartbeat_tsc += pause;
	g->epoch_deadline = rdtsc() + d->epoch_tsc;
	bool planned = d->planned;
	spin_unlock(&d->lock);
	if (planned)
		guest_stop(g, GUEST_EXITED, 0, "planned switch-over to its standby");
}

static void hold_line(struct guest *g, const char *line)
{
	struct duplex *d = g->ha;
	/*
	 * Output of a replica that is stopping (its vCPU finishing the exit it is
	 * in, its UART's partial line flushed once it is down) belongs to the
	 * failed epoch: never released. The checkpoint holds that partial line in
	 * the UART's state, and the standby finishes it.
	 */
	if (g->state != GUEST_RUNNING)
		return;
	size_t len = strnlen(line, HELD_LINE_MAX - 1);
	if (d->held_len + len + 1 > sizeof(d->held)) {
		/* Cannot happen with HELD_SOFT below (one exit prints at most 4 KiB); say so if it
		 * does. */
		spin_lock(&d->lock);
		release_held(d, g);
		spin_unlock(&d->lock);
		log_err("duplex %s: an epoch's output outgrew %u bytes; released before its "
			"checkpoint",
			d->name, HELD_BYTES);
	}
	memcpy(d->held + d->held_len, line, len);
	d->held[d->held_len + len] = '\0';
	d->held_len += len + 1;
	d->held_lines++;
	/* Much output: end the epoch at this exit rather than hold more. */
	if (d->held_len > HELD_SOFT) {
		g->epoch_deadline = 1;
		*sched_work_flag() = true;
	}
}

/* ---- roles ---- */

static void set_names(struct duplex *d)
{
	snprintf(d->active->name, GUEST_NAME_MAX, "%s", d->name);
	snprintf(d->standby->name, GUEST_NAME_MAX, "%s%s", d->name, STANDBY_SUFFIX);
}

/* Make g the replica that runs: its output held and checkpointed (hot). */
static int arm_active(struct duplex *d, struct guest *g)
{
	if (!d->params.hot)
		return 0;
	int err = guest_dirty_start(g);
	if (err)
		return err;
	d->full_copy = true;
	d->held_len = d->held_lines = 0;
	repl_writer_init(d->writer, (struct repl_sink){loopback_write, d});
	repl_reader_init(&d->reader, &recv_ops, d);
	g->console_hold = hold_line;
	g->epoch_hook = epoch_end;
	g->epoch_deadline = rdtsc() + d->epoch_tsc;
	return 0;
}

static struct duplex *pair_of(const struct guest *g)
{
	for (unsigned i = 0; i < pair_count; i++)
		if (pairs[i]->active == g || pairs[i]->standby == g)
			return pairs[i];
	return NULL;
}

void duplex_guest_stopped(struct guest *g)
{
	struct duplex *d = pair_of(g);
	if (d && d->active == g) {
		d->down_tsc = rdtsc();
		__atomic_store_n(&d->down, true, __ATOMIC_RELEASE);
	}
}

int duplex_create(struct guest *active, struct guest *standby, const struct duplex_params *p)
{
	if (pair_count == DUPLEX_MAX)
		return -ENOSPC;
	if (p->hot && (active->vcpu_count != 1 || standby->vcpu_count != 1))
		return -EINVAL;
	struct duplex *d = calloc(1, sizeof(*d));
	if (d && p->hot)
		d->writer = malloc(sizeof(*d->writer));
	if (!d || (p->hot && !d->writer)) {
		if (d)
			free(d->writer);
		free(d);
		return -ENOMEM;
	}
	snprintf(d->name, sizeof(d->name), "%s", active->name);
	d->active = active;
	d->standby = standby;
	d->params = *p;
	d->epoch_tsc = tsc_hz() / 1000 * p->epoch_ms;
	d->watchdog_tsc = tsc_hz() / 1000 * p->watchdog_ms;
	active->ha = standby->ha = d;
	set_names(d);
	pairs[pair_count++] = d;
	log_info("duplex %s: %s standby on CPU %u, primary on CPU %u%s%s%s", d->name,
		 p->hot ? "hot" : "cold", standby->vcpus[0].se.cpu, active->vcpus[0].se.cpu,
		 p->hot ? "" : " (booted from the image on failure)",
		 p->batch ? ", batch guest " : "", p->batch ? p->batch->name : "");
	if (p->hot)
		log_info("duplex %s: epochs of %u ms, dirty pages by %s, watchdog %u ms", d->name,
			 p->epoch_ms, guest_dirty_method(), p->watchdog_ms);
	return 0;
}

int duplex_start(struct guest *g)
{
	struct duplex *d = pair_of(g);
	if (!d)
		return -ENOENT;
	if (d->active != g)
		return 0; /* a standby starts only when it takes over */
	int err = arm_active(d, g);
	if (err)
		return err;
	g->heartbeat_tsc = rdtsc();
	g->vcpus_started = 1;
	guest_start(g);
	return 0;
}

/* A standby whose pCPU failed can take nothing over: the primary runs on unprotected. */
static void standby_cpu_check(struct duplex *d)
{
	unsigned cpu = d->standby->vcpus[0].se.cpu;
	if (d->standby_lost || !sched_cpu_failed(cpu))
		return;
	d->standby_lost = true;
	log_warn("duplex %s: its standby's CPU %u failed: %s runs on unprotected", d->name, cpu,
		 d->active->name);
}

void duplex_cpu_failed(void)
{
	for (unsigned i = 0; i < pair_count; i++)
		standby_cpu_check(pairs[i]);
}

/*
 * The batch guest gives the standby's CPU up before the standby starts
 * there: paused, it parks at its next exit. Whether it was paused already.
 */
static bool batch_give_way(struct duplex *d)
{
	struct guest *b = d->params.batch;
	if (!b)
		return false;
	bool was_paused = b->paused;
	guest_set_paused(b, true);
	return was_paused;
}

/* Then it moves to the failed replica's CPU, the new standby's, and runs on there. */
static void batch_follow_standby(struct duplex *d, bool was_paused)
{
	struct guest *b = d->params.batch;
	if (!b)
		return;
	unsigned from = b->vcpus[0].se.cpu, to = d->standby->vcpus[0].se.cpu;
	for (unsigned i = 0; i < b->vcpu_count; i++) {
		int err = vcpu_run_move(&b->vcpus[i], to, false);
		if (err) {
			log_err(
			    "duplex %s: batch guest %s cannot move to CPU %u (%d): it stays paused",
			    d->name, b->name, to, err);
			return;
		}
	}
	if (!was_paused)
		guest_set_paused(b, false);
	log_info("duplex %s: batch guest %s gave CPU %u to the standby; it runs on CPU %u%s",
		 d->name, b->name, from, to, was_paused ? " (paused, as it was)" : "");
}

/*
 * The active replica is down for good: the standby takes over (CPU 0).
 * It resumes the last committed checkpoint, or, without one (cold standby,
 * or no checkpoint since the last failover), starts from its image built
 * afresh. The failed replica becomes the standby: a hot one is rolled back
 * to the checkpoint the other resumes from (the pages it wrote since are
 * copied back from the other, which has not run yet), so that it holds that
 * checkpoint at once, even if the other fails before its own first one,
 * and the next checkpoint sends only what the new active replica writes (a
 * full copy when it started from its image); a cold one is rebuilt when it
 * takes over.
 */
static void fail_over(struct duplex *d)
{
	struct guest *failed = d->active, *next = d->standby;
	if (d->standby_lost) {
		log_err("duplex %s: %s (%s), and its standby is lost: the guest is down", d->name,
			failed->name, failed->stop_reason);
		return;
	}
	spin_lock(&d->lock);
	unsigned dropped = d->held_lines;
	d->held_len = d->held_lines = 0;
	d->dropped_lines += dropped;
	bool resumed = d->params.hot && d->have_committed;
	uint64_t epoch = d->committed_epoch;
	const struct checkpoint_state *st = &d->slot[d->committed];
	int err = 0;
	if (resumed) {
		err = vdev_standard_load(next, st->devices, st->devices_len);
		next->vcpus[0].restore = st->vcpu; /* loaded before its first entry */
		next->vcpus[0].restore_len = st->vcpu_len;
	}
	snprintf(d->last_failover, sizeof(d->last_failover), "%s", failed->stop_reason);
	disarm(failed);
	d->active = next;
	d->standby = failed;
	set_names(d);
	d->have_committed = resumed; /* kept: the failed replica is rolled back to it below */
	spin_unlock(&d->lock);
	/* Neither replica runs now: nothing else touches the pair's sender side. */
	if (!err && !resumed)
		err = d->params.reload(next);
	if (!err)
		err = arm_active(d, next);
	if (!err && resumed) {
		int pages = guest_dirty_roll_back(failed, next);
		spin_lock(&d->lock);
		if (pages >= 0)
			d->full_copy =
			    false; /* both hold the checkpoint: only what next writes goes */
		else
			d->have_committed =
			    false; /* the standby is not at it: a full copy rebuilds it */
		spin_unlock(&d->lock);
	}
	guest_dirty_stop(failed);
	if (err) {
		log_err("duplex %s: the standby cannot take over (%d)", d->name, err);
		return;
	}
	standby_cpu_check(d);
	bool batch_was_paused = batch_give_way(d);
	next->heartbeat_tsc = rdtsc();
	next->vcpus_started = 1;
	guest_start(next);
	d->failovers++;
	d->last_failover_us = tsc_to_us(rdtsc() - d->down_tsc);
	if (resumed)
		log_warn("duplex %s: failover %u: %s; the standby resumed from checkpoint %llu on "
			 "CPU %u %llu us after the failure (%u held lines dropped, redone)",
			 d->name, d->failovers, d->last_failover, (unsigned long long)epoch,
			 next->vcpus[0].se.cpu, (unsigned long long)d->last_failover_us, dropped);
	else
		log_warn("duplex %s: failover %u: %s; the %s booted from the image on CPU %u %llu "
			 "us after the failure",
			 d->name, d->failovers, d->last_failover,
			 d->params.hot ? "standby (no checkpoint to resume)" : "cold standby",
			 next->vcpus[0].se.cpu, (unsigned long long)d->last_failover_us);
	batch_follow_standby(d, batch_was_paused);
}

/*
 * Failures are injected under d->lock, never in the middle of a checkpoint:
 * stopping flushes the UART's partial line, which the checkpoint may be
 * saving just then.
 *
 * No heartbeat for longer than the watchdog allows, as seen from CPU 0. A
 * checkpoint may be holding the guest just now (and credits it the pause
 * when it ends): only what still holds once no checkpoint runs counts.
 */
static void watchdog_expired(struct duplex *d, struct guest *g)
{
	spin_lock(&d->lock);
	bool expired = g->state == GUEST_RUNNING && heartbeat_late(g, d->watchdog_tsc);
	if (expired)
		guest_stop(g, GUEST_CRASHED, -1, "watchdog: no heartbeat for %u ms",
			   d->params.watchdog_ms);
	spin_unlock(&d->lock);
	if (expired && g->paused)
		guest_set_paused(g, false); /* its vCPU must run to notice the stop */
}

void duplex_poll(void)
{
	for (unsigned i = 0; i < pair_count; i++) {
		struct duplex *d = pairs[i];
		struct guest *g = d->active;
		if (__atomic_load_n(&d->down, __ATOMIC_ACQUIRE)) {
			d->down = false;
			d->failing = false;
			bool planned = d->planned;
			d->planned = false;
			if (g->state == GUEST_CRASHED || planned)
				fail_over(d);
			else
				log_info("duplex %s: the guest exited (%s); its pair stops",
					 d->name, g->stop_reason);
			continue;
		}
		if (d->watchdog_tsc && g->state == GUEST_RUNNING &&
		    heartbeat_late(g, d->watchdog_tsc))
			watchdog_expired(d, g);
	}
}

bool duplex_running(const struct guest *g)
{
	const struct duplex *d = pair_of(g);
	return d && (d->active->state == GUEST_RUNNING || d->down || d->planned ||
		     (d->active->state == GUEST_CRASHED && !d->standby_lost));
}

bool duplex_busy(void)
{
	for (unsigned i = 0; i < pair_count; i++) {
		const struct duplex *d = pairs[i];
		if (d->down || d->planned ||
		    (d->active->state == GUEST_CRASHED && !d->standby_lost))
			return true;
	}
	return false;
}

int duplex_fail(struct guest *g, const char *kind)
{
	struct duplex *d = pair_of(g);
	if (!d)
		return -ENOENT;
	struct guest *a = d->active;
	if (a->state != GUEST_RUNNING || d->down || d->failing)
		return -EAGAIN;
	if (!strcmp(kind, "crash")) {
		d->failing = true;
		spin_lock(&d->lock);
		guest_stop(a, GUEST_CRASHED, -1, "failure injected from the console (crash)");
		spin_unlock(&d->lock);
		return 0;
	}
	if (!strcmp(kind, "hang")) {
		if (!d->watchdog_tsc)
			return -EINVAL;
		d->failing = true;
		log_info("duplex %s: hang injected: the primary stops running, silently", d->name);
		guest_set_paused(a, true);
		return 0;
	}
	return -EINVAL;
}

int duplex_failover(struct guest *g)
{
	struct duplex *d = pair_of(g);
	if (!d)
		return -ENOENT;
	if (d->active->state != GUEST_RUNNING || d->down || d->failing)
		return -EAGAIN;
	d->failing = true;
	if (!d->params.hot) {
		d->planned = true;
		guest_stop(d->active, GUEST_EXITED, 0, "planned switch-over to its standby");
		return 0;
	}
	d->planned = true; /* the next checkpoint stops it */
	return 0;
}

/* "N, M pages/ckpt, pause Aus (max Bus), P pages Tus in all" for one kind of checkpoint. */
static void describe_figures(const struct ckpt_figures *f, char *buf, size_t size)
{
	uint64_t n = f->count ? f->count : 1;
	snprintf(buf, size,
		 "%llu, %llu pages/ckpt, pause %lluus (max %lluus), %llu pages %lluus in all",
		 (unsigned long long)f->count, (unsigned long long)(f->pages / n),
		 (unsigned long long)tsc_to_us(f->pause_total / n),
		 (unsigned long long)tsc_to_us(f->pause_max), (unsigned long long)f->pages,
		 (unsigned long long)tsc_to_us(f->pause_total));
}

const char *duplex_role(const struct guest *g)
{
	const struct duplex *d = pair_of(g);
	return d ? (d->active == g ? "primary" : "standby") : NULL;
}

void duplex_describe(const struct guest *g, char *buf, size_t size)
{
	const struct duplex *d = pair_of(g);
	if (!d) {
		snprintf(buf, size, "role=plain");
		return;
	}
	char incremental[128], full[128];
	describe_figures(&d->incremental, incremental, sizeof(incremental));
	describe_figures(&d->full, full, sizeof(full));
	snprintf(buf, size,
		 "role=%s %s-standby epoch=%ums checkpoints=%s; full copies=%s; failovers=%u "
		 "last-failover=%lluus dropped-lines=%llu%s%s",
		 d->active == g ? "primary" : "standby", d->params.hot ? "hot" : "cold",
		 d->params.epoch_ms, incremental, full, d->failovers,
		 (unsigned long long)d->last_failover_us, (unsigned long long)d->dropped_lines,
		 d->last_failover[0] ? " reason=" : "", d->last_failover);
}
