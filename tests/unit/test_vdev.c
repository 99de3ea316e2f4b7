/* unit-test-sources: kernel/guest/vdev.c */
/*
 * Virtual-device registry: range validation, overlap rules per address space,
 * a full table, and routing (only accesses a range fully contains are claimed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/vdev.h"

/* A device that records its last access and reads back a fixed pattern. */
struct fake_dev {
	struct vdev dev;
	unsigned reads, writes;
	uint64_t offset, value;
	unsigned size;
};

static uint64_t fake_read(struct vdev *d, uint64_t offset, unsigned size)
{
	struct fake_dev *f = d->priv;
	f->reads++;
	f->offset = offset;
	f->size = size;
	return 0x1122334455667788ULL;
}

static void fake_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct fake_dev *f = d->priv;
	f->writes++;
	f->offset = offset;
	f->size = size;
	f->value = value;
}

static const struct vdev_ops fake_ops = {.read = fake_read, .write = fake_write};
static const struct vdev_ops write_only_ops = {.write = fake_write};

static struct guest guest;

static void fake_init(struct fake_dev *f, const char *name, enum vdev_space space, uint64_t base,
		      uint64_t length)
{
	memset(f, 0, sizeof(*f));
	f->dev = (struct vdev){.name = name,
			       .space = space,
			       .base = base,
			       .length = length,
			       .ops = &fake_ops,
			       .priv = f};
}

static int setup(void **state)
{
	memset(&guest, 0, sizeof(guest));
	strcpy(guest.name, "t");
	return 0;
}

static void test_register_sets_guest(void **state)
{
	struct fake_dev a;
	fake_init(&a, "a", VDEV_PIO, 0x3f8, 8);
	assert_int_equal(vdev_register(&guest, &a.dev), 0);
	assert_ptr_equal(a.dev.guest, &guest);
	assert_int_equal(guest.vdevs.count, 1);
	assert_ptr_equal(guest.vdevs.dev[0], &a.dev);
}

static void test_overlaps_rejected(void **state)
{
	struct fake_dev a, b;
	fake_init(&a, "a", VDEV_MMIO, 0x1000, 0x100);
	assert_int_equal(vdev_register(&guest, &a.dev), 0);

	static const struct {
		uint64_t base, length;
	} bad[] = {
	    {0x1000, 0x100},   /* identical */
	    {0x0f00, 0x101},   /* last byte on a's first */
	    {0x10ff, 0x10},    /* first byte on a's last */
	    {0x1010, 0x10},    /* inside */
	    {0x0000, 0x10000}, /* around */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		fake_init(&b, "b", VDEV_MMIO, bad[i].base, bad[i].length);
		assert_int_equal(vdev_register(&guest, &b.dev), -EBUSY);
		assert_null(b.dev.guest);
	}
	assert_int_equal(guest.vdevs.count, 1);

	/* Touching edges are not overlaps. */
	fake_init(&b, "below", VDEV_MMIO, 0x0f00, 0x100);
	assert_int_equal(vdev_register(&guest, &b.dev), 0);
	struct fake_dev c;
	fake_init(&c, "above", VDEV_MMIO, 0x1100, 0x100);
	assert_int_equal(vdev_register(&guest, &c.dev), 0);
	assert_int_equal(guest.vdevs.count, 3);
}

static void test_bad_ranges(void **state)
{
	struct fake_dev a;

	fake_init(&a, "empty", VDEV_MMIO, 0x1000, 0);
	assert_int_equal(vdev_register(&guest, &a.dev), -EINVAL);
	fake_init(&a, "wraps", VDEV_MMIO, UINT64_MAX - 1, 4);
	assert_int_equal(vdev_register(&guest, &a.dev), -EINVAL);
	fake_init(&a, "huge", VDEV_MMIO, 2, UINT64_MAX); /* [2, 2^64 + 1) */
	assert_int_equal(vdev_register(&guest, &a.dev), -EINVAL);
	fake_init(&a, "past-64k", VDEV_PIO, 0xfffc, 8);
	assert_int_equal(vdev_register(&guest, &a.dev), -EINVAL);
	fake_init(&a, "no-ops", VDEV_PIO, 0x80, 1);
	a.dev.ops = NULL;
	assert_int_equal(vdev_register(&guest, &a.dev), -EINVAL);
	fake_init(&a, "bad-space", (enum vdev_space)7, 0x80, 1);
	assert_int_equal(vdev_register(&guest, &a.dev), -EINVAL);
	assert_int_equal(guest.vdevs.count, 0);

	/* The very ends of each space are fine. */
	fake_init(&a, "top-port", VDEV_PIO, 0xffff, 1);
	assert_int_equal(vdev_register(&guest, &a.dev), 0);
	struct fake_dev b;
	fake_init(&b, "top-mmio", VDEV_MMIO, UINT64_MAX - 3, 4);
	assert_int_equal(vdev_register(&guest, &b.dev), 0);
}

