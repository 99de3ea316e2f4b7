/* unit-test-sources: tests/unit/guest_ram_fixture.c kernel/guest/guest_dirty.c kernel/guest/guest_ram.c */
/*
 * The dirty-page log over a host buffer as guest RAM. The backend's
 * guest_map is a fake that keeps the rights each 4 KiB page is mapped with
 * now and every call it got (which path: guest_map flushes every CPU,
 * virt->guest_map only this one), so each test can say exactly what is
 * protected. Throughout, the log's one safety rule is checked: a page the
 * guest could write without faulting is marked, or the next checkpoint
 * would miss it.
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
#include "kernel/guest/guest_dirty.h"
#include "kernel/guest/guest_ram.h"
#include "kernel/guest/virt.h"
#include "tests/unit/guest_ram_fixture.h"

#define RAM_SIZE  (4 * SZ_2M)
#define RAM_PAGES (RAM_SIZE / PAGE_SIZE)
#define STALE	  0xa5
#define PROTECTED (GMAP_READ | GMAP_EXEC)
#define UNMAPPED  0xff /* rights of a page no call has mapped yet */
#define MAX_CALLS 64
#define MAX_PAGES (2 * RAM_PAGES)

static struct guest *g;
static uint8_t *backing;

/* The fake backend: per-page rights now, and the calls that set them. */
static uint8_t rights[RAM_PAGES];
static struct map_call {
	gpa_t gpa;
	uint64_t size;
	unsigned rights;
	bool every_cpu; /* through guest_map, not virt->guest_map */
} calls[MAX_CALLS];
static unsigned call_count;
static int map_fail; /* error the next map calls return (rights then unchanged) */

static struct {
	unsigned count;
	enum guest_state state;
	int code;
} stops;

static int record_map(struct guest *gg, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned r,
		      enum gmap_type type, bool every_cpu)
{
	assert_ptr_equal(gg, g);
	assert_int_equal(hpa, g->mem_hpa + gpa);
	assert_int_equal(type, GMAP_WB);
	assert_true(IS_ALIGNED(gpa, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE));
	assert_true(size > 0 && gpa < RAM_SIZE && size <= RAM_SIZE - gpa);
	assert_true(call_count < MAX_CALLS);
	calls[call_count++] = (struct map_call){gpa, size, r, every_cpu};
	if (map_fail)
		return map_fail;
	memset(&rights[gpa / PAGE_SIZE], (int)r, size / PAGE_SIZE);
	return 0;
}

static int fake_virt_map(struct guest *gg, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned r,
			 enum gmap_type type)
{
	return record_map(gg, gpa, hpa, size, r, type, false);
}

static const struct virt_ops fake_virt = {.name = "fake", .guest_map = fake_virt_map};
const struct virt_ops *virt = &fake_virt;

int guest_map(struct guest *gg, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned r,
	      enum gmap_type type)
{
	return record_map(gg, gpa, hpa, size, r, type, true);
}

void guest_stop(struct guest *gg, enum guest_state state, int code, const char *fmt, ...)
{
	assert_ptr_equal(gg, g);
	stops.count++;
	stops.state = state;
	stops.code = code;
}

/* What fn was handed, in order: the GPA, where the page was, and two of its bytes. */
static struct handed {
	gpa_t gpa;
	const void *page;
	uint8_t first, last;
} handed[MAX_PAGES];
static unsigned handed_count;
static unsigned fail_at; /* 1-based call that returns -EIO; 0: none */

static int take_page(void *ctx, gpa_t gpa, const void *page)
{
	assert_ptr_equal(ctx, &handed);
	assert_true(handed_count < MAX_PAGES);
	const uint8_t *bytes = page;
	handed[handed_count++] = (struct handed){gpa, page, bytes[0], bytes[PAGE_SIZE - 1]};
	return handed_count == fail_at ? -EIO : 0;
}

static int setup(void **state)
{
	memset(rights, UNMAPPED, sizeof(rights));
	call_count = 0;
	map_fail = 0;
	memset(&stops, 0, sizeof(stops));
	handed_count = 0;
	fail_at = 0;
	return guest_ram_fixture_create(RAM_SIZE, STALE, &g, &backing);
}

static int teardown(void **state)
{
	guest_dirty_stop(g); /* frees the log if a test left it on (LeakSanitizer checks) */
	guest_ram_fixture_destroy(g, backing);
	return 0;
}

static bool is_marked(uint64_t page)
{
	return g->dirty->bits[page / 64] & (1ULL << (page % 64));
}

