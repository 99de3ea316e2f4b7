/* unit-test-sources: arch/x86/boot/multiboot2.c */
/*
 * Multiboot2 information -> struct boot_info: every tag kind the kernel
 * uses, and malformed lists (bad sizes, tags past the end, no end tag).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/boot/multiboot2.h"

/* A growing Multiboot2 information block, built tag by tag. */
struct mbi {
	uint8_t buf[4096] __attribute__((aligned(8)));
	uint32_t len;
};

static void *mbi_tag(struct mbi *m, uint32_t type, uint32_t size)
{
	uint8_t *t = m->buf + m->len;
	memset(t, 0, size);
	((uint32_t *)t)[0] = type;
	((uint32_t *)t)[1] = size;
	m->len += (size + 7) & ~7u;
	*(uint32_t *)m->buf = m->len;
	return t;
}

static void mbi_start(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
	*(uint32_t *)m->buf = m->len;
}

static void mbi_end(struct mbi *m)
{
	mbi_tag(m, MB2_TAG_END, 8);
}

static void add_module(struct mbi *m, uint32_t start, uint32_t end, const char *s)
{
	uint8_t *t = mbi_tag(m, MB2_TAG_MODULE, 16 + strlen(s) + 1);
	((uint32_t *)t)[2] = start;
	((uint32_t *)t)[3] = end;
	strcpy((char *)t + 16, s);
}

static void add_mmap(struct mbi *m, const uint64_t (*e)[3], unsigned n, uint32_t entry_size)
{
	uint8_t *t = mbi_tag(m, MB2_TAG_MMAP, 16 + n * entry_size);
	((uint32_t *)t)[2] = entry_size;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = t + 16 + i * entry_size;
		memcpy(p, &e[i][0], 8);
		memcpy(p + 8, &e[i][1], 8);
		uint32_t type = e[i][2];
		memcpy(p + 16, &type, 4);
	}
}

static struct boot_info bi;

static int parse(struct mbi *m, const char **why)
{
	memset(&bi, 0, sizeof(bi));
	return mb2_parse(m->buf, sizeof(m->buf), &bi, why);
}

