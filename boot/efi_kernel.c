/*
 * Kernel loading (see efi_kernel.h). Validation is elf_load's; this file
 * owns the firmware side: the file buffer and the pages at p_paddr.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_console.h"
#include "boot/efi_file.h"
#include "boot/efi_kernel.h"
#include "boot/efi_mem.h"
#include "boot/elf_load.h"

/* The parsed image is too big for comfort on the firmware's stack. */
static struct elf_load_image efi_kernel_image;

EFI_STATUS efi_kernel_load(EFI_FILE_HANDLE root, struct efi_kernel *k)
{
	struct elf_load_image *img = &efi_kernel_image;
	struct efi_file_data file;
	const char *reason;
	EFI_STATUS st;

	/* The file buffer may go anywhere: it is freed once copied. */
	st = efi_file_read(root, EFI_KERNEL_PATH, UINT64_MAX, &file, &reason);
	if (EFI_ERROR(st)) {
		efi_console_error(EFI_KERNEL_PATH, "%s", reason);
		return st;
	}
	if (elf_load_check((const void *)(uintptr_t)file.phys, file.size, img, &reason)) {
		efi_console_error(EFI_KERNEL_PATH, "%s", reason);
		st = EFI_LOAD_ERROR;
		goto out_free;
	}

	for (uint32_t i = 0; i < img->range_count; i++) {
		const struct elf_load_range *r = &img->ranges[i];

		st = efi_mem_alloc_at(r->start, (r->end - r->start) / EFI_MEM_PAGE_SIZE);
		if (EFI_ERROR(st)) {
			efi_console_error(
			    EFI_KERNEL_PATH, "physical memory 0x%lx-0x%lx not available (%s)",
			    r->start, r->end - 1,
			    st == EFI_NOT_FOUND ? "in use or not RAM" : efi_console_status(st));
			goto out_free; /* ranges already taken go with efi_mem_free_all */
		}
	}

	/* Boot services run on an identity map: physical address == pointer. */
	elf_load_copy((const void *)(uintptr_t)file.phys, img, (void *)0, 0);
	k->start = img->phys_start;
	k->end = img->phys_end;
	k->entry = img->entry_phys;
	efi_console_printf("shoji.efi: kernel %s at 0x%lx-0x%lx\n", EFI_KERNEL_PATH,
			   img->phys_start, img->phys_end - 1);
out_free:
	efi_mem_free(file.phys);
	return st;
}
