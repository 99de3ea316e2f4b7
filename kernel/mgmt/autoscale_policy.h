/*
 * The autoscaler's rule and its decision, kept pure (no guests, no clock)
 * so that unit tests drive it period by period (kernel/mgmt/autoscale.c
 * measures and applies).
 *
 * Each period the instances' mean load (percent of what one instance can
 * take) is held against the target. The count wanted is the one that would
 * bring the load to the target, ceil(n * load / target), as a horizontal
 * pod autoscaler computes it, within [min, max]. Hysteresis: out only when
 * the load is more than AUTOSCALE_OUT_MARGIN points above the target; in
 * only after AUTOSCALE_IN_PERIODS periods in a row more than
 * AUTOSCALE_IN_MARGIN points below it; and after a change, nothing for
 * AUTOSCALE_COOLDOWN_PERIODS periods while the load settles.
 */
#ifndef SHOJI_KERNEL_MGMT_AUTOSCALE_POLICY_H
#define SHOJI_KERNEL_MGMT_AUTOSCALE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#define AUTOSCALE_OUT_MARGIN	   10 /* percentage points */
#define AUTOSCALE_IN_MARGIN	   15
#define AUTOSCALE_IN_PERIODS	   3
#define AUTOSCALE_COOLDOWN_PERIODS 2
#define AUTOSCALE_PERIOD_MS	   1000 /* the default */
#define AUTOSCALE_PERIOD_MIN_MS	   10
#define AUTOSCALE_PERIOD_MAX_MS	   60000
#define AUTOSCALE_WHY_MAX	   96

struct autoscale_rule {
	unsigned min, max;  /* instances, 1 <= min <= max <= limit */
	unsigned target;    /* percent, 1..100 */
	unsigned period_ms; /* how often the load is looked at */
};

struct autoscale_state {
	unsigned low_periods; /* in a row below target - AUTOSCALE_IN_MARGIN */
	unsigned cooldown;    /* periods to sit out after a change */
};

/*
 * "min=N max=N target=N% [period=N]" (any order; min defaults to 1, period
 * to AUTOSCALE_PERIOD_MS; max and target are required), max at most
 * `limit`. 0, or -EINVAL with the reason in why.
 */
int autoscale_parse(const char *text, unsigned limit, struct autoscale_rule *rule, char *why,
		    size_t why_size);

/*
 * One period: n instances running with mean load `load` (percent, 0..100).
 * The count wanted (n: no change), with the reason in why when it differs.
 */
unsigned autoscale_decide(const struct autoscale_rule *r, struct autoscale_state *st, unsigned n,
			  unsigned load, char *why, size_t why_size);

/* A change was made: sit out the cooldown, count low periods afresh. */
void autoscale_changed(struct autoscale_state *st);

#endif
