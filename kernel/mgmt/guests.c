/*
 * The configured guests: built at boot from the config (memory, vCPUs
 * placed by the scheduler, image loaded, initial state set on each vCPU's
 * home CPU), started, and watched from CPU 0's housekeeping (ends of runs,
 * restarts, the end of a test run). A guest that cannot be built is
 * reported and skipped; the others run.
 *
 * A config guest with `instances = N` is built N times (NAME-1 .. NAME-N);
 * the console's `scale` builds more or stops and destroys the highest-numbered
 * ones (guests_scale). Destroying a guest gives back everything it holds
 * (teardown_guest), and a build that fails half-way is destroyed the same way.
 *
 * With "isolation-check" on the command line the guests run one after the
 * other, each framed by fingerprints of the hypervisor and the other guests.
 */
#include "kernel/mgmt/guests.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "kernel/core/cmdline.h"
#include "kernel/mgmt/config.h"
#include "kernel/mgmt/guest_load.h"
#include "kernel/mm/directmap.h"
#include "kernel/emul/exit.h"
#include "kernel/emul/exit_msr.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_cow.h"
#include "kernel/guest/isolation.h"
#include "kernel/core/log.h"
#include "kernel/mgmt/mgmt.h"
#include "kernel/mgmt/shell.h"
#include "kernel/vdev/standard.h"
#include "kernel/vm/vcpu_run.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"
#include "kernel/sched/sched.h"
#include "kernel/core/test_exit.h"
#include "kernel/guest/virt.h"
#include "kernel/ha/duplex.h"
#include "kernel/ha/vote.h"
#include "kernel/mgmt/autoscale.h"

#define CONFIG_MODULE "shoji.cfg"

/* The guest table: the config's guests and their instances, in config order. */
#define GUESTS_MAX (CONFIG_INSTANCES_MAX + 64) /* one config guest's instances, and others */

static struct config cfg;
/* HC_INSTANCES answers from here: each config guest's instances not being scaled in. */
static unsigned instance_counts[CONFIG_GUESTS_MAX];
static struct guest *guests[GUESTS_MAX];
static unsigned guest_count, failed_count;
/*
 * Kept as the table changes so that housekeeping, between every two slices
 * on CPU 0, need not walk the table: instance counts are recounted only
 * when it changed, and scaled-in guests are looked for only while any are.
 */
static bool roster_changed = true;
static unsigned retiring; /* guests with destroy_pending */
static bool replicated;	  /* a duplex pair or voting group exists: kernel/ha polls */
static bool stops_seen;	  /* a guest stopped (any CPU) since housekeeping last looked */
static bool sequential, finished;
static int sequential_current = -1;
static struct isolation_snapshot snapshot;

struct vcpu_job {
	struct vcpu *v;
	int err;
};

static void create_vcpu_here(void *arg)
{
	struct vcpu_job *job = arg;
	job->err = virt->vcpu_create(job->v);
}

static bool is_stopped(const struct guest *g)
{
	return g->state != GUEST_RUNNING && g->vcpus_stopped >= g->vcpus_started;
}

/* On v's home CPU, between runs: its VMCS/VMCB goes, and the scheduler forgets it. */
static void destroy_vcpu_here(void *arg)
{
	struct vcpu *v = arg;
	if (v->arch)
		virt->vcpu_destroy(v);
	sched_unplace(&v->se);
}

/*
 * Give back all g holds; its first `placed` vCPUs have a home CPU. g must be
 * stopped (or never started). A CPU that does not answer keeps a vCPU's
 * state in use: g is then left as it is (leaked, logged) rather than freed
 * under that CPU's feet.
 */
static struct guest_template *templates[CONFIG_GUESTS_MAX]; /* per config guest with clones */

static int teardown_guest(struct guest *g, unsigned placed)
{
	struct guest_template *t = g->cow ? g->cow->tmpl : NULL;
	for (unsigned i = 0; i < placed; i++) {
		struct vcpu *v = &g->vcpus[i];
		int err = vcpu_run_forget_fpu(v);
		if (!err)
			err = sched_on_cpu(v->se.cpu, destroy_vcpu_here, v);
		if (err) {
			log_err("guest %s: CPU %u did not release vCPU %u (%d): guest kept",
				g->name, v->se.cpu, i, err);
			return err;
		}
	}
	vdev_detach_standard(g);
	guest_destroy(g);
	if (t && !t->users) { /* its last clone: the template's frames go too */
		const struct config_guest *cg = t->g->config;
		log_info("guest %s: its last clone went; the template goes", cg->name);
		templates[cg - cfg.guests] = NULL;
		guest_template_destroy(t);
	}
	return 0;
}

