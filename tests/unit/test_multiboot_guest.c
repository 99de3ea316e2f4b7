/* unit-test-sources: kernel/guest/multiboot_guest.c kernel/guest/guest_image.c kernel/guest/guest_boot.c kernel/guest/linux_boot.c */
/*
 * multiboot_guest: synthetic Multiboot 1 and 2 headers found (or not) at
 * the edges of their search windows, checked (checksum, flags, tags, a.out
 * kludge addresses), placed with their modules, and the information
 * structures written byte for byte. The memory map is cross-checked against
 * the e820 map linux_boot writes for the same guest.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest_boot.h"
#include "kernel/guest/guest_image.h"
#include "kernel/guest/linux_boot.h"
#include "kernel/guest/multiboot_guest.h"

#define FILE_SIZE 0x10000
#define RAM_SIZE  (16 * SZ_1M)
#define USABLE	  (RAM_SIZE - PAGE_SIZE) /* below the prot32 tables */
#define MB1_MAGIC 0x1badb002U
#define MB2_MAGIC 0xe85250d6U

static uint8_t file[FILE_SIZE];
static uint8_t *ram;
static char reason[MULTIBOOT_GUEST_REASON_MAX];
static struct multiboot_guest_header hdr;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static int setup(void **state)
{
	memset(file, 0, sizeof(file));
	if (!ram)
		ram = malloc(RAM_SIZE);
	memset(ram, 0xaa, RAM_SIZE);
	return 0;
}

static int teardown_all(void **state)
{
	free(ram);
	return 0;
}

/* An MB1 header at @off with @flags and a good checksum. */
static void mb1_at(size_t off, uint32_t flags)
{
	put32(file + off, MB1_MAGIC);
	put32(file + off + 4, flags);
	put32(file + off + 8, -(MB1_MAGIC + flags));
}

/* The a.out kludge fields after an MB1 header at @off. */
static void mb1_aout(size_t off, uint32_t header, uint32_t load, uint32_t load_end,
		     uint32_t bss_end, uint32_t entry)
{
	mb1_at(off, 0x10003);
	put32(file + off + 12, header);
	put32(file + off + 16, load);
	put32(file + off + 20, load_end);
	put32(file + off + 24, bss_end);
	put32(file + off + 28, entry);
}

/* An MB2 header at @off with @tags_len bytes of tags (then an end tag) and a good checksum. */
static void mb2_at(size_t off, const uint8_t *tags, uint32_t tags_len)
{
	uint32_t len = 16 + tags_len + 8;

	put32(file + off, MB2_MAGIC);
	put32(file + off + 4, 0);
	put32(file + off + 8, len);
	put32(file + off + 12, -(MB2_MAGIC + len));
	if (tags_len)
		memcpy(file + off + 16, tags, tags_len);
	memset(file + off + 16 + tags_len, 0, 4);
	put32(file + off + 16 + tags_len + 4, 8);
}

static int find(uint64_t size)
{
	return multiboot_guest_find(file, size, &hdr, reason);
}

static void test_mb1_search_window(void **state)
{
	/* The last 4-aligned place whose 12 bytes end within 8 KiB. */
	mb1_at(8180, 3);
	assert_int_equal(find(FILE_SIZE), 0);
	assert_int_equal(hdr.version, 1);
	assert_int_equal(hdr.offset, 8180);
	assert_false(hdr.has_address);
	memset(file, 0, sizeof(file));
	mb1_at(8184, 3); /* ends past 8 KiB */
	assert_int_equal(find(FILE_SIZE), -ENOENT);
	assert_string_equal(reason, "no Multiboot header");
	memset(file, 0, sizeof(file));
	mb1_at(6, 3); /* not 4-byte aligned */
	assert_int_equal(find(FILE_SIZE), -ENOENT);
	/* A file shorter than the window, the header at its very end. */
	memset(file, 0, sizeof(file));
	mb1_at(100, 3);
	assert_int_equal(find(112), 0);
	assert_int_equal(find(111), -ENOENT);
}

