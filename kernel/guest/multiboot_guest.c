/*
 * Multiboot 1 and 2 guest kernels (see multiboot_guest.h). The image is the
 * user's and may be anything: every header field and tag is read with a
 * bounds-checked little-endian accessor and checked before use. Writes only
 * the guest RAM pages it placed (modules, the information page) and the
 * result structs; no allocation.
 */
#include "kernel/guest/multiboot_guest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/boot/multiboot2.h"

/* MB1 3.1.2: header flags. Bits 0-15 are requirements, 16-31 optional features. */
#define MB1_FLAG_PAGE_ALIGN  (1U << 0)	/* modules on page boundaries: always done */
#define MB1_FLAG_MEMORY_INFO (1U << 1)	/* mem_* and mmap_*: always given */
#define MB1_FLAG_VIDEO_MODE  (1U << 2)	/* video mode table: Shoji has none for guests */
#define MB1_FLAG_AOUT_KLUDGE (1U << 16) /* address fields at offsets 12-28 are valid */
#define MB1_FLAGS_REQUIRED   0xffffU
#define MB1_HEADER_SIZE	     12 /* magic, flags, checksum */
#define MB1_HEADER_AOUT_SIZE 32 /* ... header_addr .. entry_addr */

/* MB1 3.3: information structure flags and offsets. */
#define MB1_INFO_MEMORY	     (1U << 0)
#define MB1_INFO_CMDLINE     (1U << 2)
#define MB1_INFO_MODS	     (1U << 3)
#define MB1_INFO_MMAP	     (1U << 6)
#define MB1_INFO_LOADER_NAME (1U << 9)
#define MB1_INFO_FLAGS	     0
#define MB1_INFO_MEM_LOWER   4
#define MB1_INFO_MEM_UPPER   8
#define MB1_INFO_CMDLINE_PTR 16
#define MB1_INFO_MODS_COUNT  20
#define MB1_INFO_MODS_ADDR   24
#define MB1_INFO_MMAP_LENGTH 44
#define MB1_INFO_MMAP_ADDR   48
#define MB1_INFO_LOADER_PTR  64
#define MB1_INFO_SIZE	     116 /* through the framebuffer fields */
#define MB1_MODULE_SIZE	     16	 /* mod_start, mod_end, string, reserved */
#define MB1_MMAP_ENTRY_SIZE  20	 /* the 'size' field: base, length, type after it */

/* MB2 3.1: header tags. Flags bit 0: the tag is optional. */
#define MB2_HEADER_SIZE		 16 /* magic, architecture, header_length, checksum */
#define MB2_ARCH_I386		 0
#define MB2_HTAG_END		 0
#define MB2_HTAG_INFO_REQUEST	 1
#define MB2_HTAG_ADDRESS	 2
#define MB2_HTAG_ENTRY		 3
#define MB2_HTAG_CONSOLE_FLAGS	 4
#define MB2_HTAG_FRAMEBUFFER	 5
#define MB2_HTAG_MODULE_ALIGN	 6
#define MB2_HTAG_EFI_BS		 7
#define MB2_HTAG_ENTRY_EFI32	 8
#define MB2_HTAG_ENTRY_EFI64	 9
#define MB2_HTAG_RELOCATABLE	 10
#define MB2_HTAG_OPTIONAL	 1
#define MB2_HTAG_ADDRESS_SIZE	 24
#define MB2_HTAG_ENTRY_SIZE	 12
#define MB2_CONSOLE_REQUIRED	 (1U << 0)
#define MB2_LOAD_FROM_FILE_START 0xffffffffU /* load_addr -1: the file loads from its start */

/* MB2 3.6: information tags Shoji writes (arch/x86/boot/multiboot2.h has the others). */
#define MB2_TAG_LOADER_NAME   2
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_INFO_FIXED	      8 /* total_size, reserved */
#define MB2_TAG_HEADER	      8 /* type, size */
#define MB2_MMAP_ENTRY_SIZE   24
#define MB2_MMAP_VERSION      0
#define MB2_TAG_ALIGN	      8
#define MB_MEMORY_RESERVED    2 /* both specs: any type but 1 is not RAM; 2 as e820 says */