/*
 * The template of clone guest cg, loaded from its image the first time
 * (its state at its first instruction); NULL with the reason logged.
 */
static struct guest_template *template_of(const struct config_guest *cg)
{
	struct guest_template **slot = &templates[cg - cfg.guests];
	if (*slot)
		return *slot;
	char name[GUEST_NAME_MAX];
	snprintf(name, sizeof(name), "%.*s.tmpl", GUEST_NAME_MAX - 6, cg->name);
	struct guest *g = guest_create(name, cg->mem_size, 1);
	struct guest_entry_state entry;
	if (!g)
		return NULL;
	g->config = cg;
	uint64_t t0 = rdtsc();
	if (!guest_load_template(g, &entry) && (*slot = guest_template_create(g, &entry))) {
		log_info("guest %s: template loaded (%llu KiB shared by its clones) in %llu cycles",
			 cg->name, (unsigned long long)(g->mem_size / 1024),
			 (unsigned long long)(rdtsc() - t0));
		return *slot;
	}
	log_err("guest %s: its template cannot be made", cg->name);
	guest_destroy(g);
	return NULL;
}

static void roster_add(struct guest *g)
{
	guests[guest_count++] = g;
	roster_changed = true;
}

/*
 * Build `name`, instance `instance` (0: a plain guest) of config guest cg,
 * its vCPU pinned to pCPU `home` (a second replica's), or placed as the
 * config says (home < 0); NULL on failure, with everything built so far
 * given back.
 */
static struct guest *build_guest(const struct config_guest *cg, const char *name, unsigned instance,
				 int home)
{
	unsigned devices = ((cg->devices & CONFIG_DEV_UART) ? GUEST_DEV_UART : 0) |
			   ((cg->devices & CONFIG_DEV_DEBUG_EXIT) ? GUEST_DEV_DEBUG_EXIT : 0) |
			   ((cg->devices & CONFIG_DEV_PC) ? GUEST_DEV_PC : 0);
	uint64_t t0 = rdtsc();
	struct guest_template *t = cg->clone ? template_of(cg) : NULL;
	if (cg->clone && !t)
		return NULL;
	struct guest *g = t ? guest_create_clone(name, t) : guest_create(name, cg->mem_size, cg->vcpus);
	unsigned placed = 0;
	if (!g)
		return NULL;
	g->instance = instance;
	g->instance_count = &instance_counts[cg - cfg.guests];
	if (vdev_attach_standard(g, devices)) {
		log_err("guest %s: cannot attach its devices", g->name);
		goto fail;
	}
	if (cg->disk && vdev_attach_disk(g, phys_to_virt(cg->disk->base), cg->disk->size)) {
		log_err("guest %s: disk %s: not a disk image (under 512 bytes) or no room for it",
			g->name, cg->disk->name);
		goto fail;
	}
	exit_guest_init(g); /* its CPUID follows its devices (a local APIC or none) */
	g->config = cg;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];
		int pinned = home >= 0 ? home : cg->pinned ? (int)cg->cpus[i] : -1;
		int cpu = sched_place(&v->se, pinned, cg->weight, cg->cap_percent);
		if (cpu < 0) {
			log_err("guest %s: no CPU for vCPU %u (%d)", g->name, i, cpu);
			goto fail;
		}
		placed++;
		struct vcpu_job job = {.v = v};
		int err = sched_on_cpu(cpu, create_vcpu_here, &job);
		if (err || job.err) {
			log_err("guest %s: vCPU %u set-up failed on CPU %d", g->name, i, cpu);
			goto fail;
		}
		log_info("guest %s: vCPU %u on CPU %d (%s)", g->name, i, cpu,
			 pinned >= 0 ? "pinned" : "shared");
	}
	if (guest_load(g))
		goto fail;
	/* Clone against cold boot: `make bench` and the scale tests read it. */
	log_info("guest %s: %s in %llu cycles", g->name, t ? "cloned" : "built",
		 (unsigned long long)(rdtsc() - t0));
	return g;
fail:
	teardown_guest(g, placed);
	return NULL;
}

/*
 * Instance `number` (1..) of cg: its name and CPUID instance number. A
 * config guest without instances (instances = 1) is itself instance 1, under
 * its plain name and with number 0; scaled out, the others are NAME-2 ...
 */
