/*
 * UEFI memory map -> boot_info memory map. Pure (no firmware calls, no
 * allocation) because it runs after ExitBootServices, and so the host unit
 * tests run it. The descriptor layout is restated here so this header does
 * not need gnu-efi.
 */
#ifndef SHOJI_BOOT_MMAP_CONVERT_H
#define SHOJI_BOOT_MMAP_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/core/boot_info.h"

/* UEFI 2.10 7.2 EFI_MEMORY_TYPE. */
enum mmap_efi_type {
	MMAP_EFI_RESERVED = 0,
	MMAP_EFI_LOADER_CODE = 1,
	MMAP_EFI_LOADER_DATA = 2,
	MMAP_EFI_BOOT_SERVICES_CODE = 3,
	MMAP_EFI_BOOT_SERVICES_DATA = 4,
	MMAP_EFI_RUNTIME_SERVICES_CODE = 5,
	MMAP_EFI_RUNTIME_SERVICES_DATA = 6,
	MMAP_EFI_CONVENTIONAL = 7,
	MMAP_EFI_UNUSABLE = 8,
	MMAP_EFI_ACPI_RECLAIM = 9,
	MMAP_EFI_ACPI_NVS = 10,
	MMAP_EFI_MMIO = 11,
	MMAP_EFI_MMIO_PORT_SPACE = 12,
	MMAP_EFI_PAL_CODE = 13,
	MMAP_EFI_PERSISTENT = 14,
};

#define MMAP_EFI_PAGE_SHIFT 12 /* NumberOfPages counts 4 KiB pages whatever the CPU */

/* UEFI 2.10 7.2 EFI_MEMORY_DESCRIPTOR; the firmware's stride may be larger. */
struct mmap_efi_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages;
	uint64_t attribute;
};

/* BOOT_MEM_* type of a UEFI memory type (unknown types are reserved). */
uint32_t mmap_convert_type(uint32_t efi_type);

/*
 * Convert the @map_size-byte UEFI map at @efi_map, whose descriptors are
 * @desc_size bytes apart, into at most @out_max regions in @out, sorted by
 * base, adjacent regions of one type merged. Sorts @efi_map in place.
 * Descriptors of zero pages or whose end overflows are skipped.
 *
 * If the merged map still has more than @out_max regions, the smallest
 * usable region (lowest base on a tie) among those kept so far and the
 * incoming one is dropped, until everything fits: a dropped region becomes
 * a hole, which the kernel never uses, so overflow only loses some RAM and
 * never marks firmware memory usable. When no usable region is left to
 * drop, the highest regions are cut off.
 *
 * Returns the number of regions dropped (0 normally), or -EINVAL if
 * @desc_size is smaller than struct mmap_efi_desc or @out_max is 0.
 */
int mmap_convert(void *efi_map, size_t map_size, size_t desc_size, struct boot_mem_region *out,
		 uint32_t out_max, uint32_t *out_count);

#endif