static void test_mb1_checksum(void **state)
{
	mb1_at(0x40, 3);
	file[0x48] ^= 1;
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot header at 0x40: bad checksum");
	/* A good header later wins over a stray magic. */
	mb1_at(0x80, 3);
	assert_int_equal(find(FILE_SIZE), 0);
	assert_int_equal(hdr.offset, 0x80);
}

static void test_mb1_flags(void **state)
{
	mb1_at(0, 0x4);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot header at 0x0 requires video mode information "
				    "(flags bit 2): Shoji has no framebuffer for guests");
	mb1_at(0, 0x23);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot header at 0x0: unsupported required flags 0x20");
	mb1_at(0, 0x8000);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	/* Bits 16-31 are optional: an unknown one is ignored. */
	mb1_at(0, 0x00100003);
	assert_int_equal(find(FILE_SIZE), 0);
	assert_int_equal(hdr.flags, 0x00100003);
	assert_false(hdr.has_address);
	/* Bit 16 needs its 20 bytes of address fields within the window. */
	memset(file, 0, sizeof(file));
	mb1_at(8168, 0x10003);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot header at 0x1fe8: address fields (flags bit 16) "
				    "run past the first 8 KiB");
}

static int aout(uint64_t size, struct multiboot_guest_aout *a)
{
	assert_int_equal(find(size), 0);
	return multiboot_guest_aout(&hdr, size, a, reason);
}

static void test_mb1_aout(void **state)
{
	struct multiboot_guest_aout a;

	/* Header 0x20 into a file loaded at 1 MiB: 0x3000 bytes, bss to 0x105000. */
	mb1_aout(0x20, 0x100020, 0x100000, 0x103000, 0x105000, 0x100040);
	assert_int_equal(aout(0x4000, &a), 0);
	assert_int_equal(a.offset, 0);
	assert_int_equal(a.load_gpa, 0x100000);
	assert_int_equal(a.filesz, 0x3000);
	assert_int_equal(a.memsz, 0x5000);
	assert_int_equal(a.entry_gpa, 0x100040);
	/* load_addr after the start: the file loads from offset 0x10. */
	mb1_aout(0x20, 0x100020, 0x100010, 0, 0, 0x100010);
	assert_int_equal(aout(0x4000, &a), 0);
	assert_int_equal(a.offset, 0x10);
	assert_int_equal(a.filesz, 0x4000 - 0x10); /* load_end 0: the rest of the file */
	assert_int_equal(a.memsz, a.filesz);	   /* bss_end 0: no bss */
}

static void test_mb1_aout_refused(void **state)
{
	struct multiboot_guest_aout a;

	mb1_aout(0x20, 0x100020, 0x100000, 0xff000, 0, 0x100040);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason, "load_end_addr 0xff000 below load_addr 0x100000");
	mb1_aout(0x20, 0x100020, 0x100030, 0, 0, 0x100040);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason, "load_addr 0x100030 above header_addr 0x100020");
	mb1_aout(0x20, 0x100020, 0xfff00, 0, 0, 0x100040);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason, "load_addr 0xfff00 lies 0x100 bytes before the file's start");
	mb1_aout(0x20, 0x100020, 0x100000, 0x105000, 0, 0x100040);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason,
			    "load_end_addr 0x105000 beyond the file (0x4000 bytes from 0x100000)");
	mb1_aout(0x20, 0x100020, 0x100000, 0x103000, 0x102000, 0x100040);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason, "bss_end_addr 0x102000 below the end of the loaded bytes "
				    "0x103000");
	/* Entry in the bss, or before the image: never meant. */
	mb1_aout(0x20, 0x100020, 0x100000, 0x103000, 0x105000, 0x104000);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason,
			    "entry_addr 0x104000 outside the loaded bytes 0x100000..0x103000");
	mb1_aout(0x20, 0x100020, 0x100000, 0x103000, 0x105000, 0xfffff);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	/* The image may not wrap past 4 GiB. */
	mb1_aout(0x20, 0xfffff020, 0xfffff000, 0, 0xffffffff, 0xfffff040);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason, "bss_end_addr 0xffffffff below the end of the loaded bytes "
				    "0x100003000");
	mb1_aout(0x20, 0xfffff020, 0xfffff000, 0, 0, 0xfffff040);
	assert_int_equal(aout(0x4000, &a), -ENOEXEC);
	assert_string_equal(reason, "image 0xfffff000 + 0x4000 runs past 4 GiB");
}