/* The guest's memory layout, as linux_boot.c gives it in e820 (test_multiboot_guest cross-checks).
 */
#define MBG_LOW_RAM_END 0x9f000ULL
#define MBG_HIGH_RAM	0x100000ULL
#define MBG_MAP_MAX	4
#define MBG_4G		0x100000000ULL
#define MBG_RSDP_V1	20 /* ACPI 6.5 5.2.5.3: the revision 0 RSDP's length */

struct mbg_range {
	uint64_t base, length;
	uint32_t type;
};

static int mbg_fail(char *reason, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int mbg_fail(char *reason, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, MULTIBOOT_GUEST_REASON_MAX, fmt, ap);
	va_end(ap);
	return err;
}

static uint32_t mbg_get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t mbg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void mbg_put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An information tag Shoji can give on request (MB2 3.1.4). */
static bool mbg_tag_supported(uint32_t type)
{
	return type == MB2_TAG_CMDLINE || type == MB2_TAG_LOADER_NAME || type == MB2_TAG_MODULE ||
	       type == MB2_TAG_BASIC_MEMINFO || type == MB2_TAG_MMAP;
}

static int mbg_mb2_tag(const uint8_t *tag, uint16_t type, bool optional, uint32_t size,
		       struct multiboot_guest_header *hdr, char *reason)
{
	switch (type) {
	case MB2_HTAG_INFO_REQUEST:
		for (uint32_t i = 8; i + 4 <= size; i += 4) {
			uint32_t want = mbg_get32(tag + i);

			if (!optional && !mbg_tag_supported(want))
				return mbg_fail(reason, -ENOEXEC,
						"requires information tag %u, which Shoji does not "
						"provide",
						want);
		}
		return 0;
	case MB2_HTAG_ADDRESS:
		if (size != MB2_HTAG_ADDRESS_SIZE)
			return mbg_fail(reason, -ENOEXEC, "address tag of %u bytes (expected 24)",
					size);
		hdr->has_address = true;
		hdr->header_addr = mbg_get32(tag + 8);
		hdr->load_addr = mbg_get32(tag + 12);
		hdr->load_end_addr = mbg_get32(tag + 16);
		hdr->bss_end_addr = mbg_get32(tag + 20);
		return 0;
	case MB2_HTAG_ENTRY:
		if (size < MB2_HTAG_ENTRY_SIZE)
			return mbg_fail(reason, -ENOEXEC, "entry address tag of %u bytes", size);
		hdr->has_entry = true;
		hdr->entry_addr = mbg_get32(tag + 8);
		return 0;
	case MB2_HTAG_CONSOLE_FLAGS:
		if (size >= 12 && (mbg_get32(tag + 8) & MB2_CONSOLE_REQUIRED) && !optional)
			return mbg_fail(reason, -ENOEXEC,
					"requires a console described in the information (console "
					"flags tag): Shoji gives none");
		return 0;
	case MB2_HTAG_FRAMEBUFFER:  /* 3.1.10: a preference; text mode is a valid answer */
	case MB2_HTAG_MODULE_ALIGN: /* modules are always page aligned */
	case MB2_HTAG_RELOCATABLE:  /* loaded where linked: a relocatable image takes that too */
		return 0;
	case MB2_HTAG_EFI_BS:
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		if (!optional)
			return mbg_fail(reason, -ENOEXEC,
					"requires UEFI boot services (tag %u): Shoji's guests have "
					"no firmware",
					type);
		return 0;
	default:
		if (!optional)
			return mbg_fail(reason, -ENOEXEC, "unsupported required header tag %u",
					type);
		return 0;
	}
}

