/*
 * config: the placement keys (vcpus, cpus, weight, cap) and the pCPU checks
 * against the machine: CPU lists, CPUs that do not exist or are already
 * pinned, and the consistency rules between the keys, each refusal with its
 * exact message. (test_config.c has the rest of the parse and the keys'
 * value errors.)
 */
/* unit-test-sources: tests/unit/config_fixture.c tests/unit/config_standard.c kernel/mgmt/config.c kernel/mgmt/config_values.c kernel/core/parse_num.c */
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
#include "tests/unit/config_standard.h"

/* The keys issue 5 added, all given, on a 4-CPU machine with memory to spare. */
static void test_placement_keys(void **state)
{
	const char *text = "script = boot.sh\n"
			   "cmdline = loglevel=debug\n"
			   "[guest pinned]\n"
			   "image = guests/hello64.elf\n"
			   "cmdline = console=ttyS0  quiet=1 # not the kernel's\n"
			   "vcpus = 2\n"
			   "cpus = 3, 1\n"
			   "devices = debug-exit\n"
			   "[guest shared]\n"
			   "cpus = shared\n"
			   "vcpus = 8\n"
			   "weight = 1000\n"
			   "cap = 50%\n"
			   "devices = uart , debug-exit\n"
			   "image = guests/x.bin\n"
			   "[guest range]\n"
			   "image = guests/x.bin\n"
			   "cpus=2-2\n"
			   "cap = none # the default, so fine when pinned\n"
			   "devices = none\n"
			   "cmdline =\n"
			   "[guest capped]\n"
			   "image = guests/x.bin\n"
			   "cap = 0x64\n";

	cpu_count = 4;
	free_memory = SZ_1G;
	assert_int_equal(parse(text), 0);
	assert_string_equal(log_text, "");
	assert_int_equal(cfg.error_count, 0);
	assert_ptr_equal(cfg.script, &modules[3]);
	assert_int_equal(cfg.guest_count, 3 + 1);

	const struct config_guest *a = &cfg.guests[0], *b = &cfg.guests[1], *c = &cfg.guests[2];
	assert_string_equal(a->cmdline, "console=ttyS0  quiet=1");
	assert_int_equal(a->vcpus, 2);
	assert_true(a->pinned);
	assert_int_equal(a->cpus[0], 3);
	assert_int_equal(a->cpus[1], 1);
	assert_int_equal(a->weight, 100);
	assert_int_equal(a->cap_percent, 0);
	assert_int_equal(a->devices, CONFIG_DEV_DEBUG_EXIT);

	/* Shared vCPUs may outnumber the pCPUs. */
	assert_string_equal(b->cmdline, "");
	assert_int_equal(b->vcpus, 8);
	assert_false(b->pinned);
	assert_int_equal(b->weight, 1000);
	assert_int_equal(b->cap_percent, 50);
	assert_int_equal(b->devices, CONFIG_DEV_UART | CONFIG_DEV_DEBUG_EXIT);

	/* "cpus = 2-2" is pCPU 2; vcpus defaults to 1. */
	assert_true(c->pinned);
	assert_int_equal(c->vcpus, 1);
	assert_int_equal(c->cpus[0], 2);
	assert_int_equal(c->weight, 100);
	assert_int_equal(c->cap_percent, 0);
	assert_int_equal(c->devices, 0);
	assert_string_equal(c->cmdline, "");

	assert_int_equal(cfg.guests[3].cap_percent, 100);
}

static void test_cpu_lists(void **state)
{
	static const struct {
		const char *value;
		uint32_t count, cpus[CONFIG_VCPUS_MAX];
	} ok[] = {
	    {"1", 1, {1}},
	    {"1,3", 2, {1, 3}},
	    {"2-3", 2, {2, 3}},
	    {" 7 , 1-3,5 - 6 ", 6, {7, 1, 2, 3, 5, 6}},
	    {"1-8", 8, {1, 2, 3, 4, 5, 6, 7, 8}},
	    {"0x2,0xa", 2, {2, 10}},
	};
	char text[256];

	cpu_count = 9 + 2;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text),
			 "[guest a]\nimage = guests/x.bin\nvcpus = %u\ncpus = %s\n",
			 (unsigned)ok[i].count, ok[i].value);
		assert_int_equal(parse(text), 0);
		assert_true(cfg.guests[0].pinned);
		assert_int_equal(cfg.guests[0].vcpus, ok[i].count);
		for (uint32_t v = 0; v < ok[i].count; v++)
			assert_int_equal(cfg.guests[0].cpus[v], ok[i].cpus[v]);
	}
}

/* The message from issue 5, at its line: a pCPU past the machine's. */
static void test_cpu_does_not_exist(void **state)
{
	const char *text = "# four CPUs\n"
			   "[guest a]\n"
			   "image = guests/x.bin\n"
			   "cpus = 1\n"
			   "\n"
			   "[guest b]\n"
			   "image = guests/x.bin\n"
			   "vcpus = 2\n"
			   "\n"
			   "\n"
			   "\n"
			   "cpus = 2,5\n"
			   "[guest c]\n"
			   "image = guests/x.bin\n"
			   "cpus = 3\n";

	cpu_count = 4;
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:12: CPU 5 does not exist (4 CPUs)\n"
				      "cfg: shoji.cfg:6: guest 'b' skipped\n");
	assert_int_equal(cfg.error_count, 1);
	assert_int_equal(cfg.guest_count, 2);
	assert_string_equal(cfg.guests[0].name, "a");
	assert_string_equal(cfg.guests[1].name, "c");

	cpu_count = 1;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncpus = 1\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: CPU 1 does not exist (1 CPU)\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	/* With the count known, index 4 of 4 is out even below the hypervisor's limit. */
	cpu_count = 4;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncpus = 3-4\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: CPU 4 does not exist (4 CPUs)\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
}