static void test_full_information(void **state)
{
	struct mbi m;
	const char *why = NULL;
	mbi_start(&m);
	char *cmd = mbi_tag(&m, MB2_TAG_CMDLINE, 8 + 20);
	strcpy(cmd + 8, "loglevel=debug x");
	add_module(&m, 0x400000, 0x401234, "shoji.cfg");
	add_module(&m, 0x500000, 0x600000, "guests/hello64.elf mem=16M");
	const uint64_t map[][3] = {
	    {0, 0x9fc00, MB2_MEMORY_AVAILABLE},
	    {0xf0000, 0x10000, 2},
	    {0x100000, 0xfef0000, MB2_MEMORY_AVAILABLE},
	    {0xfff0000, 0x10000, MB2_MEMORY_ACPI_RECLAIMABLE},
	    {0xfee00000, 0, MB2_MEMORY_NVS}, /* zero length: dropped */
	};
	add_mmap(&m, map, 5, 24);
	uint8_t *fb = mbi_tag(&m, MB2_TAG_FRAMEBUFFER, 38);
	*(uint64_t *)(fb + 8) = 0xe0000000;
	*(uint32_t *)(fb + 16) = 3200; /* pitch */
	*(uint32_t *)(fb + 20) = 800;
	*(uint32_t *)(fb + 24) = 600;
	fb[28] = 32;
	fb[29] = MB2_FRAMEBUFFER_TYPE_RGB;
	fb[32] = 16;
	fb[33] = 8;
	fb[34] = 8;
	fb[35] = 8;
	fb[36] = 0;
	fb[37] = 8;
	uint8_t *old = mbi_tag(&m, MB2_TAG_ACPI_OLD, 8 + 20);
	memcpy(old + 8, "RSD PTR ", 8);
	uint8_t *new = mbi_tag(&m, MB2_TAG_ACPI_NEW, 8 + 36);
	memcpy(new + 8, "RSD PTR ", 8);
	new[8 + 15] = 2;
	mbi_end(&m);

	assert_int_equal(parse(&m, &why), 0);
	assert_int_equal(bi.magic, BOOT_INFO_MAGIC);
	assert_int_equal(bi.loader, BOOT_LOADER_MULTIBOOT2);
	assert_string_equal(bi.cmdline, "loglevel=debug x");
	assert_int_equal(bi.module_count, 2);
	assert_string_equal(bi.modules[0].name, "shoji.cfg");
	assert_string_equal(bi.modules[0].args, "");
	assert_int_equal(bi.modules[0].base, 0x400000);
	assert_int_equal(bi.modules[0].size, 0x1234);
	assert_string_equal(bi.modules[1].name, "guests/hello64.elf");
	assert_string_equal(bi.modules[1].args, "mem=16M");
	assert_int_equal(bi.mmap_count, 4);
	assert_int_equal(bi.mmap[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi.mmap[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mmap[2].base, 0x100000);
	assert_int_equal(bi.mmap[2].length, 0xfef0000);
	assert_int_equal(bi.mmap[3].type, BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(bi.fb.base, 0xe0000000);
	assert_int_equal(bi.fb.width, 800);
	assert_int_equal(bi.fb.height, 600);
	assert_int_equal(bi.fb.pitch, 3200);
	assert_int_equal(bi.fb.red_shift, 16);
	assert_int_equal(bi.fb.blue_shift, 0);
	/* The ACPI 2.0 RSDP wins over the 1.0 copy. */
	assert_int_equal(bi.rsdp_length, 36);
	assert_int_equal(bi.rsdp[15], 2);
}

static void test_old_acpi_only_and_larger_entry_size(void **state)
{
	struct mbi m;
	const char *why = NULL;
	mbi_start(&m);
	const uint64_t map[][3] = {{0x100000, 0x100000, MB2_MEMORY_AVAILABLE},
				   {0x200000, 0x1000, MB2_MEMORY_BADRAM}};
	add_mmap(&m, map, 2, 32); /* newer loaders may use bigger entries */
	uint8_t *old = mbi_tag(&m, MB2_TAG_ACPI_OLD, 8 + 20);
	memcpy(old + 8, "RSD PTR ", 8);
	mbi_end(&m);
	assert_int_equal(parse(&m, &why), 0);
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[1].base, 0x200000);
	assert_int_equal(bi.mmap[1].type, BOOT_MEM_BAD);
	assert_int_equal(bi.rsdp_length, 20);
	assert_int_equal(bi.fb.base, 0);
}

static void test_indexed_framebuffer_ignored(void **state)
{
	struct mbi m;
	const char *why = NULL;
	mbi_start(&m);
	uint8_t *fb = mbi_tag(&m, MB2_TAG_FRAMEBUFFER, 38);
	*(uint64_t *)(fb + 8) = 0xb8000;
	fb[29] = 2; /* EGA text */
	mbi_end(&m);
	assert_int_equal(parse(&m, &why), 0);
	assert_int_equal(bi.fb.base, 0);
}

static void test_malformed_lists(void **state)
{
	struct mbi m;
	const char *why = NULL;

	mbi_start(&m);
	mbi_tag(&m, MB2_TAG_CMDLINE, 12);
	assert_int_equal(parse(&m, &why), -EINVAL); /* no end tag */
	assert_string_equal(why, "no end tag");

	mbi_start(&m);
	uint32_t *t = mbi_tag(&m, MB2_TAG_CMDLINE, 16);
	mbi_end(&m);
	t[1] = 4000; /* claims to run past the total */
	assert_int_equal(parse(&m, &why), -EINVAL);
	assert_string_equal(why, "tag runs past the end");

	mbi_start(&m);
	t = mbi_tag(&m, MB2_TAG_CMDLINE, 16);
	mbi_end(&m);
	t[1] = 4; /* smaller than a tag header: would loop forever */
	assert_int_equal(parse(&m, &why), -EINVAL);

	mbi_start(&m);
	mbi_end(&m);
	*(uint32_t *)m.buf = 5000; /* bigger than what is readable */
	assert_int_equal(parse(&m, &why), -EINVAL);
	assert_string_equal(why, "bad total size");

	mbi_start(&m);
	add_module(&m, 0x2000, 0x1000, "backwards");
	mbi_end(&m);
	assert_int_equal(parse(&m, &why), -EINVAL);

	mbi_start(&m);
	const uint64_t map[][3] = {{0, 0x1000, 1}};
	add_mmap(&m, map, 1, 16); /* entries too small for base/length/type */
	mbi_end(&m);
	assert_int_equal(parse(&m, &why), -EINVAL);

	/* fuzz_multiboot2: 26-byte entries put the second one's 64-bit fields off alignment. */
	mbi_start(&m);
	const uint64_t map2[][3] = {{0, 0x9fc00, 1}, {0x100000, 0x100000, 1}};
	add_mmap(&m, map2, 2, 26);
	mbi_end(&m);
	assert_int_equal(parse(&m, &why), -EINVAL);
	assert_string_equal(why, "bad memory map tag");
}

/* fuzz_multiboot2: total_size was read before max_size said it was there. */
static void test_block_shorter_than_header(void **state)
{
	const char *why = NULL;
	uint8_t *tiny = malloc(1); /* exact size: ASan catches a read past it */

	tiny[0] = 8;
	assert_int_equal(mb2_parse(tiny, 1, &bi, &why), -EINVAL);
	assert_string_equal(why, "bad total size");
	free(tiny);
}

static void test_too_many_modules(void **state)
{
	struct mbi m;
	const char *why = NULL;
	mbi_start(&m);
	for (int i = 0; i <= BOOT_MODULES_MAX; i++)
		add_module(&m, 0x1000, 0x2000, "m");
	mbi_end(&m);
	assert_int_equal(parse(&m, &why), -EINVAL);
	assert_string_equal(why, "too many modules");
}

static void test_unterminated_module_string(void **state)
{
	struct mbi m;
	const char *why = NULL;
	mbi_start(&m);
	uint8_t *t = mbi_tag(&m, MB2_TAG_MODULE, 16 + 6);
	((uint32_t *)t)[2] = 0x1000;
	((uint32_t *)t)[3] = 0x2000;
	memcpy(t + 16, "abcdef", 6); /* no NUL inside the tag */
	memcpy(t + 22, "ZZ", 2);     /* alignment padding must not leak into the name */
	mbi_end(&m);
	assert_int_equal(parse(&m, &why), 0);
	assert_string_equal(bi.modules[0].name, "abcdef");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_information),
	    cmocka_unit_test(test_old_acpi_only_and_larger_entry_size),
	    cmocka_unit_test(test_indexed_framebuffer_ignored),
	    cmocka_unit_test(test_malformed_lists),
	    cmocka_unit_test(test_block_shorter_than_header),
	    cmocka_unit_test(test_too_many_modules),
	    cmocka_unit_test(test_unterminated_module_string),
	};
	return cmocka_run_group_tests_name("multiboot2", tests, NULL, NULL);
}
