/* unit-test-sources: tests/unit/guest_ram_fixture.c kernel/guest/guest_ram.c kernel/guest/guest_dirty.c */
/*
 * Lazily zeroed guest RAM over a host buffer full of "previous owner" bytes:
 * what guest_ram_ptr, guest_ram_populate and guest_ram_fault zero (exactly
 * that, and before anything sees it), what they map, bounds, and the
 * restart scrub. The backend's guest_map is a recorder.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/guest_ram.h"
#include "tests/unit/guest_ram_fixture.h"
#include "kernel/guest/virt.h"

#define RAM_SIZE (8 * SZ_2M)
#define STALE	 0xa5

static struct guest *g;
static uint8_t *backing;

static struct {
	unsigned calls;
	gpa_t gpa;
	uint64_t size;
	int fail; /* error to return */
} maps;
static unsigned stops;

static int fake_guest_map(struct guest *gg, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
			  enum gmap_type type)
{
	assert_ptr_equal(gg, g);
	assert_int_equal(hpa, g->mem_hpa + gpa);
	assert_int_equal(rights, GMAP_RWX);
	assert_int_equal(type, GMAP_WB);
	maps.calls++;
	maps.gpa = gpa;
	maps.size = size;
	return maps.fail;
}

static struct {
	unsigned calls;
	gpa_t gpa;
	uint64_t size;
} unmaps;

static int fake_guest_unmap(struct guest *gg, gpa_t gpa, uint64_t size)
{
	assert_ptr_equal(gg, g);
	unmaps.calls++;
	unmaps.gpa = gpa;
	unmaps.size = size;
	return 0;
}

static const struct virt_ops fake_virt = {
    .name = "fake", .guest_map = fake_guest_map, .guest_unmap = fake_guest_unmap};
const struct virt_ops *virt = &fake_virt;

int guest_map(struct guest *gg, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
	      enum gmap_type type)
{
	return fake_guest_map(gg, gpa, hpa, size, rights, type);
}

void guest_stop(struct guest *gg, enum guest_state state, int code, const char *fmt, ...)
{
	assert_ptr_equal(gg, g);
	assert_int_equal(state, GUEST_CRASHED);
	stops++;
}

static int setup(void **state)
{
	memset(&maps, 0, sizeof(maps));
	memset(&unmaps, 0, sizeof(unmaps));
	stops = 0;
	return guest_ram_fixture_create(RAM_SIZE, STALE, &g, &backing);
}

static int teardown(void **state)
{
	guest_ram_fixture_destroy(g, backing);
	return 0;
}

/* Every byte of [gpa, gpa+len) equals value. */
static bool all(gpa_t gpa, uint64_t len, uint8_t value)
{
	for (uint64_t i = 0; i < len; i++)
		if (backing[gpa + i] != value)
			return false;
	return true;
}

/* Release zeroes what this run touched (ready chunks, single pages) and nothing else. */
static void test_release_scrubs_touched(void **state)
{
	uint8_t *p = guest_ram_ptr(g, 2 * SZ_2M, 8); /* chunk 2 ready */
	memset(p, 0x5a, SZ_2M);
	assert_int_equal(guest_ram_populate(g, 5 * SZ_2M + PAGE_SIZE, 16), 0); /* one page */
	backing[5 * SZ_2M + PAGE_SIZE] = 0x77;
	guest_ram_release(g);
	assert_null(g->ram.page_zeroed);
	assert_true(all(2 * SZ_2M, SZ_2M, 0));
	assert_true(all(5 * SZ_2M + PAGE_SIZE, PAGE_SIZE, 0));
	assert_true(all(0, 2 * SZ_2M, STALE));
	assert_true(all(3 * SZ_2M, 2 * SZ_2M + PAGE_SIZE, STALE));
	assert_true(all(5 * SZ_2M + 2 * PAGE_SIZE, 3 * SZ_2M - 2 * PAGE_SIZE, STALE));
}

static void test_init_bounds(void **state)
{
	struct guest bad = {.mem_size = SZ_2M + 1};
	assert_int_equal(guest_ram_init(&bad), -EINVAL);
	bad.mem_size = 0;
	assert_int_equal(guest_ram_init(&bad), -EINVAL);
	bad.mem_size = GUEST_MMIO_BASE + SZ_2M;
	assert_int_equal(guest_ram_init(&bad), -EINVAL);
	assert_true(all(0, RAM_SIZE, STALE));
}

