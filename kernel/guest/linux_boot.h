/*
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst), version
 * 2.12 and later, 64-bit entry: the bzImage setup header checked, the
 * protected-mode kernel placed, and the zero page (struct boot_params) built
 * with the e820 map, the command line and the initramfs. Pure functions over
 * byte buffers, like guest_image.c: guest RAM is a host pointer + size
 * (GPA 0 = ram[0]), so the host unit tests and the fuzzer run them.
 *
 * Guest-physical layout (the boot tables of guest_boot.h stay at the top):
 *   0x10000   zero page          0x11000  command line (up to 4 KiB)
 *   load      the kernel: pref_address, or the lowest kernel_alignment
 *             boundary from 1 MiB up where init_size bytes fit (relocatable)
 *   initrd    the highest page boundary below initrd_addr_max and the boot
 *             tables, above the kernel's init_size
 */
#ifndef SHOJI_KERNEL_LINUX_BOOT_H
#define SHOJI_KERNEL_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/core/types.h"

#define LINUX_BOOT_REASON_MAX	   128
#define LINUX_ZERO_PAGE_GPA	   0x10000ULL
#define LINUX_CMDLINE_GPA	   0x11000ULL
#define LINUX_CMDLINE_MAX	   4095 /* bytes before the NUL: one page */
#define LINUX_LOW_END		   0x12000ULL /* one past the command line page */
#define LINUX_ENTRY_64_OFFSET	   0x200 /* the 64-bit entry, from the load address */
#define LINUX_MIN_PROTOCOL	   0x020c
#define LINUX_SETUP_HEADER_OFFSET  0x1f1
#define LINUX_SETUP_HEADER_END_MIN 0x26c /* through init_size + handover_offset (2.11+) */

/* What the setup header says, and where the kernel goes. */
struct linux_bzimage {
	uint16_t version;	/* boot protocol, 0x020f = 2.15 */
	uint32_t setup_size;	/* bytes before the protected-mode kernel: (setup_sects+1)*512 */
	uint64_t kernel_size;	/* bytes of the protected-mode kernel in the file */
	uint32_t init_size;	/* bytes the kernel needs from its load address while it starts */
	uint32_t initrd_addr_max; /* highest byte an initramfs may occupy */
	uint32_t cmdline_size;	/* longest command line, without its NUL */
	uint32_t header_end;	/* file offset one past the setup header */
	gpa_t load_gpa;		/* where the protected-mode kernel is copied */
	gpa_t entry_gpa;	/* load_gpa + LINUX_ENTRY_64_OFFSET */
};

/*
 * Check the @size-byte @file as a bzImage for guest RAM whose usable part
 * is [0, @usable_end) (below the boot tables) and place its kernel. Returns
 * 0, or -ENOEXEC (not a bzImage, too old, truncated, no 64-bit entry) /
 * -EFBIG (does not fit) with a one-line cause in @reason.
 */
int linux_bzimage_inspect(const uint8_t *file, uint64_t size, uint64_t usable_end,
			  struct linux_bzimage *bz, char reason[LINUX_BOOT_REASON_MAX]);

/* Whether @file starts like a bzImage (boot flag and "HdrS"): it is then held to it. */
bool linux_bzimage_probe(const uint8_t *file, uint64_t size);

/*
 * Where an initramfs of @initrd_size bytes goes (0 bytes: 0), or -EFBIG
 * with the cause in @reason when it does not fit between the kernel's
 * init_size and min(initrd_addr_max + 1, @usable_end).
 */
int linux_initrd_place(const struct linux_bzimage *bz, uint64_t initrd_size, uint64_t usable_end,
		       gpa_t *gpa, char reason[LINUX_BOOT_REASON_MAX]);

/*
 * Write the zero page and command line into @ram (@ram_size bytes; the
 * kernel and the initramfs are already in place at bz->load_gpa and
 * @initrd_gpa). The e820 map: [0, 0x9f000) and [1 MiB, @usable_end) RAM,
 * the legacy hole (where the ACPI tables are) and [@usable_end, @ram_size)
 * (the boot tables) reserved. @rsdp_gpa (0: none) is the ACPI RSDP's address.
 * @tsc_khz (0: unknown) is appended as tsc_early_khz= when the line has
 * none and the kernel's limit leaves room.
 * Returns 0, or -EINVAL (command line too long for this kernel).
 */
int linux_boot_params_write(uint8_t *ram, uint64_t ram_size, uint64_t usable_end,
			    const uint8_t *file, const struct linux_bzimage *bz,
			    const char *cmdline, uint32_t tsc_khz, gpa_t initrd_gpa,
			    uint64_t initrd_size, gpa_t rsdp_gpa,
			    char reason[LINUX_BOOT_REASON_MAX]);

#endif
