/* unit-test-sources: tests/unit/config_fixture.c kernel/mgmt/config.c kernel/mgmt/config_values.c kernel/core/parse_num.c */
/*
 * config: the `clone` key. Its values, the shapes a clone cannot have (each
 * refusal with its exact message), and the memory a clone guest is charged:
 * the template's once, whatever the instance count.
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

#include "kernel/mgmt/config.h"
#include "tests/unit/config_fixture.h"

static const struct boot_module modules[] = {
    {.name = "shoji.cfg"},
    {.name = "guests/clone.elf"},
    {.name = "disk.img", .size = 0x100000},
};

static struct config cfg;
static char *log_text;
static uint64_t free_memory;

static int parse(const char *text)
{
	return config_fixture_parse(text, strlen(text), modules, ARRAY_SIZE(modules), 4,
				    free_memory, &cfg, &log_text);
}

static int teardown(void **state)
{
	free(log_text);
	log_text = NULL;
	free_memory = 0;
	return 0;
}

static void test_clone_values(void **state)
{
	assert_int_equal(parse("[guest c]\nimage = guests/clone.elf\n"), 0);
	assert_false(cfg.guests[0].clone);
	assert_int_equal(parse("[guest c]\nimage = guests/clone.elf\nclone = yes\ninstances = 8\n"),
			 0);
	assert_true(cfg.guests[0].clone);
	assert_int_equal(cfg.guests[0].instances, 8);
	assert_int_equal(parse("[guest c]\nimage = guests/clone.elf\nclone = no\n"), 0);
	assert_false(cfg.guests[0].clone);
	assert_int_equal(parse("[guest c]\nimage = guests/clone.elf\nclone = maybe\n"), -EINVAL);
	assert_int_equal(cfg.guest_count, 0);
}

/* Line 3 is `clone = yes`; the line after it makes the shape a clone cannot have. */
static void expect_refused(const char *extra, const char *why)
{
	char text[256], message[256];
	snprintf(text, sizeof(text), "[guest c]\nimage = guests/clone.elf\nclone = yes\n%s", extra);
	assert_int_equal(parse(text), -EINVAL);
	snprintf(message, sizeof(message),
		 "cfg: shoji.cfg:3: clones need %s\ncfg: shoji.cfg:1: guest 'c' skipped\n", why);
	assert_string_equal(log_text, message);
}

static void test_clone_shapes_refused(void **state)
{
	expect_refused("vcpus = 2\n", "one vCPU");
	expect_refused("cpus = 1\n", "shared CPUs (no 'cpus' list)");
	expect_refused("disk = disk.img\ndevices = uart, pc\n", "no disk");
	expect_refused("devices = uart, pc\n", "no pc devices");
}

static void test_clone_memory_charged_once(void **state)
{
	free_memory = 4 * SZ_1M;
	/* 64 instances of 2 MiB would be 128 MiB; clones are charged the template's 2 MiB. */
	assert_int_equal(parse("[guest c]\nimage = guests/clone.elf\nmemory = 2M\nclone = yes\n"
			       "instances = 64\n"),
			 0);
	assert_int_equal(parse("[guest c]\nimage = guests/clone.elf\nmemory = 2M\n"
			       "instances = 64\n"),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_clone_values, teardown),
	    cmocka_unit_test_teardown(test_clone_shapes_refused, teardown),
	    cmocka_unit_test_teardown(test_clone_memory_charged_once, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