/* RAM of whole MiBs: a partial last chunk is zeroed and mapped up to the end of RAM only. */
static void test_partial_last_chunk(void **state)
{
	guest_ram_fixture_destroy(g, backing);
	assert_int_equal(guest_ram_fixture_create(3 * SZ_1M, STALE, &g, &backing), 0);
	assert_int_equal(g->ram.chunks, 2);
	assert_null(guest_ram_ptr(g, 3 * SZ_1M - 8, 16)); /* runs past RAM */
	assert_null(guest_ram_read_ptr(g, 3 * SZ_1M, 1));
	assert_null(guest_ram_read_ptr(g, SZ_4G + SZ_2M, 1));
	uint8_t *p = guest_ram_ptr(g, SZ_2M + 0x10, 8);
	assert_ptr_equal(p, backing + SZ_2M + 0x10);
	assert_true(all(SZ_2M, SZ_1M, 0));
	assert_true(all(0, SZ_2M, STALE));
	assert_int_equal(g->ram.ready_end[1], 3 * SZ_1M);
	assert_int_equal(g->ram.ready_end[2], 0);
	/* A fault in the other chunk maps all 2 MiB of it; one in the last maps its 1 MiB. */
	guest_ram_fixture_destroy(g, backing);
	assert_int_equal(guest_ram_fixture_create(3 * SZ_1M, STALE, &g, &backing), 0);
	assert_true(guest_ram_fault(g, SZ_2M + SZ_1M / 2));
	assert_int_equal(maps.gpa, SZ_2M);
	assert_int_equal(maps.size, SZ_1M);
	assert_true(all(SZ_2M, SZ_1M, 0));
	assert_false(guest_ram_fault(g, 3 * SZ_1M));
	assert_true(guest_ram_fault(g, 0));
	assert_int_equal(maps.size, SZ_2M);
	assert_int_equal(g->ram.ready_end[0], 3 * SZ_1M); /* one run of ready chunks now */
}

static void test_ptr_zeroes_its_chunks_only(void **state)
{
	uint8_t *p = guest_ram_ptr(g, 3 * SZ_2M + 0x123, 16);
	assert_ptr_equal(p, backing + 3 * SZ_2M + 0x123);
	assert_true(all(3 * SZ_2M, SZ_2M, 0));
	assert_true(all(0, 3 * SZ_2M, STALE));
	assert_true(all(4 * SZ_2M, 4 * SZ_2M, STALE));
	assert_int_equal(maps.calls, 0); /* the guest maps it by touching it */

	/* Ready now: what the hypervisor wrote there stays. */
	p[0] = 0x42;
	assert_ptr_equal(guest_ram_ptr(g, 3 * SZ_2M + 0x123, 1), p);
	assert_int_equal(p[0], 0x42);

	/* Across a chunk boundary: both chunks. */
	assert_non_null(guest_ram_ptr(g, 6 * SZ_2M - 8, 16));
	assert_true(all(5 * SZ_2M, 2 * SZ_2M, 0));
	assert_true(all(4 * SZ_2M, SZ_2M, STALE));
}

static void test_ptr_bounds(void **state)
{
	assert_null(guest_ram_ptr(g, RAM_SIZE, 1));
	assert_null(guest_ram_ptr(g, RAM_SIZE - 4, 8));
	assert_null(guest_ram_ptr(g, SZ_4G + 0x1000, 1)); /* aliases chunk 0's entry */
	assert_null(guest_ram_ptr(g, 0x10, UINT64_MAX));
	assert_true(all(0, RAM_SIZE, STALE));

	/* Ready chunks do not widen the bounds. */
	assert_non_null(guest_ram_ptr(g, RAM_SIZE - 8, 8));
	assert_null(guest_ram_ptr(g, RAM_SIZE - 8, 9));
	assert_null(guest_ram_ptr(g, SZ_4G + RAM_SIZE - 8, 8));
	assert_null(guest_ram_ptr(g, RAM_SIZE - 8, UINT64_MAX - 4));
	assert_non_null(guest_ram_ptr(g, 0, 0)); /* an empty range zeroes nothing */
	assert_true(all(0, SZ_2M, STALE));
}

