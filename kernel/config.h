/*
 * The kernel's parse of shoji.cfg: the list of guests to build. Pure: reads
 * the text and the loader's module list, writes only the result struct, and
 * logs each problem once as "cfg: FILE:LINE: reason". The loader's own scan
 * (boot/config_scan.c) only picks out cmdline and image paths; everything
 * else about the file is checked here.
 *
 * Syntax: '#' starts a comment (whole line or trailing); blank lines and
 * blanks around keys and values are ignored; CRLF is accepted.
 *
 *   cmdline = ...             top level only (the loader's; ignored here)
 *   [guest NAME]              NAME: 1-31 characters of [A-Za-z0-9_-]
 *   image = PATH              required; a module the loader brought
 *   memory = N[K|M|G]         default 16M; 1M..1G, a multiple of 4K
 *   mode = real|prot32|long64 ELF: from the class unless given; flat: real
 *   load = ADDR               flat binaries: load GPA (default 0x8000)
 *   entry = ADDR              flat binaries: entry GPA (default = load)
 *   autostart = yes|no        default yes
 *
 * Numbers are decimal or 0x-prefixed hex. A guest section with any error is
 * dropped (with its messages); the others are kept, in file order.
 */
#ifndef SHOJI_KERNEL_CONFIG_H
#define SHOJI_KERNEL_CONFIG_H

#include <stddef.h>

#include "kernel/boot_info.h"
#include "kernel/guest.h"
#include "kernel/guest_image.h"
#include "kernel/types.h"
#include "kernel/vcpu.h"

#define CONFIG_GUESTS_MAX	 16
#define CONFIG_MEM_DEFAULT	 (16 * SZ_1M)
#define CONFIG_MEM_MIN		 SZ_1M
#define CONFIG_MEM_MAX		 SZ_1G
#define CONFIG_FLAT_LOAD_DEFAULT GUEST_IMAGE_FLAT_LOAD_DEFAULT

struct config_guest {
	char name[GUEST_NAME_MAX];
	const struct boot_module *image; /* points into the caller's module list */
	uint64_t mem_size;
	/* mode (unset: from the image), load and entry (flat binaries only) */
	struct guest_image_opts opts;
	bool autostart;
	uint32_t line; /* of the [guest NAME] header, for later messages */
};

struct config {
	uint32_t guest_count;
	struct config_guest guests[CONFIG_GUESTS_MAX];
	uint32_t error_count; /* messages logged with log_err */
};

/*
 * Parse @len bytes of @text (need not be NUL terminated; may hold NULs),
 * the contents of the module named @file. Each "image" must name one of the
 * @module_count @modules exactly. Fills @out with the good guests. Returns
 * 0 if the file had no error, -EINVAL if any was logged (@out still holds
 * the guests that were fine).
 */
int config_parse(const char *file, const char *text, size_t len, const struct boot_module *modules,
		 uint32_t module_count, struct config *out);

#endif
