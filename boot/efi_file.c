/*
 * ESP file reading (see efi_file.h). Opens, sizes, reads and closes; the
 * caller owns the returned pages (through efi_mem).
 */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_console.h"
#include "boot/efi_file.h"
#include "boot/efi_mem.h"

/* EFI_FILE_INFO ends in the file name: leave room for a long one. */
#define EFI_FILE_INFO_BUF (sizeof(EFI_FILE_INFO) + EFI_FILE_PATH_MAX * sizeof(CHAR16))

EFI_STATUS efi_file_open_volume(EFI_HANDLE device, EFI_FILE_HANDLE *root)
{
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, device, &fs_guid, (void **)&fs);
	if (EFI_ERROR(st))
		return st;
	return uefi_call_wrapper(fs->OpenVolume, 2, fs, root);
}

static EFI_STATUS efi_file_fill(EFI_FILE_HANDLE f, uint8_t *dst, uint64_t size, const char **reason)
{
	while (size) {
		UINTN chunk = size;
		EFI_STATUS st = uefi_call_wrapper(f->Read, 3, f, &chunk, dst);

		if (EFI_ERROR(st)) {
			*reason = efi_console_status(st);
			return st;
		}
		if (chunk == 0) {
			*reason = "file shorter than its directory entry says";
			return EFI_LOAD_ERROR;
		}
		dst += chunk;
		size -= chunk;
	}
	return EFI_SUCCESS;
}

EFI_STATUS efi_file_read(EFI_FILE_HANDLE root, const char *path, uint64_t max_phys,
			 struct efi_file_data *out, const char **reason)
{
	CHAR16 wpath[EFI_FILE_PATH_MAX];
	UINT64 info_buf[EFI_FILE_INFO_BUF / sizeof(UINT64) + 1]; /* 8-byte aligned */
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;
	UINTN info_size = sizeof(info_buf);
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	unsigned i;

	for (i = 0; path[i]; i++) {
		if (i + 1 == EFI_FILE_PATH_MAX) {
			*reason = "path too long";
			return EFI_INVALID_PARAMETER;
		}
		wpath[i] = (CHAR16)(unsigned char)path[i];
	}
	wpath[i] = 0;

	st = uefi_call_wrapper(root->Open, 5, root, &f, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		*reason = efi_console_status(st);
		return st;
	}
	st = uefi_call_wrapper(f->GetInfo, 4, f, &info_guid, &info_size, info);
	if (EFI_ERROR(st)) {
		*reason = efi_console_status(st);
		goto out_close;
	}
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		*reason = "is a directory";
		st = EFI_LOAD_ERROR;
		goto out_close;
	}
	if (info->FileSize > max_phys) {
		*reason = "file too large";
		st = EFI_LOAD_ERROR;
		goto out_close;
	}

	out->size = info->FileSize;
	st = efi_mem_alloc_below(max_phys, EFI_MEM_PAGES(out->size) ?: 1, &out->phys);
	if (EFI_ERROR(st)) {
		*reason = "out of memory for the file";
		goto out_close;
	}
	st = efi_file_fill(f, (uint8_t *)(uintptr_t)out->phys, out->size, reason);
	if (EFI_ERROR(st))
		efi_mem_free(out->phys);
out_close:
	uefi_call_wrapper(f->Close, 1, f);
	return st;
}