static void test_ready_runs(void **state)
{
	guest_ram_ptr(g, 0, 1);
	guest_ram_ptr(g, 2 * SZ_2M, 1);
	assert_int_equal(g->ram.ready_end[0], SZ_2M);
	assert_int_equal(g->ram.ready_end[1], 0);
	assert_int_equal(g->ram.ready_end[2], 3 * SZ_2M);
	guest_ram_ptr(g, SZ_2M, 1);
	for (unsigned c = 0; c < 3; c++)
		assert_int_equal(g->ram.ready_end[c], 3 * SZ_2M);
	assert_int_equal(g->ram.ready_end[3], 0);
	assert_non_null(guest_ram_ptr(g, 0x10, 3 * SZ_2M - 0x10));
	assert_true(all(3 * SZ_2M, 5 * SZ_2M, STALE));
}

static void test_populate_then_fault(void **state)
{
	/* The loader: a 0x20-byte segment at 1 MiB + 0x10. */
	assert_int_equal(guest_ram_populate(g, 0x100010, 0x20), 0);
	assert_true(all(0x100000, PAGE_SIZE, 0));
	assert_true(all(0, 0x100000, STALE));
	assert_true(all(0x101000, RAM_SIZE - 0x101000, STALE));
	assert_int_equal(maps.calls, 1);
	assert_int_equal(maps.gpa, 0x100000);
	assert_int_equal(maps.size, PAGE_SIZE);
	memset(backing + 0x100010, 0x11, 0x20); /* the image */

	/* The hypervisor reads the populated page: it is not a ready chunk, so all of it. */
	assert_int_equal(*(uint8_t *)guest_ram_ptr(g, 0x100010, 1), 0x11);
	assert_true(all(0, 0x100010, 0));
	assert_true(all(0x100010, 0x20, 0x11));
	assert_true(all(0x100030, SZ_2M - 0x100030, 0));

	/* The guest touches the top chunk: zeroed, mapped whole, once. */
	maps.calls = 0;
	assert_true(guest_ram_fault(g, RAM_SIZE - 1));
	assert_true(all(7 * SZ_2M, SZ_2M, 0));
	assert_int_equal(maps.calls, 1);
	assert_int_equal(maps.gpa, 7 * SZ_2M);
	assert_int_equal(maps.size, SZ_2M);
	assert_true(guest_ram_fault(g, RAM_SIZE - 0x1000));
	assert_int_equal(maps.calls, 1);
	assert_true(all(SZ_2M, 6 * SZ_2M, STALE));

	assert_false(guest_ram_fault(g, RAM_SIZE));
	assert_false(guest_ram_fault(g, GUEST_MMIO_BASE));
	assert_int_equal(stops, 0);
}

static void test_fault_keeps_populated_pages(void **state)
{
	assert_int_equal(guest_ram_populate(g, SZ_2M - PAGE_SIZE, 2 * PAGE_SIZE), 0);
	memset(backing + SZ_2M - PAGE_SIZE, 0x22, 2 * PAGE_SIZE);
	assert_true(guest_ram_fault(g, 0x5000));
	assert_true(all(0, SZ_2M - PAGE_SIZE, 0));
	assert_true(all(SZ_2M - PAGE_SIZE, 2 * PAGE_SIZE, 0x22));
	assert_true(all(SZ_2M + PAGE_SIZE, SZ_2M - PAGE_SIZE, STALE));
	assert_true(guest_ram_fault(g, SZ_2M + 0x5000));
	assert_true(all(SZ_2M, PAGE_SIZE, 0x22));
	assert_true(all(SZ_2M + PAGE_SIZE, SZ_2M - PAGE_SIZE, 0));
}

static void test_populate_whole_chunk(void **state)
{
	assert_int_equal(guest_ram_populate(g, 2 * SZ_2M, SZ_2M), 0);
	assert_true(all(2 * SZ_2M, SZ_2M, 0));
	assert_int_equal(g->ram.ready_end[2], 3 * SZ_2M);
	/* Mapped whole already: a stale fault only retries. */
	maps.calls = 0;
	assert_true(guest_ram_fault(g, 2 * SZ_2M));
	assert_int_equal(maps.calls, 0);
	assert_int_equal(guest_ram_populate(g, RAM_SIZE - 8, 16), -EINVAL);
}

static void test_fault_without_memory_stops(void **state)
{
	maps.fail = -ENOMEM;
	assert_true(guest_ram_fault(g, 0x1000));
	assert_int_equal(stops, 1);
	/* Not marked mapped: the next touch tries again. */
	maps.fail = 0;
	maps.calls = 0;
	assert_true(guest_ram_fault(g, 0x1000));
	assert_int_equal(maps.calls, 1);
}

