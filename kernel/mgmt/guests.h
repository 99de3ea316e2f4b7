/* Starting the configured guests at boot. */
#ifndef SHOJI_KERNEL_GUESTS_H
#define SHOJI_KERNEL_GUESTS_H

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

/* Console operations: 0, -EALREADY (already in that state) or -EINVAL (not possible now). */
int guests_start_one(struct guest *g);
int guests_stop_one(struct guest *g);
int guests_restart_one(struct guest *g);
int guests_pause_one(struct guest *g);
int guests_resume_one(struct guest *g);

struct shell_settings;

/*
 * The console's set: weight, cap and cpus (checked as the config checks its
 * keys, and against the other guests), applied at once to a guest in any
 * state. All or nothing: 0, or -errno with a one-line reason in @why
 * (SHELL_WHY_MAX bytes). The values stay the guest's across restarts.
 */
int guests_set_one(struct guest *g, const struct shell_settings *st, char *why);

#endif
