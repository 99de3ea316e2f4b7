/*
 * The Linux x86 boot protocol, 64-bit entry (see linux_boot.h). Offsets are
 * those of Documentation/arch/x86/boot.rst and zero-page.rst; every field is
 * read with a bounds-checked little-endian accessor, since the file is the
 * user's and may be anything.
 */
#include "kernel/guest/linux_boot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Setup header fields (file offsets = zero-page offsets). */
#define HDR_SETUP_SECTS	     0x1f1
#define HDR_SYSSIZE	     0x1f4
#define HDR_BOOT_FLAG	     0x1fe
#define HDR_JUMP	     0x200
#define HDR_MAGIC	     0x202
#define HDR_VERSION	     0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS	     0x211
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE	     0x234
#define HDR_XLOADFLAGS	     0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE	     0x260

/* Zero-page fields outside the setup header. */
#define ZP_EXT_RAMDISK_IMAGE 0x0c0
#define ZP_EXT_RAMDISK_SIZE  0x0c4
#define ZP_EXT_CMD_LINE_PTR  0x0c8
#define ZP_ACPI_RSDP_ADDR    0x070 /* boot.rst: 2.14+, the RSDP without a scan */
#define ZP_E820_ENTRIES	     0x1e8
#define ZP_E820_TABLE	     0x2d0
#define ZP_SIZE		     0x1000

#define BOOT_FLAG	  0xaa55
#define HDR_MAGIC_HDRS	  0x53726448 /* "HdrS" */
#define LOADED_HIGH	  0x01	     /* loadflags: the kernel loads at 1 MiB or above */
#define XLF_KERNEL_64	  0x01	     /* xloadflags: the 64-bit entry at +0x200 */
#define TYPE_LOADER_OTHER 0xff	     /* type_of_loader: a loader without an assigned ID */
#define SETUP_SECTS_OLD	  4	     /* setup_sects 0 means 4 */
#define SECTOR		  512
#define PARAGRAPH	  16

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ENTRY    20	    /* u64 addr, u64 size, u32 type */
#define LOW_RAM_END   0x9f000ULL    /* below: RAM; up to 1 MiB the legacy hole */
#define HIGH_RAM      0x100000ULL   /* where a loaded-high kernel may start */
#define LOW_4G	      0x100000000ULL

