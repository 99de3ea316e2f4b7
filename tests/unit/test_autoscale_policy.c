/* unit-test-sources: kernel/mgmt/autoscale_policy.c kernel/core/parse_num.c */
/*
 * The autoscaler's rule and decision: what the console's rule text may say,
 * and period by period what count it asks for: proportional to the load,
 * within bounds, out only above the band, in only after three low periods,
 * nothing during the cooldown that follows a change.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mgmt/autoscale_policy.h"

static char why[AUTOSCALE_WHY_MAX];

static struct autoscale_rule parsed(const char *text)
{
	struct autoscale_rule r;
	why[0] = '\0';
	assert_int_equal(autoscale_parse(text, 64, &r, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	return r;
}

static void refused(const char *text, const char *reason)
{
	struct autoscale_rule r = {.min = 99};
	assert_int_equal(autoscale_parse(text, 64, &r, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, reason);
	assert_int_equal(r.min, 99); /* untouched */
}

static void test_parse(void **state)
{
	struct autoscale_rule r = parsed("min=2 max=16 target=70%");
	assert_int_equal(r.min, 2);
	assert_int_equal(r.max, 16);
	assert_int_equal(r.target, 70);
	assert_int_equal(r.period_ms, AUTOSCALE_PERIOD_MS);
	r = parsed("  target=5  max=1 period=100 ");
	assert_int_equal(r.min, 1);
	assert_int_equal(r.max, 1);
	assert_int_equal(r.target, 5);
	assert_int_equal(r.period_ms, 100);
	assert_int_equal(parsed("max=64 target=100").max, 64);

	refused("min=1 target=70%", "max= and target= are needed");
	refused("max=4", "max= and target= are needed");
	refused("min=5 max=4 target=70", "min 5 is above max 4");
	refused("max=65 target=70", "bad max '65' (1..64)");
	refused("max=0 target=70", "bad max '0' (1..64)");
	refused("max=4 target=0%", "bad target '0%' (1..100%)");
	refused("max=4 target=70%%", "bad target '70%%' (1..100%)");
	refused("max=4 target=seventy", "bad target 'seventy' (1..100%)");
	refused("max=4 target=70 period=5", "bad period '5' (10..60000 ms)");
	refused("max=4 target=70 period=", "bad period '' (10..60000 ms)");
	refused("max=4 max=5 target=70", "max given twice");
	refused("max=4 target=70 cpus=2",
		"bad setting 'cpus=2' (expected min=, max=, target=, period=)");
	refused("max=4 target=70 fast",
		"bad setting 'fast' (expected min=, max=, target=, period=)");
	refused("max=99999999999999999999 target=70", "bad max '99999999999999999999' (1..64)");
}

static const struct autoscale_rule rule = {.min = 1, .max = 8, .target = 70, .period_ms = 100};

static unsigned decide(struct autoscale_state *st, unsigned n, unsigned load)
{
	why[0] = '\0';
	return autoscale_decide(&rule, st, n, load, why, sizeof(why));
}

/* Out: to ceil(n * load / target), capped at max, only above target + margin. */
static void test_out(void **state)
{
	struct autoscale_state st = {0};
	assert_int_equal(decide(&st, 1, 80), 1); /* in the band: 80 is not above 70+10 */
	assert_string_equal(why, "");
	assert_int_equal(decide(&st, 1, 100), 2);
	assert_string_equal(why, "load 100% is above 70%+10");
	assert_int_equal(decide(&st, 5, 90), 7);  /* 450 / 70 = 6.4 */
	assert_int_equal(decide(&st, 7, 100), 8); /* 10 wanted, max 8 */
	assert_int_equal(decide(&st, 8, 100), 8); /* at max: nothing to do */
	assert_string_equal(why, "");
}

/* In: only after three periods in a row below target - margin. */
static void test_in(void **state)
{
	struct autoscale_state st = {0};
	assert_int_equal(decide(&st, 6, 10), 6);
	assert_int_equal(decide(&st, 6, 10), 6);
	assert_int_equal(decide(&st, 6, 10), 1); /* ceil(60 / 70) */
	assert_string_equal(why, "load 10% below 70%-15 for 3 periods");

	st = (struct autoscale_state){0};
	assert_int_equal(decide(&st, 6, 10), 6);
	assert_int_equal(decide(&st, 6, 60), 6); /* back in the band: the count starts over */
	assert_int_equal(decide(&st, 6, 10), 6);
	assert_int_equal(decide(&st, 6, 10), 6);
	assert_int_equal(decide(&st, 6, 40), 4); /* ceil(240 / 70) */
	st = (struct autoscale_state){0};
	assert_int_equal(decide(&st, 2, 0), 2);
	assert_int_equal(decide(&st, 2, 0), 2);
	assert_int_equal(decide(&st, 2, 0), 1); /* never below min */
}

/* After a change: AUTOSCALE_COOLDOWN_PERIODS periods of nothing; bounds are kept even then. */
static void test_cooldown_and_bounds(void **state)
{
	struct autoscale_state st = {0};
	assert_int_equal(decide(&st, 1, 100), 2);
	autoscale_changed(&st);
	for (unsigned i = 0; i < AUTOSCALE_COOLDOWN_PERIODS; i++)
		assert_int_equal(decide(&st, 2, 100), 2);
	assert_int_equal(decide(&st, 2, 100), 3);

	st = (struct autoscale_state){0};
	autoscale_changed(&st);
	assert_int_equal(decide(&st, 0, 0), 1); /* all stopped: back to min at once */
	assert_string_equal(why, "0 instances, outside 1..8");
	assert_int_equal(decide(&st, 12, 50), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_out),
	    cmocka_unit_test(test_in),
	    cmocka_unit_test(test_cooldown_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