/* The log's safety rule: every page is write-protected or already marked. */
static void assert_writes_caught(void)
{
	for (uint64_t page = 0; page < RAM_PAGES; page++)
		if (rights[page] != PROTECTED && !is_marked(page))
			fail_msg("page %llu mapped 0x%x but not marked", (unsigned long long)page,
				 rights[page]);
}

/* Pages [first, end) are mapped with r. */
static void assert_rights(uint64_t first, uint64_t end, unsigned r)
{
	for (uint64_t page = first; page < end; page++)
		if (rights[page] != r)
			fail_msg("page %llu mapped 0x%x, expected 0x%x", (unsigned long long)page,
				 rights[page], r);
}

static void assert_call(unsigned i, gpa_t gpa, uint64_t size, unsigned r, bool every_cpu)
{
	assert_true(i < call_count);
	assert_int_equal(calls[i].gpa, gpa);
	assert_int_equal(calls[i].size, size);
	assert_int_equal(calls[i].rights, r);
	assert_int_equal(calls[i].every_cpu, every_cpu);
}

/* Fill each page with its own byte, so a page handed over shows whose contents it has. */
static uint8_t pattern(uint64_t page)
{
	return (uint8_t)(page * 7 + 1);
}

static void fill_pages(void)
{
	for (uint64_t page = 0; page < RAM_PAGES; page++)
		memset(backing + page * PAGE_SIZE, pattern(page), PAGE_SIZE);
}

/* Collect, and check fn got exactly pages[0..n) in that order, each with its contents. */
static void collect_expect(const uint64_t *pages, unsigned n)
{
	handed_count = 0;
	assert_int_equal(guest_dirty_collect(g, take_page, &handed), 0);
	assert_int_equal(handed_count, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(handed[i].gpa, pages[i] * PAGE_SIZE);
		assert_ptr_equal(handed[i].page, backing + pages[i] * PAGE_SIZE);
		assert_int_equal(handed[i].first, pattern(pages[i]));
		assert_int_equal(handed[i].last, pattern(pages[i]));
	}
}

static void start_clean(void)
{
	assert_int_equal(guest_dirty_start(g), 0);
	call_count = 0;
}

static void test_method(void **state)
{
	assert_string_equal(guest_dirty_method(), "write protection");
}

/* All of RAM zeroed (nothing stale reaches a checkpoint), read+execute on every CPU. */
static void test_start_protects_all(void **state)
{
	*(uint8_t *)guest_ram_ptr(g, SZ_2M, 1) = 0x42; /* one chunk ready before, with data */
	assert_int_equal(guest_dirty_start(g), 0);
	assert_non_null(g->dirty);
	assert_int_equal(g->dirty->pages, RAM_PAGES);
	assert_int_equal(g->dirty->marked, 0);
	assert_int_equal(g->dirty->write_faults, 0);
	assert_int_equal(call_count, 1);
	assert_call(0, 0, RAM_SIZE, PROTECTED, true);
	assert_rights(0, RAM_PAGES, PROTECTED);
	for (unsigned c = 0; c < RAM_SIZE / GUEST_RAM_CHUNK; c++)
		assert_int_equal(g->ram.ready_end[c], RAM_SIZE);
	assert_int_equal(backing[SZ_2M], 0x42); /* ready chunks are not zeroed again */
	backing[SZ_2M] = 0;
	for (uint64_t i = 0; i < RAM_SIZE; i++)
		if (backing[i])
			fail_msg("byte 0x%llx not zeroed", (unsigned long long)i);
	assert_writes_caught();

	/* Already on: nothing changes, the log is the same one. */
	struct guest_dirty *d = g->dirty;
	assert_true(guest_dirty_write_fault(g, 0));
	assert_int_equal(guest_dirty_start(g), 0);
	assert_ptr_equal(g->dirty, d);
	assert_int_equal(d->marked, 1);
	assert_int_equal(call_count, 2);
}

/* The backend cannot protect: start fails with its error and leaves the log off. */
static void test_start_map_failure(void **state)
{
	map_fail = -ENOMEM;
	assert_int_equal(guest_dirty_start(g), -ENOMEM);
	assert_null(g->dirty);
	/* It tried to protect, then to make RAM writable again, both everywhere. */
	assert_int_equal(call_count, 2);
	assert_call(0, 0, RAM_SIZE, PROTECTED, true);
	assert_call(1, 0, RAM_SIZE, GMAP_RWX, true);
	map_fail = 0;
	assert_int_equal(guest_dirty_start(g), 0);
	assert_non_null(g->dirty);
}

