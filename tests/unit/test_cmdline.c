/* unit-test-sources: kernel/core/cmdline.c */
/* Command-line words: flags vs key=value, prefixes that must not match, truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/core/cmdline.h"

static void test_flags(void **state)
{
	const char *c = "loglevel=debug  test-exit\tquiet";
	assert_true(cmdline_has_flag(c, "test-exit"));
	assert_true(cmdline_has_flag(c, "quiet"));
	assert_false(cmdline_has_flag(c, "test"));     /* prefix of a word */
	assert_false(cmdline_has_flag(c, "loglevel")); /* has a value: not a flag */
	assert_false(cmdline_has_flag("", "x"));
}

static void test_values(void **state)
{
	char buf[8];
	assert_true(cmdline_get("a=1 test-fault=pagefault", "test-fault", buf, sizeof(buf)));
	assert_string_equal(buf, "pagefau"); /* truncated to 7 chars + NUL */
	assert_true(cmdline_get("x=1 xy=2", "xy", buf, sizeof(buf)));
	assert_string_equal(buf, "2");
	assert_false(cmdline_get("xy=2", "x", buf, sizeof(buf)));
	assert_false(cmdline_get("x", "x", buf, sizeof(buf)));
	assert_true(cmdline_get("x= y", "x", buf, sizeof(buf)));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_values),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
