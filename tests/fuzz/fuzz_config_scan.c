/* fuzz-sources: boot/config_scan.c */
/*
 * libFuzzer: the UEFI loader's scan of shoji.cfg (which images to load) on
 * arbitrary bytes: no read outside the buffer, every image path it returns
 * is a terminated string of at most 63 characters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/config_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config_scan out;
	const char *reason = NULL;
	int ret = config_scan((const char *)data, size, &out, &reason);
	if (ret > 0 || (ret < 0 && !reason))
		abort();
	for (uint32_t i = 0; ret == 0 && i < out.image_count; i++)
		if (strnlen(out.images[i], sizeof(out.images[i])) >= sizeof(out.images[i]))
			abort();
	return 0;
}
