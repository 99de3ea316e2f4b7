/*
 * The kernel image: \shoji\kernel.elf read from the ESP, validated
 * (elf_load), placed at its physical addresses. Errors are reported here,
 * naming the file.
 */
#ifndef SHOJI_BOOT_EFI_KERNEL_H
#define SHOJI_BOOT_EFI_KERNEL_H

#include <efi.h>
#include <stdint.h>

#define EFI_KERNEL_PATH "\\shoji\\kernel.elf"

struct efi_kernel {
	uint64_t start, end; /* physical, page rounded: boot_info.kernel_start/end */
	uint64_t entry;	     /* physical address of the 64-bit entry */
};

/* Load the kernel at its physical addresses and describe it in @k. */
EFI_STATUS efi_kernel_load(EFI_FILE_HANDLE root, struct efi_kernel *k);

#endif
