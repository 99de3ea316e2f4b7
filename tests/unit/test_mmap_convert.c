/*
 * mmap_convert: UEFI memory map -> boot_info map. Type mapping, sorting,
 * merging, descriptor stride, and the overflow rule (drop the smallest
 * usable region, never invent usable memory).
 */
/* unit-test-sources: boot/mmap_convert.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/mmap_convert.h"

#define STRIDE	  48 /* what OVMF reports: larger than the 40-byte descriptor */
#define DESCS_MAX 600
#define PG	  4096ULL

static uint8_t map[DESCS_MAX * 64];
static size_t map_n, map_stride;
static struct boot_mem_region out[BOOT_MMAP_MAX + 1];
static uint32_t count;

static void map_reset(size_t stride)
{
	/* Fill with junk: the bytes past the descriptor must be ignored (and moved). */
	memset(map, 0xa5, sizeof(map));
	map_n = 0;
	map_stride = stride;
}

static void add(uint32_t type, uint64_t base, uint64_t pages)
{
	struct mmap_efi_desc d = {.type = type, .phys_start = base, .num_pages = pages};

	memcpy(map + map_n * map_stride, &d, sizeof(d));
	map_n++;
}

static int convert(uint32_t out_max)
{
	memset(out, 0, sizeof(out));
	return mmap_convert(map, map_n * map_stride, map_stride, out, out_max, &count);
}

static void expect(uint32_t i, uint64_t base, uint64_t length, uint32_t type)
{
	assert_true(i < count);
	assert_int_equal(out[i].base, base);
	assert_int_equal(out[i].length, length);
	assert_int_equal(out[i].type, type);
}

