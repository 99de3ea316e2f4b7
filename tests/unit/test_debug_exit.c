/* unit-test-sources: kernel/guest/vdev.c kernel/vdev/debug_exit.c */
/*
 * Debug-exit port through vdev_access: a write of any width stops the guest
 * as EXITED with the low byte as code; reads are all ones; the ports around
 * the window are not claimed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/vdev/debug_exit.h"

/* --- stubs for kernel/guest/guest.c ------------------------------------------- */

static unsigned stop_calls;

void guest_stop(struct guest *g, enum guest_state state, int code, const char *fmt, ...)
{
	va_list ap;
	stop_calls++;
	g->state = state;
	g->exit_code = code;
	va_start(ap, fmt);
	vsnprintf(g->stop_reason, sizeof(g->stop_reason), fmt, ap);
	va_end(ap);
}

void guest_console_line(struct guest *g, const char *text)
{
	fail_msg("the debug-exit port prints nothing");
}

/* --- fixture -------------------------------------------------------------- */

static struct guest guest;
static struct vdev dev;

static int setup(void **state)
{
	memset(&guest, 0, sizeof(guest));
	strcpy(guest.name, "t");
	guest.state = GUEST_RUNNING;
	stop_calls = 0;
	assert_int_equal(debug_exit_attach(&guest, &dev), 0);
	return 0;
}

static void test_attach(void **state)
{
	assert_int_equal(dev.space, VDEV_PIO);
	assert_int_equal(dev.base, GUEST_DEBUG_EXIT_PORT);
	assert_int_equal(dev.length, DEBUG_EXIT_PORTS);
	assert_ptr_equal(dev.guest, &guest);

	struct vdev again;
	assert_int_equal(debug_exit_attach(&guest, &again), -EBUSY);
}

static void test_byte_write_stops_guest(void **state)
{
	uint64_t v = 42;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 1, true, &v));
	assert_int_equal(stop_calls, 1);
	assert_int_equal(guest.state, GUEST_EXITED);
	assert_int_equal(guest.exit_code, 42);
	assert_string_equal(guest.stop_reason, "debug-exit port, code 42");
}

static void test_zero_and_max_codes(void **state)
{
	uint64_t v = 0;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 1, true, &v));
	assert_int_equal(guest.exit_code, 0);
	assert_string_equal(guest.stop_reason, "debug-exit port, code 0");

	v = 0xff;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 1, true, &v));
	assert_int_equal(guest.exit_code, 255); /* a code, not a sign-extended byte */
	assert_string_equal(guest.stop_reason, "debug-exit port, code 255");
}

static void test_wide_writes_use_low_byte(void **state)
{
	uint64_t v = 0x1203;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 2, true, &v));
	assert_int_equal(guest.exit_code, 3);

	v = 0xdeadbe07;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 4, true, &v));
	assert_int_equal(guest.exit_code, 7);
	assert_int_equal(guest.state, GUEST_EXITED);
	assert_int_equal(stop_calls, 2);
}

static void test_reads_all_ones(void **state)
{
	uint64_t v = 0;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 1, false, &v));
	assert_int_equal(v, 0xff);
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 2, false, &v));
	assert_int_equal(v, 0xffff);
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT, 4, false, &v));
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(stop_calls, 0);
	assert_int_equal(guest.state, GUEST_RUNNING);
}

static void test_neighbours_not_claimed(void **state)
{
	uint64_t v = 1;
	assert_false(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT - 1, 1, true, &v));
	assert_false(vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT - 1, 2, true, &v));
	assert_false(
	    vdev_access(&guest, VDEV_PIO, GUEST_DEBUG_EXIT_PORT + DEBUG_EXIT_PORTS, 1, true, &v));
	assert_false(vdev_access(&guest, VDEV_MMIO, GUEST_DEBUG_EXIT_PORT, 1, true, &v));
	assert_int_equal(stop_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_attach, setup),
	    cmocka_unit_test_setup(test_byte_write_stops_guest, setup),
	    cmocka_unit_test_setup(test_zero_and_max_codes, setup),
	    cmocka_unit_test_setup(test_wide_writes_use_low_byte, setup),
	    cmocka_unit_test_setup(test_reads_all_ones, setup),
	    cmocka_unit_test_setup(test_neighbours_not_claimed, setup),
	};
	return cmocka_run_group_tests_name("debug_exit", tests, NULL, NULL);
}
