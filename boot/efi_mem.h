/*
 * Loader page allocations: every AllocatePages goes through here and is
 * remembered, so a failed boot hands the memory back to the firmware
 * before returning to it. Pages stay EfiLoaderData: the kernel sees them
 * as usable and reserves what it keeps (its image, modules, boot_info).
 */
#ifndef SHOJI_BOOT_EFI_MEM_H
#define SHOJI_BOOT_EFI_MEM_H

#include <efi.h>
#include <stdint.h>

#define EFI_MEM_PAGE_SIZE    4096ULL
#define EFI_MEM_PAGES(bytes) (((bytes) + EFI_MEM_PAGE_SIZE - 1) / EFI_MEM_PAGE_SIZE)
#define EFI_MEM_BELOW_4G     0xffffffffULL /* AllocateMaxAddress takes the last usable byte */

/* @pages pages anywhere at or below @max_phys; *@phys gets their base. */
EFI_STATUS efi_mem_alloc_below(uint64_t max_phys, uint64_t pages, uint64_t *phys);

/* Exactly the pages at @phys (page aligned). */
EFI_STATUS efi_mem_alloc_at(uint64_t phys, uint64_t pages);

/* Give back the allocation that starts at @phys. */
void efi_mem_free(uint64_t phys);

/* Give back everything still allocated (failure path). */
void efi_mem_free_all(void);

#endif
