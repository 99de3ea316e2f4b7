/* unit-test-sources: kernel/mm/pmm.c */
/* Frame allocator: accounting, contiguous and aligned runs, freeing, misuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernel/mm/pmm.h"

#define FRAMES 4096 /* 16 MiB of "RAM" */

static uint64_t *bitmap;

static int setup(void **state)
{
	bitmap = malloc(pmm_bitmap_bytes(FRAMES));
	pmm_init(bitmap, FRAMES);
	return 0;
}

static int teardown(void **state)
{
	free(bitmap);
	return 0;
}

static void test_starts_empty_and_counts_released(void **state)
{
	struct pmm_stats st;
	pmm_get_stats(&st);
	assert_int_equal(st.total_frames, 0);
	assert_int_equal(pmm_alloc_frame(), 0);

	/* Unaligned edges are rounded inward: 0x1800..0x5800 holds frames 2, 3, 4. */
	pmm_release_range(0x1800, 0x4000);
	pmm_get_stats(&st);
	assert_int_equal(st.total_frames, 3);
	assert_int_equal(st.free_frames, 3);
}

static void test_frame_zero_never_handed_out(void **state)
{
	pmm_release_range(0, 4 * PAGE_SIZE);
	hpa_t a = pmm_alloc_frame();
	assert_int_equal(a, PAGE_SIZE);
	struct pmm_stats st;
	pmm_get_stats(&st);
	assert_int_equal(st.total_frames, 3);
}

static void test_reserve_takes_frames_out(void **state)
{
	pmm_release_range(SZ_1M, SZ_1M);
	pmm_reserve_range(SZ_1M + 0x800, 0x1000); /* rounded outward: 2 frames */
	struct pmm_stats st;
	pmm_get_stats(&st);
	assert_int_equal(st.free_frames, 256 - 2);
	hpa_t a = pmm_alloc_frame();
	assert_int_equal(a, SZ_1M + 2 * PAGE_SIZE);
}

static void test_contiguous_run_skips_holes(void **state)
{
	pmm_release_range(PAGE_SIZE, 10 * PAGE_SIZE);
	pmm_reserve_range(4 * PAGE_SIZE, PAGE_SIZE); /* hole at frame 4 */
	hpa_t run = pmm_alloc_frames(5, PAGE_SIZE);
	assert_int_equal(run, 5 * PAGE_SIZE);
	/* Only frames 1-3 and 10 remain: no run of 4. */
	assert_int_equal(pmm_alloc_frames(4, PAGE_SIZE), 0);
	assert_int_equal(pmm_alloc_frames(3, PAGE_SIZE), PAGE_SIZE);
}

static void test_2m_aligned_run(void **state)
{
	pmm_release_range(PAGE_SIZE, 8 * SZ_1M);
	hpa_t a = pmm_alloc_frames(512, SZ_2M);
	assert_int_not_equal(a, 0);
	assert_int_equal(a % SZ_2M, 0);
	assert_int_equal(a, SZ_2M); /* 0 is never used, so the first aligned run starts at 2 MiB */
	hpa_t b = pmm_alloc_frames(512, SZ_2M);
	assert_int_equal(b, 2 * SZ_2M);
	/* Bad alignments are refused. */
	assert_int_equal(pmm_alloc_frames(1, 3 * PAGE_SIZE), 0);
	assert_int_equal(pmm_alloc_frames(1, 16), 0);
	assert_int_equal(pmm_alloc_frames(0, PAGE_SIZE), 0);
}

static void test_free_and_reuse(void **state)
{
	pmm_release_range(PAGE_SIZE, 4 * PAGE_SIZE);
	hpa_t a = pmm_alloc_frames(4, PAGE_SIZE);
	assert_int_equal(a, PAGE_SIZE);
	assert_int_equal(pmm_alloc_frame(), 0);
	assert_int_equal(pmm_free_frames(a, 4), 0);
	struct pmm_stats st;
	pmm_get_stats(&st);
	assert_int_equal(st.free_frames, 4);
	assert_int_equal(pmm_alloc_frames(4, PAGE_SIZE), a);
}