static void test_full_table(void **state)
{
	struct fake_dev devs[GUEST_MAX_VDEVS + 1];
	for (unsigned i = 0; i < GUEST_MAX_VDEVS; i++) {
		fake_init(&devs[i], "d", VDEV_PIO, 0x100 + i * 4, 4);
		assert_int_equal(vdev_register(&guest, &devs[i].dev), 0);
	}
	fake_init(&devs[GUEST_MAX_VDEVS], "extra", VDEV_PIO, 0x800, 4);
	assert_int_equal(vdev_register(&guest, &devs[GUEST_MAX_VDEVS].dev), -ENOSPC);
	assert_int_equal(guest.vdevs.count, GUEST_MAX_VDEVS);
}

static void test_access_routes_and_masks(void **state)
{
	struct fake_dev a;
	uint64_t v;
	fake_init(&a, "a", VDEV_MMIO, 0xc0001000, 0x1000);
	assert_int_equal(vdev_register(&guest, &a.dev), 0);

	static const unsigned sizes[] = {1, 2, 4, 8};
	static const uint64_t expect[] = {0x88, 0x7788, 0x55667788, 0x1122334455667788ULL};
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		v = 0;
		assert_true(vdev_access(&guest, VDEV_MMIO, 0xc0001010, sizes[i], false, &v));
		assert_int_equal(v, expect[i]); /* the device's upper bytes never leak */
		assert_int_equal(a.offset, 0x10);
		assert_int_equal(a.size, sizes[i]);
	}

	v = 0xdeadbeefcafef00dULL;
	assert_true(vdev_access(&guest, VDEV_MMIO, 0xc0001ffe, 2, true, &v));
	assert_int_equal(a.writes, 1);
	assert_int_equal(a.offset, 0xffe);
	assert_int_equal(a.value, 0xf00d);

	/* Odd sizes are not routed. */
	assert_false(vdev_access(&guest, VDEV_MMIO, 0xc0001000, 3, false, &v));
	assert_false(vdev_access(&guest, VDEV_MMIO, 0xc0001000, 0, false, &v));
	assert_false(vdev_access(&guest, VDEV_MMIO, 0xc0001000, 16, false, &v));
	assert_int_equal(a.reads, 4);
}

static void test_edges_and_straddling(void **state)
{
	struct fake_dev a;
	uint64_t v = 0;
	fake_init(&a, "a", VDEV_PIO, 0x3f8, 8);
	assert_int_equal(vdev_register(&guest, &a.dev), 0);

	assert_true(vdev_access(&guest, VDEV_PIO, 0x3f8, 1, false, &v)); /* first byte */
	assert_true(vdev_access(&guest, VDEV_PIO, 0x3ff, 1, false, &v)); /* last byte */
	assert_true(vdev_access(&guest, VDEV_PIO, 0x3f8, 8, false, &v)); /* whole range */
	assert_true(vdev_access(&guest, VDEV_PIO, 0x3fc, 4, false, &v)); /* ends on the last byte */
	assert_false(vdev_access(&guest, VDEV_PIO, 0x3f7, 1, false, &v)); /* just below */
	assert_false(vdev_access(&guest, VDEV_PIO, 0x400, 1, false, &v)); /* just above */
	assert_false(vdev_access(&guest, VDEV_PIO, 0x3ff, 2, false, &v)); /* straddles the end */
	assert_false(vdev_access(&guest, VDEV_PIO, 0x3fe, 4, true, &v));  /* straddles the end */
	assert_false(vdev_access(&guest, VDEV_PIO, 0x3f7, 2, false, &v)); /* straddles the start */
	assert_false(
	    vdev_access(&guest, VDEV_PIO, 0x3fc, 8, false, &v)); /* starts inside, too big */
	assert_int_equal(a.reads, 4);
	assert_int_equal(a.writes, 0);

	/* At the top of the address space addr + size wraps: still not claimed. */
	struct fake_dev top;
	fake_init(&top, "top", VDEV_MMIO, UINT64_MAX - 3, 4);
	assert_int_equal(vdev_register(&guest, &top.dev), 0);
	assert_true(vdev_access(&guest, VDEV_MMIO, UINT64_MAX, 1, false, &v));
	assert_true(vdev_access(&guest, VDEV_MMIO, UINT64_MAX - 3, 4, false, &v));
	assert_false(vdev_access(&guest, VDEV_MMIO, UINT64_MAX, 2, false, &v));
	assert_false(vdev_access(&guest, VDEV_MMIO, UINT64_MAX - 1, 4, false, &v));

	/* Nothing registered there. */
	assert_false(vdev_access(&guest, VDEV_MMIO, 0, 1, false, &v));
}

