/*
 * The management console on COM1: the shell (kernel/mgmt/shell.c) fed from the
 * UART and from the config's script, run from CPU 0's housekeeping so that
 * guests keep running while it waits.
 */
#ifndef SHOJI_KERNEL_MGMT_H
#define SHOJI_KERNEL_MGMT_H

#include <stdbool.h>
#include <stddef.h>

/* Start the console; `script` (may be NULL) holds commands to run, line by line. */
void mgmt_init(const char *script, size_t script_len);

/* Poll the UART and advance the script (CPU 0, between slices). */
void mgmt_poll(void);

/* True once the script (if any) has run to its end. */
bool mgmt_script_done(void);

#endif
