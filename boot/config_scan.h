/*
 * What the loader needs from shoji.cfg, found by a pure scan of its text:
 * the top-level "cmdline" and "script", and every "image", "kernel", "initrd" and
 * "module" path (a module line's first word) in any section. The kernel
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
/* Skipped image lines remembered for the console; further ones are only counted. */
#define CONFIG_SCAN_SKIPS_MAX 8

/* An image or script line whose path cannot name a file: nothing is loaded for it. */
struct config_scan_skip {
	uint32_t line;	    /* 1-based */
	const char *reason; /* the kernel's words for the same line (kernel/mgmt/config.c) */
};

struct config_scan {
	char cmdline[BOOT_CMDLINE_MAX];
	uint32_t image_count;
	char images[CONFIG_SCAN_IMAGES_MAX][BOOT_MODULE_NAME_MAX];
	uint32_t error_line; /* 1-based line of the error, 0 if none */
	uint32_t skip_count; /* all skipped lines; the first ones are in skips[] */
	struct config_scan_skip skips[CONFIG_SCAN_SKIPS_MAX];
};

/*
 * Scan @len bytes of config text (need not be NUL terminated). Syntax:
 * '#' starts a comment (whole line or trailing), "[...]" starts a section,
 * "key = value" with blanks around key and value ignored, CRLF accepted.
 * A later top-level cmdline replaces an earlier one; an image path named
 * twice is kept once. An image or script path that is empty, holds a NUL
 * byte or is too long for a module name is skipped and listed in @out->skips:
 * the kernel then reports that guest (or the script) and boots the rest, as
 * on the GRUB path. Returns 0, or -E2BIG / -EINVAL (limits of the whole
 * machine: too many images, a bad cmdline) with *@reason set and
 * @out->error_line naming the line.
 */
int config_scan(const char *text, size_t len, struct config_scan *out, const char **reason);

#endif
