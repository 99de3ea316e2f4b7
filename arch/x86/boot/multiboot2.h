/*
 * Multiboot2 information (Multiboot2 spec 3.6) turned into struct boot_info.
 * Pure parsing over the tag list: every tag's size is checked against the
 * total, so a malformed list is refused rather than followed.
 */
#ifndef SHOJI_ARCH_X86_BOOT_MULTIBOOT2_H
#define SHOJI_ARCH_X86_BOOT_MULTIBOOT2_H

#include <stdint.h>

#include "kernel/core/boot_info.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define MB2_TAG_END	    0
#define MB2_TAG_CMDLINE	    1
#define MB2_TAG_MODULE	    3
#define MB2_TAG_MMAP	    6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ACPI_OLD    14
#define MB2_TAG_ACPI_NEW    15

#define MB2_MEMORY_AVAILABLE	    1
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS		    4
#define MB2_MEMORY_BADRAM	    5

#define MB2_FRAMEBUFFER_TYPE_RGB 1

/*
 * Fill bi (already zeroed by the caller) from the information structure
 * (`max_size`: bytes known readable). Returns 0 or -EINVAL with a reason
 * in *why. The newest ACPI RSDP wins when both tags are present.
 */
int mb2_parse(const void *info, uint64_t max_size, struct boot_info *bi, const char **why);

#endif
