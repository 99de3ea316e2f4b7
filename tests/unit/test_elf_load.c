/*
 * elf_load: validation of hostile kernel images and the copy into a
 * physical window. Images are built with the host's <elf.h>, which also
 * cross-checks the module's private struct layout.
 */
/* unit-test-sources: boot/elf_load.c */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/elf_load.h"

#define IMG_SIZE 0x3000
#define TEXT_OFF 0x1000
#define DATA_OFF 0x2000

struct test_img {
	uint8_t bytes[IMG_SIZE];
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
};

/* Two PT_LOADs: text at 0x200000 (entry inside), data+bss at 0x201000. */
static void img_build(struct test_img *t)
{
	memset(t->bytes, 0, sizeof(t->bytes));
	t->eh = (Elf64_Ehdr *)t->bytes;
	t->ph = (Elf64_Phdr *)(t->bytes + sizeof(Elf64_Ehdr));
	memcpy(t->eh->e_ident, ELFMAG, SELFMAG);
	t->eh->e_ident[EI_CLASS] = ELFCLASS64;
	t->eh->e_ident[EI_DATA] = ELFDATA2LSB;
	t->eh->e_ident[EI_VERSION] = EV_CURRENT;
	t->eh->e_type = ET_EXEC;
	t->eh->e_machine = EM_X86_64;
	t->eh->e_version = EV_CURRENT;
	t->eh->e_entry = 0x200010;
	t->eh->e_phoff = sizeof(Elf64_Ehdr);
	t->eh->e_ehsize = sizeof(Elf64_Ehdr);
	t->eh->e_phentsize = sizeof(Elf64_Phdr);
	t->eh->e_phnum = 3;
	t->ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
				.p_offset = TEXT_OFF,
				.p_vaddr = 0x200000,
				.p_paddr = 0x200000,
				.p_filesz = 0x100,
				.p_memsz = 0x100};
	t->ph[1] = (Elf64_Phdr){.p_type = PT_GNU_STACK};
	t->ph[2] = (Elf64_Phdr){.p_type = PT_LOAD,
				.p_offset = DATA_OFF,
				.p_vaddr = 0x201000,
				.p_paddr = 0x201000,
				.p_filesz = 0x10,
				.p_memsz = 0x1800};
	memset(t->bytes + TEXT_OFF, 0xcc, 0x100);
	memset(t->bytes + DATA_OFF, 0xdd, 0x10);
	memset(t->bytes + DATA_OFF + 0x10, 0xee, 0x100); /* beyond p_filesz: must not be copied */
}

static struct test_img img;
static struct elf_load_image out;

static int check(size_t size, const char **reason)
{
	*reason = NULL;
	return elf_load_check(img.bytes, size, &out, reason);
}

