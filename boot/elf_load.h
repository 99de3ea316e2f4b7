/*
 * ELF64 kernel image: validation and placement, as pure functions over a
 * byte buffer (no firmware calls) so the host unit tests run them. The UEFI
 * side (efi_kernel.c) owns the page allocations; this module only says which
 * physical pages the image needs and copies it into a window onto them.
 */
#ifndef SHOJI_BOOT_ELF_LOAD_H
#define SHOJI_BOOT_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#define ELF_LOAD_SEGMENTS_MAX 16
/* The kernel starts with the firmware's identity map and 32-bit module pointers. */
#define ELF_LOAD_PHYS_LIMIT (1ULL << 32)

/* One PT_LOAD with a non-zero p_memsz. */
struct elf_load_segment {
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t memsz;
};

/* Physical pages to allocate: [start, end), page aligned. */
struct elf_load_range {
	uint64_t start;
	uint64_t end;
};

struct elf_load_image {
	uint64_t entry_phys; /* e_entry translated through its segment */
	uint64_t phys_start; /* lowest segment page */
	uint64_t phys_end;   /* end of the highest segment page */
	uint32_t segment_count;
	struct elf_load_segment segments[ELF_LOAD_SEGMENTS_MAX];
	uint32_t range_count; /* sorted by address, disjoint, not adjacent */
	struct elf_load_range ranges[ELF_LOAD_SEGMENTS_MAX];
};

/*
 * Validate an ELF64 x86-64 ET_EXEC image of @size bytes and describe its
 * placement in @img. Returns 0, or -ENOEXEC with *@reason set to a short
 * human-readable cause ("not an ELF64 file (bad magic)").
 */
int elf_load_check(const void *file, size_t size, struct elf_load_image *img, const char **reason);

/*
 * Copy every segment's file bytes and zero its bss tail. @window maps
 * physical address @window_phys: segment byte at paddr lands at
 * window + (paddr - window_phys). The loader passes its identity map.
 */
void elf_load_copy(const void *file, const struct elf_load_image *img, void *window,
		   uint64_t window_phys);

#endif
