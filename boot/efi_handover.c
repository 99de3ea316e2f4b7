/*
 * Hand-over to the kernel (see efi_handover.h). Between the final
 * GetMemoryMap and ExitBootServices nothing may allocate or print, or the
 * map key goes stale; after ExitBootServices no firmware call is made.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_handover.h"
#include "boot/efi_mem.h"
#include "boot/mmap_convert.h"

/* Room for descriptors that appear after sizing (our allocations split some). */
#define EFI_HANDOVER_SLACK_DESCS 64
/* UEFI 2.10 7.4: retry while the map key goes stale under us. */
#define EFI_HANDOVER_TRIES 5

/* The kernel's entry takes boot_info in RDI, whatever ABI this file is built with. */
typedef void(__attribute__((sysv_abi)) * efi_handover_entry_t)(struct boot_info *bi);

static uint64_t efi_handover_map;
static UINTN efi_handover_map_size;

EFI_STATUS efi_handover_prepare(void)
{
	UINTN size = 0, key, desc_size;
	UINT32 desc_version;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, &desc_size, &desc_version);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	size += EFI_HANDOVER_SLACK_DESCS * desc_size;
	size = EFI_MEM_PAGES(size) * EFI_MEM_PAGE_SIZE;
	st = efi_mem_alloc_below(UINT64_MAX, size / EFI_MEM_PAGE_SIZE, &efi_handover_map);
	if (EFI_ERROR(st))
		return st;
	efi_handover_map_size = size;
	return EFI_SUCCESS;
}

static void __attribute__((noreturn)) efi_handover_jump(struct boot_info *bi, uint64_t entry)
{
	/* The firmware's IDT is no longer ours to rely on. */
	__asm__ volatile("cli" ::: "memory");
	((efi_handover_entry_t)(uintptr_t)entry)(bi);
	for (;;)
		__asm__ volatile("hlt");
}

EFI_STATUS efi_handover(EFI_HANDLE image, struct boot_info *bi, uint64_t entry)
{
	void *map = (void *)(uintptr_t)efi_handover_map;
	UINTN size, key, desc_size;
	UINT32 desc_version;
	EFI_STATUS st = EFI_LOAD_ERROR;

	for (int i = 0; i < EFI_HANDOVER_TRIES; i++) {
		size = efi_handover_map_size;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key, &desc_size,
				       &desc_version);
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (st == EFI_SUCCESS)
			break;
		if (st != EFI_INVALID_PARAMETER)
			return st;
	}
	if (EFI_ERROR(st))
		return st;

	/* Boot services are gone: pure code only from here. */
	mmap_convert(map, size, desc_size, bi->mmap, BOOT_MMAP_MAX, &bi->mmap_count);
	efi_handover_jump(bi, entry);
}
