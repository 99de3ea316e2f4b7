/* unit-test-sources: tests/unit/config_fixture.c kernel/mgmt/config.c kernel/mgmt/config_values.c kernel/core/parse_num.c */
/*
 * config: the redundancy keys (redundancy, standby, standby-cpus, epoch-ms,
 * watchdog-ms). Good hot and cold duplex guests with their parsed fields,
 * every refusal with its exact message (config_fixture.c captures what
 * each parse logs), the standby's pCPU kept
 * apart from every other guest's, and a duplex guest charged twice its
 * memory.
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
    {.name = "guests/counter.elf"},
    {.name = "linux/vmlinuz", .size = 0x800000},
    {.name = "disk.img", .size = 0x100000},
};

static struct config cfg;
static char *log_text; /* what the parse logged, one message per line */
/* The machine config_parse is told about; each test starts with 4 pCPUs, memory unchecked. */
static uint32_t cpu_count;
static uint64_t free_memory;

static int parse(const char *text)
{
	return config_fixture_parse(text, strlen(text), modules, ARRAY_SIZE(modules), cpu_count,
				    free_memory, &cfg, &log_text);
}

static int setup(void **state)
{
	cpu_count = 4;
	free_memory = 0;
	return 0;
}

static int teardown(void **state)
{
	free(log_text);
	log_text = NULL;
	return 0;
}

/* Lines 3-5 of a duplex section: the primary on pCPU 1, the standby on pCPU 2. */
#define DUPLEX "redundancy = duplex\ncpus = 1\nstandby-cpus = 2\n"

/*
 * Section "ha" (line 1), its image (line 2), then @lines: refused with the
 * one @message at @line, the guest dropped and the one after it kept.
 */
static void check_refused(const char *lines, unsigned line, const char *message)
{
	static char text[4096], expect[4096];

	snprintf(text, sizeof(text),
		 "[guest ha]\nimage = guests/counter.elf\n%s[guest next]\nimage = "
		 "guests/counter.elf\n",
		 lines);
	snprintf(expect, sizeof(expect),
		 "cfg: shoji.cfg:%u: %s\ncfg: shoji.cfg:1: guest 'ha' skipped\n", line, message);
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text, expect);
	assert_int_equal(cfg.error_count, 1);
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "next");
}

/* Section "ha" with its image, then @lines: kept, nothing logged. */
static const struct config_guest *accepted(const char *lines)
{
	static char text[4096];

	snprintf(text, sizeof(text), "[guest ha]\nimage = guests/counter.elf\n%s", lines);
	assert_int_equal(parse(text), 0);
	assert_string_equal(log_text, "");
	assert_int_equal(cfg.guest_count, 1);
	return &cfg.guests[0];
}

/* A guest without redundancy: none, and the duplex fields at their defaults. */
static void test_no_redundancy(void **state)
{
	const struct config_guest *g = accepted("");
	assert_int_equal(g->redundancy, CONFIG_REDUNDANCY_NONE);
	assert_false(g->standby_cpu_set);
	assert_int_equal(g->epoch_ms, CONFIG_EPOCH_MS_DEFAULT);
	assert_int_equal(g->watchdog_ms, 0);
	assert_int_equal(config_guest_footprint(g), CONFIG_MEM_DEFAULT);
	g = accepted("redundancy = none\n");
	assert_int_equal(g->redundancy, CONFIG_REDUNDANCY_NONE);
}

/* Hot by default, epoch 20 ms, no watchdog. */
static void test_hot_duplex_defaults(void **state)
{
	const struct config_guest *g = accepted("memory = 2M\n" DUPLEX);
	assert_string_equal(g->name, "ha");
	assert_int_equal(g->redundancy, CONFIG_REDUNDANCY_DUPLEX);
	assert_true(g->standby_hot);
	assert_true(g->pinned);
	assert_int_equal(g->vcpus, 1);
	assert_int_equal(g->cpus[0], 1);
	assert_true(g->standby_cpu_set);
	assert_int_equal(g->standby_cpu, 2);
	assert_int_equal(g->epoch_ms, 20);
	assert_int_equal(g->epoch_ms, CONFIG_EPOCH_MS_DEFAULT);
	assert_int_equal(g->watchdog_ms, 0);
	assert_int_equal(g->instances, 1);
	assert_int_equal(g->devices, CONFIG_DEV_DEFAULT);
	assert_null(g->disk);
}

