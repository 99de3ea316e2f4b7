/*
 * Loader page allocations (see efi_mem.h). The table only tracks; it never
 * decides placement.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_mem.h"

/* Kernel ranges, modules, boot_info, memory map, file buffers: well below. */
#define EFI_MEM_TRACK_MAX 96

struct efi_mem_alloc {
	uint64_t phys;
	uint64_t pages;
};

static struct efi_mem_alloc efi_mem_allocs[EFI_MEM_TRACK_MAX];
static unsigned efi_mem_count;

static EFI_STATUS efi_mem_alloc(EFI_ALLOCATE_TYPE type, uint64_t pages, uint64_t *phys)
{
	EFI_PHYSICAL_ADDRESS addr = *phys;
	EFI_STATUS st;

	if (efi_mem_count == EFI_MEM_TRACK_MAX)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(BS->AllocatePages, 4, type, EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st))
		return st;
	efi_mem_allocs[efi_mem_count++] = (struct efi_mem_alloc){addr, pages};
	*phys = addr;
	return EFI_SUCCESS;
}

EFI_STATUS efi_mem_alloc_below(uint64_t max_phys, uint64_t pages, uint64_t *phys)
{
	*phys = max_phys;
	return efi_mem_alloc(AllocateMaxAddress, pages, phys);
}

EFI_STATUS efi_mem_alloc_at(uint64_t phys, uint64_t pages)
{
	return efi_mem_alloc(AllocateAddress, pages, &phys);
}

void efi_mem_free(uint64_t phys)
{
	for (unsigned i = 0; i < efi_mem_count; i++) {
		if (efi_mem_allocs[i].phys != phys)
			continue;
		uefi_call_wrapper(BS->FreePages, 2, phys, efi_mem_allocs[i].pages);
		efi_mem_allocs[i] = efi_mem_allocs[--efi_mem_count];
		return;
	}
}

void efi_mem_free_all(void)
{
	while (efi_mem_count) {
		struct efi_mem_alloc *a = &efi_mem_allocs[--efi_mem_count];
		uefi_call_wrapper(BS->FreePages, 2, a->phys, a->pages);
	}
}