static int mbg_parse_mb2(const uint8_t *file, uint64_t size, uint64_t off,
			 struct multiboot_guest_header *hdr, char *reason)
{
	uint32_t arch = mbg_get32(file + off + 4), len = mbg_get32(file + off + 8);
	uint64_t limit = MIN(size, (uint64_t)MB2_SEARCH_END);
	unsigned long long o = off;

	if (arch != MB2_ARCH_I386)
		return mbg_fail(reason, -ENOEXEC,
				"Multiboot 2 header at 0x%llx: architecture %u, not i386 (0)", o,
				arch);
	if (len < MB2_HEADER_SIZE + MB2_TAG_HEADER || len > limit - off)
		return mbg_fail(reason, -ENOEXEC,
				"Multiboot 2 header at 0x%llx: header_length %u runs past the %s",
				o, len, size < MB2_SEARCH_END ? "file" : "first 32 KiB");
	*hdr = (struct multiboot_guest_header){.version = 2, .offset = off};
	for (uint32_t pos = MB2_HEADER_SIZE;;
	     pos = ALIGN_UP(pos + mbg_get32(file + off + pos + 4), MB2_TAG_ALIGN)) {
		const uint8_t *tag = file + off + pos;
		uint16_t type, flags;
		uint32_t tsize;
		int ret;

		if (pos > len || len - pos < MB2_TAG_HEADER)
			return mbg_fail(reason, -ENOEXEC,
					"Multiboot 2 header at 0x%llx: no end tag", o);
		type = mbg_get16(tag);
		flags = mbg_get16(tag + 2);
		tsize = mbg_get32(tag + 4);
		if (tsize < MB2_TAG_HEADER || tsize > len - pos)
			return mbg_fail(
			    reason, -ENOEXEC,
			    "Multiboot 2 header at 0x%llx: tag %u at +0x%x has bad size %u", o,
			    type, pos, tsize);
		if (type == MB2_HTAG_END)
			return 0;
		ret = mbg_mb2_tag(tag, type, flags & MB2_HTAG_OPTIONAL, tsize, hdr, reason);
		if (ret)
			return ret;
	}
}

static int mbg_parse_mb1(const uint8_t *file, uint64_t size, uint64_t off,
			 struct multiboot_guest_header *hdr, char *reason)
{
	uint32_t flags = mbg_get32(file + off + 4);
	uint32_t unknown =
	    flags & MB1_FLAGS_REQUIRED & ~(MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO);
	unsigned long long o = off;

	*hdr = (struct multiboot_guest_header){.version = 1, .offset = off, .flags = flags};
	if (flags & MB1_FLAG_VIDEO_MODE)
		return mbg_fail(reason, -ENOEXEC,
				"Multiboot header at 0x%llx requires video mode information (flags "
				"bit 2): Shoji has no framebuffer for guests",
				o);
	/* MB1 3.1.2: a requirement the loader does not understand must fail the load. */
	if (unknown)
		return mbg_fail(reason, -ENOEXEC,
				"Multiboot header at 0x%llx: unsupported required flags 0x%x", o,
				unknown);
	if (!(flags & MB1_FLAG_AOUT_KLUDGE))
		return 0;
	if (off + MB1_HEADER_AOUT_SIZE > MIN(size, (uint64_t)MB1_SEARCH_END))
		return mbg_fail(
		    reason, -ENOEXEC,
		    "Multiboot header at 0x%llx: address fields (flags bit 16) run past "
		    "the %s",
		    o, size < MB1_SEARCH_END ? "file" : "first 8 KiB");
	hdr->has_address = hdr->has_entry = true;
	hdr->header_addr = mbg_get32(file + off + 12);
	hdr->load_addr = mbg_get32(file + off + 16);
	hdr->load_end_addr = mbg_get32(file + off + 20);
	hdr->bss_end_addr = mbg_get32(file + off + 24);
	hdr->entry_addr = mbg_get32(file + off + 28);
	return 0;
}

