/* unit-test-sources: arch/x86/paging.c */
/*
 * Page-table builder: large pages where aligned, splitting when a smaller
 * piece changes rights, unmapping guard pages, lookups. Tables are real
 * 4 KiB-aligned host pages; their addresses double as "physical" ones.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/paging.h"

static unsigned tables_allocated;
static unsigned table_budget;

static hpa_t alloc_table(void *ctx)
{
	if (tables_allocated == table_budget)
		return 0;
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(p, 0, PAGE_SIZE);
	tables_allocated++;
	return (hpa_t)(uintptr_t)p;
}

static struct page_table make_pt(bool allow_1g)
{
	tables_allocated = 0;
	table_budget = 1000;
	struct page_table pt = {
	    .fmt = &pt_format_x86, .allow_1g = allow_1g, .alloc_table = alloc_table};
	assert_int_equal(paging_create(&pt), 0);
	return pt;
}

static void expect(const struct page_table *pt, uint64_t va, hpa_t hpa, uint64_t flags,
		   uint64_t size)
{
	hpa_t got;
	uint64_t f, s;
	assert_int_equal(paging_lookup(pt, va, &got, &f, &s), 0);
	assert_int_equal(got, hpa);
	assert_int_equal(f, flags | PTE_P);
	assert_int_equal(s, size);
}

/* Tables are leaked on purpose (the process ends after the run): no leak report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static void test_1g_pages_when_aligned(void **state)
{
	struct page_table pt = make_pt(true);
	assert_int_equal(paging_map(&pt, 0, 0, 4 * SZ_1G, PTE_W), 0);
	expect(&pt, 0x12345678, 0x12345678, PTE_W, SZ_1G);
	expect(&pt, 3 * SZ_1G + 5, 3 * SZ_1G + 5, PTE_W, SZ_1G);
	assert_int_equal(tables_allocated, 2); /* PML4 + one PDPT */
	assert_int_equal(paging_lookup(&pt, 4 * SZ_1G, NULL, NULL, NULL), -ENOENT);
}

static void test_2m_pages_without_1g_support(void **state)
{
	struct page_table pt = make_pt(false);
	assert_int_equal(paging_map(&pt, 0, 0, SZ_1G, PTE_W), 0);
	expect(&pt, SZ_2M + 4, SZ_2M + 4, PTE_W, SZ_2M);
	assert_int_equal(tables_allocated, 3); /* PML4, PDPT, PD */
}

