/* Starting the configured guests at boot. */
#ifndef SHOJI_KERNEL_GUESTS_H
#define SHOJI_KERNEL_GUESTS_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/core/boot_info.h"

/*
 * Parse the "shoji.cfg" module and run each autostart guest to completion,
 * one after the other (the scheduler will run them side by side). `why_no_virt`
 * says why no backend exists when virt is NULL.
 */
void guests_start(const struct boot_info *bi, const char *why_no_virt);

struct guest;

/* The guests built from the config, for the management console. */
unsigned guests_count(void);
struct guest *guests_get(unsigned index);
struct guest *guests_find(const char *name);

/* The command line the config gives g ("" if none). */
const char *guests_cmdline(const struct guest *g);

/*
 * Console operations: 0, -EALREADY (already in that state) or -EINVAL (not
 * possible now); start and restart -ENODEV for a guest on a failed pCPU.
 */
int guests_start_one(struct guest *g);
int guests_stop_one(struct guest *g);
int guests_restart_one(struct guest *g);
int guests_pause_one(struct guest *g);
int guests_resume_one(struct guest *g);

/*
 * Console `scale NAME N` (N 0..64) on config guest NAME: build and start
 * instances up to N, or stop the highest-numbered ones above N (destroyed by
 * housekeeping once down). A one-line summary goes into reply, also when an
 * instance could not be built. 0, -ENOENT (no such config guest), -EPERM
 * (pinned or with a disk: one instance only), -EAGAIN (scaled-in instances
 * still stopping), -EINVAL (isolation check on, name too long or taken),
 * -ENOSPC (guest table full), -EIO (an instance could not be built: logged,
 * and what it had was given back).
 */
int guests_scale(const char *name, unsigned target, char *reply, size_t reply_size);

/* Whether config guest `name` may have instances: 0, -ENOENT, -EPERM (pinned, or a disk). */
int guests_scalable(const char *name);

/*
 * The instances of config guest `name` not being scaled in, up to max of
 * them into out: how many there are, or -ENOENT.
 */
int guests_instances(const char *name, struct guest **out, unsigned max);

/* True while scaled-in guests are stopping and not yet destroyed (scripts wait). */
bool guests_scaling(void);

/*
 * Console `fail-cpu N`: a simulated physical-CPU failure. Nothing is placed
 * on pCPU N again, and every guest with a vCPU there is stopped as crashed
 * (a duplex or voting replica's group handles it as any crash; a duplex
 * whose standby was there runs on unprotected). 0, -EPERM (CPU 0 runs the
 * console), -ENODEV (no such CPU), -EALREADY.
 */
int guests_fail_cpu(unsigned cpu);

struct shell_settings;

/*
 * The console's set (guest_set.c): weight, cap and cpus (checked as the config checks its
 * keys, and against the other guests), applied at once to a guest in any
 * state. All or nothing: 0, or -errno with a one-line reason in @why
 * (SHELL_WHY_MAX bytes). The values stay the guest's across restarts.
 */
int guests_set_one(struct guest *g, const struct shell_settings *st, char *why);

#endif