static void test_spaces_are_separate(void **state)
{
	struct fake_dev port, mmio;
	uint64_t v = 0;
	fake_init(&port, "port", VDEV_PIO, 0x3f8, 8);
	fake_init(&mmio, "mmio", VDEV_MMIO, 0x3f8, 8);
	assert_int_equal(vdev_register(&guest, &port.dev), 0);
	assert_int_equal(vdev_register(&guest, &mmio.dev), 0); /* same numbers, other space */

	assert_true(vdev_access(&guest, VDEV_PIO, 0x3f9, 1, true, &v));
	assert_int_equal(port.writes, 1);
	assert_int_equal(mmio.writes, 0);
	assert_true(vdev_access(&guest, VDEV_MMIO, 0x3fa, 1, true, &v));
	assert_int_equal(port.writes, 1);
	assert_int_equal(mmio.writes, 1);
	assert_int_equal(mmio.offset, 2);

	/* A port device does not claim MMIO next to it, nor the other way round. */
	struct fake_dev port2;
	fake_init(&port2, "port2", VDEV_PIO, 0x2f8, 8);
	assert_int_equal(vdev_register(&guest, &port2.dev), 0);
	assert_false(vdev_access(&guest, VDEV_MMIO, 0x2f8, 1, false, &v));
}

/* Each space's lookup sees its own devices, whatever order they were registered in. */
static void test_find_per_space(void **state)
{
	struct fake_dev d[4];
	uint64_t v = 0;
	fake_init(&d[0], "p0", VDEV_PIO, 0x60, 4);
	fake_init(&d[1], "m0", VDEV_MMIO, 0xd0000000, 0x1000);
	fake_init(&d[2], "p1", VDEV_PIO, 0x70, 4);
	fake_init(&d[3], "m1", VDEV_MMIO, 0xd0001000, 0x1000);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vdev_register(&guest, &d[i].dev), 0);
	assert_int_equal(guest.vdevs.count, 4);
	assert_int_equal(guest.vdevs.space_count[VDEV_PIO], 2);
	assert_int_equal(guest.vdevs.space_count[VDEV_MMIO], 2);

	assert_ptr_equal(vdev_find(&guest.vdevs, VDEV_PIO, 0x72, 2), &d[2].dev);
	assert_ptr_equal(vdev_find(&guest.vdevs, VDEV_MMIO, 0xd0001ff8, 8), &d[3].dev);
	assert_ptr_equal(vdev_find(&guest.vdevs, VDEV_MMIO, 0xd0000004, 4), &d[1].dev);
	assert_null(vdev_find(&guest.vdevs, VDEV_MMIO, 0x60, 1));
	assert_null(vdev_find(&guest.vdevs, VDEV_PIO, 0xd0000000, 1));
	assert_false(vdev_access(&guest, VDEV_SPACES, 0x60, 1, false, &v));
}

static void test_missing_read_handler_reads_ones(void **state)
{
	struct fake_dev a;
	uint64_t v = 0;
	fake_init(&a, "wo", VDEV_PIO, 0x80, 4);
	a.dev.ops = &write_only_ops;
	assert_int_equal(vdev_register(&guest, &a.dev), 0);
	assert_true(vdev_access(&guest, VDEV_PIO, 0x80, 2, false, &v));
	assert_int_equal(v, 0xffff);
	assert_true(vdev_access(&guest, VDEV_PIO, 0x80, 4, false, &v));
	assert_int_equal(v, 0xffffffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_register_sets_guest, setup),
	    cmocka_unit_test_setup(test_overlaps_rejected, setup),
	    cmocka_unit_test_setup(test_bad_ranges, setup),
	    cmocka_unit_test_setup(test_full_table, setup),
	    cmocka_unit_test_setup(test_access_routes_and_masks, setup),
	    cmocka_unit_test_setup(test_edges_and_straddling, setup),
	    cmocka_unit_test_setup(test_spaces_are_separate, setup),
	    cmocka_unit_test_setup(test_find_per_space, setup),
	    cmocka_unit_test_setup(test_missing_read_handler_reads_ones, setup),
	};
	return cmocka_run_group_tests_name("vdev", tests, NULL, NULL);
}