static void test_scrub_all(void **state)
{
	memset(guest_ram_ptr(g, SZ_2M, 16), 0x33, 16); /* a previous run's data */
	assert_int_equal(guest_ram_scrub_all(g), 0);
	assert_true(all(0, RAM_SIZE, 0));
	assert_int_equal(maps.gpa, 0);
	assert_int_equal(maps.size, RAM_SIZE);
	for (unsigned c = 0; c < RAM_SIZE / SZ_2M; c++)
		assert_int_equal(g->ram.ready_end[c], RAM_SIZE);
	maps.calls = 0;
	assert_true(guest_ram_fault(g, 0x1000));
	assert_int_equal(maps.calls, 0);
}

/*
 * Pages given back (the balloon): unmapped, every other CPU flushed, scrubbed
 * and freed; from then on outside RAM for the hypervisor and the guest, the
 * chunk mapped around them, the ready runs cut there; never given back twice;
 * release leaves their frames (a new owner's) alone and frees all the rest.
 */
static void test_give_back(void **state)
{
	const gpa_t hole = SZ_2M + 5 * PAGE_SIZE;
	uint8_t *p = guest_ram_ptr(g, 0, 3 * SZ_2M); /* chunks 0..2 ready, one run */
	assert_non_null(p);
	assert_int_equal(g->ram.ready_end[0], 3 * SZ_2M);
	memset(p + hole, 0x11, 2 * PAGE_SIZE); /* the guest's data */

	assert_int_equal(guest_ram_give_back(g, hole, 2 * PAGE_SIZE), 0);
	assert_int_equal(unmaps.calls, 1);
	assert_int_equal(unmaps.gpa, hole);
	assert_int_equal(unmaps.size, 2 * PAGE_SIZE);
	assert_int_equal(guest_ram_fixture_log.flushes, 1);
	assert_int_equal(guest_ram_fixture_log.freed_pages, 2);
	assert_int_equal(guest_ram_fixture_log.last_free, g->mem_hpa + hole);
	assert_true(all(hole, 2 * PAGE_SIZE, 0)); /* scrubbed before it went */
	assert_true(guest_ram_has_holes(g));

	/* The ready run ends where the holed chunk begins; the one after stands alone. */
	assert_int_equal(g->ram.ready_end[0], SZ_2M);
	assert_int_equal(g->ram.ready_end[1], 0);
	assert_int_equal(g->ram.ready_end[2], 3 * SZ_2M);
	assert_null(guest_ram_ptr(g, hole, 1));
	assert_null(guest_ram_read_ptr(g, hole - 8, 16)); /* straddles into it */
	assert_non_null(guest_ram_ptr(g, hole + 2 * PAGE_SIZE, 8));
	assert_non_null(guest_ram_ptr(g, hole - 8, 8));

	/* The guest touching a hole is outside its RAM; a neighbour maps around it. */
	assert_false(guest_ram_fault(g, hole + PAGE_SIZE));
	maps.calls = 0;
	assert_true(guest_ram_fault(g, SZ_2M));
	assert_int_equal(maps.calls, 2);
	assert_int_equal(maps.gpa, hole + 2 * PAGE_SIZE);
	assert_int_equal(maps.size, 2 * SZ_2M - (hole + 2 * PAGE_SIZE));
	assert_int_equal(stops, 0);

	/* Overlapping what is gone, or outside RAM: refused, nothing freed. */
	assert_int_equal(guest_ram_give_back(g, hole + PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(guest_ram_give_back(g, RAM_SIZE - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(guest_ram_give_back(g, hole + 3, PAGE_SIZE), -EINVAL);
	assert_int_equal(guest_ram_fixture_log.freed_pages, 2);

	/* A new owner writes the freed frames: the guest's end must not touch them. */
	memset(backing + hole, 0x77, 2 * PAGE_SIZE);
	guest_ram_release(g);
	assert_true(all(hole, 2 * PAGE_SIZE, 0x77));
	assert_true(all(0, PAGE_SIZE, 0));
	guest_ram_free_frames(g);
	assert_int_equal(guest_ram_fixture_log.freed_pages, RAM_SIZE / PAGE_SIZE);
	assert_int_equal(guest_ram_fixture_log.last_free, g->mem_hpa + hole + 2 * PAGE_SIZE);
	assert_false(guest_ram_has_holes(g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_init_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_partial_last_chunk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ptr_zeroes_its_chunks_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ptr_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ready_runs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_populate_then_fault, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_keeps_populated_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_populate_whole_chunk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_without_memory_stops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scrub_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_scrubs_touched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_give_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