static void test_type_mapping(void **state)
{
	assert_int_equal(mmap_convert_type(MMAP_EFI_CONVENTIONAL), BOOT_MEM_USABLE);
	assert_int_equal(mmap_convert_type(MMAP_EFI_BOOT_SERVICES_CODE), BOOT_MEM_USABLE);
	assert_int_equal(mmap_convert_type(MMAP_EFI_BOOT_SERVICES_DATA), BOOT_MEM_USABLE);
	assert_int_equal(mmap_convert_type(MMAP_EFI_LOADER_CODE), BOOT_MEM_USABLE);
	assert_int_equal(mmap_convert_type(MMAP_EFI_LOADER_DATA), BOOT_MEM_USABLE);
	assert_int_equal(mmap_convert_type(MMAP_EFI_RUNTIME_SERVICES_CODE),
			 BOOT_MEM_FIRMWARE_RUNTIME);
	assert_int_equal(mmap_convert_type(MMAP_EFI_RUNTIME_SERVICES_DATA),
			 BOOT_MEM_FIRMWARE_RUNTIME);
	assert_int_equal(mmap_convert_type(MMAP_EFI_ACPI_RECLAIM), BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(mmap_convert_type(MMAP_EFI_ACPI_NVS), BOOT_MEM_ACPI_NVS);
	assert_int_equal(mmap_convert_type(MMAP_EFI_UNUSABLE), BOOT_MEM_BAD);
	assert_int_equal(mmap_convert_type(MMAP_EFI_RESERVED), BOOT_MEM_RESERVED);
	assert_int_equal(mmap_convert_type(MMAP_EFI_MMIO), BOOT_MEM_RESERVED);
	assert_int_equal(mmap_convert_type(MMAP_EFI_MMIO_PORT_SPACE), BOOT_MEM_RESERVED);
	assert_int_equal(mmap_convert_type(MMAP_EFI_PAL_CODE), BOOT_MEM_RESERVED);
	assert_int_equal(mmap_convert_type(MMAP_EFI_PERSISTENT), BOOT_MEM_RESERVED);
	assert_int_equal(mmap_convert_type(0x70000000), BOOT_MEM_RESERVED); /* OEM */
	assert_int_equal(mmap_convert_type(0x80000000), BOOT_MEM_RESERVED); /* OS loader */
}

static void test_sort_and_merge(void **state)
{
	map_reset(STRIDE);
	/* Unsorted; usable kinds adjacent to each other merge into one region. */
	add(MMAP_EFI_BOOT_SERVICES_DATA, 0x200000, 0x10);
	add(MMAP_EFI_CONVENTIONAL, 0x0, 0xa0);
	add(MMAP_EFI_LOADER_DATA, 0x100000, 0x100);
	add(MMAP_EFI_ACPI_NVS, 0x800000, 0x8);
	add(MMAP_EFI_CONVENTIONAL, 0x210000, 0x5f0); /* ends at 0x800000 */
	add(MMAP_EFI_ACPI_RECLAIM, 0x808000, 0x2);
	add(MMAP_EFI_MMIO, 0xfec00000, 0x1);
	add(MMAP_EFI_RUNTIME_SERVICES_CODE, 0x80a000, 0x1);
	add(MMAP_EFI_RUNTIME_SERVICES_DATA, 0x80b000, 0x3);

	assert_int_equal(convert(BOOT_MMAP_MAX), 0);
	assert_int_equal(count, 6);
	expect(0, 0x0, 0xa0 * PG, BOOT_MEM_USABLE);
	expect(1, 0x100000, 0x800000 - 0x100000, BOOT_MEM_USABLE); /* 3 descriptors merged */
	expect(2, 0x800000, 0x8 * PG, BOOT_MEM_ACPI_NVS);
	expect(3, 0x808000, 0x2 * PG, BOOT_MEM_ACPI_RECLAIM);
	expect(4, 0x80a000, 0x4 * PG, BOOT_MEM_FIRMWARE_RUNTIME); /* code + data merged */
	expect(5, 0xfec00000, PG, BOOT_MEM_RESERVED);
}

static void test_gap_prevents_merge(void **state)
{
	map_reset(STRIDE);
	add(MMAP_EFI_CONVENTIONAL, 0x0, 0x10);
	add(MMAP_EFI_CONVENTIONAL, 0x11000, 0x10); /* one page hole */
	assert_int_equal(convert(BOOT_MMAP_MAX), 0);
	assert_int_equal(count, 2);
	expect(1, 0x11000, 0x10 * PG, BOOT_MEM_USABLE);
}

static void test_stride(void **state)
{
	/* Same map with three strides: identical result. */
	static const size_t strides[] = {sizeof(struct mmap_efi_desc), STRIDE, 64};

	for (size_t s = 0; s < 3; s++) {
		map_reset(strides[s]);
		add(MMAP_EFI_ACPI_NVS, 0x3000, 1);
		add(MMAP_EFI_CONVENTIONAL, 0x0, 3);
		add(MMAP_EFI_CONVENTIONAL, 0x4000, 4);
		assert_int_equal(convert(BOOT_MMAP_MAX), 0);
		assert_int_equal(count, 3);
		expect(0, 0x0, 3 * PG, BOOT_MEM_USABLE);
		expect(1, 0x3000, PG, BOOT_MEM_ACPI_NVS);
		expect(2, 0x4000, 4 * PG, BOOT_MEM_USABLE);
	}
}

static void test_bad_stride(void **state)
{
	map_reset(STRIDE);
	add(MMAP_EFI_CONVENTIONAL, 0x0, 3);
	memset(out, 0, sizeof(out));
	assert_int_equal(
	    mmap_convert(map, STRIDE, sizeof(struct mmap_efi_desc) - 8, out, BOOT_MMAP_MAX, &count),
	    -EINVAL);
	assert_int_equal(count, 0);
	assert_int_equal(mmap_convert(map, STRIDE, STRIDE, out, 0, &count), -EINVAL);
}

static void test_partial_trailing_descriptor_ignored(void **state)
{
	map_reset(STRIDE);
	add(MMAP_EFI_CONVENTIONAL, 0x0, 3);
	add(MMAP_EFI_ACPI_NVS, 0x3000, 1);
	memset(out, 0, sizeof(out));
	assert_int_equal(mmap_convert(map, 2 * STRIDE - 1, STRIDE, out, BOOT_MMAP_MAX, &count), 0);
	assert_int_equal(count, 1);
}

static void test_zero_and_overflowing_skipped(void **state)
{
	map_reset(STRIDE);
	add(MMAP_EFI_CONVENTIONAL, 0x0, 0);
	add(MMAP_EFI_CONVENTIONAL, 0x1000, 1);
	add(MMAP_EFI_CONVENTIONAL, 0xfffffffffffff000ULL, 2);	      /* end wraps */
	add(MMAP_EFI_CONVENTIONAL, 0x2000000000ULL, UINT64_MAX >> 8); /* pages << 12 wraps */
	assert_int_equal(convert(BOOT_MMAP_MAX), 0);
	assert_int_equal(count, 1);
	expect(0, 0x1000, PG, BOOT_MEM_USABLE);
}

static void test_overlap_same_type_merged(void **state)
{
	map_reset(STRIDE);
	add(MMAP_EFI_CONVENTIONAL, 0x0, 0x10);
	add(MMAP_EFI_BOOT_SERVICES_CODE, 0x8000, 0x4); /* inside the first */
	add(MMAP_EFI_CONVENTIONAL, 0xc000, 0x10);      /* overlaps its end */
	assert_int_equal(convert(BOOT_MMAP_MAX), 0);
	assert_int_equal(count, 1);
	expect(0, 0x0, 0x1c000, BOOT_MEM_USABLE);
}

/* Alternating usable / reserved, never adjacent to its own type. */
static void build_alternating(size_t n, uint64_t usable_pages_of_i0)
{
	map_reset(STRIDE);
	for (size_t i = 0; i < n; i++) {
		uint64_t pages = (i % 2 == 0) ? (i == 0 ? usable_pages_of_i0 : 2 + i) : 1;
		add(i % 2 ? MMAP_EFI_RESERVED : MMAP_EFI_CONVENTIONAL, (uint64_t)i << 24, pages);
	}
}

static void test_overflow_drops_smallest_usable(void **state)
{
	/* 10 regions into 8: the two smallest usable (i=0 with 1 page, then i=2) go. */
	build_alternating(10, 1);
	assert_int_equal(convert(8), 2);
	assert_int_equal(count, 8);
	for (uint32_t i = 0; i < count; i++) {
		if (out[i].type == BOOT_MEM_USABLE) {
			assert_true(out[i].base != 0);
			assert_true(out[i].base != 2ULL << 24);
		}
		if (i)
			assert_true(out[i].base > out[i - 1].base);
	}
	/* Every reserved region survived. */
	uint32_t reserved = 0;
	for (uint32_t i = 0; i < count; i++)
		reserved += out[i].type == BOOT_MEM_RESERVED;
	assert_int_equal(reserved, 5);
}

static void test_overflow_without_usable_truncates_top(void **state)
{
	map_reset(STRIDE);
	for (uint64_t i = 0; i < 10; i++)
		add(i % 2 ? MMAP_EFI_ACPI_NVS : MMAP_EFI_RESERVED, i << 24, 1);
	assert_int_equal(convert(8), 2);
	assert_int_equal(count, 8);
	expect(7, 7ULL << 24, PG, BOOT_MEM_ACPI_NVS); /* 8 and 9 cut off */
}

static void test_overflow_incoming_smallest_dropped(void **state)
{
	/* The last usable region is the smallest: it goes, the big ones stay. */
	map_reset(STRIDE);
	add(MMAP_EFI_CONVENTIONAL, 0x0, 100);
	add(MMAP_EFI_RESERVED, 0x1000000, 1);
	add(MMAP_EFI_CONVENTIONAL, 0x2000000, 1);
	assert_int_equal(convert(2), 1);
	assert_int_equal(count, 2);
	expect(0, 0x0, 100 * PG, BOOT_MEM_USABLE);
	expect(1, 0x1000000, PG, BOOT_MEM_RESERVED);
}

static void test_many_descriptors_merge_within_limit(void **state)
{
	/* 500 fragments of usable kinds (what OVMF hands out) collapse to one region. */
	map_reset(STRIDE);
	for (uint64_t i = 0; i < 500; i++)
		add(i % 3 == 0 ? MMAP_EFI_BOOT_SERVICES_DATA
			       : (i % 3 == 1 ? MMAP_EFI_CONVENTIONAL : MMAP_EFI_LOADER_DATA),
		    (499 - i) * 2 * PG, 2); /* descending order: the sort must work */
	add(MMAP_EFI_RUNTIME_SERVICES_DATA, 1000 * PG, 4);
	assert_int_equal(convert(BOOT_MMAP_MAX), 0);
	assert_int_equal(count, 2);
	expect(0, 0, 1000 * PG, BOOT_MEM_USABLE);
	expect(1, 1000 * PG, 4 * PG, BOOT_MEM_FIRMWARE_RUNTIME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_mapping),
	    cmocka_unit_test(test_sort_and_merge),
	    cmocka_unit_test(test_gap_prevents_merge),
	    cmocka_unit_test(test_stride),
	    cmocka_unit_test(test_bad_stride),
	    cmocka_unit_test(test_partial_trailing_descriptor_ignored),
	    cmocka_unit_test(test_zero_and_overflowing_skipped),
	    cmocka_unit_test(test_overlap_same_type_merged),
	    cmocka_unit_test(test_overflow_drops_smallest_usable),
	    cmocka_unit_test(test_overflow_without_usable_truncates_top),
	    cmocka_unit_test(test_overflow_incoming_smallest_dropped),
	    cmocka_unit_test(test_many_descriptors_merge_within_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
