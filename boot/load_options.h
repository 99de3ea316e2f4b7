/*
 * The image's LoadOptions as extra kernel command-line words. The UEFI
 * shell passes "PATH arg..." in UCS-2; the boot manager may pass binary
 * optional data (EDK2 tags its auto-created entries with a GUID), which
 * must not reach the kernel. Pure: no firmware calls.
 */
#ifndef SHOJI_BOOT_LOAD_OPTIONS_H
#define SHOJI_BOOT_LOAD_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Convert @bytes bytes of UCS-2 at @opts (stopping at a NUL) to ASCII,
 * drop the first word (the image path) and the blanks around the rest,
 * and store it NUL terminated in @out (empty if there is nothing). Returns
 * 0, -EINVAL if the data is not printable ASCII text (the caller ignores
 * it), or -E2BIG if it does not fit in @out_size bytes.
 */
int load_options_args(const void *opts, size_t bytes, char *out, size_t out_size);

#endif
