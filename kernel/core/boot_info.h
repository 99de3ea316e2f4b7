/*
 * The one hand-over from a loader to the kernel. The UEFI loader (boot/) and
 * the Multiboot2 entry (arch/x86/boot/) both fill it; after that the kernel
 * never asks which loader ran. Fixed-size arrays keep it a single, copyable
 * block with no pointers into loader memory.
 */
#ifndef SHOJI_KERNEL_BOOT_INFO_H
#define SHOJI_KERNEL_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC	     0x4f464e49544f4f42ULL /* "BOOTINFO" */
#define BOOT_MMAP_MAX	     256
#define BOOT_MODULES_MAX     32
#define BOOT_CMDLINE_MAX     512
#define BOOT_MODULE_NAME_MAX 64
#define BOOT_MODULE_ARGS_MAX 128
#define BOOT_RSDP_MAX	     64

enum boot_loader {
	BOOT_LOADER_UEFI = 1,
	BOOT_LOADER_MULTIBOOT2 = 2,
};

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,	       /* free for the kernel once it runs */
	BOOT_MEM_RESERVED = 2,	       /* firmware, MMIO, anything unknown */
	BOOT_MEM_ACPI_RECLAIM = 3,     /* ACPI tables: keep while parsing them */
	BOOT_MEM_ACPI_NVS = 4,	       /* firmware's, never touched */
	BOOT_MEM_BAD = 5,	       /* defective RAM */
	BOOT_MEM_FIRMWARE_RUNTIME = 6, /* UEFI runtime services code/data */
};

struct boot_mem_region {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum boot_mem_type */
	uint32_t reserved;
};

/* A file the loader brought along: guest images, the config file. */
struct boot_module {
	uint64_t base; /* host-physical, page aligned */
	uint64_t size;
	char name[BOOT_MODULE_NAME_MAX]; /* e.g. "shoji.cfg", "guests/hello64.elf" */
	char args[BOOT_MODULE_ARGS_MAX]; /* rest of the module's string, may be empty */
};

struct boot_framebuffer {
	uint64_t base; /* 0: no framebuffer */
	uint32_t width, height;
	uint32_t pitch; /* bytes per scan line */
	uint8_t bpp;	/* only 32 is drawn on */
	uint8_t red_shift, green_shift, blue_shift;
};

struct boot_info {
	uint64_t magic;	 /* BOOT_INFO_MAGIC */
	uint32_t loader; /* enum boot_loader */
	uint32_t mmap_count;
	struct boot_mem_region mmap[BOOT_MMAP_MAX];

	/* Physical range the kernel image occupies (text to end of bss). */
	uint64_t kernel_start, kernel_end;

	/* Copy of the ACPI RSDP (v1: 20 bytes, v2+: its length field); 0 if none. */
	uint32_t rsdp_length;
	uint8_t rsdp[BOOT_RSDP_MAX];

	struct boot_framebuffer fb;
	char cmdline[BOOT_CMDLINE_MAX];

	uint32_t module_count;
	struct boot_module modules[BOOT_MODULES_MAX];
};

/* TSC at the kernel's first instructions (arch/x86/boot/entry.S): the start-up meter's zero. */
extern uint64_t boot_entry_tsc;

#endif
