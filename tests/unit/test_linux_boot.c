/*
 * linux_boot: a synthetic bzImage (the setup header of a 2.15 kernel, as
 * Debian's carries it) checked, placed and given its zero page. Each
 * rejection is checked by its exact reason.
 */
/* unit-test-sources: kernel/guest/linux_boot.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/linux_boot.h"

#define SETUP_SECTS 3
#define SETUP_SIZE  ((SETUP_SECTS + 1) * 512)
#define BODY_SIZE   0x2000
#define FILE_SIZE   (SETUP_SIZE + BODY_SIZE)
#define INIT_SIZE   0x40000
#define PREF	    0x1000000ULL /* 16 MiB, CONFIG_PHYSICAL_START */
#define ALIGN	    0x200000
#define RAM_SIZE    (64 * SZ_1M)
#define TABLES	    (RAM_SIZE - 7 * PAGE_SIZE) /* guest_boot's long64 tables */

static uint8_t file[FILE_SIZE];
static char reason[LINUX_BOOT_REASON_MAX];

static void put(size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		file[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int setup(void **state)
{
	memset(file, 0, sizeof(file));
	file[0x1f1] = SETUP_SECTS;
	put(0x1f4, BODY_SIZE / 16, 4);
	put(0x1fe, 0xaa55, 2);
	file[0x200] = 0xeb;
	file[0x201] = 0x6a; /* the header ends at 0x26c */
	put(0x202, 0x53726448, 4);
	put(0x206, 0x020f, 2);
	file[0x211] = 0x01; /* LOADED_HIGH */
	put(0x22c, 0x7fffffff, 4);
	put(0x230, ALIGN, 4);
	file[0x234] = 1;
	put(0x236, 0x7f, 2);
	put(0x238, 2047, 4);
	put(0x258, PREF, 8);
	put(0x260, INIT_SIZE, 4);
	memset(file + SETUP_SIZE, 0xcc, BODY_SIZE);
	return 0;
}

static int inspect(uint64_t size, uint64_t usable_end, struct linux_bzimage *bz)
{
	return linux_bzimage_inspect(file, size, usable_end, bz, reason);
}

static void test_placed_at_pref_address(void **state)
{
	struct linux_bzimage bz;
	assert_int_equal(inspect(FILE_SIZE, TABLES, &bz), 0);
	assert_int_equal(bz.version, 0x020f);
	assert_int_equal(bz.setup_size, SETUP_SIZE);
	assert_int_equal(bz.kernel_size, BODY_SIZE);
	assert_int_equal(bz.init_size, INIT_SIZE);
	assert_int_equal(bz.load_gpa, PREF);
	assert_int_equal(bz.entry_gpa, PREF + 0x200);
	assert_int_equal(bz.header_end, 0x26c);
}

static void test_relocated_when_pref_does_not_fit(void **state)
{
	struct linux_bzimage bz;
	/* 16 MiB of RAM: 16 MiB + init_size is beyond it; 2 MiB is the first aligned slot. */
	assert_int_equal(inspect(FILE_SIZE, 16 * SZ_1M, &bz), 0);
	assert_int_equal(bz.load_gpa, 2 * SZ_1M);
	file[0x234] = 0;
	assert_int_equal(inspect(FILE_SIZE, 16 * SZ_1M, &bz), -EFBIG);
	assert_string_equal(reason, "kernel needs 0x40000 bytes at 0x1000000 (not relocatable): "
				    "guest RAM ends at 0x1000000");
}

static void test_does_not_fit(void **state)
{
	struct linux_bzimage bz;
	assert_int_equal(inspect(FILE_SIZE, 2 * SZ_1M + 0x1000, &bz), -EFBIG);
	assert_string_equal(reason,
			    "kernel needs 0x40000 bytes from 0x200000: guest RAM ends at 0x201000");
}

static void expect_rejected(uint64_t size, const char *why)
{
	struct linux_bzimage bz;
	assert_int_equal(inspect(size, TABLES, &bz), -ENOEXEC);
	assert_string_equal(reason, why);
}

static void test_rejections(void **state)
{
	expect_rejected(0x100, "not a bzImage (no boot flag and HdrS header)");
	file[0x202] = 'X';
	expect_rejected(FILE_SIZE, "not a bzImage (no boot flag and HdrS header)");
	setup(NULL);
	put(0x206, 0x020b, 2);
	expect_rejected(FILE_SIZE, "boot protocol 2.11 is too old (need 2.12)");
	setup(NULL);
	file[0x201] = 0x10;
	expect_rejected(FILE_SIZE, "setup header ends at 0x212: truncated or corrupt");
	setup(NULL);
	expect_rejected(0x260, "setup header ends at 0x26c: truncated or corrupt");
	setup(NULL);
	file[0x211] = 0;
	expect_rejected(FILE_SIZE, "a zImage (loads below 1 MiB), not a bzImage");
	setup(NULL);
	put(0x236, 0x7e, 2);
	expect_rejected(FILE_SIZE, "no 64-bit entry point (xloadflags bit 0)");
	setup(NULL);
	expect_rejected(SETUP_SIZE, "truncated: 3 setup sectors, the file has 2048 bytes");
	expect_rejected(FILE_SIZE - 16,
			"truncated: the kernel is 0x2000 bytes, the file holds 0x1ff0");
	put(0x260, 0x1000, 4);
	expect_rejected(FILE_SIZE, "init_size 0x1000 is smaller than the kernel (0x2000)");
	setup(NULL);
	put(0x230, 0x3000, 4);
	struct linux_bzimage bz;
	assert_int_equal(inspect(FILE_SIZE, 16 * SZ_1M, &bz), -ENOEXEC);
	assert_string_equal(reason, "kernel_alignment 0x3000 is not a power of two");
}

static void test_initrd_placement(void **state)
{
	struct linux_bzimage bz;
	gpa_t gpa;
	assert_int_equal(inspect(FILE_SIZE, TABLES, &bz), 0);
	assert_int_equal(linux_initrd_place(&bz, 0, TABLES, &gpa, reason), 0);
	assert_int_equal(gpa, 0);
	/* Highest page boundary below the boot tables. */
	assert_int_equal(linux_initrd_place(&bz, 0x1800, TABLES, &gpa, reason), 0);
	assert_int_equal(gpa, TABLES - 0x2000);
	/* initrd_addr_max below the tables caps it. */
	put(0x22c, 0x2000000 - 1, 4);
	assert_int_equal(inspect(FILE_SIZE, TABLES, &bz), 0);
	assert_int_equal(linux_initrd_place(&bz, 0x1000, TABLES, &gpa, reason), 0);
	assert_int_equal(gpa, 0x2000000 - 0x1000);
	/* Between the kernel's end (16 MiB + 256 KiB) and 32 MiB there are 15.75 MiB. */
	assert_int_equal(linux_initrd_place(&bz, 16 * SZ_1M, TABLES, &gpa, reason), -EFBIG);
	assert_string_equal(reason, "initramfs of 16777216 bytes does not fit between the kernel "
				    "(ends 0x1040000) and 0x2000000");
}

static void test_zero_page(void **state)
{
	struct linux_bzimage bz;
	uint8_t *ram = calloc(1, RAM_SIZE);
	assert_non_null(ram);
	assert_int_equal(inspect(FILE_SIZE, TABLES, &bz), 0);
	assert_int_equal(linux_boot_params_write(ram, RAM_SIZE, TABLES, file, &bz,
						 "console=ttyS0 quiet", 0, 0x3000000, 0x1234,
						 0xe0000, reason),
			 0);
	const uint8_t *zp = ram + LINUX_ZERO_PAGE_GPA;
	assert_int_equal(get(zp + 0x202, 4), 0x53726448); /* the header, copied */
	assert_int_equal(get(zp + 0x206, 2), 0x020f);
	assert_int_equal(zp[0x210], 0xff);
	assert_int_equal(get(zp + 0x228, 4), LINUX_CMDLINE_GPA);
	assert_string_equal((const char *)ram + LINUX_CMDLINE_GPA, "console=ttyS0 quiet");
	assert_int_equal(get(zp + 0x218, 4), 0x3000000);
	assert_int_equal(get(zp + 0x21c, 4), 0x1234);
	assert_int_equal(zp[0x26c], 0); /* nothing past the header's end */
	assert_int_equal(get(zp + 0x70, 8), 0xe0000); /* acpi_rsdp_addr */
	static const uint64_t e820[][3] = {{0, 0x9f000, 1},
					   {0x9f000, 0x100000 - 0x9f000, 2},
					   {0x100000, TABLES - 0x100000, 1},
					   {TABLES, RAM_SIZE - TABLES, 2}};
	assert_int_equal(zp[0x1e8], 4);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *e = zp + 0x2d0 + 20 * i;
		assert_int_equal(get(e, 8), e820[i][0]);
		assert_int_equal(get(e + 8, 8), e820[i][1]);
		assert_int_equal(get(e + 16, 4), e820[i][2]);
	}
	/* A command line longer than the kernel's cmdline_size is refused. */
	char long_line[2100];
	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	assert_int_equal(linux_boot_params_write(ram, RAM_SIZE, TABLES, file, &bz, long_line, 0, 0,
						 0, 0, reason),
			 -EINVAL);
	assert_string_equal(reason, "command line of 2099 bytes: this kernel takes at most 2047");
	free(ram);
}

/* The TSC's rate goes on the command line unless it is there already or does not fit. */
static void test_tsc_hint(void **state)
{
	struct linux_bzimage bz;
	uint8_t *ram = calloc(1, RAM_SIZE);
	const char *line = (const char *)ram + LINUX_CMDLINE_GPA;
	assert_non_null(ram);
	assert_int_equal(inspect(FILE_SIZE, TABLES, &bz), 0);
	assert_int_equal(linux_boot_params_write(ram, RAM_SIZE, TABLES, file, &bz, "quiet", 2445521,
						 0, 0, 0, reason),
			 0);
	assert_string_equal(line, "quiet tsc_early_khz=2445521");
	assert_int_equal(
	    linux_boot_params_write(ram, RAM_SIZE, TABLES, file, &bz, "", 50002, 0, 0, 0, reason),
	    0);
	assert_string_equal(line, "tsc_early_khz=50002");
	assert_int_equal(linux_boot_params_write(ram, RAM_SIZE, TABLES, file, &bz,
						 "tsc_early_khz=1000 quiet", 50002, 0, 0, 0,
						 reason),
			 0);
	assert_string_equal(line, "tsc_early_khz=1000 quiet");
	/* 2047 bytes fit this kernel; 2040 leave no room for the hint: the line stays whole. */
	char full[2041];
	memset(full, 'a', sizeof(full) - 1);
	full[sizeof(full) - 1] = '\0';
	assert_int_equal(
	    linux_boot_params_write(ram, RAM_SIZE, TABLES, file, &bz, full, 50002, 0, 0, 0, reason),
	    0);
	assert_string_equal(line, full);
	free(ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_placed_at_pref_address, setup),
	    cmocka_unit_test_setup(test_relocated_when_pref_does_not_fit, setup),
	    cmocka_unit_test_setup(test_does_not_fit, setup),
	    cmocka_unit_test_setup(test_rejections, setup),
	    cmocka_unit_test_setup(test_initrd_placement, setup),
	    cmocka_unit_test_setup(test_zero_page, setup),
	    cmocka_unit_test_setup(test_tsc_hint, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