int multiboot_guest_find(const uint8_t *file, uint64_t size, struct multiboot_guest_header *hdr,
			 char reason[MULTIBOOT_GUEST_REASON_MAX])
{
	uint64_t end2 = MIN(size, (uint64_t)MB2_SEARCH_END),
		 end1 = MIN(size, (uint64_t)MB1_SEARCH_END);
	int64_t bad2 = -1, bad1 = -1;

	memset(hdr, 0, sizeof(*hdr));
	reason[0] = '\0';
	/* MB2 3.1.1: 64-bit aligned; the checksum makes the four fields sum to 0. */
	for (uint64_t off = 0; off + MB2_HEADER_SIZE <= end2; off += 8) {
		const uint8_t *h = file + off;

		if (mbg_get32(h) != MB2_HEADER_MAGIC)
			continue;
		if ((uint32_t)(mbg_get32(h) + mbg_get32(h + 4) + mbg_get32(h + 8) +
			       mbg_get32(h + 12)) == 0)
			return mbg_parse_mb2(file, size, off, hdr, reason);
		if (bad2 < 0)
			bad2 = (int64_t)off;
	}
	/* MB1 3.1.1: 32-bit aligned; magic + flags + checksum = 0. */
	for (uint64_t off = 0; off + MB1_HEADER_SIZE <= end1; off += 4) {
		const uint8_t *h = file + off;

		if (mbg_get32(h) != MB1_HEADER_MAGIC)
			continue;
		if ((uint32_t)(mbg_get32(h) + mbg_get32(h + 4) + mbg_get32(h + 8)) == 0)
			return mbg_parse_mb1(file, size, off, hdr, reason);
		if (bad1 < 0)
			bad1 = (int64_t)off;
	}
	if (bad2 >= 0)
		return mbg_fail(reason, -ENOEXEC, "Multiboot 2 header at 0x%llx: bad checksum",
				(unsigned long long)bad2);
	if (bad1 >= 0)
		return mbg_fail(reason, -ENOEXEC, "Multiboot header at 0x%llx: bad checksum",
				(unsigned long long)bad1);
	return mbg_fail(reason, -ENOENT, "no Multiboot header");
}

int multiboot_guest_aout(const struct multiboot_guest_header *hdr, uint64_t size,
			 struct multiboot_guest_aout *aout, char reason[MULTIBOOT_GUEST_REASON_MAX])
{
	uint64_t load = hdr->load_addr;

	memset(aout, 0, sizeof(*aout));
	reason[0] = '\0';
	if (!hdr->has_address)
		return mbg_fail(reason, -EINVAL, "no address fields");
	if (hdr->version == 2 && hdr->load_addr == MB2_LOAD_FROM_FILE_START) {
		if (hdr->header_addr < hdr->offset)
			return mbg_fail(reason, -ENOEXEC,
					"header_addr 0x%x below the header's file offset 0x%llx",
					hdr->header_addr, (unsigned long long)hdr->offset);
		load = hdr->header_addr - hdr->offset;
	} else {
		uint64_t before;

		/* MB1 3.1.3: the file loads from the header's offset less header_addr - load_addr.
		 */
		if (hdr->load_addr > hdr->header_addr)
			return mbg_fail(reason, -ENOEXEC, "load_addr 0x%x above header_addr 0x%x",
					hdr->load_addr, hdr->header_addr);
		before = hdr->header_addr - hdr->load_addr;
		if (before > hdr->offset)
			return mbg_fail(reason, -ENOEXEC,
					"load_addr 0x%x lies 0x%llx bytes before the file's start",
					hdr->load_addr, (unsigned long long)(before - hdr->offset));
		aout->offset = hdr->offset - before;
	}
	aout->load_gpa = load;
	if (hdr->load_end_addr == 0) { /* the rest of the file */
		aout->filesz = size - aout->offset;
	} else {
		if (hdr->load_end_addr < load)
			return mbg_fail(reason, -ENOEXEC,
					"load_end_addr 0x%x below load_addr 0x%llx",
					hdr->load_end_addr, (unsigned long long)load);
		aout->filesz = hdr->load_end_addr - load;
		if (aout->filesz > size - aout->offset)
			return mbg_fail(reason, -ENOEXEC,
					"load_end_addr 0x%x beyond the file (0x%llx bytes from "
					"0x%llx)",
					hdr->load_end_addr,
					(unsigned long long)(size - aout->offset),
					(unsigned long long)load);
	}
	aout->memsz = aout->filesz;
	if (hdr->bss_end_addr != 0) {
		if (hdr->bss_end_addr < load + aout->filesz)
			return mbg_fail(
			    reason, -ENOEXEC,
			    "bss_end_addr 0x%x below the end of the loaded bytes 0x%llx",
			    hdr->bss_end_addr, (unsigned long long)(load + aout->filesz));
		aout->memsz = hdr->bss_end_addr - load;
	}
	if (aout->filesz == 0)
		return mbg_fail(reason, -ENOEXEC, "no bytes to load");
	if (load + aout->memsz > MBG_4G)
		return mbg_fail(reason, -ENOEXEC, "image 0x%llx + 0x%llx runs past 4 GiB",
				(unsigned long long)load, (unsigned long long)aout->memsz);
	if (!hdr->has_entry)
		return mbg_fail(reason, -ENOEXEC, "address tag without an entry address tag");
	/* Entering zero-filled bss is never meant (as for ELF images). */
	if (hdr->entry_addr < load || hdr->entry_addr - load >= aout->filesz)
		return mbg_fail(reason, -ENOEXEC,
				"entry_addr 0x%x outside the loaded bytes 0x%llx..0x%llx",
				hdr->entry_addr, (unsigned long long)load,
				(unsigned long long)(load + aout->filesz));
	aout->entry_gpa = hdr->entry_addr;
	return 0;
}