static void test_bad_frees_are_refused(void **state)
{
	pmm_release_range(PAGE_SIZE, 4 * PAGE_SIZE);
	hpa_t a = pmm_alloc_frame();
	assert_int_equal(pmm_free_frames(a, 1), 0);
	assert_int_equal(pmm_free_frames(a, 1), -EINVAL);     /* double free */
	assert_int_equal(pmm_free_frames(a + 1, 1), -EINVAL); /* unaligned */
	assert_int_equal(pmm_free_frames(0, 1), -EINVAL);     /* frame 0 */
	assert_int_equal(pmm_free_frames((uint64_t)FRAMES * PAGE_SIZE, 1), -EINVAL); /* beyond */
	assert_int_equal(pmm_free_frames(PAGE_SIZE, UINT64_MAX), -EINVAL);	     /* overflow */
	struct pmm_stats st;
	pmm_get_stats(&st);
	assert_int_equal(st.free_frames, 4);
}

static void test_exhaustion(void **state)
{
	pmm_release_range(PAGE_SIZE, 3 * PAGE_SIZE);
	assert_int_not_equal(pmm_alloc_frame(), 0);
	assert_int_not_equal(pmm_alloc_frame(), 0);
	assert_int_not_equal(pmm_alloc_frame(), 0);
	assert_int_equal(pmm_alloc_frame(), 0);
	assert_int_equal(pmm_alloc_frames(FRAMES + 1, PAGE_SIZE), 0);
}

/* Runs over many bitmap words: a single used frame deep inside is still seen. */
static void test_long_runs_see_single_frames(void **state)
{
	pmm_release_range(PAGE_SIZE, 12 * SZ_1M);
	pmm_reserve_range(SZ_2M + 700 * PAGE_SIZE, PAGE_SIZE); /* mid-word, 2nd 2 MiB chunk */
	hpa_t a = pmm_alloc_frames(1024, SZ_2M);
	assert_int_equal(a, 3 * SZ_2M);
	hpa_t b = pmm_alloc_frames(300, PAGE_SIZE); /* fits below the hole, unaligned end */
	assert_int_equal(b, PAGE_SIZE);
	struct pmm_stats st;
	pmm_get_stats(&st);
	assert_int_equal(st.free_frames, 3072 - 1 - 1024 - 300);

	/* Frees: a double free anywhere in a long run frees nothing. */
	assert_int_equal(pmm_free_frames(a + 512 * PAGE_SIZE, 1), 0);
	assert_int_equal(pmm_free_frames(a, 1024), -EINVAL);
	assert_int_equal(pmm_alloc_frame(), 301 * PAGE_SIZE); /* the first free frame, past b */
	assert_int_equal(pmm_free_frames(301 * PAGE_SIZE, 1), 0);
	assert_int_equal(pmm_alloc_frames(1, 4 * SZ_2M), a + 512 * PAGE_SIZE); /* 8 MiB */
	assert_int_equal(pmm_free_frames(a, 1024), 0);
	assert_int_equal(pmm_free_frames(b, 300), 0);
	pmm_get_stats(&st);
	assert_int_equal(st.free_frames, 3072 - 1);
	assert_int_equal(pmm_alloc_frames(1024, SZ_2M), SZ_2M * 3);

	/* Reserving a range of whole words takes exactly its free frames. */
	pmm_reserve_range(10 * SZ_1M, 2 * SZ_1M);
	pmm_get_stats(&st);
	assert_int_equal(st.free_frames, 3072 - 1 - 1024 - 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_starts_empty_and_counts_released, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frame_zero_never_handed_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reserve_takes_frames_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_contiguous_run_skips_holes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_2m_aligned_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_and_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_frees_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_runs_see_single_frames, setup, teardown),
	};
	return cmocka_run_group_tests_name("pmm", tests, NULL, NULL);
}