static void test_mb2_search_and_checksum(void **state)
{
	mb2_at(32768 - 24, NULL, 0);
	assert_int_equal(find(FILE_SIZE), 0);
	assert_int_equal(hdr.version, 2);
	assert_int_equal(hdr.offset, 32768 - 24);
	memset(file, 0, sizeof(file));
	mb2_at(32768 - 16, NULL, 0); /* its magic is in the window, its end tag is not */
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot 2 header at 0x7ff0: header_length 24 runs past "
				    "the first 32 KiB");
	memset(file, 0, sizeof(file));
	mb2_at(0x104, NULL, 0); /* 4- but not 8-byte aligned */
	assert_int_equal(find(FILE_SIZE), -ENOENT);
	mb2_at(0x100, NULL, 0);
	file[0x10c] ^= 0x80;
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot 2 header at 0x100: bad checksum");
	/* A good MB1 header does not hide a broken MB2 one... but a good MB2 wins over MB1. */
	memset(file, 0, sizeof(file));
	mb1_at(0x20, 3);
	mb2_at(0x40, NULL, 0);
	assert_int_equal(find(FILE_SIZE), 0);
	assert_int_equal(hdr.version, 2);
	/* Architecture 4 (MIPS) is not for us. */
	put32(file + 0x44, 4);
	put32(file + 0x4c, -(MB2_MAGIC + 4 + 24));
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot 2 header at 0x40: architecture 4, not i386 (0)");
}

static void tag(uint8_t *t, uint16_t type, uint16_t flags, uint32_t size)
{
	t[0] = (uint8_t)type;
	t[1] = (uint8_t)(type >> 8);
	t[2] = (uint8_t)flags;
	t[3] = (uint8_t)(flags >> 8);
	put32(t + 4, size);
}

static void test_mb2_tags(void **state)
{
	uint8_t t[64] = {0};

	/* Information request for cmdline and mmap, address and entry tags. */
	tag(t, 1, 0, 16);
	put32(t + 8, 1);
	put32(t + 12, 6);
	tag(t + 16, 2, 0, 24);
	put32(t + 24, 0x100000);
	put32(t + 28, 0x100000);
	put32(t + 32, 0x102000);
	put32(t + 36, 0x103000);
	tag(t + 40, 3, 0, 12);
	put32(t + 48, 0x100100);
	mb2_at(0, t, 56);
	assert_int_equal(find(FILE_SIZE), 0);
	assert_true(hdr.has_address);
	assert_int_equal(hdr.header_addr, 0x100000);
	assert_int_equal(hdr.load_end_addr, 0x102000);
	assert_int_equal(hdr.bss_end_addr, 0x103000);
	assert_true(hdr.has_entry);
	assert_int_equal(hdr.entry_addr, 0x100100);
	struct multiboot_guest_aout a;
	assert_int_equal(multiboot_guest_aout(&hdr, FILE_SIZE, &a, reason), 0);
	assert_int_equal(a.offset, 0);
	assert_int_equal(a.memsz, 0x3000);

	/* A required request Shoji cannot answer (8: framebuffer info); optional is fine. */
	put32(t + 12, 8);
	mb2_at(0, t, 56);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "requires information tag 8, which Shoji does not provide");
	tag(t, 1, 1, 16);
	mb2_at(0, t, 56);
	assert_int_equal(find(FILE_SIZE), 0);

	/* UEFI boot services: refused when required, ignored when optional. */
	memset(t, 0, sizeof(t));
	tag(t, 7, 0, 8);
	mb2_at(0, t, 8);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "requires UEFI boot services (tag 7): Shoji's guests have no "
				    "firmware");
	tag(t, 7, 1, 8);
	mb2_at(0, t, 8);
	assert_int_equal(find(FILE_SIZE), 0);
	/* An unknown tag likewise; framebuffer, module alignment, relocatable are ignored. */
	tag(t, 99, 0, 8);
	mb2_at(0, t, 8);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "unsupported required header tag 99");
	tag(t, 5, 0, 20);
	tag(t + 24, 6, 0, 8);
	tag(t + 32, 10, 0, 24);
	mb2_at(0, t, 56);
	assert_int_equal(find(FILE_SIZE), 0);
	assert_false(hdr.has_address);
	/* A console required and the tag required: Shoji describes none. */
	memset(t, 0, sizeof(t));
	tag(t, 4, 0, 12);
	put32(t + 8, 1);
	mb2_at(0, t, 16);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);

	/* Malformed: a tag running past header_length, an address tag of the wrong size. */
	memset(t, 0, sizeof(t));
	tag(t, 6, 0, 100);
	mb2_at(0, t, 8);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot 2 header at 0x0: tag 6 at +0x10 has bad size 100");
	tag(t, 2, 0, 16);
	mb2_at(0, t, 16);
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "address tag of 16 bytes (expected 24)");
	/* No end tag: the last tag is not type 0. */
	tag(t, 6, 0, 8);
	mb2_at(0, t, 8);
	file[16 + 8] = 6;
	assert_int_equal(find(FILE_SIZE), -ENOEXEC);
	assert_string_equal(reason, "Multiboot 2 header at 0x0: no end tag");
}