/* One write: that page marked and writable on this CPU, nothing else changed. */
static void test_write_fault_marks_page(void **state)
{
	start_clean();
	assert_true(guest_dirty_write_fault(g, 5 * PAGE_SIZE + 0x123));
	assert_int_equal(call_count, 1);
	assert_call(0, 5 * PAGE_SIZE, PAGE_SIZE, GMAP_RWX, false);
	assert_rights(0, 5, PROTECTED);
	assert_rights(5, 6, GMAP_RWX);
	assert_rights(6, RAM_PAGES, PROTECTED);
	assert_true(is_marked(5));
	assert_int_equal(g->dirty->marked, 1);
	assert_int_equal(g->dirty->write_faults, 1);
	assert_writes_caught();

	/* The last byte of RAM is on the last page. */
	assert_true(guest_dirty_write_fault(g, RAM_SIZE - 1));
	assert_call(1, RAM_SIZE - PAGE_SIZE, PAGE_SIZE, GMAP_RWX, false);
	assert_rights(RAM_PAGES - 1, RAM_PAGES, GMAP_RWX);
	assert_int_equal(g->dirty->marked, 2);

	/* A second fault on a marked page (another vCPU raced): counted, not marked twice. */
	assert_true(guest_dirty_write_fault(g, 5 * PAGE_SIZE));
	assert_int_equal(g->dirty->marked, 2);
	assert_int_equal(g->dirty->write_faults, 3);
	assert_int_equal(stops.count, 0);
	assert_writes_caught();
}

static void test_write_fault_not_ours(void **state)
{
	/* Log off: the fault is guest_ram_fault's, not this module's. */
	assert_false(guest_dirty_write_fault(g, 0x1000));
	assert_int_equal(call_count, 0);
	assert_true(backing[0x1000] == STALE); /* nothing made ready */

	start_clean();
	assert_false(guest_dirty_write_fault(g, RAM_SIZE));
	assert_false(guest_dirty_write_fault(g, GUEST_MMIO_BASE));
	assert_false(guest_dirty_write_fault(g, SZ_4G + 0x1000));
	assert_int_equal(call_count, 0);
	assert_int_equal(g->dirty->marked, 0);
	assert_int_equal(g->dirty->write_faults, 0);
	assert_rights(0, RAM_PAGES, PROTECTED);
}

/* No memory for the page tables: the guest is stopped as crashed; the page stays marked. */
static void test_write_fault_map_failure_stops_guest(void **state)
{
	start_clean();
	map_fail = -ENOMEM;
	assert_true(guest_dirty_write_fault(g, 7 * PAGE_SIZE));
	assert_int_equal(stops.count, 1);
	assert_int_equal(stops.state, GUEST_CRASHED);
	assert_int_equal(stops.code, -ENOMEM);
	assert_true(is_marked(7));
	assert_rights(7, 8, PROTECTED);
	assert_writes_caught();
}

/* What the hypervisor is handed may be written: marked, protection unchanged. */
static void test_ram_ptr_marks_while_on(void **state)
{
	start_clean();
	fill_pages();
	uint8_t *p = guest_ram_ptr(g, 3 * PAGE_SIZE + 0xff0, 0x20); /* pages 3 and 4 */
	assert_ptr_equal(p, backing + 3 * PAGE_SIZE + 0xff0);
	assert_non_null(guest_ram_ptr(g, 10 * PAGE_SIZE + 0x800, 3 * PAGE_SIZE)); /* 10..13 */
	assert_non_null(guest_ram_ptr(g, 20 * PAGE_SIZE, PAGE_SIZE));		  /* 20 alone */
	assert_non_null(guest_ram_ptr(g, 30 * PAGE_SIZE, 0));			  /* nothing */
	assert_int_equal(g->dirty->marked, 2 + 4 + 1);
	assert_int_equal(call_count, 0);
	assert_rights(0, RAM_PAGES, PROTECTED);
	static const uint64_t expect[] = {3, 4, 10, 11, 12, 13, 20};
	collect_expect(expect, ARRAY_SIZE(expect));
}

/* Log off: guest_ram_ptr marks nothing, so the next log starts from nothing. */
static void test_ram_ptr_off_marks_nothing(void **state)
{
	assert_non_null(guest_ram_ptr(g, 0, 8 * PAGE_SIZE));
	start_clean();
	guest_dirty_stop(g);
	assert_null(g->dirty);
	assert_non_null(guest_ram_ptr(g, 40 * PAGE_SIZE, 2 * PAGE_SIZE));
	start_clean();
	assert_int_equal(g->dirty->marked, 0);
	collect_expect(NULL, 0);
	assert_int_equal(call_count, 0);
}