static int instance_identity(const struct config_guest *cg, unsigned number,
			     char name[GUEST_NAME_MAX], unsigned *cpuid_number)
{
	if (cg->instances == 1 && number == 1) {
		snprintf(name, GUEST_NAME_MAX, "%s", cg->name);
		*cpuid_number = 0;
		return 0;
	}
	*cpuid_number = number;
	return config_instance_name(name, cg->name, number);
}

/* Its instance's number among cg's (1..). */
static unsigned instance_number(const struct guest *g)
{
	return g->instance ? g->instance : 1;
}

static void start_guest(struct guest *g)
{
	if (g->ha) {
		int err = duplex_start(g);
		if (err == -ENOENT)
			err = vote_start(g);
		if (err)
			log_err("guest %s: its pair did not start (%d)", g->name, err);
		return;
	}
	g->vcpus_started = 1;
	guest_start(g);
}

/*
 * A duplex's batch guest (built above it in config order, as a shared
 * guest) goes to the standby's pCPU, beside the standby that waits there.
 * NULL if it is not there to go.
 */
static struct guest *place_batch(const struct config_guest *cg)
{
	struct guest *b = guests_find(cg->batch);
	if (!b) {
		log_err("guest %s: its batch guest %s was not built", cg->name, cg->batch);
		return NULL;
	}
	for (unsigned i = 0; i < b->vcpu_count; i++) {
		b->vcpus[i].se.batch = true;
		int err = vcpu_run_move(&b->vcpus[i], cg->standby_cpu, false);
		if (err) {
			log_err("guest %s: batch guest %s cannot go to CPU %u (%d)", cg->name,
				b->name, cg->standby_cpu, err);
			return NULL;
		}
	}
	log_info("guest %s: batch guest %s on CPU %u, the standby's", cg->name, b->name,
		 cg->standby_cpu);
	return b;
}

/*
 * A duplex, dual or TMR guest: its first replica as built above, and the
 * others built the same way on their own pCPUs (a duplex's standby, not
 * started; a dual's or TMR's other replicas), grouped in kernel/ha. All go
 * in the table. False if the group could not be made (the first is then
 * torn down too).
 */
static bool add_replicas(const struct config_guest *cg, struct guest *first)
{
	unsigned n = config_replicas(cg), built = 1;
	struct guest *rep[CONFIG_REPLICAS_MAX] = {first};
	int err = guest_count + n <= GUESTS_MAX ? 0 : -ENOSPC;
	for (; !err && built < n; built++) {
		char name[GUEST_NAME_MAX];
		snprintf(name, sizeof(name), "%s~%u", cg->name, built); /* renamed when grouped */
		unsigned cpu =
		    cg->redundancy == CONFIG_REDUNDANCY_DUPLEX ? cg->standby_cpu : cg->cpus[built];
		rep[built] = build_guest(cg, name, 0, (int)cpu);
		if (!rep[built])
			err = -ENOMEM;
	}
	struct duplex_params params = {
	    .hot = cg->standby_hot,
	    .epoch_ms = cg->epoch_ms,
	    .watchdog_ms = cg->watchdog_ms,
	    .reload = guest_load,
	    .batch = cg->batch[0] && !err ? place_batch(cg) : NULL,
	};
	if (!err)
		err = cg->redundancy == CONFIG_REDUNDANCY_DUPLEX
			  ? duplex_create(rep[0], rep[1], &params)
			  : vote_create(rep, n, cg->watchdog_ms);
	if (err) {
		log_err("guest %s: its replicas cannot be made (%d): not started", cg->name, err);
		for (unsigned i = 0; i < n; i++)
			if (rep[i])
				teardown_guest(rep[i], rep[i]->vcpu_count);
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		roster_add(rep[i]);
	replicated = true;
	return true;
}

/* Every vCPU of g stopped (on its CPU): a replica's pair hears of it, housekeeping of a restart. */
static void on_guest_stopped(struct guest *g)
{
	duplex_guest_stopped(g);
	vote_guest_stopped(g);
	__atomic_store_n(&stops_seen, true, __ATOMIC_RELEASE);
}

/* Isolation check: the next guest in config order, framed by fingerprints. */
static void sequential_step(void)
{
	if (sequential_current >= 0) {
		if (!is_stopped(guests[sequential_current]))
			return;
		isolation_verify(&snapshot, guests, guest_count, sequential_current);
	}
	for (unsigned i = sequential_current + 1; i < guest_count; i++) {
		const struct config_guest *cg = guests[i]->config;
		if (!cg->autostart)
			continue;
		sequential_current = i;
		isolation_snapshot(&snapshot, guests, guest_count, i);
		start_guest(guests[i]);
		return;
	}
	sequential_current = guest_count;
}

static bool all_done(void)
{
	if (duplex_busy() || vote_busy())
		return false;
	if (sequential && sequential_current < (int)guest_count)
		return false;
	for (unsigned i = 0; i < guest_count; i++)
		if (guests[i]->state == GUEST_RUNNING || !is_stopped(guests[i]))
			return false;
	return true;
}

static void report_end(void)
{
	unsigned ran = 0, exited = 0, crashed = 0;
	for (unsigned i = 0; i < guest_count; i++) {
		if (guests[i]->state == GUEST_CREATED)
			continue;
		ran++;
		if (guests[i]->state == GUEST_EXITED)
			exited++;
		else
			crashed++;
	}
	log_info("guests: %u ran (%u exited, %u stopped by the hypervisor), %u failed to start",
		 ran, exited, crashed, failed_count);
	test_exit(TEST_EXIT_PASS);
}

unsigned guests_count(void)
{
	return guest_count;
}

struct guest *guests_get(unsigned index)
{
	return index < guest_count ? guests[index] : NULL;
}

struct guest *guests_find(const char *name)
{
	for (unsigned i = 0; i < guest_count; i++)
		if (!strcmp(guests[i]->name, name))
			return guests[i];
	return NULL;
}

const char *guests_cmdline(const struct guest *g)
{
	return ((const struct config_guest *)g->config)->cmdline;
}

/* Whether a vCPU of g is homed on pCPU `cpu` (any failed one for -1): it can run no more there. */
static bool on_cpu(const struct guest *g, int cpu)
{
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		unsigned home = g->vcpus[i].se.cpu;
		if (cpu < 0 ? sched_cpu_failed(home) : home == (unsigned)cpu)
			return true;
	}
	return false;
}