/* Where @len bytes go from @at: past the legacy hole if they would reach into it. */
static uint64_t mbg_skip_hole(uint64_t at, uint64_t len)
{
	if (at < MBG_HIGH_RAM && MAX(len, 1) > MBG_LOW_RAM_END - MIN(at, MBG_LOW_RAM_END))
		return MBG_HIGH_RAM;
	return at;
}

int multiboot_guest_place(struct multiboot_guest_layout *mb, gpa_t image_end, uint64_t usable_end,
			  const uint64_t *sizes, uint32_t count,
			  char reason[MULTIBOOT_GUEST_REASON_MAX])
{
	uint64_t at = ALIGN_UP(image_end, PAGE_SIZE), end;

	reason[0] = '\0';
	mb->module_count = 0;
	if (count > MULTIBOOT_GUEST_MODULES_MAX)
		return mbg_fail(reason, -E2BIG, "%u modules (at most %u)", count,
				MULTIBOOT_GUEST_MODULES_MAX);
	if (image_end > usable_end)
		return mbg_fail(reason, -EFBIG, "kernel ends at 0x%llx, above usable RAM (0x%llx)",
				(unsigned long long)image_end, (unsigned long long)usable_end);
	for (uint32_t i = 0; i < count; i++) {
		if (sizes[i] <= usable_end)
			at = mbg_skip_hole(at, sizes[i]);
		if (i == 0)
			mb->region_gpa = at;
		if (sizes[i] > usable_end || at > usable_end - sizes[i])
			return mbg_fail(reason, -EFBIG,
					"module %u (%llu bytes) does not fit in guest memory: it "
					"would end at 0x%llx, usable RAM ends at 0x%llx",
					i + 1, (unsigned long long)sizes[i],
					(unsigned long long)(at + MIN(sizes[i], MBG_4G)),
					(unsigned long long)usable_end);
		mb->module_gpa[i] = at;
		mb->module_size[i] = sizes[i];
		at = ALIGN_UP(at + sizes[i], PAGE_SIZE);
	}
	at = mbg_skip_hole(at, MULTIBOOT_GUEST_INFO_SIZE);
	if (count == 0)
		mb->region_gpa = at;
	end = at + MULTIBOOT_GUEST_INFO_SIZE;
	if (end > usable_end)
		return mbg_fail(reason, -EFBIG,
				"kernel and modules do not fit in guest memory: they need up to "
				"0x%llx, usable RAM ends at 0x%llx",
				(unsigned long long)end, (unsigned long long)usable_end);
	mb->module_count = count;
	mb->info_gpa = at;
	mb->usable_end = usable_end;
	return 0;
}

