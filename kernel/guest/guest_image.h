/*
 * Guest images: what kind an image is, where it goes in guest-physical
 * memory, and the copy into guest RAM. Pure functions over byte buffers:
 * guest RAM arrives as a host pointer + size (GPA 0 = ram[0]), so the host
 * unit tests run them. Kinds:
 *   ELF64 x86-64 ET_EXEC  PT_LOADs placed by p_paddr, entry e_entry, mode long64
 *   ELF32 i386 ET_EXEC    same, mode prot32 (Multiboot-style kernels)
 *   Linux bzImage         kernel placed by its setup header (linux_boot.h),
 *                         mode long64; also the zero page and the initramfs
 *                         room as zero-filled segments, filled in by the caller
 *   Multiboot 1/2 kernel  named by 'kernel' only: placed by its header's
 *                         address fields or its ELF headers (multiboot_guest.h),
 *                         mode prot32; the modules and the information page
 *                         as one zero-filled segment, filled in by the caller
 *   anything else         flat binary copied to the load GPA, mode real
 * A mode from the config overrides the default (an ELF64 kernel with a
 * 32-bit entry runs as prot32). Load and entry GPAs apply to flat binaries
 * only: an ELF image carries its own.
 */
#ifndef SHOJI_KERNEL_GUEST_IMAGE_H
#define SHOJI_KERNEL_GUEST_IMAGE_H

#include <stddef.h>

#include "kernel/core/types.h"
#include "kernel/guest/linux_boot.h"
#include "kernel/guest/multiboot_guest.h"
#include "kernel/guest/vcpu.h"

#define GUEST_IMAGE_SEGMENTS_MAX 16
#define GUEST_IMAGE_REASON_MAX	 128
/* Flat binaries load here unless told otherwise: above the real-mode IVT, BDA and 0x7000 stack. */
#define GUEST_IMAGE_FLAT_LOAD_DEFAULT 0x8000ULL

enum guest_image_kind {
	GUEST_IMAGE_FLAT,
	GUEST_IMAGE_ELF32,
	GUEST_IMAGE_ELF64,
	GUEST_IMAGE_LINUX,
	GUEST_IMAGE_MULTIBOOT,
};

/* What the config says about the image (struct config_guest's fields). */
struct guest_image_opts {
	bool mode_set;
	enum vcpu_start_mode mode;
	bool load_set; /* flat: load_gpa given (else GUEST_IMAGE_FLAT_LOAD_DEFAULT) */
	gpa_t load_gpa;
	bool entry_set; /* flat: entry_gpa given (else = load_gpa) */
	gpa_t entry_gpa;
	uint64_t initrd_size; /* Linux: bytes of the initramfs to make room for (0: none) */
	bool kernel_only;     /* named by 'kernel': a bzImage or a Multiboot kernel, else refused */
	/* Multiboot: the modules' sizes, to place them (0 modules: none) */
	uint32_t module_count;
	uint64_t module_sizes[MULTIBOOT_GUEST_MODULES_MAX];
};

/* One piece of the image in guest RAM: file bytes, then zeroes (bss). */
struct guest_image_segment {
	gpa_t gpa;
	uint64_t offset; /* in the image */
	uint64_t filesz;
	uint64_t memsz; /* >= filesz, > 0 */
};

struct guest_image {
	enum guest_image_kind kind;
	enum vcpu_start_mode mode;
	gpa_t entry_gpa;
	gpa_t start_gpa; /* lowest byte loaded */
	gpa_t end_gpa;	 /* one past the highest byte loaded, bss included */
	uint32_t segment_count;
	struct guest_image_segment segments[GUEST_IMAGE_SEGMENTS_MAX];
	/* GUEST_IMAGE_LINUX: the setup header's facts, and where the initramfs goes */
	struct linux_bzimage bzimage;
	gpa_t initrd_gpa;
	gpa_t usable_end; /* RAM below the boot tables: the e820 map's end */
	/* GUEST_IMAGE_MULTIBOOT: the header, and where the modules and the information go */
	struct multiboot_guest_layout multiboot;
};

/*
 * Check the @size-byte @image against guest RAM of @ram_size bytes and
 * describe its placement in @img. Returns 0, or -ENOEXEC (bad image) /
 * -EINVAL (bad options, does not fit) with a one-line cause in @reason
 * ("segment 0x... + 0x... beyond guest RAM (16 MiB)"); the caller logs it
 * with the guest's and image's names.
 */
int guest_image_inspect(const void *image, uint64_t size, const struct guest_image_opts *opts,
			uint64_t ram_size, struct guest_image *img,
			char reason[GUEST_IMAGE_REASON_MAX]);

/*
 * guest_image_inspect, then copy each segment to @ram (@ram_size bytes,
 * GPA 0 at ram[0]) and zero its bss. RAM outside the segments is left as
 * it was (the caller hands over zeroed RAM).
 */
int guest_image_load(const void *image, uint64_t size, const struct guest_image_opts *opts,
		     uint8_t *ram, uint64_t ram_size, struct guest_image *img,
		     char reason[GUEST_IMAGE_REASON_MAX]);

#endif
