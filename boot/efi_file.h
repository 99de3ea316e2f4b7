/*
 * Whole files from the ESP the loader was started from, read into pages
 * from efi_mem (page aligned, below a caller-chosen address).
 */
#ifndef SHOJI_BOOT_EFI_FILE_H
#define SHOJI_BOOT_EFI_FILE_H

#include <efi.h>
#include <stdint.h>

#define EFI_FILE_PATH_MAX 256 /* characters, NUL included */

struct efi_file_data {
	uint64_t phys; /* page aligned; one page even for an empty file */
	uint64_t size; /* bytes of file content */
};

/* Root directory of the volume on @device (LoadedImage->DeviceHandle). */
EFI_STATUS efi_file_open_volume(EFI_HANDLE device, EFI_FILE_HANDLE *root);

/*
 * Read @path (ASCII, '\' separators, from the volume root) into pages at or
 * below @max_phys. On failure *@reason says why in words ("file not found")
 * and nothing stays allocated.
 */
EFI_STATUS efi_file_read(EFI_FILE_HANDLE root, const char *path, uint64_t max_phys,
			 struct efi_file_data *out, const char **reason);

#endif