/* Every key given, in any order (the standby's keys before 'redundancy'), hex too. */
static void test_hot_duplex_all_keys(void **state)
{
	const struct config_guest *g =
	    accepted("watchdog-ms = 200\nepoch-ms = 0x32\n"
		     "standby = hot\nstandby-cpus = 3\ncpus = 2\n"
		     "redundancy = duplex\ndevices = uart, debug-exit\n");
	assert_int_equal(g->redundancy, CONFIG_REDUNDANCY_DUPLEX);
	assert_true(g->standby_hot);
	assert_int_equal(g->cpus[0], 2);
	assert_int_equal(g->standby_cpu, 3);
	assert_int_equal(g->epoch_ms, 50);
	assert_int_equal(g->watchdog_ms, 200);

	/* The ends of each range. */
	g = accepted(DUPLEX "epoch-ms = 1\nwatchdog-ms = 10\n");
	assert_int_equal(g->epoch_ms, 1);
	assert_int_equal(g->watchdog_ms, 10);
	g = accepted(DUPLEX "epoch-ms = 1000\nwatchdog-ms = 60000\n");
	assert_int_equal(g->epoch_ms, 1000);
	assert_int_equal(g->watchdog_ms, 60000);
	g = accepted(DUPLEX "watchdog-ms = 0\n");
	assert_int_equal(g->watchdog_ms, 0);
}

/* Cold: booted from the image on failure, so the PC platform and a disk are fine. */
static void test_cold_duplex(void **state)
{
	assert_int_equal(parse("[guest ha]\nkernel = linux/vmlinuz\ndisk = disk.img\n" DUPLEX
			       "standby = cold\nwatchdog-ms = 500\n"),
			 0);
	assert_string_equal(log_text, "");
	assert_int_equal(cfg.guest_count, 1);
	const struct config_guest *g = &cfg.guests[0];
	assert_int_equal(g->redundancy, CONFIG_REDUNDANCY_DUPLEX);
	assert_false(g->standby_hot);
	assert_int_equal(g->standby_cpu, 2);
	assert_int_equal(g->cpus[0], 1);
	assert_ptr_equal(g->disk, &modules[3]);
	assert_int_equal(g->devices, CONFIG_DEV_DEFAULT | CONFIG_DEV_PC);
	assert_int_equal(g->epoch_ms, CONFIG_EPOCH_MS_DEFAULT);
	assert_int_equal(g->watchdog_ms, 500);

	g = accepted(DUPLEX "standby = cold\ndevices = pc\n");
	assert_false(g->standby_hot);
	assert_int_equal(g->devices, CONFIG_DEV_PC);
}

static void test_redundancy_values(void **state)
{
	check_refused("redundancy = TMR\n", 3,
		      "bad redundancy 'TMR' (expected none, duplex, dual or tmr)");
	check_refused("redundancy = Duplex\n", 3,
		      "bad redundancy 'Duplex' (expected none, duplex, dual or tmr)");
	check_refused("redundancy = yes\n", 3,
		      "bad redundancy 'yes' (expected none, duplex, dual or tmr)");
	check_refused("redundancy = duplex duplex\n", 3,
		      "bad redundancy 'duplex duplex' (expected none, duplex, dual or tmr)");
	check_refused(DUPLEX "redundancy = duplex\n", 6, "duplicate key 'redundancy'");
}

static void test_standby_values(void **state)
{
	check_refused(DUPLEX "standby = warm\n", 6, "bad standby 'warm' (expected hot or cold)");
	check_refused(DUPLEX "standby = HOT\n", 6, "bad standby 'HOT' (expected hot or cold)");
	check_refused(DUPLEX "standby =\n", 6, "empty value for 'standby'");
	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = two\n", 5,
		      "bad standby pCPU 'two'");
	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = 2,3\n", 5,
		      "bad standby pCPU '2,3'");
	/* pCPU 0 runs the management console. */
	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = 0\n", 5,
		      "standby pCPU '0' out of range (1..63)");
}

static void test_epoch_and_watchdog_values(void **state)
{
	check_refused(DUPLEX "epoch-ms = 0\n", 6, "epoch length (ms) '0' out of range (1..1000)");
	check_refused(DUPLEX "epoch-ms = 1001\n", 6,
		      "epoch length (ms) '1001' out of range (1..1000)");
	check_refused(DUPLEX "epoch-ms = 20ms\n", 6, "bad epoch length (ms) '20ms'");
	check_refused(DUPLEX "watchdog-ms = 5\n", 6, "watchdog (ms) '5' out of range (10..60000)");
	check_refused(DUPLEX "watchdog-ms = 9\n", 6, "watchdog (ms) '9' out of range (10..60000)");
	check_refused(DUPLEX "watchdog-ms = 60001\n", 6,
		      "watchdog (ms) '60001' out of range (10..60000)");
	check_refused(DUPLEX "watchdog-ms = off\n", 6, "bad watchdog (ms) 'off'");
}