/*
 * Marked pages handed over once each in GPA order with their contents,
 * each run protected again in one call on this CPU, the log emptied.
 */
static void test_collect(void **state)
{
	start_clean();
	fill_pages();
	/* Out of order, by fault and by the hypervisor, across 64-page words of the bitmap. */
	static const uint64_t faults[] = {300, 2, 64, 0, 1, 63, RAM_PAGES - 1, 2};
	for (unsigned i = 0; i < ARRAY_SIZE(faults); i++)
		assert_true(guest_dirty_write_fault(g, faults[i] * PAGE_SIZE + 8));
	guest_dirty_mark(g, 100 * PAGE_SIZE, 1);
	guest_dirty_mark(g, 128 * PAGE_SIZE, 128 * PAGE_SIZE); /* two whole words */
	guest_dirty_mark(g, 299 * PAGE_SIZE + 1, 1);	       /* joins 300 */
	assert_writes_caught();
	assert_int_equal(g->dirty->marked, 7 + 1 + 128 + 1);

	uint64_t expect[MAX_PAGES];
	unsigned n = 0;
	for (uint64_t page = 0; page < 3; page++)
		expect[n++] = page;
	expect[n++] = 63;
	expect[n++] = 64;
	expect[n++] = 100;
	for (uint64_t page = 128; page < 256; page++)
		expect[n++] = page;
	expect[n++] = 299;
	expect[n++] = 300;
	expect[n++] = RAM_PAGES - 1;
	call_count = 0;
	collect_expect(expect, n);

	/* One call per run, read+execute, local. */
	assert_int_equal(call_count, 6);
	assert_call(0, 0, 3 * PAGE_SIZE, PROTECTED, false);
	assert_call(1, 63 * PAGE_SIZE, 2 * PAGE_SIZE, PROTECTED, false);
	assert_call(2, 100 * PAGE_SIZE, PAGE_SIZE, PROTECTED, false);
	assert_call(3, 128 * PAGE_SIZE, 128 * PAGE_SIZE, PROTECTED, false);
	assert_call(4, 299 * PAGE_SIZE, 2 * PAGE_SIZE, PROTECTED, false);
	assert_call(5, (RAM_PAGES - 1) * PAGE_SIZE, PAGE_SIZE, PROTECTED, false);
	assert_rights(0, RAM_PAGES, PROTECTED);
	assert_int_equal(g->dirty->marked, 0);
	for (uint64_t page = 0; page < RAM_PAGES; page++)
		assert_false(is_marked(page));

	/* Nothing written since: nothing handed over, nothing remapped. */
	call_count = 0;
	collect_expect(NULL, 0);
	assert_int_equal(call_count, 0);

	/* The next epoch's writes fault again and are collected again. */
	assert_true(guest_dirty_write_fault(g, 64 * PAGE_SIZE));
	static const uint64_t again[] = {64};
	collect_expect(again, 1);
	assert_writes_caught();
}

/* fn fails: no page after that one is handed over, the error comes back. */
static void test_collect_stops_at_error(void **state)
{
	start_clean();
	fill_pages();
	static const uint64_t pages[] = {2, 5, 6, 9, 70};
	for (unsigned i = 0; i < ARRAY_SIZE(pages); i++)
		assert_true(guest_dirty_write_fault(g, pages[i] * PAGE_SIZE));
	fail_at = 2;
	assert_int_equal(guest_dirty_collect(g, take_page, &handed), -EIO);
	assert_int_equal(handed_count, 2);
	assert_int_equal(handed[0].gpa, 2 * PAGE_SIZE);
	assert_int_equal(handed[1].gpa, 5 * PAGE_SIZE);
	/* Whatever the log keeps, no page the guest can write goes unrecorded. */
	assert_writes_caught();
}

/*
 * The backend cannot protect a run again: its error comes back, and the run
 * stays marked (it may be writable still), so the next collect hands it
 * over and protects it.
 */