static void test_unaligned_edges_use_small_pages(void **state)
{
	struct page_table pt = make_pt(true);
	/* 4 KiB .. 4 MiB + 4 KiB: 4 KiB pages up to 2 MiB, one 2 MiB page, then 4 KiB again. */
	assert_int_equal(paging_map(&pt, PAGE_SIZE, PAGE_SIZE, 2 * SZ_2M, 0), 0);
	expect(&pt, PAGE_SIZE, PAGE_SIZE, 0, PAGE_SIZE);
	expect(&pt, SZ_2M, SZ_2M, 0, SZ_2M);
	expect(&pt, 2 * SZ_2M, 2 * SZ_2M, 0, PAGE_SIZE);
	assert_int_equal(paging_lookup(&pt, 0, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(paging_lookup(&pt, 2 * SZ_2M + PAGE_SIZE, NULL, NULL, NULL), -ENOENT);
}

static void test_finer_rights_split_large_pages(void **state)
{
	struct page_table pt = make_pt(true);
	assert_int_equal(paging_map(&pt, 0, 0, SZ_1G, PTE_W | PTE_NX | PTE_PCD), 0);
	/* Kernel text in the middle of it: read-only, executable, cached. */
	assert_int_equal(paging_map(&pt, SZ_2M + PAGE_SIZE, SZ_2M + PAGE_SIZE, PAGE_SIZE, 0), 0);
	expect(&pt, SZ_2M + PAGE_SIZE, SZ_2M + PAGE_SIZE, 0, PAGE_SIZE);
	/* Neighbours keep the old rights, now as smaller pages. */
	expect(&pt, SZ_2M, SZ_2M, PTE_W | PTE_NX | PTE_PCD, PAGE_SIZE);
	expect(&pt, SZ_2M + 2 * PAGE_SIZE, SZ_2M + 2 * PAGE_SIZE, PTE_W | PTE_NX | PTE_PCD,
	       PAGE_SIZE);
	expect(&pt, 0, 0, PTE_W | PTE_NX | PTE_PCD, SZ_2M);
	expect(&pt, SZ_1G - 1, SZ_1G - 1, PTE_W | PTE_NX | PTE_PCD, SZ_2M);
}

static void test_coarse_map_over_finer_keeps_tables(void **state)
{
	struct page_table pt = make_pt(true);
	assert_int_equal(paging_map(&pt, 0, 0, SZ_1G, PTE_W), 0);
	assert_int_equal(paging_unmap(&pt, SZ_2M, PAGE_SIZE), 0);
	/* Re-mapping the whole GiB with other rights reaches through the split tables. */
	assert_int_equal(paging_map(&pt, 0, 0, SZ_1G, PTE_W | PTE_NX), 0);
	expect(&pt, SZ_2M, SZ_2M, PTE_W | PTE_NX, PAGE_SIZE);
	expect(&pt, 0, 0, PTE_W | PTE_NX, SZ_2M);
}

static unsigned tables_freed;

static void free_table(hpa_t table, void *ctx)
{
	free((void *)(uintptr_t)table);
	tables_freed++;
}

/* Every table the builder ever took comes back, splits included (ASan reports any leak). */
static void test_destroy_frees_every_table(void **state)
{
	struct page_table pt = make_pt(true);

	assert_int_equal(paging_map(&pt, 0, 0, 4 * SZ_1G, PTE_W), 0);
	assert_int_equal(paging_unmap(&pt, SZ_1G + SZ_2M, PAGE_SIZE), 0); /* 1G -> 2M -> 4K */
	assert_int_equal(paging_map(&pt, 600 * SZ_1G, 0, SZ_2M + PAGE_SIZE, PTE_W), 0);
	assert_true(tables_allocated > 5);
	tables_freed = 0;
	paging_destroy(&pt, free_table);
	assert_int_equal(tables_freed, tables_allocated);
	assert_int_equal(pt.root, 0);
	paging_destroy(&pt, free_table); /* an empty one: nothing to do */
	assert_int_equal(tables_freed, tables_allocated);
}

static void test_unmap_guard_page(void **state)
{
	struct page_table pt = make_pt(true);
	assert_int_equal(paging_map(&pt, 0, 0, SZ_1G, PTE_W), 0);
	uint64_t guard = 0x345000;
	assert_int_equal(paging_unmap(&pt, guard, PAGE_SIZE), 0);
	assert_int_equal(paging_lookup(&pt, guard, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(paging_lookup(&pt, guard + PAGE_SIZE - 1, NULL, NULL, NULL), -ENOENT);
	expect(&pt, guard - 1, guard - 1, PTE_W, PAGE_SIZE);
	expect(&pt, guard + PAGE_SIZE, guard + PAGE_SIZE, PTE_W, PAGE_SIZE);
	/* Unmapping a whole large page needs no split. */
	unsigned before = tables_allocated;
	assert_int_equal(paging_unmap(&pt, 8 * SZ_2M, SZ_2M), 0);
	assert_int_equal(tables_allocated, before);
	assert_int_equal(paging_lookup(&pt, 8 * SZ_2M, NULL, NULL, NULL), -ENOENT);
	/* Unmapping what was never mapped is harmless. */
	assert_int_equal(paging_unmap(&pt, 100 * SZ_1G, SZ_2M), 0);
}

static hpa_t pruned[8];
static unsigned pruned_count;

static void collect(hpa_t table, void *ctx)
{
	(void)ctx;
	pruned[pruned_count++] = table;
}

/* A window (kernel_map.c): 4 KiB pages in one 2 MiB granule, a large page in the next. */
static void test_prune_unlinks_page_tables(void **state)
{
	struct page_table pt = make_pt(true);
	uint64_t va = 1ULL << 40;
	assert_int_equal(paging_map(&pt, va, 0x200000, 4 * PAGE_SIZE, PTE_W), 0);
	assert_int_equal(paging_map(&pt, va + SZ_2M, 0x400000, SZ_2M, 0), 0);
	assert_int_equal(paging_map(&pt, va + 2 * SZ_2M, 0x800000, PAGE_SIZE, 0), 0);
	pruned_count = 0;
	paging_prune(&pt, va, 2 * SZ_2M, collect, NULL);
	/* The first granule's table went to collect; the large page had none. */
	assert_int_equal(pruned_count, 1);
	uint64_t *table = (uint64_t *)(uintptr_t)pruned[0];
	assert_int_equal(table[0], 0x200000 | PTE_W | PTE_P);
	free(table);
	assert_int_equal(paging_lookup(&pt, va, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(paging_lookup(&pt, va + SZ_2M, NULL, NULL, NULL), -ENOENT);
	/* Outside the range nothing changed; mapping the granule again makes a new table. */
	expect(&pt, va + 2 * SZ_2M, 0x800000, 0, PAGE_SIZE);
	unsigned before = tables_allocated;
	assert_int_equal(paging_map(&pt, va, 0x200000, PAGE_SIZE, 0), 0);
	assert_int_equal(tables_allocated, before + 1);
	/* Never mapped: nothing to prune. */
	pruned_count = 0;
	paging_prune(&pt, 200ULL << 30, SZ_2M, collect, NULL);
	assert_int_equal(pruned_count, 0);
}

static void test_translation_to_other_address(void **state)
{
	struct page_table pt = make_pt(true);
	assert_int_equal(paging_map(&pt, 0x40000000, 0x80000000, SZ_2M + PAGE_SIZE, PTE_W), 0);
	expect(&pt, 0x40000010, 0x80000010, PTE_W, SZ_2M);
	expect(&pt, 0x40000000 + SZ_2M, 0x80000000 + SZ_2M, PTE_W, PAGE_SIZE);
}

static void test_bad_arguments(void **state)
{
	struct page_table pt = make_pt(true);
	assert_int_equal(paging_map(&pt, 1, 0, PAGE_SIZE, 0), -EINVAL);
	assert_int_equal(paging_map(&pt, 0, 0x800, PAGE_SIZE, 0), -EINVAL);
	assert_int_equal(paging_map(&pt, 0, 0, 100, 0), -EINVAL);
	assert_int_equal(paging_map(&pt, UINT64_MAX & ~0xfffULL, 0, 2 * PAGE_SIZE, 0), -EINVAL);
	assert_int_equal(paging_unmap(&pt, 0x10, PAGE_SIZE), -EINVAL);
}

static void test_out_of_tables(void **state)
{
	struct page_table pt = make_pt(false);
	table_budget = tables_allocated + 1; /* a PDPT, but no PD */
	assert_int_equal(paging_map(&pt, 0, 0, SZ_2M, PTE_W), -ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_1g_pages_when_aligned),
	    cmocka_unit_test(test_2m_pages_without_1g_support),
	    cmocka_unit_test(test_unaligned_edges_use_small_pages),
	    cmocka_unit_test(test_finer_rights_split_large_pages),
	    cmocka_unit_test(test_coarse_map_over_finer_keeps_tables),
	    cmocka_unit_test(test_destroy_frees_every_table),
	    cmocka_unit_test(test_unmap_guard_page),
	    cmocka_unit_test(test_prune_unlinks_page_tables),
	    cmocka_unit_test(test_translation_to_other_address),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_out_of_tables),
	};
	return cmocka_run_group_tests_name("paging", tests, NULL, NULL);
}