/* Each standby key on a guest without redundancy, at the section's header. */
static void test_standby_keys_need_duplex(void **state)
{
	static const char *const keys[] = {"standby = hot\n", "standby-cpus = 2\n",
					   "epoch-ms = 20\n", "watchdog-ms = 0\n"};
	const char *message = "guest 'ha': standby settings need 'redundancy = duplex'";

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		check_refused(keys[i], 1, message);
	check_refused("redundancy = none\ncpus = 1\nstandby-cpus = 2\n", 1, message);
}

/* The duplex shape: one instance, one vCPU on its own pCPU, the standby on another. */
static void test_duplex_shape(void **state)
{
	const char *needs_cpus = "guest 'ha': a duplex guest needs 'cpus' (the primary's) and "
				 "'standby-cpus'";
	const char *one_vcpu = "guest 'ha': a duplex guest has one vCPU, and its standby another "
			       "pCPU";

	check_refused("redundancy = duplex\nstandby-cpus = 2\n", 3, needs_cpus);
	check_refused("redundancy = duplex\ncpus = shared\nstandby-cpus = 2\n", 3, needs_cpus);
	check_refused("redundancy = duplex\ncpus = 1\n", 3, needs_cpus);
	check_refused("redundancy = duplex\nvcpus = 2\ncpus = 1-2\nstandby-cpus = 3\n", 3,
		      one_vcpu);
	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = 1\n", 3, one_vcpu);
	check_refused("redundancy = duplex\ninstances = 2\n", 3,
		      "guest 'ha': a duplex guest has one instance");
	check_refused("standby-cpus = 2\nredundancy = duplex\ninstances = 2\n", 4,
		      "guest 'ha': a duplex guest has one instance");

	/* Pinned instances are refused on their own account too: both messages. */
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\n" DUPLEX "instances = 2\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:6: instances share their CPUs: no 'cpus' list\n"
			    "cfg: shoji.cfg:3: guest 'ha': a duplex guest has one instance\n"
			    "cfg: shoji.cfg:1: guest 'ha' skipped\n");
	assert_int_equal(cfg.guest_count, 0);
}

/* What a hot standby cannot checkpoint yet: a disk. The PC platform it can. */
static void test_hot_standby_limits(void **state)
{
	assert_int_equal(
	    parse("[guest ha]\nkernel = linux/vmlinuz\ndisk = disk.img\n" DUPLEX "standby = hot\n"),
	    -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:4: guest 'ha': a hot standby cannot yet "
				      "checkpoint a disk\n"
				      "cfg: shoji.cfg:1: guest 'ha' skipped\n");
	/* A 'kernel' has the PC platform unless told otherwise. */
	const struct config_guest *g = accepted(DUPLEX "devices = uart, pc\n");
	assert_int_equal(g->devices, CONFIG_DEV_UART | CONFIG_DEV_PC);
	assert_true(g->standby_hot);
	assert_int_equal(parse("[guest ha]\nkernel = linux/vmlinuz\n" DUPLEX), 0);
	assert_true(cfg.guests[0].devices & CONFIG_DEV_PC);
}

/* The standby's pCPU must exist: checked against the caller's count, when it gives one. */
static void test_standby_cpu_exists(void **state)
{
	const char *message = "guest 'ha': 'standby-cpus' names a pCPU this machine does not have";

	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = 4\n", 3, message);
	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = 63\n", 3, message);
	assert_int_equal(accepted("redundancy = duplex\ncpus = 1\nstandby-cpus = 3\n")->standby_cpu,
			 3);
	cpu_count = 2;
	check_refused(DUPLEX, 3, message);

	/* Unchecked: any pCPU the hypervisor could have (as for 'cpus'), and no more. */
	cpu_count = 0;
	assert_int_equal(
	    accepted("redundancy = duplex\ncpus = 1\nstandby-cpus = 63\n")->standby_cpu, 63);
	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = 64\n", 5,
		      "standby pCPU '64' out of range (1..63)");
	check_refused("cpus = 64\n", 3, "CPU 64 out of range (0..63)");
}

