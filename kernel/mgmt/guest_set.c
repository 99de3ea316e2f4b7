/*
 * The console's `set` (see guests.h): a guest's weight, cap and pCPUs
 * changed at once, and the vCPUs and memory it is offered (guest_resize.h), checked as the config checks them and against the other
 * guests, all or nothing. Owns no state: it reads the guest table through
 * guests_count()/guests_get() and moves vCPUs through the scheduler and the
 * run loop.
 */
#include "kernel/mgmt/guests.h"

#include <errno.h>
#include <stdio.h>

#include "arch/x86/smp.h"
#include "kernel/core/log.h"
#include "kernel/core/pcpu.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_resize.h"
#include "kernel/mgmt/shell.h"
#include "kernel/sched/sched.h"
#include "kernel/vm/vcpu_run.h"
static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

/*
 * The pCPUs of a cpus=LIST for g, against the machine and the other guests
 * (the config's rules, kernel/mgmt/config.h): one per vCPU, online, owned by
 * no other guest's vCPU. 0, or -errno with the reason in @why.
 */
static int check_pins(const struct guest *g, const struct shell_settings *st, char *why)
{
	unsigned online = smp_cpu_count();
	if (g->vcpu_count > online - 1) {
		snprintf(why, SHELL_WHY_MAX,
			 "vcpus = %u but only %u CPU%s can be pinned (%u CPU%s, CPU 0 runs the "
			 "management console)",
			 g->vcpu_count, online - 1, plural(online - 1), online, plural(online));
		return -ENOSPC;
	}
	if (st->cpu_count != g->vcpu_count) {
		snprintf(why, SHELL_WHY_MAX, "cpus lists %u CPU%s but vcpus = %u",
			 (unsigned)st->cpu_count, plural(st->cpu_count), g->vcpu_count);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < st->cpu_count; i++) {
		unsigned cpu = st->cpus[i];
		if (cpu >= MAX_CPUS || !smp_cpu_virt_ready(cpu)) {
			snprintf(why, SHELL_WHY_MAX, "CPU %u does not exist (%u CPU%s)", cpu,
				 online, plural(online));
			return -ENODEV;
		}
		for (unsigned k = 0; k < guests_count(); k++) {
			const struct guest *o = guests_get(k);
			if (o == g)
				continue;
			for (unsigned j = 0; j < o->vcpu_count; j++) {
				if (o->vcpus[j].se.cpu != cpu || !o->vcpus[j].se.pinned)
					continue; /* shared ones make room (evict_shared) */
				snprintf(why, SHELL_WHY_MAX, "CPU %u already pinned to guest '%s'",
					 cpu, o->name);
				return -EBUSY;
			}
		}
	}
	return 0;
}

/* A bit per pCPU of a cpus=LIST. */
static uint64_t cpu_mask(const struct shell_settings *st)
{
	uint64_t mask = 0;
	for (uint32_t i = 0; i < st->cpu_count; i++)
		mask |= 1ULL << st->cpus[i];
	return mask;
}

/*
 * Other guests' shared vCPUs on the pCPUs g is to own move to the least
 * loaded of the CPUs left to share (CPU 0 always is: never pinned).
 */
static int evict_shared(const struct guest *g, uint64_t mask, char *why)
{
	for (unsigned k = 0; k < guests_count(); k++) {
		struct guest *o = guests_get(k);
		for (unsigned j = 0; o != g && j < o->vcpu_count; j++) {
			struct sched_entity *se = &o->vcpus[j].se;
			if (se->pinned || !((mask >> se->cpu) & 1))
				continue;
			int cpu = sched_shared_cpu(mask);
			int err = cpu < 0 ? -ENOSPC : vcpu_run_move(&o->vcpus[j], cpu, false);
			if (err) {
				snprintf(why, SHELL_WHY_MAX,
					 "cannot move guest '%s' vCPU %u off CPU %u (%d)", o->name,
					 j, se->cpu, err);
				return err;
			}
			log_info("guest %s: vCPU %u on CPU %d (shared)", o->name, j, cpu);
		}
	}
	return 0;
}

/* Whether vCPU i of g is where cpus=shared / cpus=LIST wants it. */
static bool placed(const struct guest *g, unsigned i, bool pinned, const uint32_t *cpus)
{
	const struct sched_entity *se = &g->vcpus[i].se;
	return pinned ? se->pinned && se->cpu == cpus[i] : !se->pinned;
}

/*
 * Re-home g's vCPUs (checked: the pins are free of other guests). A pin
 * whose CPU another vCPU of g still holds waits for it to leave; a cycle
 * (two vCPUs trading CPUs) is broken by sharing one for a moment.
 */