static void expect_reject(size_t size, const char *reason_part)
{
	const char *reason;

	assert_int_equal(check(size, &reason), -ENOEXEC);
	assert_non_null(reason);
	if (!strstr(reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", reason, reason_part);
}

static void test_valid_image(void **state)
{
	const char *reason;

	img_build(&img);
	assert_int_equal(check(IMG_SIZE, &reason), 0);
	assert_int_equal(out.segment_count, 2);
	assert_int_equal(out.entry_phys, 0x200010);
	assert_int_equal(out.phys_start, 0x200000);
	assert_int_equal(out.phys_end, 0x203000); /* 0x201000 + 0x1800 rounded up */
	/* Adjacent page ranges merge into one allocation. */
	assert_int_equal(out.range_count, 1);
	assert_int_equal(out.ranges[0].start, 0x200000);
	assert_int_equal(out.ranges[0].end, 0x203000);
}

static void test_copy_zeroes_bss(void **state)
{
	static uint8_t window[0x3000];
	const char *reason;

	img_build(&img);
	assert_int_equal(check(IMG_SIZE, &reason), 0);
	memset(window, 0x55, sizeof(window));
	elf_load_copy(img.bytes, &out, window, 0x200000);
	assert_int_equal(window[0], 0xcc);
	assert_int_equal(window[0xff], 0xcc);
	assert_int_equal(window[0x100], 0x55); /* gap between segments untouched */
	assert_int_equal(window[0x1000], 0xdd);
	assert_int_equal(window[0x100f], 0xdd);
	for (size_t i = 0x1010; i < 0x2800; i++)
		assert_int_equal(window[i], 0);
	assert_int_equal(window[0x2800], 0x55);
}

static void test_bad_magic(void **state)
{
	img_build(&img);
	img.bytes[1] = 'X';
	expect_reject(IMG_SIZE, "bad magic");
	expect_reject(3, "bad magic"); /* shorter than the magic */
	expect_reject(0, "bad magic");
}

static void test_text_file(void **state)
{
	memset(img.bytes, 0, sizeof(img.bytes));
	memcpy(img.bytes, "just some text\n", 15);
	expect_reject(15, "bad magic");
}

static void test_not_elf64(void **state)
{
	img_build(&img);
	img.eh->e_ident[EI_CLASS] = ELFCLASS32;
	expect_reject(IMG_SIZE, "ELFCLASS64");
}

static void test_truncated_header(void **state)
{
	img_build(&img);
	expect_reject(sizeof(Elf64_Ehdr) - 1, "truncated ELF header");
}

static void test_big_endian(void **state)
{
	img_build(&img);
	img.eh->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_reject(IMG_SIZE, "little-endian");
}

static void test_wrong_machine(void **state)
{
	img_build(&img);
	img.eh->e_machine = EM_AARCH64;
	expect_reject(IMG_SIZE, "x86-64");
}

static void test_not_exec(void **state)
{
	img_build(&img);
	img.eh->e_type = ET_DYN;
	expect_reject(IMG_SIZE, "ET_EXEC");
}

static void test_phdrs_truncated(void **state)
{
	img_build(&img);
	/* The third program header ends one byte past the file. */
	expect_reject(sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) - 1, "program headers outside");
	img_build(&img);
	img.eh->e_phoff = UINT64_MAX - 8; /* offset + size wraps */
	expect_reject(IMG_SIZE, "program headers outside");
}

static void test_bad_phentsize(void **state)
{
	img_build(&img);
	img.eh->e_phentsize = 32;
	expect_reject(IMG_SIZE, "program header size");
}

static void test_no_phdrs(void **state)
{
	img_build(&img);
	img.eh->e_phnum = 0;
	expect_reject(IMG_SIZE, "no program headers");
}

static void test_no_load_segments(void **state)
{
	img_build(&img);
	img.ph[0].p_type = PT_NOTE;
	img.ph[2].p_type = PT_NOTE;
	expect_reject(IMG_SIZE, "no loadable");
}

static void test_segment_beyond_file(void **state)
{
	img_build(&img);
	img.ph[2].p_filesz = 0x1001; /* DATA_OFF + 0x1001 > IMG_SIZE */
	expect_reject(IMG_SIZE, "outside the file");
	img_build(&img);
	img.ph[0].p_offset = UINT64_MAX - 0x10; /* offset + filesz wraps */
	expect_reject(IMG_SIZE, "outside the file");
}

static void test_filesz_over_memsz(void **state)
{
	img_build(&img);
	img.ph[2].p_memsz = 0x8;
	expect_reject(IMG_SIZE, "p_filesz larger than p_memsz");
}

static void test_address_overflow(void **state)
{
	img_build(&img);
	img.ph[2].p_paddr = UINT64_MAX - 0x100; /* paddr + memsz wraps */
	expect_reject(IMG_SIZE, "overflows");
}

static void test_above_4g(void **state)
{
	img_build(&img);
	img.ph[2].p_paddr = 0xfffff000; /* ends at 0x1000007ff */
	expect_reject(IMG_SIZE, "4 GiB");
	/* Ending exactly at 4 GiB is still fine. */
	img_build(&img);
	img.ph[2].p_paddr = 0x100000000ULL - 0x1800;
	img.ph[2].p_vaddr = img.ph[2].p_paddr;
	const char *reason;
	assert_int_equal(check(IMG_SIZE, &reason), 0);
	assert_int_equal(out.phys_end, 0x100000000ULL);
	assert_int_equal(out.range_count, 2);
}

static void test_overlapping_segments(void **state)
{
	img_build(&img);
	img.ph[2].p_paddr = 0x2000f0; /* inside the text segment */
	expect_reject(IMG_SIZE, "overlap");
}

static void test_shared_page_merged(void **state)
{
	const char *reason;

	/* Data starts in text's last page: one range, not two overlapping ones. */
	img_build(&img);
	img.ph[2].p_paddr = 0x200800;
	img.ph[2].p_vaddr = 0x200800;
	assert_int_equal(check(IMG_SIZE, &reason), 0);
	assert_int_equal(out.range_count, 1);
	assert_int_equal(out.ranges[0].start, 0x200000);
	assert_int_equal(out.ranges[0].end, 0x202000);
}

static void test_ranges_sorted_with_gap(void **state)
{
	const char *reason;

	/* Segments listed high first, with a gap: two ranges, sorted. */
	img_build(&img);
	img.ph[0].p_paddr = img.ph[0].p_vaddr = 0x400000;
	img.eh->e_entry = 0x400000;
	assert_int_equal(check(IMG_SIZE, &reason), 0);
	assert_int_equal(out.range_count, 2);
	assert_int_equal(out.ranges[0].start, 0x201000);
	assert_int_equal(out.ranges[1].start, 0x400000);
	assert_int_equal(out.ranges[1].end, 0x401000);
	assert_int_equal(out.phys_start, 0x201000);
	assert_int_equal(out.phys_end, 0x401000);
}

static void test_entry_outside(void **state)
{
	img_build(&img);
	img.eh->e_entry = 0x201100; /* in data's bss, not file-backed code */
	expect_reject(IMG_SIZE, "entry point");
	img_build(&img);
	img.eh->e_entry = 0x100000;
	expect_reject(IMG_SIZE, "entry point");
}

static void test_entry_translated(void **state)
{
	const char *reason;

	/* A higher-half linked text segment: entry becomes its physical address. */
	img_build(&img);
	img.ph[0].p_vaddr = 0xffffffff80200000ULL;
	img.eh->e_entry = 0xffffffff80200020ULL;
	assert_int_equal(check(IMG_SIZE, &reason), 0);
	assert_int_equal(out.entry_phys, 0x200020);
}

static void test_empty_segment_ignored(void **state)
{
	const char *reason;

	img_build(&img);
	img.ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_paddr = 0x900000};
	assert_int_equal(check(IMG_SIZE, &reason), 0);
	assert_int_equal(out.segment_count, 2);
	assert_int_equal(out.phys_end, 0x203000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_image),
	    cmocka_unit_test(test_copy_zeroes_bss),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_text_file),
	    cmocka_unit_test(test_not_elf64),
	    cmocka_unit_test(test_truncated_header),
	    cmocka_unit_test(test_big_endian),
	    cmocka_unit_test(test_wrong_machine),
	    cmocka_unit_test(test_not_exec),
	    cmocka_unit_test(test_phdrs_truncated),
	    cmocka_unit_test(test_bad_phentsize),
	    cmocka_unit_test(test_no_phdrs),
	    cmocka_unit_test(test_no_load_segments),
	    cmocka_unit_test(test_segment_beyond_file),
	    cmocka_unit_test(test_filesz_over_memsz),
	    cmocka_unit_test(test_address_overflow),
	    cmocka_unit_test(test_above_4g),
	    cmocka_unit_test(test_overlapping_segments),
	    cmocka_unit_test(test_shared_page_merged),
	    cmocka_unit_test(test_ranges_sorted_with_gap),
	    cmocka_unit_test(test_entry_outside),
	    cmocka_unit_test(test_entry_translated),
	    cmocka_unit_test(test_empty_segment_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