/* A bad value is reported alone, not again as a duplex mismatch. */
static void test_bad_value_reported_once(void **state)
{
	check_refused("redundancy = triple\nstandby = hot\nepoch-ms = 20\n", 3,
		      "bad redundancy 'triple' (expected none, duplex, dual or tmr)");
	check_refused("redundancy = duplex\ncpus = 9\nstandby-cpus = 2\n", 4,
		      "CPU 9 does not exist (4 CPUs)");
	check_refused("redundancy = duplex\ncpus = 1\nstandby-cpus = 99\n", 5,
		      "standby pCPU '99' out of range (1..63)");
	check_refused("redundancy = duplex\nvcpus = 0\ncpus = 1\nstandby-cpus = 2\n", 4,
		      "vCPU count '0' out of range (1..8)");
	assert_int_equal(
	    parse("[guest ha]\nkernel = linux/vmlinuz\n" DUPLEX "standby = lukewarm\n"), -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:6: bad standby 'lukewarm' (expected hot or cold)\n"
			    "cfg: shoji.cfg:1: guest 'ha' skipped\n");
}

/*
 * A standby's pCPU is its own, as a pinned vCPU's is: no other guest's
 * vCPU or standby may be there (the scheduler would refuse the second one
 * when the guests are built).
 */
static void test_standby_cpu_is_its_own(void **state)
{
	/* Another guest pinned it first. */
	assert_int_equal(parse("[guest a]\nimage = guests/counter.elf\ncpus = 2\n"
			       "[guest ha]\nimage = guests/counter.elf\n" DUPLEX),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:8: CPU 2 already pinned to guest 'a'\n"
				      "cfg: shoji.cfg:4: guest 'ha' skipped\n");
	assert_int_equal(cfg.guest_count, 1);

	/* A later guest pins the standby's pCPU. */
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\n" DUPLEX
			       "[guest b]\nimage = guests/counter.elf\ncpus = 2\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:8: CPU 2 already pinned to the standby of guest 'ha'\n"
			    "cfg: shoji.cfg:6: guest 'b' skipped\n");
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "ha");

	/* Two pairs: a standby on the other's standby, then on the other's primary. */
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\n" DUPLEX
			       "[guest hb]\nimage = guests/counter.elf\nredundancy = duplex\n"
			       "cpus = 3\nstandby-cpus = 2\n"
			       "[guest hc]\nimage = guests/counter.elf\nredundancy = duplex\n"
			       "cpus = 3\nstandby-cpus = 1\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:10: CPU 2 already pinned to the standby of guest 'ha'\n"
			    "cfg: shoji.cfg:6: guest 'hb' skipped\n"
			    "cfg: shoji.cfg:15: CPU 1 already pinned to guest 'ha'\n"
			    "cfg: shoji.cfg:11: guest 'hc' skipped\n");
	assert_int_equal(cfg.guest_count, 1);

	/* A skipped pair holds no pCPU; two pairs apart are fine. */
	cpu_count = 5;
	assert_int_equal(parse("[guest bad]\nimage = guests/counter.elf\n" DUPLEX "colour = red\n"
			       "[guest ha]\nimage = guests/counter.elf\n" DUPLEX
			       "[guest hb]\nimage = guests/counter.elf\nredundancy = duplex\n"
			       "cpus = 3\nstandby-cpus = 4\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:6: unknown key 'colour'\n"
				      "cfg: shoji.cfg:1: guest 'bad' skipped\n");
	assert_int_equal(cfg.guest_count, 2);
	assert_int_equal(cfg.guests[1].standby_cpu, 4);
}