uint32_t multiboot_guest_eax(const struct multiboot_guest_layout *mb)
{
	return mb->hdr.version == 2 ? MB2_BOOTLOADER_MAGIC : MB1_BOOTLOADER_MAGIC;
}

/*
 * [0, 0x9f000) RAM, the legacy hole, [1 MiB, usable_end) RAM, the boot
 * tables; no empty ones. A guest of 1 MiB or less has its usable RAM below
 * the hole, whose rest is then reserved up to the tables.
 */
static uint64_t mbg_low_end(uint64_t usable_end)
{
	return MIN(usable_end, MBG_LOW_RAM_END);
}

static uint64_t mbg_high_end(uint64_t usable_end)
{
	return MAX(usable_end, MBG_HIGH_RAM);
}

static unsigned mbg_memory_map(uint64_t usable_end, uint64_t ram_size,
			       struct mbg_range map[MBG_MAP_MAX])
{
	uint64_t low = mbg_low_end(usable_end), high = mbg_high_end(usable_end);
	const struct mbg_range all[MBG_MAP_MAX] = {
	    {0, low, MB2_MEMORY_AVAILABLE},
	    {low, MIN(MBG_HIGH_RAM, ram_size) - low, MB_MEMORY_RESERVED},
	    {MBG_HIGH_RAM, high - MBG_HIGH_RAM, MB2_MEMORY_AVAILABLE},
	    {high, ram_size > high ? ram_size - high : 0, MB_MEMORY_RESERVED},
	};
	unsigned n = 0;

	for (unsigned i = 0; i < MBG_MAP_MAX; i++)
		if (all[i].length)
			map[n++] = all[i];
	return n;
}

/* The information page being filled: bump allocation, refused past its end. */
struct mbg_writer {
	uint8_t *page;
	gpa_t gpa;
	uint32_t pos;
};

static uint8_t *mbg_alloc(struct mbg_writer *w, uint32_t len, uint32_t align, gpa_t *gpa)
{
	uint32_t at = ALIGN_UP(w->pos, align);

	if (at > MULTIBOOT_GUEST_INFO_SIZE || len > MULTIBOOT_GUEST_INFO_SIZE - at)
		return NULL;
	w->pos = at + len;
	if (gpa)
		*gpa = w->gpa + at;
	return w->page + at;
}

/* A NUL-terminated copy of @s in the page; its GPA, 0 if it does not fit. */
static gpa_t mbg_string(struct mbg_writer *w, const char *s)
{
	if (!s)
		s = "";
	size_t len = strnlen(s, MULTIBOOT_GUEST_INFO_SIZE);
	gpa_t gpa;
	uint8_t *p = mbg_alloc(w, (uint32_t)len + 1, 1, &gpa);

	if (!p)
		return 0;
	memcpy(p, s, len);
	return gpa;
}

