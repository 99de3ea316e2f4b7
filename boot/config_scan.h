/*
 * What the loader needs from shoji.cfg, found by a pure scan of its text:
 * the top-level "cmdline" and "script", and every "image" path in any section. The kernel
 * parses and validates the whole file itself; this scan ignores every other
 * key and every line it does not understand.
 */
#ifndef SHOJI_BOOT_CONFIG_SCAN_H
#define SHOJI_BOOT_CONFIG_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/core/boot_info.h"

/* One module slot goes to shoji.cfg itself. */
#define CONFIG_SCAN_IMAGES_MAX (BOOT_MODULES_MAX - 1)

struct config_scan {
	char cmdline[BOOT_CMDLINE_MAX];
	uint32_t image_count;
	char images[CONFIG_SCAN_IMAGES_MAX][BOOT_MODULE_NAME_MAX];
	uint32_t error_line; /* 1-based line of the error, 0 if none */
};

/*
 * Scan @len bytes of config text (need not be NUL terminated). Syntax:
 * '#' starts a comment (whole line or trailing), "[...]" starts a section,
 * "key = value" with blanks around key and value ignored, CRLF accepted.
 * A later top-level cmdline replaces an earlier one; an image path named
 * twice is kept once. Returns 0, or -E2BIG / -EINVAL with *@reason set and
 * @out->error_line naming the line.
 */
int config_scan(const char *text, size_t len, struct config_scan *out, const char **reason);

#endif