static void test_mb2_load_from_file_start(void **state)
{
	uint8_t t[24] = {0};
	struct multiboot_guest_aout a;

	tag(t, 2, 0, 24);
	put32(t + 8, 0x200040);	   /* header_addr */
	put32(t + 12, 0xffffffff); /* load_addr -1 */
	mb2_at(0x40, t, 24);
	assert_int_equal(find(0x1000), 0);
	assert_int_equal(multiboot_guest_aout(&hdr, 0x1000, &a, reason), -ENOEXEC);
	assert_string_equal(reason, "address tag without an entry address tag");
	hdr.has_entry = true;
	hdr.entry_addr = 0x200000;
	assert_int_equal(multiboot_guest_aout(&hdr, 0x1000, &a, reason), 0);
	assert_int_equal(a.offset, 0);
	assert_int_equal(a.load_gpa, 0x200000);
	assert_int_equal(a.filesz, 0x1000);
}

static void test_place(void **state)
{
	struct multiboot_guest_layout mb = {0};
	uint64_t sizes[9] = {0x10, 0x1000, 0, 0x1001};

	assert_int_equal(multiboot_guest_place(&mb, 0x105800, USABLE, sizes, 4, reason), 0);
	assert_int_equal(mb.region_gpa, 0x106000);
	assert_int_equal(mb.module_gpa[0], 0x106000);
	assert_int_equal(mb.module_gpa[1], 0x107000);
	assert_int_equal(mb.module_gpa[2], 0x108000); /* an empty module takes no page */
	assert_int_equal(mb.module_gpa[3], 0x108000);
	assert_int_equal(mb.info_gpa, 0x10a000);
	assert_int_equal(mb.usable_end, USABLE);
	/* The information page exactly at the top: fits; one byte more of module: not. */
	uint64_t one = USABLE - 0x107000 - PAGE_SIZE;
	assert_int_equal(multiboot_guest_place(&mb, 0x107000, USABLE, &one, 1, reason), 0);
	assert_int_equal(mb.info_gpa, USABLE - PAGE_SIZE);
	one++;
	assert_int_equal(multiboot_guest_place(&mb, 0x107000, USABLE, &one, 1, reason), -EFBIG);
	assert_string_equal(reason, "kernel and modules do not fit in guest memory: they need up "
				    "to 0x1000000, usable RAM ends at 0xfff000");
	uint64_t huge = UINT64_MAX;
	assert_int_equal(multiboot_guest_place(&mb, 0x107000, USABLE, &huge, 1, reason), -EFBIG);
	assert_int_equal(multiboot_guest_place(&mb, 0x107000, USABLE, sizes, 9, reason), -E2BIG);
	assert_string_equal(reason, "9 modules (at most 8)");
	assert_int_equal(multiboot_guest_place(&mb, USABLE + 1, USABLE, sizes, 0, reason), -EFBIG);
	/* A kernel in low memory: what would reach into the legacy hole goes to 1 MiB. */
	uint64_t low[2] = {0x1000, 0x2000};
	assert_int_equal(multiboot_guest_place(&mb, 0x9c800, USABLE, low, 2, reason), 0);
	assert_int_equal(mb.module_gpa[0], 0x9d000);
	assert_int_equal(mb.region_gpa, 0x9d000);
	assert_int_equal(mb.module_gpa[1], 0x100000);
	assert_int_equal(mb.info_gpa, 0x102000);
	assert_int_equal(multiboot_guest_place(&mb, 0x9e000, USABLE, NULL, 0, reason), 0);
	assert_int_equal(mb.info_gpa, 0x9e000);
	assert_int_equal(multiboot_guest_place(&mb, 0x9e001, USABLE, NULL, 0, reason), 0);
	assert_int_equal(mb.info_gpa, 0x100000);
	assert_int_equal(mb.region_gpa, 0x100000);
	/* A 1 MiB guest: no RAM above the hole, so no room past it. */
	assert_int_equal(multiboot_guest_place(&mb, 0x9e001, SZ_1M - PAGE_SIZE, NULL, 0, reason),
			 -EFBIG);
}