int guests_fail_cpu(unsigned cpu)
{
	if (cpu == CONFIG_CONSOLE_PCPU)
		return -EPERM;
	int err = sched_fail_cpu(cpu);
	if (err)
		return err;
	log_warn("guests: CPU %u failed (simulated): nothing runs there from now on", cpu);
	duplex_cpu_failed();
	for (unsigned i = 0; i < guest_count; i++) {
		struct guest *g = guests[i];
		if (!on_cpu(g, (int)cpu))
			continue;
		g->restart_pending = false;
		if (g->state != GUEST_RUNNING)
			continue;
		guest_stop(g, GUEST_CRASHED, -1, "its CPU %u failed", cpu);
		if (g->paused)
			guest_set_paused(g, false); /* its vCPUs must run to notice the stop */
	}
	return 0;
}

int guests_start_one(struct guest *g)
{
	if (g->ha) /* its pair starts and restarts it (kernel/ha) */
		return -EPERM;
	if (on_cpu(g, -1))
		return -ENODEV;
	if (g->state == GUEST_RUNNING || !is_stopped(g))
		return -EALREADY;
	if (g->destroy_pending)
		return -EINVAL;
	if (g->state != GUEST_CREATED && guest_load(g))
		return -EIO;
	start_guest(g);
	return 0;
}

int guests_stop_one(struct guest *g)
{
	if (vote_role(g)) /* a voting replica: its whole group stops */
		return vote_stop(g);
	if (g->state != GUEST_RUNNING && g->restart_pending) {
		/* Between a reset (or restart) and its start: it stays stopped. */
		g->restart_pending = false;
		log_info("guest %s: stopped from the console before its restart", g->name);
		return 0;
	}
	if (g->state != GUEST_RUNNING)
		return -EALREADY;
	guest_stop(g, GUEST_EXITED, 0, "stopped from the console");
	return 0;
}

/* A running guest is stopped first; housekeeping starts it again once it is down. */
int guests_restart_one(struct guest *g)
{
	if (g->ha)
		return -EPERM;
	if (on_cpu(g, -1))
		return -ENODEV;
	if (g->destroy_pending)
		return -EINVAL;
	if (g->state == GUEST_RUNNING) {
		g->restart_pending = true;
		guest_stop(g, GUEST_EXITED, 0, "restarting");
		return 0;
	}
	if (!is_stopped(g)) { /* ended, its vCPUs still winding down: start it once they have */
		g->restart_pending = true;
		return 0;
	}
	return guests_start_one(g);
}