static int mbg_write_mb1(struct mbg_writer *w, const struct multiboot_guest_layout *mb,
			 const struct multiboot_guest_params *p, const struct mbg_range *map,
			 unsigned map_count)
{
	uint8_t *info = mbg_alloc(w, MB1_INFO_SIZE, 4, NULL);
	gpa_t mods_gpa = 0, mmap_gpa = 0, cmdline, name;
	uint8_t *mods = mbg_alloc(w, MB1_MODULE_SIZE * mb->module_count, 4, &mods_gpa);
	uint8_t *mmap = mbg_alloc(w, (MB1_MMAP_ENTRY_SIZE + 4) * map_count, 4, &mmap_gpa);

	if (!info || !mods || !mmap)
		return -E2BIG;
	cmdline = mbg_string(w, p->cmdline);
	name = mbg_string(w, MULTIBOOT_GUEST_LOADER_NAME);
	if (!cmdline || !name)
		return -E2BIG;
	for (uint32_t i = 0; i < mb->module_count; i++) {
		uint8_t *m = mods + i * MB1_MODULE_SIZE;
		gpa_t string = mbg_string(w, p->modules[i].string);

		if (!string)
			return -E2BIG;
		mbg_put(m, mb->module_gpa[i], 4);
		mbg_put(m + 4, mb->module_gpa[i] + mb->module_size[i], 4);
		mbg_put(m + 8, string, 4);
	}
	for (unsigned i = 0; i < map_count; i++) {
		uint8_t *e = mmap + i * (MB1_MMAP_ENTRY_SIZE + 4);

		mbg_put(e, MB1_MMAP_ENTRY_SIZE, 4);
		mbg_put(e + 4, map[i].base, 8);
		mbg_put(e + 12, map[i].length, 8);
		mbg_put(e + 20, map[i].type, 4);
	}
	mbg_put(info + MB1_INFO_FLAGS,
		MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
		    MB1_INFO_LOADER_NAME,
		4);
	/* MB1 3.3: KiB of lower memory from 0, of upper memory from 1 MiB to the first hole. */
	mbg_put(info + MB1_INFO_MEM_LOWER, mbg_low_end(mb->usable_end) / 1024, 4);
	mbg_put(info + MB1_INFO_MEM_UPPER, (mbg_high_end(mb->usable_end) - MBG_HIGH_RAM) / 1024, 4);
	mbg_put(info + MB1_INFO_CMDLINE_PTR, cmdline, 4);
	mbg_put(info + MB1_INFO_MODS_COUNT, mb->module_count, 4);
	mbg_put(info + MB1_INFO_MODS_ADDR, mods_gpa, 4);
	mbg_put(info + MB1_INFO_MMAP_LENGTH, (MB1_MMAP_ENTRY_SIZE + 4) * map_count, 4);
	mbg_put(info + MB1_INFO_MMAP_ADDR, mmap_gpa, 4);
	mbg_put(info + MB1_INFO_LOADER_PTR, name, 4);
	return 0;
}

/* One MB2 information tag of @len bytes after its type and size; NULL if it does not fit. */
static uint8_t *mbg_tag(struct mbg_writer *w, uint32_t type, uint32_t len)
{
	uint8_t *t = mbg_alloc(w, MB2_TAG_HEADER + len, MB2_TAG_ALIGN, NULL);

	if (!t)
		return NULL;
	mbg_put(t, type, 4);
	mbg_put(t + 4, MB2_TAG_HEADER + len, 4);
	return t + MB2_TAG_HEADER;
}

static int mbg_string_tag(struct mbg_writer *w, uint32_t type, const char *s)
{
	if (!s)
		s = "";
	size_t len = strnlen(s, MULTIBOOT_GUEST_INFO_SIZE);
	uint8_t *t = mbg_tag(w, type, (uint32_t)len + 1);

	if (!t)
		return -E2BIG;
	memcpy(t, s, len);
	return 0;
}