/* A guest of 1 MiB: its RAM all below the hole, the rest of it reserved. */
static void test_info_small_guest(void **state)
{
	struct multiboot_guest_layout mb = {.hdr.version = 1};
	struct multiboot_guest_params p = {.cmdline = ""};

	assert_int_equal(multiboot_guest_place(&mb, 0x9000, SZ_1M - PAGE_SIZE, NULL, 0, reason), 0);
	assert_int_equal(multiboot_guest_write_info(ram, SZ_1M, &mb, &p, reason), 0);
	const uint8_t *info = ram + mb.info_gpa, *mmap = ram + get32(info + 48);
	assert_int_equal(get32(info + 4), 636);
	assert_int_equal(get32(info + 8), 0);
	assert_int_equal(get32(info + 44), 2 * 24);
	assert_int_equal(get64(mmap + 4), 0);
	assert_int_equal(get64(mmap + 12), 0x9f000);
	assert_int_equal(get64(mmap + 24 + 4), 0x9f000);
	assert_int_equal(get64(mmap + 24 + 12), SZ_1M - 0x9f000);
	assert_int_equal(get32(mmap + 24 + 20), 2);
}

static const char mod0[] = "module zero";
static const char mod1[] = "second";

static void write_info(unsigned version, struct multiboot_guest_layout *mb, const void *rsdp,
		       uint32_t rsdp_len)
{
	uint64_t sizes[2] = {sizeof(mod0), sizeof(mod1)};
	struct multiboot_guest_params p = {
	    .cmdline = "console=ttyS0 x=1",
	    .module_count = 2,
	    .modules = {{mod0, sizeof(mod0), "guests/m0 a b"}, {mod1, sizeof(mod1), "guests/m1"}},
	    .rsdp = rsdp,
	    .rsdp_length = rsdp_len,
	};

	memset(mb, 0, sizeof(*mb));
	mb->hdr.version = version;
	assert_int_equal(multiboot_guest_place(mb, 0x104321, USABLE, sizes, 2, reason), 0);
	assert_int_equal(multiboot_guest_write_info(ram, RAM_SIZE, mb, &p, reason), 0);
	assert_memory_equal(ram + 0x105000, mod0, sizeof(mod0));
	assert_memory_equal(ram + 0x106000, mod1, sizeof(mod1));
	assert_int_equal(mb->info_gpa, 0x107000);
}

/* The map both specs get: RAM, the legacy hole, RAM to the tables, the tables. */
static const uint64_t map[4][3] = {
    {0, 0x9f000, 1},
    {0x9f000, 0x61000, 2},
    {0x100000, USABLE - 0x100000, 1},
    {USABLE, PAGE_SIZE, 2},
};