int guests_pause_one(struct guest *g)
{
	if (g->state != GUEST_RUNNING)
		return -EINVAL;
	if (g->paused)
		return -EALREADY;
	guest_set_paused(g, true);
	log_info("guest %s: paused", g->name);
	return 0;
}

int guests_resume_one(struct guest *g)
{
	if (g->state != GUEST_RUNNING || !g->paused)
		return -EINVAL;
	guest_set_paused(g, false);
	log_info("guest %s: resumed", g->name);
	return 0;
}

/* Scaled-in guests that have stopped leave the table and give back all they hold. */
static void reap_scaled_in(void)
{
	for (unsigned i = 0; retiring && i < guest_count;) {
		struct guest *g = guests[i];
		if (!g->destroy_pending || !is_stopped(g)) {
			i++;
			continue;
		}
		retiring--;
		roster_changed = true;
		if (teardown_guest(g, g->vcpu_count)) {
			g->destroy_pending = false; /* kept, stopped: a leak, logged once */
			continue;
		}
		memmove(&guests[i], &guests[i + 1], (guest_count - i - 1) * sizeof(guests[0]));
		guests[--guest_count] = NULL;
	}
}

bool guests_scaling(void)
{
	return retiring != 0;
}

static const struct config_guest *config_find(const char *name)
{
	for (uint32_t i = 0; i < cfg.guest_count; i++)
		if (!strcmp(cfg.guests[i].name, name))
			return &cfg.guests[i];
	return NULL;
}

/* Instances of cg not on their way out, and the highest instance number among them. */
static unsigned instances_of(const struct config_guest *cg, unsigned *highest)
{
	unsigned count = 0;
	*highest = 0;
	for (unsigned i = 0; i < guest_count; i++) {
		const struct guest *g = guests[i];
		if (g->config != cg || g->destroy_pending)
			continue;
		count++;
		if (instance_number(g) > *highest)
			*highest = instance_number(g);
	}
	return count;
}

/* Scale in: stop the highest-numbered instance of cg; housekeeping destroys it once down. */
static void retire_highest(const struct config_guest *cg)
{
	struct guest *victim = NULL;
	for (unsigned i = 0; i < guest_count; i++) {
		struct guest *g = guests[i];
		if (g->config == cg && !g->destroy_pending &&
		    (!victim || instance_number(g) > instance_number(victim)))
			victim = g;
	}
	if (!victim)
		return;
	victim->destroy_pending = true;
	victim->restart_pending = false;
	retiring++;
	roster_changed = true;
	if (victim->state == GUEST_RUNNING)
		guest_stop(victim, GUEST_EXITED, 0, "scaled in");
}

int guests_scalable(const char *name)
{
	const struct config_guest *cg = config_find(name);
	if (!cg)
		return -ENOENT;
	return cg->pinned || cg->disk ? -EPERM : 0;
}

int guests_instances(const char *name, struct guest **out, unsigned max)
{
	const struct config_guest *cg = config_find(name);
	if (!cg)
		return -ENOENT;
	unsigned count = 0;
	for (unsigned i = 0; i < guest_count; i++)
		if (guests[i]->config == cg && !guests[i]->destroy_pending && count < max)
			out[count++] = guests[i];
	return (int)count;
}

int guests_scale(const char *name, unsigned target, char *reply, size_t reply_size)
{
	const struct config_guest *cg = config_find(name);
	if (!cg)
		return -ENOENT;
	if (target > CONFIG_INSTANCES_MAX || sequential)
		return -EINVAL;
	/* Pinned CPUs and a disk are one guest's alone (config.h). */
	if (target > 1 && (cg->pinned || cg->disk))
		return -EPERM;
	unsigned highest, before = instances_of(cg, &highest), changed = 0;
	int err = 0;
	/* Names of instances still stopping are not free yet. */
	if (target > before && guests_scaling())
		return -EAGAIN;
	if (target < before) {
		for (unsigned n = before; n > target; n--, changed++)
			retire_highest(cg);
		snprintf(reply, reply_size, "scale %s: %u -> %u instances (%u stopped)", cg->name,
			 before, target, changed);
		return 0;
	}
	for (unsigned n = before; n < target; n++) {
		char iname[GUEST_NAME_MAX];
		unsigned number;
		struct guest *g = NULL;
		if (guest_count == GUESTS_MAX) {
			err = -ENOSPC;
			break;
		}
		err = instance_identity(cg, ++highest, iname, &number);
		if (!err && guests_find(iname))
			err = -EEXIST;
		if (!err) {
			g = build_guest(cg, iname, number, -1);
			err = g ? 0 : -EIO; /* why is logged */
		}
		if (err) {
			log_err("guest %s: instance %u not started (%d)", cg->name, highest, err);
			break;
		}
		roster_add(g);
		start_guest(g);
		changed++;
	}
	snprintf(reply, reply_size, "scale %s: %u -> %u instances (%u started)", cg->name, before,
		 before + changed, changed);
	return err == -EIO || err == -ENOSPC ? err : (err ? -EINVAL : 0);
}