/* A duplex pair is two guests: its memory is charged twice. */
static void test_duplex_memory_twice(void **state)
{
	const struct config_guest *g = accepted("memory = 2M\n" DUPLEX);
	assert_int_equal(config_guest_footprint(g), 4 * SZ_1M);
	g = accepted("memory = 3M\n" DUPLEX);
	assert_int_equal(config_guest_footprint(g), 6 * SZ_1M);
	g = accepted("memory = 2500K\n" DUPLEX);
	assert_int_equal(config_guest_footprint(g), 6 * SZ_1M);

	/* 6M would fit next to a 2M guest charged once; not next to a pair. */
	free_memory = 8 * SZ_1M;
	const char *text = "[guest ha]\nimage = guests/counter.elf\nmemory = 2M\n" DUPLEX
			   "[guest b]\nimage = guests/counter.elf\nmemory = 6M\n";
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:9: guest 'b' needs 6M but only 4M remain\n"
				      "cfg: shoji.cfg:7: guest 'b' skipped\n");
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "ha");
	/* Without the redundancy both fit: the difference is the standby's copy. */
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\nmemory = 2M\ncpus = 1\n"
			       "[guest b]\nimage = guests/counter.elf\nmemory = 6M\n"),
			 0);
	assert_int_equal(cfg.guest_count, 2);
	/* Exactly enough for the pair and a 4M guest. */
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\nmemory = 2M\n" DUPLEX
			       "[guest b]\nimage = guests/counter.elf\nmemory = 4M\n"),
			 0);
	assert_int_equal(cfg.guest_count, 2);

	/* The pair alone does not fit: the message says why it needs twice its memory. */
	free_memory = 3 * SZ_1M;
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\nmemory = 2M\n" DUPLEX),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: guest 'ha' needs 4M (2M for each of the 2 "
				      "replicas of a duplex guest) but only 3M remain\n"
				      "cfg: shoji.cfg:1: guest 'ha' skipped\n");
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\nmemory = 1536K\n" DUPLEX),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: guest 'ha' needs 4M (1536K rounded up to "
				      "whole MiBs, for each of the 2 replicas of a duplex "
				      "guest) but only 3M remain\n"
				      "cfg: shoji.cfg:1: guest 'ha' skipped\n");
	assert_int_equal(cfg.guest_count, 0);
}

