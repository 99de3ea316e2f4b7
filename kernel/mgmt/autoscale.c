/* The autoscaler: measure, decide (autoscale_policy.c), apply (see autoscale.h). */
#include "kernel/mgmt/autoscale.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/mgmt/autoscale_policy.h"
#include "kernel/mgmt/config.h"

/* The most instances an autoscaler runs (max=): its per-period tables hold that many. */
#define AUTOSCALE_INSTANCES_MAX 64
#include "kernel/mgmt/guests.h"
#include "kernel/sched/sched.h"

struct autoscaler {
	char name[GUEST_NAME_MAX];
	struct autoscale_rule rule;
	struct autoscale_state state;
	uint64_t period_tsc, next_tsc;
	/* Each instance's vCPU time at the last period, for its CPU share over this one. */
	struct {
		const struct guest *g;
		uint64_t runtime;
	} seen[AUTOSCALE_INSTANCES_MAX];
	unsigned seen_count;
};

static struct autoscaler scalers[CONFIG_GUESTS_MAX];
unsigned autoscale_scalers; /* autoscale.h: housekeeping reads it inline */

static struct autoscaler *find(const char *name)
{
	for (unsigned i = 0; i < autoscale_scalers; i++)
		if (!strcmp(scalers[i].name, name))
			return &scalers[i];
	return NULL;
}

int autoscale_set(const char *name, const char *text, char *why, size_t why_size)
{
	int err = guests_scalable(name);
	if (err)
		return err;
	struct autoscaler *a = find(name);
	if (!strcmp(text, "off")) {
		if (!a)
			return -EALREADY;
		*a = scalers[--autoscale_scalers];
		log_info("autoscale %s: off", name);
		return 0;
	}
	struct autoscale_rule rule;
	err = autoscale_parse(text, AUTOSCALE_INSTANCES_MAX, &rule, why, why_size);
	if (err)
		return err;
	if (!a && autoscale_scalers == CONFIG_GUESTS_MAX)
		return -ENOSPC;
	if (!a)
		a = &scalers[autoscale_scalers++];
	*a = (struct autoscaler){.rule = rule};
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->period_tsc = tsc_hz() / 1000 * rule.period_ms;
	a->next_tsc = rdtsc() + a->period_tsc;
	log_info("autoscale %s: %u..%u instances, target load %u%%, every %u ms", name, rule.min,
		 rule.max, rule.target, rule.period_ms);
	return 0;
}

static uint64_t vcpu_time(const struct guest *g)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < g->vcpu_count; i++)
		t += sched_runtime(&g->vcpus[i].se);
	return t;
}

/* g's share of its vCPUs' time over the last period (percent), or -1 if not seen then. */
static int cpu_share(struct autoscaler *a, const struct guest *g, uint64_t runtime)
{
	for (unsigned i = 0; i < a->seen_count; i++)
		if (a->seen[i].g == g) {
			uint64_t used = runtime - a->seen[i].runtime;
			uint64_t pct = used * 100 / (a->period_tsc * g->vcpu_count);
			return pct > 100 ? 100 : (int)pct;
		}
	return -1;
}

/*
 * The instances' mean load: what those that reported lately said, or else
 * their CPU share; -1 when nothing could be measured yet.
 */
static int measure(struct autoscaler *a, struct guest **inst, unsigned n, const char **source)
{
	unsigned reported = 0, report_sum = 0, shares = 0, share_sum = 0, seen = 0;
	uint64_t now = rdtsc();
	for (unsigned i = 0; i < n; i++) {
		struct guest *g = inst[i];
		if (g->state != GUEST_RUNNING)
			continue;
		uint64_t at = g->load_tsc;
		if (at && now - at <= 2 * a->period_tsc) {
			reported++;
			report_sum += g->reported_load;
		}
		uint64_t runtime = vcpu_time(g);
		int share = cpu_share(a, g, runtime);
		if (share >= 0) {
			shares++;
			share_sum += (unsigned)share;
		}
		if (seen < AUTOSCALE_INSTANCES_MAX)
			a->seen[seen++] = (typeof(a->seen[0])){g, runtime};
	}
	a->seen_count = seen;
	*source = reported ? "reported" : "cpu";
	return reported ? (int)(report_sum / reported) : shares ? (int)(share_sum / shares) : -1;
}

static void period(struct autoscaler *a)
{
	struct guest *inst[AUTOSCALE_INSTANCES_MAX];
	int n = guests_instances(a->name, inst, AUTOSCALE_INSTANCES_MAX);
	if (n < 0)
		return;
	const char *source;
	int load = measure(a, inst, (unsigned)n, &source);
	log_info("autoscale %s: instances=%d load=%d%% (%s)", a->name, n, load < 0 ? 0 : load,
		 load < 0 ? "none yet" : source);
	if (load < 0 && n >= (int)a->rule.min)
		return;
	char why[AUTOSCALE_WHY_MAX] = "";
	unsigned want = autoscale_decide(&a->rule, &a->state, (unsigned)n, load < 0 ? 0 : load, why,
					 sizeof(why));
	if (want == (unsigned)n)
		return;
	char reply[96];
	int err = guests_scale(a->name, want, reply, sizeof(reply));
	if (err == -EAGAIN) {
		log_info("autoscale %s: %d -> %u deferred: instances still stopping", a->name, n,
			 want);
		return;
	}
	if (err)
		log_err("autoscale %s: %d -> %u failed (%d): %s", a->name, n, want, err, reply);
	else
		log_info("autoscale %s: %s %d -> %u instances: %s", a->name,
			 want > (unsigned)n ? "out" : "in", n, want, why);
	autoscale_changed(&a->state);
}

void autoscale_poll_due(void)
{
	uint64_t now = rdtsc();
	for (unsigned i = 0; i < autoscale_scalers; i++) {
		struct autoscaler *a = &scalers[i];
		if ((int64_t)(now - a->next_tsc) < 0)
			continue;
		a->next_tsc = now + a->period_tsc;
		period(a);
	}
}