static int mbg_write_mb2(struct mbg_writer *w, const struct multiboot_guest_layout *mb,
			 const struct multiboot_guest_params *p, const struct mbg_range *map,
			 unsigned map_count)
{
	uint8_t *fixed = mbg_alloc(w, MB2_INFO_FIXED, MB2_TAG_ALIGN, NULL), *t;

	if (!fixed || mbg_string_tag(w, MB2_TAG_CMDLINE, p->cmdline) ||
	    mbg_string_tag(w, MB2_TAG_LOADER_NAME, MULTIBOOT_GUEST_LOADER_NAME))
		return -E2BIG;
	for (uint32_t i = 0; i < mb->module_count; i++) {
		const char *s = p->modules[i].string ? p->modules[i].string : "";
		size_t len = strnlen(s, MULTIBOOT_GUEST_INFO_SIZE);

		t = mbg_tag(w, MB2_TAG_MODULE, 8 + (uint32_t)len + 1);
		if (!t)
			return -E2BIG;
		mbg_put(t, mb->module_gpa[i], 4);
		mbg_put(t + 4, mb->module_gpa[i] + mb->module_size[i], 4);
		memcpy(t + 8, s, len);
	}
	t = mbg_tag(w, MB2_TAG_BASIC_MEMINFO, 8);
	if (!t)
		return -E2BIG;
	mbg_put(t, mbg_low_end(mb->usable_end) / 1024, 4);
	mbg_put(t + 4, (mbg_high_end(mb->usable_end) - MBG_HIGH_RAM) / 1024, 4);
	t = mbg_tag(w, MB2_TAG_MMAP, 8 + MB2_MMAP_ENTRY_SIZE * map_count);
	if (!t)
		return -E2BIG;
	mbg_put(t, MB2_MMAP_ENTRY_SIZE, 4);
	mbg_put(t + 4, MB2_MMAP_VERSION, 4);
	for (unsigned i = 0; i < map_count; i++) {
		uint8_t *e = t + 8 + i * MB2_MMAP_ENTRY_SIZE;

		mbg_put(e, map[i].base, 8);
		mbg_put(e + 8, map[i].length, 8);
		mbg_put(e + 16, map[i].type, 4);
	}
	if (p->rsdp && p->rsdp_length) {
		uint32_t type = p->rsdp_length == MBG_RSDP_V1 ? MB2_TAG_ACPI_OLD : MB2_TAG_ACPI_NEW;

		t = mbg_tag(w, type, p->rsdp_length);
		if (!t)
			return -E2BIG;
		memcpy(t, p->rsdp, p->rsdp_length);
	}
	if (!mbg_tag(w, MB2_TAG_END, 0))
		return -E2BIG;
	mbg_put(fixed, w->pos, 4);
	return 0;
}

int multiboot_guest_write_info(uint8_t *ram, uint64_t ram_size,
			       const struct multiboot_guest_layout *mb,
			       const struct multiboot_guest_params *p,
			       char reason[MULTIBOOT_GUEST_REASON_MAX])
{
	struct mbg_range map[MBG_MAP_MAX];
	unsigned map_count;
	int ret;

	reason[0] = '\0';
	if (p->module_count != mb->module_count)
		return mbg_fail(reason, -EINVAL, "%u modules given, %u placed", p->module_count,
				mb->module_count);
	if (mb->usable_end > ram_size || mb->info_gpa > mb->usable_end ||
	    mb->usable_end - mb->info_gpa < MULTIBOOT_GUEST_INFO_SIZE)
		return mbg_fail(reason, -EINVAL, "information page 0x%llx outside usable RAM",
				(unsigned long long)mb->info_gpa);
	for (uint32_t i = 0; i < mb->module_count; i++) {
		if (p->modules[i].size != mb->module_size[i] || mb->module_gpa[i] > mb->info_gpa ||
		    mb->module_size[i] > mb->info_gpa - mb->module_gpa[i])
			return mbg_fail(reason, -EINVAL, "module %u does not match its placement",
					i + 1);
	}
	for (uint32_t i = 0; i < mb->module_count; i++)
		memcpy(ram + mb->module_gpa[i], p->modules[i].data, mb->module_size[i]);

	struct mbg_writer w = {.page = ram + mb->info_gpa, .gpa = mb->info_gpa};
	memset(w.page, 0, MULTIBOOT_GUEST_INFO_SIZE);
	map_count = mbg_memory_map(mb->usable_end, ram_size, map);
	if (mb->hdr.version == 2)
		ret = mbg_write_mb2(&w, mb, p, map, map_count);
	else
		ret = mbg_write_mb1(&w, mb, p, map, map_count);
	if (ret)
		return mbg_fail(reason, ret,
				"the information structure does not fit in its page (0x%x bytes)",
				MULTIBOOT_GUEST_INFO_SIZE);
	return 0;
}
