/* fuzz-sources: arch/x86/boot/multiboot2.c */
/*
 * libFuzzer: the Multiboot2 information parser on arbitrary bytes. The
 * buffer is an exact-size copy, so ASan catches any read past it whatever
 * total_size claims; a parse that succeeds leaves every count within its
 * array and every string terminated.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/boot/multiboot2.h"

static void check_string(const char *s, size_t n)
{
	if (!memchr(s, '\0', n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	const char *why = NULL;
	/* The loader hands over an 8-byte aligned block (Multiboot2 3.6); malloc keeps that. */
	uint8_t *info = malloc(size ? size : 1);

	memcpy(info, data, size);
	memset(&bi, 0, sizeof(bi));
	int ret = mb2_parse(info, size, &bi, &why);
	free(info);

	if (ret != 0 && (ret != -EINVAL || !why))
		abort();
	if (bi.module_count > BOOT_MODULES_MAX || bi.mmap_count > BOOT_MMAP_MAX ||
	    bi.rsdp_length > BOOT_RSDP_MAX)
		abort();
	check_string(bi.cmdline, sizeof(bi.cmdline));
	for (uint32_t i = 0; i < bi.module_count; i++) {
		check_string(bi.modules[i].name, sizeof(bi.modules[i].name));
		check_string(bi.modules[i].args, sizeof(bi.modules[i].args));
	}
	for (uint32_t i = 0; i < bi.mmap_count; i++)
		if (bi.mmap[i].length == 0)
			abort(); /* empty entries are skipped, never kept */
	return 0;
}
