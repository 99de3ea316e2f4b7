/*
 * shoji.efi: the UEFI loader's flow. Reads \shoji\kernel.elf, the config
 * \shoji\shoji.cfg and the images it names from the ESP it was started
 * from, fills struct boot_info and enters the kernel after
 * ExitBootServices. On any error it says which file and why, frees its
 * pages and returns to the firmware: it never hangs or resets. A guest
 * section whose image path names no file is the exception: it is skipped
 * with a warning and the kernel reports that guest, as on the GRUB path.
 * Firmware-facing functions in boot/efi_*.c return EFI_STATUS, not -errno:
 * the status travels back to the firmware unchanged. The pure modules
 * (config_scan, elf_load, load_options, mmap_convert) return -errno.
 */
#include <efi.h>
#include <efilib.h>
#include <errno.h>
#include <string.h>

#include "boot/config_scan.h"
#include "boot/efi_acpi.h"
#include "boot/efi_console.h"
#include "boot/efi_file.h"
#include "boot/efi_gop.h"
#include "boot/efi_handover.h"
#include "boot/efi_kernel.h"
#include "boot/efi_mem.h"
#include "boot/load_options.h"
#include "kernel/core/boot_info.h"

#define LOADER_DIR	   "\\shoji\\"
#define LOADER_CONFIG_NAME "shoji.cfg"
#define LOADER_CONFIG_PATH LOADER_DIR LOADER_CONFIG_NAME

/* Big enough to keep off the firmware's stack. */
static struct config_scan loader_config;

static struct boot_module *loader_add_module(struct boot_info *bi, const char *name,
					     const struct efi_file_data *file)
{
	struct boot_module *m = &bi->modules[bi->module_count++];

	/* Callers keep the count <= BOOT_MODULES_MAX and names short (config_scan). */
	m->base = file->phys;
	m->size = file->size;
	memcpy(m->name, name, strlen(name) + 1);
	efi_console_printf("shoji.efi: module %s at 0x%lx, %lu bytes\n", name, m->base, m->size);
	return m;
}

/* One bad section costs only its guest: the kernel names it again and boots the rest. */
static void loader_report_skips(void)
{
	uint32_t shown = loader_config.skip_count < CONFIG_SCAN_SKIPS_MAX ? loader_config.skip_count
									  : CONFIG_SCAN_SKIPS_MAX;

	for (uint32_t i = 0; i < shown; i++)
		efi_console_printf("shoji.efi: warning: %s: line %u: %s, nothing loaded for it\n",
				   LOADER_CONFIG_PATH, loader_config.skips[i].line,
				   loader_config.skips[i].reason);
	if (loader_config.skip_count > shown)
		efi_console_printf("shoji.efi: warning: %s: %u more such lines\n",
				   LOADER_CONFIG_PATH, loader_config.skip_count - shown);
}

/* Reads the config into @bi as module "shoji.cfg" and scans it into loader_config. */
static EFI_STATUS loader_read_config(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	struct efi_file_data file;
	const char *reason;
	EFI_STATUS st;

	memset(&loader_config, 0, sizeof(loader_config));
	st = efi_file_read(root, LOADER_CONFIG_PATH, EFI_MEM_BELOW_4G, &file, &reason);
	if (st == EFI_NOT_FOUND) {
		efi_console_printf("shoji.efi: warning: %s not found, booting without config\n",
				   LOADER_CONFIG_PATH);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st)) {
		efi_console_error(LOADER_CONFIG_PATH, "%s", reason);
		return st;
	}
	loader_add_module(bi, LOADER_CONFIG_NAME, &file);
	if (config_scan((const char *)(uintptr_t)file.phys, file.size, &loader_config, &reason)) {
		efi_console_error(LOADER_CONFIG_PATH, "line %u: %s", loader_config.error_line,
				  reason);
		return EFI_LOAD_ERROR;
	}
	loader_report_skips();
	return EFI_SUCCESS;
}

