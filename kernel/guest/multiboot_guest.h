/*
 * Multiboot guest kernels: the header of a Multiboot 1 (spec 0.6.96, 3.1)
 * or Multiboot 2 (spec 2.0, 3.1) image found and checked, the image's
 * placement when the header gives addresses (MB1 flags bit 16 "a.out
 * kludge", MB2 address tag), the boot modules and the information
 * structure placed above the image, and that structure written into guest
 * RAM. Pure functions over byte buffers, like linux_boot.c: guest RAM is a
 * host pointer + size (GPA 0 = ram[0]), so the host unit tests and the
 * fuzzer run them. Not the host's own Multiboot2 parse (arch/x86/boot/).
 *
 * Guest-physical layout: the kernel where its header or ELF headers say;
 * from the first page boundary after it each module on its own page
 * boundary, then one page holding the information structure and its
 * strings (each moved to 1 MiB if it would reach into the legacy hole),
 * all below the prot32 boot tables (guest_boot.h). The memory map
 * handed over is the one linux_boot gives as e820: [0, 0x9f000) RAM, the
 * legacy hole reserved, [1 MiB, usable_end) RAM, the boot tables reserved
 * (a guest of 1 MiB has RAM below the hole only).
 *
 * Entry (MB1 3.2, MB2 3.3): VCPU_START_PROT32 (flat 32-bit segments, paging
 * off, IF=0) with EAX = multiboot_guest_eax() and EBX = info_gpa.
 */
#ifndef SHOJI_KERNEL_MULTIBOOT_GUEST_H
#define SHOJI_KERNEL_MULTIBOOT_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/core/types.h"

#define MULTIBOOT_GUEST_REASON_MAX  128
#define MULTIBOOT_GUEST_MODULES_MAX 8
#define MULTIBOOT_GUEST_INFO_SIZE   0x1000 /* one page: the structure and its strings */
#define MULTIBOOT_GUEST_LOADER_NAME "Shoji"

#define MB1_HEADER_MAGIC     0x1badb002
#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB1_SEARCH_END	     8192 /* MB1 3.1.1: the header lies within the first 8 KiB */
#define MB2_HEADER_MAGIC     0xe85250d6
#define MB2_SEARCH_END	     32768 /* MB2 3.1.1: ... within the first 32 KiB */

/* What the header says. */
struct multiboot_guest_header {
	unsigned version; /* 1 or 2 */
	uint64_t offset;  /* of the magic in the file */
	/* MB1 flags bit 16, MB2 address tag: load by these fields, not by ELF headers. */
	bool has_address;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	bool has_entry; /* MB1 bit 16 (entry_addr), MB2 entry address tag */
	uint32_t entry_addr;
	uint32_t flags; /* MB1: the header's flags */
};

/* A file placed by the address fields (has_address): file bytes, then zeroes. */
struct multiboot_guest_aout {
	uint64_t offset; /* in the file */
	gpa_t load_gpa;
	uint64_t filesz, memsz;
	gpa_t entry_gpa;
};

/* Where the modules and the information structure go. */
struct multiboot_guest_layout {
	struct multiboot_guest_header hdr;
	uint32_t module_count;
	gpa_t module_gpa[MULTIBOOT_GUEST_MODULES_MAX];
	uint64_t module_size[MULTIBOOT_GUEST_MODULES_MAX];
	gpa_t info_gpa;	  /* MULTIBOOT_GUEST_INFO_SIZE bytes */
	gpa_t region_gpa; /* first module or the info page: [region_gpa, info_gpa + INFO_SIZE) */
	gpa_t usable_end; /* RAM below the boot tables: the memory map's end */
};

/* One module as the loader hands it over. */
struct multiboot_guest_module {
	const void *data;
	uint64_t size;
	const char *string; /* its Multiboot string: "path args" */
};

/* What goes into the information structure beyond the layout. */
struct multiboot_guest_params {
	const char *cmdline;
	uint32_t module_count;
	struct multiboot_guest_module modules[MULTIBOOT_GUEST_MODULES_MAX];
	/* Hook: a copy of an ACPI RSDP for the guest (MB2 tag 14 if 20 bytes, else 15); 0: none. */
	const void *rsdp;
	uint32_t rsdp_length;
};

/*
 * Find the header in @file: a Multiboot 2 header with a good checksum
 * first, else a Multiboot 1 one. Returns 0, -ENOENT (no magic at all), or
 * -ENOEXEC with the cause in @reason (bad checksum, a requirement Shoji
 * cannot honour, malformed tags).
 */
int multiboot_guest_find(const uint8_t *file, uint64_t size, struct multiboot_guest_header *hdr,
			 char reason[MULTIBOOT_GUEST_REASON_MAX]);

/*
 * With hdr->has_address: where the file's bytes go and where it starts.
 * Checks the address fields against each other and the file (load_addr <=
 * header_addr, load_end >= load_addr, bss_end >= load_end, the entry inside
 * the loaded bytes, the bytes inside the file). 0 or -ENOEXEC.
 */
int multiboot_guest_aout(const struct multiboot_guest_header *hdr, uint64_t size,
			 struct multiboot_guest_aout *aout,
			 char reason[MULTIBOOT_GUEST_REASON_MAX]);

/*
 * Place @count modules of @sizes bytes and the information page from the
 * first page boundary at or after @image_end, below @usable_end. Fills
 * @mb (its hdr is left as it is). 0, or -EFBIG / -E2BIG (too many) with
 * the cause in @reason.
 */
int multiboot_guest_place(struct multiboot_guest_layout *mb, gpa_t image_end, uint64_t usable_end,
			  const uint64_t *sizes, uint32_t count,
			  char reason[MULTIBOOT_GUEST_REASON_MAX]);

/*
 * Copy the modules and write the information structure for @mb into @ram
 * (@ram_size bytes). @p's modules must match the sizes placed. 0, or
 * -EINVAL / -E2BIG (the structure would overflow its page) with @reason.
 */
int multiboot_guest_write_info(uint8_t *ram, uint64_t ram_size,
			       const struct multiboot_guest_layout *mb,
			       const struct multiboot_guest_params *p,
			       char reason[MULTIBOOT_GUEST_REASON_MAX]);

/* The EAX value at entry: MB1 0x2badb002, MB2 0x36d76289. */
uint32_t multiboot_guest_eax(const struct multiboot_guest_layout *mb);

#endif
