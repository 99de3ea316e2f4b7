/* unit-test-sources: kernel/guest/vcpu_event.c */
/* Event queueing: SDM 3A 6.15 combinations, requeue of interrupted events. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/guest/vcpu_event.h"

#define DE 0
#define DB 1
#define BP 3
#define UD 6
#define DF 8
#define NP 11
#define GP 13
#define PF 14

static void test_combine(void **state)
{
	assert_int_equal(vcpu_event_combine(GP, NP), EVENT_DOUBLE_FAULT); /* contributory twice */
	assert_int_equal(vcpu_event_combine(DE, GP), EVENT_DOUBLE_FAULT);
	assert_int_equal(vcpu_event_combine(PF, PF), EVENT_DOUBLE_FAULT);
	assert_int_equal(vcpu_event_combine(PF, GP), EVENT_DOUBLE_FAULT);
	assert_int_equal(vcpu_event_combine(GP, PF), EVENT_SERIAL); /* contributory then #PF */
	assert_int_equal(vcpu_event_combine(DF, GP), EVENT_SHUTDOWN);
	assert_int_equal(vcpu_event_combine(DF, PF), EVENT_SHUTDOWN);
	assert_int_equal(vcpu_event_combine(DF, UD), EVENT_SERIAL);
	assert_int_equal(vcpu_event_combine(UD, GP), EVENT_SERIAL); /* benign first */
	assert_int_equal(vcpu_event_combine(PF, UD), EVENT_SERIAL);
}

static void test_queue_double_fault(void **state)
{
	struct vcpu v = {0};
	assert_true(vcpu_event_queue_exception(&v, GP, true, 0x10));
	assert_true(vcpu_event_queue_exception(&v, NP, true, 0x20));
	assert_true(v.event_pending);
	assert_int_equal(v.pending.type, VEVENT_EXCEPTION);
	assert_int_equal(v.pending.vector, DF);
	assert_true(v.pending.has_error);
	assert_int_equal(v.pending.error_code, 0);
	assert_false(vcpu_event_queue_exception(&v, GP, true, 0)); /* during #DF: shutdown */
	assert_false(v.event_pending);
}

static void test_interrupt_goes_back_to_the_line(void **state)
{
	struct vcpu v = {0};
	vcpu_event_queue_interrupt(&v, 0x30);
	assert_true(vcpu_event_queue_exception(&v, PF, true, 2));
	assert_int_equal(v.pending.vector, PF);
	assert_true(v.irq_pending);
	assert_int_equal(v.irq_vector, 0x30);
}

static void test_requeue_drops_software_events(void **state)
{
	struct vcpu v = {0};
	struct vcpu_event soft[] = {{.type = VEVENT_SOFTINT, .vector = 0x80},
				    {.type = VEVENT_SOFT_EXCEPTION, .vector = BP},
				    {.type = VEVENT_PRIV_SOFT_EXCEPTION, .vector = DB}};
	for (unsigned i = 0; i < 3; i++) {
		vcpu_event_requeue(&v, &soft[i]);
		assert_false(v.event_pending);
	}
	struct vcpu_event hw = {.type = VEVENT_EXCEPTION, .vector = PF, .has_error = true};
	vcpu_event_requeue(&v, &hw);
	assert_true(v.event_pending);
	assert_int_equal(v.pending.vector, PF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_combine),
	    cmocka_unit_test(test_queue_double_fault),
	    cmocka_unit_test(test_interrupt_goes_back_to_the_line),
	    cmocka_unit_test(test_requeue_drops_software_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