static void test_info_mb1(void **state)
{
	struct multiboot_guest_layout mb;
	const uint8_t *info = ram + 0x107000;

	write_info(1, &mb, NULL, 0);
	assert_int_equal(multiboot_guest_eax(&mb), 0x2badb002);
	assert_int_equal(get32(info), 0x24d); /* mem, cmdline, mods, mmap, loader name */
	assert_int_equal(get32(info + 4), 636);
	assert_int_equal(get32(info + 8), (USABLE - SZ_1M) / 1024);
	assert_string_equal((char *)ram + get32(info + 16), "console=ttyS0 x=1");
	assert_int_equal(get32(info + 20), 2);
	const uint8_t *mods = ram + get32(info + 24);
	assert_int_equal(get32(mods), 0x105000);
	assert_int_equal(get32(mods + 4), 0x105000 + sizeof(mod0));
	assert_string_equal((char *)ram + get32(mods + 8), "guests/m0 a b");
	assert_int_equal(get32(mods + 16), 0x106000);
	assert_int_equal(get32(mods + 20), 0x106000 + sizeof(mod1));
	assert_string_equal((char *)ram + get32(mods + 24), "guests/m1");
	assert_int_equal(get32(info + 44), 4 * 24);
	const uint8_t *mmap = ram + get32(info + 48);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(get32(mmap + 24 * i), 20);
		assert_int_equal(get64(mmap + 24 * i + 4), map[i][0]);
		assert_int_equal(get64(mmap + 24 * i + 12), map[i][1]);
		assert_int_equal(get32(mmap + 24 * i + 20), map[i][2]);
	}
	assert_string_equal((char *)ram + get32(info + 64), "Shoji");
	/* Nothing claimed that was not filled: no boot device, syms, drives, APM, VBE. */
	assert_int_equal(get32(info + 12), 0);
	assert_int_equal(get32(info + 52), 0);
	assert_int_equal(get32(info + 60), 0);
	/* Every pointer stays inside the information page. */
	assert_in_range(get32(info + 16), 0x107000, 0x107fff);
	assert_in_range(get32(info + 24), 0x107000, 0x107fff);
	assert_in_range(get32(info + 48), 0x107000, 0x107fff);
	/* RAM outside the modules and the page untouched. */
	assert_int_equal(ram[0x104fff], 0xaa);
	assert_int_equal(ram[0x108000], 0xaa);
}

static void test_info_mb2(void **state)
{
	struct multiboot_guest_layout mb;
	uint8_t rsdp[36];
	const uint8_t *info = ram + 0x107000, *t;

	memset(rsdp, 0x5a, sizeof(rsdp));
	write_info(2, &mb, rsdp, sizeof(rsdp));
	assert_int_equal(multiboot_guest_eax(&mb), 0x36d76289);
	uint32_t total = get32(info);
	assert_int_equal(get32(info + 4), 0);
	t = info + 8;
	/* cmdline */
	assert_int_equal(get32(t), 1);
	assert_int_equal(get32(t + 4), 8 + 18);
	assert_string_equal((char *)t + 8, "console=ttyS0 x=1");
	t += 32;
	assert_int_equal(get32(t), 2);
	assert_int_equal(get32(t + 4), 8 + 6);
	assert_string_equal((char *)t + 8, "Shoji");
	t += 16;
	assert_int_equal(get32(t), 3);
	assert_int_equal(get32(t + 4), 16 + 14);
	assert_int_equal(get32(t + 8), 0x105000);
	assert_int_equal(get32(t + 12), 0x105000 + sizeof(mod0));
	assert_string_equal((char *)t + 16, "guests/m0 a b");
	t += 32;
	assert_int_equal(get32(t), 3);
	assert_int_equal(get32(t + 8), 0x106000);
	assert_string_equal((char *)t + 16, "guests/m1");
	t += 32;
	assert_int_equal(get32(t), 4);
	assert_int_equal(get32(t + 4), 16);
	assert_int_equal(get32(t + 8), 636);
	assert_int_equal(get32(t + 12), (USABLE - SZ_1M) / 1024);
	t += 16;
	assert_int_equal(get32(t), 6);
	assert_int_equal(get32(t + 4), 16 + 4 * 24);
	assert_int_equal(get32(t + 8), 24);
	assert_int_equal(get32(t + 12), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(get64(t + 16 + 24 * i), map[i][0]);
		assert_int_equal(get64(t + 24 + 24 * i), map[i][1]);
		assert_int_equal(get32(t + 32 + 24 * i), map[i][2]);
		assert_int_equal(get32(t + 36 + 24 * i), 0);
	}
	t += 16 + 4 * 24;
	assert_int_equal(get32(t), 15); /* a 36-byte RSDP: ACPI 2.0+, the new tag */
	assert_int_equal(get32(t + 4), 8 + 36);
	assert_memory_equal(t + 8, rsdp, 36);
	t += 48;
	assert_int_equal(get32(t), 0);
	assert_int_equal(get32(t + 4), 8);
	assert_int_equal(total, t + 8 - info);

	/* A 20-byte RSDP (revision 0) goes in the old tag. */
	write_info(2, &mb, rsdp, 20);
	for (t = info + 8; get32(t) != 0; t += (get32(t + 4) + 7) & ~7U)
		if (get32(t) == 14 || get32(t) == 15)
			break;
	assert_int_equal(get32(t), 14);
}