static void test_collect_map_error(void **state)
{
	start_clean();
	fill_pages();
	assert_true(guest_dirty_write_fault(g, 3 * PAGE_SIZE));
	assert_true(guest_dirty_write_fault(g, 4 * PAGE_SIZE));
	assert_true(guest_dirty_write_fault(g, 9 * PAGE_SIZE));
	map_fail = -ENOMEM;
	assert_int_equal(guest_dirty_collect(g, take_page, &handed), -ENOMEM);
	assert_int_equal(handed_count, 2); /* an error hands over no more: 9 is not */
	assert_int_equal(g->dirty->marked, 3);
	assert_writes_caught();

	map_fail = 0;
	call_count = 0;
	static const uint64_t again[] = {3, 4, 9};
	collect_expect(again, ARRAY_SIZE(again));
	assert_int_equal(call_count, 2);
	assert_rights(0, RAM_PAGES, PROTECTED);
	assert_int_equal(g->dirty->marked, 0);
	collect_expect(NULL, 0);
}

static void test_collect_and_each_page_need_log(void **state)
{
	assert_int_equal(guest_dirty_collect(g, take_page, &handed), -EINVAL);
	assert_int_equal(guest_dirty_each_page(g, take_page, &handed), -EINVAL);
	assert_int_equal(handed_count, 0);
}

/* A full copy: every page in order, the log and the protection as they were. */
static void test_each_page(void **state)
{
	start_clean();
	fill_pages();
	assert_true(guest_dirty_write_fault(g, 9 * PAGE_SIZE));
	call_count = 0;
	assert_int_equal(guest_dirty_each_page(g, take_page, &handed), 0);
	assert_int_equal(handed_count, RAM_PAGES);
	for (uint64_t page = 0; page < RAM_PAGES; page++) {
		assert_int_equal(handed[page].gpa, page * PAGE_SIZE);
		assert_ptr_equal(handed[page].page, backing + page * PAGE_SIZE);
		assert_int_equal(handed[page].first, pattern(page));
	}
	assert_int_equal(call_count, 0);
	assert_int_equal(g->dirty->marked, 1);
	assert_rights(9, 10, GMAP_RWX);
	static const uint64_t still[] = {9};
	collect_expect(still, 1);

	/* Stops at fn's first error. */
	handed_count = 0;
	fail_at = 3;
	assert_int_equal(guest_dirty_each_page(g, take_page, &handed), -EIO);
	assert_int_equal(handed_count, 3);
}

/* Stop: all of RAM writable again on every CPU, the log gone (LeakSanitizer: freed). */
/* Roll back: exactly the marked pages come back from the other replica; the rest stays. */
static void test_roll_back(void **state)
{
	static uint8_t other_ram[RAM_SIZE];
	struct guest other = {.mem_size = RAM_SIZE, .mem_hpa = (hpa_t)(uintptr_t)other_ram};
	memset(other_ram, 0x11, sizeof(other_ram));
	assert_int_equal(guest_dirty_roll_back(g, &other), -EINVAL); /* no log */

	start_clean();
	memset(backing, 0x22, RAM_SIZE);
	assert_true(guest_dirty_write_fault(g, 3 * PAGE_SIZE));
	assert_true(guest_dirty_write_fault(g, RAM_SIZE - 1));
	assert_int_equal(guest_dirty_roll_back(g, &other), 2);
	for (uint64_t page = 0; page < RAM_PAGES; page++) {
		uint8_t want = page == 3 || page == RAM_PAGES - 1 ? 0x11 : 0x22;
		const uint8_t *p = backing + page * PAGE_SIZE;
		assert_int_equal(p[0], want);
		assert_int_equal(p[PAGE_SIZE - 1], want);
	}
	/* The log and the rights are left as they were: the caller stops the log. */
	assert_true(is_marked(3));
	assert_rights(3, 4, GMAP_RWX);

	other.mem_size = RAM_SIZE / 2;
	assert_int_equal(guest_dirty_roll_back(g, &other), -EINVAL);
}

static void test_stop(void **state)
{
	start_clean();
	assert_true(guest_dirty_write_fault(g, 4 * PAGE_SIZE));
	call_count = 0;
	guest_dirty_stop(g);
	assert_null(g->dirty);
	assert_int_equal(call_count, 1);
	assert_call(0, 0, RAM_SIZE, GMAP_RWX, true);
	assert_rights(0, RAM_PAGES, GMAP_RWX);

	/* Off already: nothing to do. */
	guest_dirty_stop(g);
	assert_int_equal(call_count, 1);
	assert_false(guest_dirty_write_fault(g, 4 * PAGE_SIZE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_method),
	    cmocka_unit_test_setup_teardown(test_start_protects_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_map_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_fault_marks_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_fault_not_ours, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_fault_map_failure_stops_guest, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ram_ptr_marks_while_on, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ram_ptr_off_marks_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collect_stops_at_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collect_map_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collect_and_each_page_need_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_each_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roll_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