static void count_instances(void)
{
	if (!roster_changed)
		return;
	roster_changed = false;
	for (uint32_t i = 0; i < cfg.guest_count; i++) {
		unsigned highest;
		instance_counts[i] = instances_of(&cfg.guests[i], &highest);
	}
}

/* CPU 0, between slices. */
static void housekeeping(void)
{
	mgmt_poll();
	if (replicated) {
		duplex_poll();
		vote_poll();
	}
	reap_scaled_in();
	count_instances();
	autoscale_poll();
	/* A restart waits for its guest to be down, which on_guest_stopped reports. */
	bool stops = __atomic_exchange_n(&stops_seen, false, __ATOMIC_ACQ_REL);
	for (unsigned i = 0; stops && i < guest_count; i++) {
		struct guest *g = guests[i];
		if (g->restart_pending && is_stopped(g)) {
			g->restart_pending = false;
			guests_start_one(g);
		}
	}
	if (sequential)
		sequential_step();
	if (!finished && mgmt_script_done() && all_done()) {
		finished = true;
		report_end();
	}
}

void guests_start(const struct boot_info *bi, const char *why_no_virt)
{
	const struct boot_module *cfg_module = NULL;
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (!strcmp(bi->modules[i].name, CONFIG_MODULE))
			cfg_module = &bi->modules[i];
	if (!cfg_module) {
		log_info("guests: no %s, no guests", CONFIG_MODULE);
	} else {
		struct pmm_stats st;
		pmm_get_stats(&st);
		config_parse(CONFIG_MODULE, phys_to_virt(cfg_module->base), cfg_module->size,
			     bi->modules, bi->module_count, smp_cpu_count(),
			     st.free_frames * PAGE_SIZE, &cfg);
	}
	if (cfg.guest_count && !virt) {
		log_err("guests: %u configured, none started: %s", cfg.guest_count, why_no_virt);
		return;
	}
	if (!virt)
		return;

	/*
	 * Pinned guests first: shared vCPUs must not take the CPUs they own.
	 * Pinned guests have one instance (config.h); the table keeps config order.
	 */
	struct guest *pinned[CONFIG_GUESTS_MAX] = {0};
	for (uint32_t i = 0; i < cfg.guest_count; i++) {
		if (!cfg.guests[i].pinned)
			continue;
		pinned[i] = build_guest(&cfg.guests[i], cfg.guests[i].name, 0, -1);
		if (!pinned[i])
			failed_count++;
	}
	for (uint32_t i = 0; i < cfg.guest_count; i++) {
		const struct config_guest *cg = &cfg.guests[i];
		if (cg->pinned) {
			if (pinned[i] && cg->redundancy != CONFIG_REDUNDANCY_NONE)
				failed_count += !add_replicas(cg, pinned[i]);
			else if (pinned[i])
				roster_add(pinned[i]);
			continue;
		}
		for (unsigned k = 1; k <= cg->instances; k++) {
			char name[GUEST_NAME_MAX];
			unsigned number;
			struct guest *g = NULL;
			if (guest_count == GUESTS_MAX)
				log_err("guest %s: no room in the guest table (%u guests)",
					cg->name, GUESTS_MAX);
			else if (instance_identity(cg, k, name, &number) || guests_find(name))
				log_err("guest %s: instance %u: its name is taken or too long",
					cg->name, k);
			else
				g = build_guest(cg, name, number, -1);
			if (g)
				roster_add(g);
			else
				failed_count++;
		}
	}
	if (cfg.script)
		mgmt_init(phys_to_virt(cfg.script->base), cfg.script->size);
	else
		mgmt_init(NULL, 0);
	guest_on_stopped(on_guest_stopped);
	sched_set_housekeeping(housekeeping);
	sequential = cmdline_has_flag(bi->cmdline, "isolation-check");
	if (sequential)
		return; /* housekeeping starts them one by one */
	for (unsigned i = 0; i < guest_count; i++)
		if (((const struct config_guest *)guests[i]->config)->autostart)
			start_guest(guests[i]);
}