/* The other message from issue 5: a pCPU an earlier guest pinned. */
static void test_cpu_already_pinned(void **state)
{
	const char *text = "[guest a]\n"	    /* 1 */
			   "image = guests/x.bin\n" /* 2 */
			   "vcpus = 2\n"	    /* 3 */
			   "cpus = 1-2\n"	    /* 4 */
			   "[guest bad]\n"	    /* 5: skipped, so pCPU 3 stays free */
			   "image = guests/x.bin\n" /* 6 */
			   "cpus = 3\n"		    /* 7 */
			   "colour = blue\n"	    /* 8 */
			   "[guest c]\n"	    /* 9 */
			   "image = guests/x.bin\n" /* 10 */
			   "cpus = 3\n"		    /* 11 */
			   "[guest shared-1]\n"	    /* 12 */
			   "image = guests/x.bin\n" /* 13 */
			   "vcpus = 4\n"	    /* 14: shared guests need no free pCPU */
			   "[guest d]\n"	    /* 15 */
			   "image = guests/x.bin\n" /* 16 */
			   "# first vCPU on 1\n"    /* 17 */
			   "vcpus = 1\n"	    /* 18 */
			   "\n"			    /* 19 */
			   "cpus = 1\n"		    /* 20 */
			   "[guest e]\n"	    /* 21 */
			   "image = guests/x.bin\n" /* 22 */
			   "cpus = 2\n";	    /* 23 */

	cpu_count = 4;
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:8: unknown key 'colour'\n"
				      "cfg: shoji.cfg:5: guest 'bad' skipped\n"
				      "cfg: shoji.cfg:20: CPU 1 already pinned to guest 'a'\n"
				      "cfg: shoji.cfg:15: guest 'd' skipped\n"
				      "cfg: shoji.cfg:23: CPU 2 already pinned to guest 'a'\n"
				      "cfg: shoji.cfg:21: guest 'e' skipped\n");
	assert_int_equal(cfg.guest_count, 3);
	assert_string_equal(cfg.guests[0].name, "a");
	assert_string_equal(cfg.guests[1].name, "c");
	assert_int_equal(cfg.guests[1].cpus[0], 3);
	assert_string_equal(cfg.guests[2].name, "shared-1");

	/* Without a CPU count the clash is found all the same. */
	cpu_count = 0;
	assert_int_equal(parse("[guest a]\nimage=guests/x.bin\ncpus=40\n"
			       "[guest b]\nimage=guests/x.bin\ncpus=40\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:6: CPU 40 already pinned to guest 'a'\n"
				      "cfg: shoji.cfg:4: guest 'b' skipped\n");
}

/* vcpus and cpus agree, whichever comes first; pinned guests take no weight or cap. */
static void test_placement_consistency(void **state)
{
	cpu_count = 4;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncpus = 1,2\nvcpus = 3\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: cpus lists 2 CPUs but vcpus = 3\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nvcpus = 2\ncpus = 3\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:4: cpus lists 1 CPU but vcpus = 2\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncpus = 2-3\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: cpus lists 2 CPUs but vcpus = 1\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	/* More pinned vCPUs than pCPUs to pin: said once, at the vcpus line. */
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nvcpus = 4\ncpus = 1-3\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: vcpus = 4 but only 3 CPUs can be pinned "
				      "(4 CPUs, CPU 0 runs the management console)\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	cpu_count = 2;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncpus = 1\nvcpus = 2\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:4: vcpus = 2 but only 1 CPU can be pinned "
				      "(2 CPUs, CPU 0 runs the management console)\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	/* Shared: any vCPU count up to 8, whatever the machine. */
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nvcpus = 8\n"), 0);
	assert_int_equal(cfg.guests[0].vcpus, 8);

	cpu_count = 4;
	assert_int_equal(
	    parse("[guest a]\nweight = 5\nimage = guests/x.bin\ncap = 10%\ncpus = 1\n"), -EINVAL);
	assert_string_equal(
	    log_text, "cfg: shoji.cfg:2: weight is for shared guests only (this one is pinned)\n"
		      "cfg: shoji.cfg:4: cap is for shared guests only (this one is pinned)\n"
		      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(cfg.error_count, 2);
	assert_int_equal(parse("[guest a]\nweight = 5\nimage = guests/x.bin\ncap = 10%\n"
			       "cpus = shared\n"),
			 0);
	/* A bad vcpus or cpus value is reported alone, not again as a mismatch. */
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncpus = 1,2\nvcpus = 9\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:4: vCPU count '9' out of range (1..8)\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncpus = 1,9\nvcpus = 3\n"
			       "weight = 2\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: CPU 9 does not exist (4 CPUs)\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_placement_keys, teardown),
	    cmocka_unit_test_teardown(test_cpu_lists, teardown),
	    cmocka_unit_test_teardown(test_cpu_does_not_exist, teardown),
	    cmocka_unit_test_teardown(test_cpu_already_pinned, teardown),
	    cmocka_unit_test_teardown(test_placement_consistency, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