static void test_info_refused(void **state)
{
	struct multiboot_guest_layout mb = {.hdr.version = 1};
	uint64_t size = 16;
	char big[MULTIBOOT_GUEST_INFO_SIZE + 1];
	static const uint8_t data[16];
	struct multiboot_guest_params p = {
	    .cmdline = "", .module_count = 1, .modules = {{data, 16, "m"}}};

	assert_int_equal(multiboot_guest_place(&mb, 0x100000, USABLE, &size, 1, reason), 0);
	p.modules[0].size = 17; /* does not match the placement */
	assert_int_equal(multiboot_guest_write_info(ram, RAM_SIZE, &mb, &p, reason), -EINVAL);
	p.modules[0].size = 16;
	p.module_count = 0;
	assert_int_equal(multiboot_guest_write_info(ram, RAM_SIZE, &mb, &p, reason), -EINVAL);
	p.module_count = 1;
	/* A string larger than the page: refused, never written past it. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p.cmdline = big;
	memset(ram + mb.info_gpa + PAGE_SIZE, 0xaa, 16);
	assert_int_equal(multiboot_guest_write_info(ram, RAM_SIZE, &mb, &p, reason), -E2BIG);
	assert_int_equal(ram[mb.info_gpa + PAGE_SIZE], 0xaa);
	mb.hdr.version = 2;
	assert_int_equal(multiboot_guest_write_info(ram, RAM_SIZE, &mb, &p, reason), -E2BIG);
	assert_int_equal(ram[mb.info_gpa + PAGE_SIZE], 0xaa);
	/* RAM smaller than the layout assumed. */
	p.cmdline = "";
	assert_int_equal(multiboot_guest_write_info(ram, SZ_1M, &mb, &p, reason), -EINVAL);
}

/* The MB1 memory map is the e820 map linux_boot writes for the same guest. */
static void test_map_matches_linux_e820(void **state)
{
	struct multiboot_guest_layout mb;
	static uint8_t bzfile[0x300];
	struct linux_bzimage bz = {.header_end = 0x26c, .cmdline_size = 255};
	char why[LINUX_BOOT_REASON_MAX];

	write_info(1, &mb, NULL, 0);
	const uint8_t *info = ram + 0x107000;
	uint8_t mmap[4 * 24];
	memcpy(mmap, ram + get32(info + 48), sizeof(mmap));
	assert_int_equal(
	    linux_boot_params_write(ram, RAM_SIZE, USABLE, bzfile, &bz, "", 0, 0, 0, 0, why), 0);
	const uint8_t *zp = ram + LINUX_ZERO_PAGE_GPA;
	assert_int_equal(zp[0x1e8], 4);
	for (int i = 0; i < 4; i++)
		assert_memory_equal(zp + 0x2d0 + 20 * i, mmap + 24 * i + 4, 20);
}