static int guests_place_vcpus(struct guest *g, bool pinned, const uint32_t *cpus, uint64_t mask,
			      char *why)
{
	for (unsigned round = 0; round < 2 * GUEST_MAX_VCPUS + 1; round++) {
		bool left = false, moved = false;
		for (unsigned i = 0; i < g->vcpu_count; i++) {
			if (placed(g, i, pinned, cpus))
				continue;
			left = true;
			int cpu = pinned ? (int)cpus[i] : sched_shared_cpu(0);
			int err = cpu < 0 ? -ENOSPC : vcpu_run_move(&g->vcpus[i], cpu, pinned);
			if (err == -EBUSY && pinned)
				continue; /* a vCPU of g holds it still */
			if (err) {
				snprintf(why, SHELL_WHY_MAX, "cannot move vCPU %u to CPU %d (%d)",
					 i, cpu, err);
				return err;
			}
			log_info("guest %s: vCPU %u on CPU %d (%s)", g->name, i, cpu,
				 pinned ? "pinned" : "shared");
			moved = true;
		}
		if (!left)
			return 0;
		if (moved)
			continue;
		/* Every move waits for another: share one of them for now, elsewhere. */
		for (unsigned i = 0; i < g->vcpu_count; i++) {
			int cpu = sched_shared_cpu(mask);
			if (placed(g, i, pinned, cpus) || cpu < 0)
				continue;
			int err = vcpu_run_move(&g->vcpus[i], cpu, false);
			if (err) {
				snprintf(why, SHELL_WHY_MAX, "cannot move vCPU %u to CPU %d (%d)",
					 i, cpu, err);
				return err;
			}
			break;
		}
	}
	snprintf(why, SHELL_WHY_MAX, "vCPUs could not be placed");
	return -EBUSY;
}

/*
 * vcpus= and memory= change what the guest is offered; it must be one that
 * hears of it (HC_NOTIFY) and whose memory is its own to resize.
 */
static int check_offers(const struct guest *g, const struct shell_settings *st, char *why)
{
	if (!st->has_vcpus && !st->has_memory)
		return 0;
	if (g->state != GUEST_RUNNING) {
		snprintf(why, SHELL_WHY_MAX, "it does not run (a restart offers its config's)");
		return -EINVAL;
	}
	if (st->has_memory && (g->cow || g->ha || g->dirty)) {
		snprintf(why, SHELL_WHY_MAX, "its memory is %s",
			 g->cow ? "shared with its template (a clone)"
				: "checkpointed to its pair (a replica)");
		return -EPERM;
	}
	if (st->has_vcpus && st->vcpus > g->vcpu_count) {
		snprintf(why, SHELL_WHY_MAX, "vcpus=%u but it has %u (its config's vcpus)",
			 (unsigned)st->vcpus, g->vcpu_count);
		return -ERANGE;
	}
	if (!g->notify_vector) {
		snprintf(why, SHELL_WHY_MAX,
			 "it never asked to be told of changes (HC_NOTIFY): it would not see them");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Offer the new vCPU count and memory target (checked); the guest is notified. */
static int apply_offers(struct guest *g, const struct shell_settings *st, char *why)
{
	if (st->has_memory) {
		int err = guest_resize_memory(g, st->mem_bytes, why, SHELL_WHY_MAX);
		if (err)
			return err;
	}
	if (st->has_vcpus && st->vcpus != g->vcpus_offered) {
		log_info("guest %s: offered %u vCPU%s (was %u)", g->name, (unsigned)st->vcpus,
			 plural(st->vcpus), g->vcpus_offered);
		g->vcpus_offered = st->vcpus;
		guest_notify(g);
	}
	return 0;
}

int guests_set_one(struct guest *g, const struct shell_settings *st, char *why)
{
	int offer_err = check_offers(g, st, why);
	if (offer_err)
		return offer_err;
	/* A replica's pCPU is part of its pair's design (and its checkpoints flush only there). */
	if (g->ha && st->has_cpus) {
		snprintf(why, SHELL_WHY_MAX, "a replica stays on its pCPU");
		return -EPERM;
	}
	bool pinned = st->has_cpus ? st->pinned : g->vcpus[0].se.pinned;
	if (pinned && st->has_weight) {
		snprintf(why, SHELL_WHY_MAX,
			 "weight is for shared guests only (this one is pinned)");
		return -EINVAL;
	}
	/* A pinned vCPU owns its pCPU and takes no scheduler ticks: nothing enforces a cap. */
	if (pinned && st->has_cap && st->cap_pct) {
		snprintf(why, SHELL_WHY_MAX, "cap is for shared guests only (this one is pinned)");
		return -EINVAL;
	}
	if (st->has_cpus && st->pinned) {
		int err = check_pins(g, st, why);
		if (err)
			return err;
	}
	offer_err = apply_offers(g, st, why);
	if (offer_err)
		return offer_err;
	if (st->has_cpus) {
		uint64_t mask = st->pinned ? cpu_mask(st) : 0;
		int err = st->pinned ? evict_shared(g, mask, why) : 0;
		if (!err)
			err = guests_place_vcpus(g, st->pinned, st->cpus, mask, why);
		if (err)
			return err;
	}
	if (pinned || !(st->has_weight || st->has_cap))
		return 0;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct sched_entity *se = &g->vcpus[i].se;
		int err = sched_set_share(se, st->has_weight ? st->weight : se->weight,
					  st->has_cap ? st->cap_pct : se->cap_pct);
		if (err) { /* a CPU did not answer: some vCPUs may have the new values */
			snprintf(why, SHELL_WHY_MAX, "vCPU %u: CPU %u did not answer (%d)", i,
				 se->cpu, err);
			return err;
		}
	}
	return 0;
}
