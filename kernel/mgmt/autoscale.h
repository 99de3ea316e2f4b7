/*
 * The autoscaler: console `autoscale NAME min=N max=N target=N% [period=MS]`
 * (and `autoscale NAME off`). Every period it takes the mean load of config
 * guest NAME's instances, what they report through HC_LOAD, or else their
 * vCPUs' share of a CPU over the period, and scales them out or in
 * (guests_scale) as autoscale_policy.h decides. Every period's figures and
 * every decision, with its reason, go to the log (tools/autoscale_chart.py
 * draws them).
 */
#ifndef SHOJI_KERNEL_MGMT_AUTOSCALE_H
#define SHOJI_KERNEL_MGMT_AUTOSCALE_H

#include <stddef.h>

/*
 * Switch the autoscaler on for config guest `name` with the rule in text,
 * or off ("off"). 0, -ENOENT (no such config guest), -EPERM (it cannot
 * have instances: pinned, a disk, redundancy), -EALREADY (off when it was
 * not on), -ENOSPC, or -EINVAL with the reason in why.
 */
int autoscale_set(const char *name, const char *text, char *why, size_t why_size);

/* CPU 0, from housekeeping: the periods that are due. */
void autoscale_poll_due(void);

/* How many guests are autoscaled; read here so that housekeeping, every slice, costs no call. */
extern unsigned autoscale_scalers;

static inline void autoscale_poll(void)
{
	if (autoscale_scalers)
		autoscale_poll_due();
}

#endif