static int lb_fail(char *reason, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int lb_fail(char *reason, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, LINUX_BOOT_REASON_MAX, fmt, ap);
	va_end(ap);
	return err;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

bool linux_bzimage_probe(const uint8_t *file, uint64_t size)
{
	return size >= HDR_MAGIC + 4 && get_le(file + HDR_BOOT_FLAG, 2) == BOOT_FLAG &&
	       get_le(file + HDR_MAGIC, 4) == HDR_MAGIC_HDRS;
}

/* [gpa, gpa + len) within [HIGH_RAM, limit)? */
static bool fits(uint64_t gpa, uint64_t len, uint64_t limit)
{
	return gpa >= HIGH_RAM && gpa <= limit && len <= limit - gpa;
}

static int place_kernel(const uint8_t *file, uint64_t usable_end, struct linux_bzimage *bz,
			char *reason)
{
	uint64_t pref = get_le(file + HDR_PREF_ADDRESS, 8);
	uint32_t align = (uint32_t)get_le(file + HDR_KERNEL_ALIGNMENT, 4);
	bool relocatable = file[HDR_RELOCATABLE] != 0;

	if (fits(pref, bz->init_size, usable_end)) {
		bz->load_gpa = pref;
		return 0;
	}
	if (!relocatable)
		return lb_fail(reason, -EFBIG,
			       "kernel needs 0x%x bytes at 0x%llx (not relocatable): guest RAM "
			       "ends at 0x%llx", bz->init_size, (unsigned long long)pref,
			       (unsigned long long)usable_end);
	if (align < PARAGRAPH || (align & (align - 1)))
		return lb_fail(reason, -ENOEXEC, "kernel_alignment 0x%x is not a power of two",
			       align);
	uint64_t gpa = ALIGN_UP(HIGH_RAM, align);
	if (!fits(gpa, bz->init_size, usable_end))
		return lb_fail(reason, -EFBIG,
			       "kernel needs 0x%x bytes from 0x%llx: guest RAM ends at 0x%llx",
			       bz->init_size, (unsigned long long)gpa,
			       (unsigned long long)usable_end);
	bz->load_gpa = gpa;
	return 0;
}

int linux_bzimage_inspect(const uint8_t *file, uint64_t size, uint64_t usable_end,
			  struct linux_bzimage *bz, char reason[LINUX_BOOT_REASON_MAX])
{
	memset(bz, 0, sizeof(*bz));
	reason[0] = '\0';
	if (!linux_bzimage_probe(file, size))
		return lb_fail(reason, -ENOEXEC, "not a bzImage (no boot flag and HdrS header)");
	bz->version = (uint16_t)get_le(file + HDR_VERSION, 2);
	if (bz->version < LINUX_MIN_PROTOCOL)
		return lb_fail(reason, -ENOEXEC, "boot protocol %u.%02u is too old (need 2.12)",
			       bz->version >> 8, bz->version & 0xff);
	/* The jump's 8-bit displacement ends the header (boot.rst, "the real-mode kernel header"). */
	bz->header_end = HDR_JUMP + 2 + file[HDR_JUMP + 1];
	if (bz->header_end < LINUX_SETUP_HEADER_END_MIN || bz->header_end > size)
		return lb_fail(reason, -ENOEXEC, "setup header ends at 0x%x: truncated or corrupt",
			       bz->header_end);
	if (!(file[HDR_LOADFLAGS] & LOADED_HIGH))
		return lb_fail(reason, -ENOEXEC, "a zImage (loads below 1 MiB), not a bzImage");
	if (!(get_le(file + HDR_XLOADFLAGS, 2) & XLF_KERNEL_64))
		return lb_fail(reason, -ENOEXEC, "no 64-bit entry point (xloadflags bit 0)");

	unsigned sects = file[HDR_SETUP_SECTS] ? file[HDR_SETUP_SECTS] : SETUP_SECTS_OLD;
	bz->setup_size = (sects + 1) * SECTOR;
	if (bz->setup_size >= size)
		return lb_fail(reason, -ENOEXEC,
			       "truncated: %u setup sectors, the file has %llu bytes", sects,
			       (unsigned long long)size);
	bz->kernel_size = size - bz->setup_size;
	uint64_t syssize = get_le(file + HDR_SYSSIZE, 4) * PARAGRAPH;
	if (syssize > bz->kernel_size)
		return lb_fail(reason, -ENOEXEC,
			       "truncated: the kernel is 0x%llx bytes, the file holds 0x%llx",
			       (unsigned long long)syssize, (unsigned long long)bz->kernel_size);
	bz->init_size = (uint32_t)get_le(file + HDR_INIT_SIZE, 4);
	if (bz->init_size < bz->kernel_size)
		return lb_fail(reason, -ENOEXEC, "init_size 0x%x is smaller than the kernel (0x%llx)",
			       bz->init_size, (unsigned long long)bz->kernel_size);
	bz->initrd_addr_max = (uint32_t)get_le(file + HDR_INITRD_ADDR_MAX, 4);
	bz->cmdline_size = (uint32_t)get_le(file + HDR_CMDLINE_SIZE, 4);
	int err = place_kernel(file, MIN(usable_end, LOW_4G), bz, reason);
	if (err)
		return err;
	bz->entry_gpa = bz->load_gpa + LINUX_ENTRY_64_OFFSET;
	return 0;
}

int linux_initrd_place(const struct linux_bzimage *bz, uint64_t initrd_size, uint64_t usable_end,
		       gpa_t *gpa, char reason[LINUX_BOOT_REASON_MAX])
{
	*gpa = 0;
	if (!initrd_size)
		return 0;
	uint64_t top = MIN(usable_end, (uint64_t)bz->initrd_addr_max + 1);
	uint64_t floor = bz->load_gpa + bz->init_size;
	if (top < floor || initrd_size > ALIGN_DOWN(top, PAGE_SIZE) - ALIGN_UP(floor, PAGE_SIZE))
		return lb_fail(reason, -EFBIG,
			       "initramfs of %llu bytes does not fit between the kernel (ends "
			       "0x%llx) and 0x%llx", (unsigned long long)initrd_size,
			       (unsigned long long)floor, (unsigned long long)top);
	*gpa = ALIGN_DOWN(top - initrd_size, PAGE_SIZE);
	return 0;
}

static unsigned e820_add(uint8_t *zp, unsigned n, uint64_t start, uint64_t end, uint32_t type)
{
	if (end <= start)
		return n;
	uint8_t *e = zp + ZP_E820_TABLE + n * E820_ENTRY;
	put_le(e, start, 8);
	put_le(e + 8, end - start, 8);
	put_le(e + 16, type, 4);
	return n + 1;
}

/*
 * Linux calibrates the TSC against the PIT or the PM timer; an emulated timer
 * read through exits can make that fail, and Linux then times with a slow
 * clock (the PM timer: an exit per read). The hypervisor knows the rate, so
 * it says so (tsc_early_khz=) unless the line already does or has no room.
 */
static void append_tsc_hint(char *line, size_t len, size_t max, uint32_t tsc_khz)
{
	char hint[32];
	if (!tsc_khz || strstr(line, "tsc_early_khz="))
		return;
	int n = snprintf(hint, sizeof(hint), "%stsc_early_khz=%u", len ? " " : "", tsc_khz);
	if (n > 0 && len + (size_t)n <= max)
		memcpy(line + len, hint, (size_t)n + 1);
}

int linux_boot_params_write(uint8_t *ram, uint64_t ram_size, uint64_t usable_end,
			    const uint8_t *file, const struct linux_bzimage *bz,
			    const char *cmdline, uint32_t tsc_khz, gpa_t initrd_gpa,
			    uint64_t initrd_size, gpa_t rsdp_gpa,
			    char reason[LINUX_BOOT_REASON_MAX])
{
	size_t len = strlen(cmdline), max = MIN(bz->cmdline_size, (uint32_t)LINUX_CMDLINE_MAX);
	if (len > max)
		return lb_fail(reason, -EINVAL,
			       "command line of %zu bytes: this kernel takes at most %zu", len,
			       max);
	if (ram_size < LINUX_LOW_END || usable_end > ram_size)
		return lb_fail(reason, -EINVAL, "guest RAM too small for the zero page");
	uint8_t *zp = ram + LINUX_ZERO_PAGE_GPA;
	memset(zp, 0, ZP_SIZE);
	/* boot.rst: the setup header is copied from the file as it is, then filled in. */
	memcpy(zp + LINUX_SETUP_HEADER_OFFSET, file + LINUX_SETUP_HEADER_OFFSET,
	       bz->header_end - LINUX_SETUP_HEADER_OFFSET);
	zp[HDR_TYPE_OF_LOADER] = TYPE_LOADER_OTHER;
	memcpy(ram + LINUX_CMDLINE_GPA, cmdline, len + 1);
	append_tsc_hint((char *)ram + LINUX_CMDLINE_GPA, len, max, tsc_khz);
	put_le(zp + HDR_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE_GPA, 4);
	put_le(zp + ZP_EXT_CMD_LINE_PTR, 0, 4);
	put_le(zp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_gpa, 4);
	put_le(zp + HDR_RAMDISK_SIZE, (uint32_t)initrd_size, 4);
	put_le(zp + ZP_EXT_RAMDISK_IMAGE, initrd_gpa >> 32, 4);
	put_le(zp + ZP_EXT_RAMDISK_SIZE, initrd_size >> 32, 4);
	put_le(zp + ZP_ACPI_RSDP_ADDR, rsdp_gpa, 8);

	unsigned n = 0;
	n = e820_add(zp, n, 0, LOW_RAM_END, E820_RAM);
	n = e820_add(zp, n, LOW_RAM_END, HIGH_RAM, E820_RESERVED);
	n = e820_add(zp, n, HIGH_RAM, usable_end, E820_RAM);
	n = e820_add(zp, n, usable_end, ram_size, E820_RESERVED);
	zp[ZP_E820_ENTRIES] = (uint8_t)n;
	return 0;
}