/* The same message for instances, which are charged once each. */
static void test_instances_memory_message(void **state)
{
	free_memory = 8 * SZ_1M;
	assert_int_equal(
	    parse("[guest m]\nimage = guests/counter.elf\nmemory = 2M\ninstances = 5\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: guest 'm' needs 10M (2M for each of 5 "
				      "instances) but only 8M remain\n"
				      "cfg: shoji.cfg:1: guest 'm' skipped\n");
	assert_int_equal(
	    parse("[guest m]\nimage = guests/counter.elf\nmemory = 1536K\ninstances = 5\n"),
	    -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:3: guest 'm' needs 10M (1536K rounded up to "
			    "whole MiBs, for each of 5 instances) but only 8M remain\n"
			    "cfg: shoji.cfg:1: guest 'm' skipped\n");
}

/* Dual: two replicas, one per pCPU that 'cpus' lists, charged twice; a watchdog allowed. */
static void test_dual(void **state)
{
	const struct config_guest *g =
	    accepted("redundancy = dual\ncpus = 1,2\nwatchdog-ms = 100\nmemory = 2M\n");
	assert_int_equal(g->redundancy, CONFIG_REDUNDANCY_DUAL);
	assert_true(g->pinned);
	assert_int_equal(g->cpus[0], 1);
	assert_int_equal(g->cpus[1], 2);
	assert_int_equal(g->watchdog_ms, 100);
	assert_int_equal(config_guest_footprint(g), 2 * SZ_2M);

	check_refused("redundancy = dual\ncpus = 1\n", 4,
		      "cpus lists 1 CPU but a dual guest needs 2 (one per replica)");
	check_refused(
	    "redundancy = dual\n", 3,
	    "guest 'ha': a dual guest has one vCPU and needs 'cpus' (a pCPU per replica)");
	check_refused(
	    "redundancy = dual\ncpus = 1,2\nvcpus = 2\n", 3,
	    "guest 'ha': a dual guest has one vCPU and needs 'cpus' (a pCPU per replica)");
	check_refused("redundancy = dual\ncpus = 1,2\nstandby-cpus = 3\n", 3,
		      "guest 'ha': a dual guest takes no 'standby', 'standby-cpus', 'epoch-ms' or "
		      "'batch' (duplex only)");
	assert_int_equal(parse("[guest ha]\nkernel = linux/vmlinuz\ndisk = disk.img\nredundancy = "
			       "dual\ncpus = 1,2\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:4: guest 'ha': a dual guest cannot yet "
			    "resynchronise a disk\ncfg: shoji.cfg:1: guest 'ha' skipped\n");
	assert_true(accepted("redundancy = dual\ncpus = 1,2\ndevices = pc\n")->devices &
		    CONFIG_DEV_PC);
	check_refused("redundancy = dual\ninstances = 2\n", 3,
		      "guest 'ha': a dual guest has one instance");
}

/* TMR: three replicas, one per pCPU 'cpus' lists, charged three times. */
static void test_tmr(void **state)
{
	const struct config_guest *g =
	    accepted("redundancy = tmr\ncpus = 1,2,3\nwatchdog-ms = 100\nmemory = 2M\n");
	assert_int_equal(g->redundancy, CONFIG_REDUNDANCY_TMR);
	assert_int_equal(config_replicas(g), 3);
	assert_int_equal(g->cpus[2], 3);
	assert_int_equal(config_guest_footprint(g), 3 * SZ_2M);

	check_refused("redundancy = tmr\ncpus = 1,2\n", 4,
		      "cpus lists 2 CPUs but a tmr guest needs 3 (one per replica)");
	check_refused("redundancy = tmr\ncpus = 1,2,3\nepoch-ms = 20\n", 3,
		      "guest 'ha': a tmr guest takes no 'standby', 'standby-cpus', 'epoch-ms' or "
		      "'batch' (duplex only)");
	assert_true(accepted("redundancy = tmr\ncpus = 1,2,3\ndevices = pc\n")->devices &
		    CONFIG_DEV_PC);
}

/* A batch guest: shared, one instance, defined above, nobody else's; it goes to the standby's pCPU.
 */
static void test_batch(void **state)
{
	cpu_count = 8;
	assert_int_equal(parse("[guest work]\nimage = guests/counter.elf\n"
			       "[guest ha]\nimage = guests/counter.elf\n" DUPLEX "batch = work\n"),
			 0);
	assert_string_equal(log_text, "");
	assert_int_equal(cfg.guest_count, 2);
	assert_string_equal(cfg.guests[1].batch, "work");
	assert_true(cfg.guests[0].is_batch);
	assert_int_equal(cfg.guests[0].batch_cpu, 2);
	assert_false(cfg.guests[1].is_batch);

	check_refused(DUPLEX "batch = nobody\n", 6,
		      "batch guest 'nobody' is not a guest defined above this one");
	check_refused(DUPLEX "batch = bad name\n", 6, "bad batch guest name 'bad name'");
	check_refused("batch = next\n", 1,
		      "guest 'ha': standby settings need 'redundancy = duplex'");

	const char *const unfit[] = {"cpus = 3\n", "instances = 2\n",
				     "redundancy = dual\ncpus = 3,4\n"};
	for (unsigned i = 0; i < 3; i++) {
		char text[512], expect[256];
		snprintf(text, sizeof(text),
			 "[guest work]\nimage = guests/counter.elf\n%s[guest ha]\nimage = "
			 "guests/counter.elf\n" DUPLEX "batch = work\n",
			 unfit[i]);
		unsigned lines = i == 2 ? 4 : 3;
		snprintf(expect, sizeof(expect),
			 "cfg: shoji.cfg:%u: batch guest 'work' must be a shared guest with one "
			 "instance and no redundancy\ncfg: shoji.cfg:%u: guest 'ha' skipped\n",
			 lines + 6, lines + 1);
		assert_int_equal(parse(text), -EINVAL);
		assert_string_equal(log_text, expect);
		assert_false(cfg.guests[0].is_batch);
	}
	/* A second duplex cannot take the first one's batch guest. */
	assert_int_equal(parse("[guest work]\nimage = guests/counter.elf\n"
			       "[guest ha]\nimage = guests/counter.elf\n" DUPLEX "batch = work\n"
			       "[guest hb]\nimage = guests/counter.elf\nredundancy = duplex\n"
			       "cpus = 3\nstandby-cpus = 4\nbatch = work\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:14: batch guest 'work' is already the batch "
				      "guest of another duplex guest\n"
				      "cfg: shoji.cfg:9: guest 'hb' skipped\n");
}

/* Every replica's pCPU is taken, not only the first's. */
static void test_voting_replicas_own_their_cpus(void **state)
{
	assert_int_equal(parse("[guest ha]\nimage = guests/counter.elf\nredundancy = dual\n"
			       "cpus = 1,2\n[guest other]\nimage = guests/counter.elf\ncpus = 2\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:7: CPU 2 already pinned to guest 'ha'\n"
				      "cfg: shoji.cfg:5: guest 'other' skipped\n");
	assert_int_equal(cfg.guest_count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dual, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tmr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_voting_replicas_own_their_cpus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_redundancy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hot_duplex_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hot_duplex_all_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cold_duplex, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_redundancy_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_standby_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_epoch_and_watchdog_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_standby_keys_need_duplex, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplex_shape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hot_standby_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_standby_cpu_exists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_value_reported_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_standby_cpu_is_its_own, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplex_memory_twice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_instances_memory_message, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