/* Through guest_image: 'kernel' picks Multiboot, places the kernel and one region after it. */
static void test_guest_image_multiboot(void **state)
{
	struct guest_image_opts opts = {
	    .kernel_only = true, .module_count = 1, .module_sizes = {0x1800}};
	static struct guest_image img;
	char why[GUEST_IMAGE_REASON_MAX];

	mb1_aout(0x20, 0x100020, 0x100000, 0x103000, 0x105000, 0x100040);
	memset(file + 0x100, 0xcc, 0x100);
	assert_int_equal(guest_image_load(file, 0x4000, &opts, ram, RAM_SIZE, &img, why), 0);
	assert_int_equal(img.kind, GUEST_IMAGE_MULTIBOOT);
	assert_int_equal(img.mode, VCPU_START_PROT32);
	assert_int_equal(img.entry_gpa, 0x100040);
	assert_int_equal(img.segment_count, 2);
	assert_int_equal(img.segments[1].gpa, 0x105000);
	assert_int_equal(img.segments[1].memsz, 0x2000 + PAGE_SIZE);
	assert_int_equal(img.multiboot.module_gpa[0], 0x105000);
	assert_int_equal(img.multiboot.info_gpa, 0x107000);
	assert_int_equal(img.end_gpa, 0x108000);
	assert_int_equal(img.usable_end, USABLE);
	assert_memory_equal(ram + 0x100100, file + 0x100, 0x100);
	assert_int_equal(ram[0x104fff], 0); /* bss */
	/* A Multiboot kernel starts in prot32 only. */
	opts.mode_set = true;
	opts.mode = VCPU_START_LONG64;
	assert_int_equal(guest_image_inspect(file, 0x4000, &opts, RAM_SIZE, &img, why), -EINVAL);
	assert_string_equal(why, "a Multiboot kernel starts in 32-bit protected mode: no 'load', "
				 "'entry' or 'mode'");
	/* Named by 'image', the same file is a flat binary, and a module is refused. */
	opts = (struct guest_image_opts){.module_count = 1, .module_sizes = {0x10}};
	assert_int_equal(guest_image_inspect(file, 0x4000, &opts, RAM_SIZE, &img, why), -EINVAL);
	assert_string_equal(why, "a 'module' is for a Multiboot kernel only");
	/* Without address fields the file must be ELF. */
	opts = (struct guest_image_opts){.kernel_only = true};
	mb1_at(0x20, 3);
	assert_int_equal(guest_image_inspect(file, 0x4000, &opts, RAM_SIZE, &img, why), -ENOEXEC);
	assert_string_equal(why, "Multiboot 1 header without load addresses (flags bit 16), and "
				 "not an ELF file");
	/* The kernel's modules do not fit: named with sizes. */
	mb1_aout(0x20, 0x100020, 0x100000, 0x103000, 0x105000, 0x100040);
	opts.module_count = 1;
	opts.module_sizes[0] = RAM_SIZE;
	assert_int_equal(guest_image_inspect(file, 0x4000, &opts, RAM_SIZE, &img, why), -EFBIG);
	assert_string_equal(why, "module 1 (16777216 bytes) does not fit in guest memory: it would "
				 "end at 0x1105000, usable RAM ends at 0xfff000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_mb1_search_window, setup),
	    cmocka_unit_test_setup(test_mb1_checksum, setup),
	    cmocka_unit_test_setup(test_mb1_flags, setup),
	    cmocka_unit_test_setup(test_mb1_aout, setup),
	    cmocka_unit_test_setup(test_mb1_aout_refused, setup),
	    cmocka_unit_test_setup(test_mb2_search_and_checksum, setup),
	    cmocka_unit_test_setup(test_mb2_tags, setup),
	    cmocka_unit_test_setup(test_mb2_load_from_file_start, setup),
	    cmocka_unit_test_setup(test_place, setup),
	    cmocka_unit_test_setup(test_info_mb1, setup),
	    cmocka_unit_test_setup(test_info_mb2, setup),
	    cmocka_unit_test_setup(test_info_refused, setup),
	    cmocka_unit_test_setup(test_info_small_guest, setup),
	    cmocka_unit_test_setup(test_map_matches_linux_e820, setup),
	    cmocka_unit_test_setup(test_guest_image_multiboot, setup),
	};
	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
