/*
 * The settings of the console's `set <guest> k=v...`: weight=N, cap=N%|none,
 * cpus=shared|LIST, vcpus=N and memory=SIZE, each checked as the config checks its key (ranges,
 * pCPU 0 never pinned, no pCPU twice), each at most once.
 */
#ifndef SHOJI_KERNEL_MGMT_SHELL_SETTINGS_H
#define SHOJI_KERNEL_MGMT_SHELL_SETTINGS_H

#include "kernel/mgmt/shell.h"

/*
 * Parse the words of @rest (modified in place) into @st, which is cleared
 * first. 0, or -EINVAL / -ERANGE with the reason in @why (SHELL_WHY_MAX).
 */
int shell_parse_settings(char *rest, struct shell_settings *st, char *why);

#endif
