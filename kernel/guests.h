/* Starting the configured guests at boot. */
#ifndef SHOJI_KERNEL_GUESTS_H
#define SHOJI_KERNEL_GUESTS_H

#include "kernel/boot_info.h"

/*
 * Parse the "shoji.cfg" module and run each autostart guest to completion,
 * one after the other (the scheduler will run them side by side). `why_no_virt`
 * says why no backend exists when virt is NULL.
 */
void guests_start(const struct boot_info *bi, const char *why_no_virt);

#endif