static EFI_STATUS loader_read_images(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	for (uint32_t i = 0; i < loader_config.image_count; i++) {
		const char *image = loader_config.images[i];
		char path[sizeof(LOADER_DIR) + BOOT_MODULE_NAME_MAX];
		struct efi_file_data file;
		const char *reason;
		EFI_STATUS st;
		size_t n = strlen(LOADER_DIR);

		/* The config names images with '/'; FAT paths want '\'. */
		memcpy(path, LOADER_DIR, n);
		for (const char *c = image; *c; c++)
			path[n++] = *c == '/' ? '\\' : *c;
		path[n] = '\0';

		if (bi->module_count == BOOT_MODULES_MAX) {
			efi_console_error(path, "too many modules (at most %u)", BOOT_MODULES_MAX);
			return EFI_LOAD_ERROR;
		}
		/* As on the GRUB path: the guests naming it are skipped, not the machine. */
		st = efi_file_read(root, path, EFI_MEM_BELOW_4G, &file, &reason);
		if (EFI_ERROR(st)) {
			efi_console_printf("shoji.efi: warning: %s: %s, the guests naming it are "
					   "skipped\n", path, reason);
			continue;
		}
		loader_add_module(bi, image, &file);
	}
	return EFI_SUCCESS;
}

/* Config cmdline, then the shell's arguments after a space. */
static EFI_STATUS loader_build_cmdline(EFI_LOADED_IMAGE *li, struct boot_info *bi)
{
	char args[BOOT_CMDLINE_MAX];
	size_t len = strlen(loader_config.cmdline), alen;
	int ret;

	memcpy(bi->cmdline, loader_config.cmdline, len + 1);
	ret = load_options_args(li->LoadOptions, li->LoadOptionsSize, args, sizeof(args));
	if (ret == -EINVAL)
		return EFI_SUCCESS; /* binary boot-option data, not arguments */
	alen = ret ? sizeof(args) : strlen(args);
	if (alen == 0)
		return EFI_SUCCESS;
	if (ret || len + (len ? 1 : 0) + alen >= BOOT_CMDLINE_MAX) {
		efi_console_error("kernel command line",
				  "longer than %u characters with the load options",
				  BOOT_CMDLINE_MAX - 1);
		return EFI_LOAD_ERROR;
	}
	if (len)
		bi->cmdline[len++] = ' ';
	memcpy(bi->cmdline + len, args, alen + 1);
	return EFI_SUCCESS;
}

static EFI_STATUS loader_boot(EFI_HANDLE image, EFI_SYSTEM_TABLE *st_table)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	struct efi_kernel kernel;
	struct boot_info *bi;
	uint64_t bi_phys;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &li_guid, (void **)&li);
	if (!EFI_ERROR(st))
		st = efi_file_open_volume(li->DeviceHandle, &root);
	if (EFI_ERROR(st)) {
		efi_console_error("ESP", "cannot open the volume shoji.efi was loaded from (%s)",
				  efi_console_status(st));
		return st;
	}

	/* Kernel first: its pages are fixed, everything else can go around them. */
	st = efi_kernel_load(root, &kernel);
	if (EFI_ERROR(st))
		return st;

	st = efi_mem_alloc_below(EFI_MEM_BELOW_4G, EFI_MEM_PAGES(sizeof(*bi)), &bi_phys);
	if (EFI_ERROR(st)) {
		efi_console_error("boot_info", "%s", efi_console_status(st));
		return st;
	}
	bi = (struct boot_info *)(uintptr_t)bi_phys;
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->loader = BOOT_LOADER_UEFI;
	bi->kernel_start = kernel.start;
	bi->kernel_end = kernel.end;

	st = loader_read_config(root, bi);
	if (!EFI_ERROR(st))
		st = loader_read_images(root, bi);
	if (!EFI_ERROR(st))
		st = loader_build_cmdline(li, bi);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return st;

	efi_acpi_find_rsdp(st_table, bi);
	efi_gop_find(&bi->fb);

	st = efi_handover_prepare();
	if (EFI_ERROR(st)) {
		efi_console_error("memory map", "%s", efi_console_status(st));
		return st;
	}
	efi_console_printf("shoji.efi: kernel entry 0x%lx, %u modules, booting\n", kernel.entry,
			   bi->module_count);
	st = efi_handover(image, bi, kernel.entry);
	/* Best effort: after a failed ExitBootServices the console may be gone. */
	efi_console_error("ExitBootServices", "%s", efi_console_status(st));
	return st;
}

/* Debian's crt0 calls efi_main with the SysV convention (HARNESS.md): no EFIAPI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st_table)
{
	EFI_STATUS st;

	InitializeLib(image, st_table);
	efi_console_printf("shoji.efi %s: loading from ESP\n", SHOJI_VERSION);
	st = loader_boot(image, st_table);
	efi_mem_free_all();
	efi_console_printf("shoji.efi: returning to firmware\n");
	return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}
