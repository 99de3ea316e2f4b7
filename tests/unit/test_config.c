/*
 * config: the kernel's parse of shoji.cfg. Every error kind is checked with
 * its exact message (the log goes to stderr in host tests; stderr is swapped
 * for a memory stream around each parse), plus hostile input under ASan:
 * unterminated buffers, long lines, NULs, overflowing numbers, random bytes.
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

/* A good file: comments, CRLF, all keys, two guests in order. */
static void test_full(void **state)
{
	const char *text = "# Shoji configuration\n"
			   "cmdline = loglevel=info  # the loader's\n"
			   "\n"
			   "[guest hello]\n"
			   "  image = guests/hello64.elf\n"
			   "memory=32M\r\n"
			   "\tmode = long64 # from the ELF anyway\n"
			   "autostart = no\n"
			   "[ guest  flat-2_B ]  # spaced header\n"
			   "image = guests/x.bin\n"
			   "memory = 0x100000\n"
			   "mode = real\n"
			   "load = 0x7c00\n"
			   "entry = 31746\n"
			   "[guest p32]\n"
			   "image = guests/hello64.elf\n"
			   "mode = prot32\n"
			   "memory = 1G";

	assert_int_equal(parse(text), 0);
	assert_string_equal(log_text, "");
	assert_int_equal(cfg.error_count, 0);
	assert_int_equal(cfg.guest_count, 3);

	const struct config_guest *a = &cfg.guests[0], *b = &cfg.guests[1], *c = &cfg.guests[2];
	assert_string_equal(a->name, "hello");
	assert_ptr_equal(a->image, &modules[1]);
	assert_int_equal(a->mem_size, 32 * SZ_1M);
	assert_true(a->opts.mode_set);
	assert_int_equal(a->opts.mode, VCPU_START_LONG64);
	assert_false(a->opts.load_set);
	assert_false(a->opts.entry_set);
	assert_false(a->autostart);
	assert_int_equal(a->line, 4);

	assert_string_equal(b->name, "flat-2_B");
	assert_ptr_equal(b->image, &modules[2]);
	assert_int_equal(b->mem_size, SZ_1M);
	assert_int_equal(b->opts.mode, VCPU_START_REAL);
	assert_true(b->opts.load_set);
	assert_int_equal(b->opts.load_gpa, 0x7c00);
	assert_true(b->opts.entry_set);
	assert_int_equal(b->opts.entry_gpa, 0x7c02);
	assert_true(b->autostart);
	assert_int_equal(b->line, 9);

	assert_string_equal(c->name, "p32");
	assert_int_equal(c->opts.mode, VCPU_START_PROT32);
	assert_int_equal(c->mem_size, SZ_1G);
}

static void test_defaults(void **state)
{
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\n"), 0);
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "a");
	assert_int_equal(cfg.guests[0].mem_size, CONFIG_MEM_DEFAULT);
	assert_int_equal(cfg.guests[0].mem_size, 16 * SZ_1M);
	assert_false(cfg.guests[0].opts.mode_set);
	assert_false(cfg.guests[0].opts.load_set);
	assert_int_equal(cfg.guests[0].opts.load_gpa, 0x8000);
	assert_false(cfg.guests[0].opts.entry_set);
	assert_true(cfg.guests[0].autostart);
	assert_string_equal(cfg.guests[0].cmdline, "");
	assert_int_equal(cfg.guests[0].vcpus, 1);
	assert_false(cfg.guests[0].pinned);
	assert_int_equal(cfg.guests[0].weight, CONFIG_WEIGHT_DEFAULT);
	assert_int_equal(cfg.guests[0].weight, 100);
	assert_int_equal(cfg.guests[0].cap_percent, 0);
	assert_int_equal(cfg.guests[0].devices, CONFIG_DEV_UART | CONFIG_DEV_DEBUG_EXIT);
	assert_int_equal(cfg.guests[0].devices, CONFIG_DEV_DEFAULT);
	assert_null(cfg.script);
}

static void test_empty_and_top_level(void **state)
{
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.guest_count, 0);
	assert_int_equal(parse("# nothing\n\n   \ncmdline = a b c\ncmdline=\n"), 0);
	assert_int_equal(cfg.guest_count, 0);
	assert_string_equal(log_text, "");
}

/* One guest section holding @line (line 2); check the message and that it was dropped. */
static void check_bad_line(const char *line, const char *message)
{
	static char text[8192], expect[8192];

	snprintf(text, sizeof(text),
		 "[guest a]\n%s\nimage = guests/x.bin\n[guest ok]\nimage = "
		 "guests/x.bin\n",
		 line);
	snprintf(expect, sizeof(expect),
		 "cfg: shoji.cfg:2: %s\ncfg: shoji.cfg:1: guest 'a' skipped\n", message);
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text, expect);
	assert_int_equal(cfg.error_count, 1);
	/* The bad section is dropped, the next one kept. */
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "ok");
}

static void test_key_errors(void **state)
{
	check_bad_line("colour = red", "unknown key 'colour'");
	check_bad_line("memory =", "empty value for 'memory'");
	check_bad_line("memory = 12Q", "bad memory size '12Q'");
	check_bad_line("memory = M", "bad memory size 'M'");
	check_bad_line("memory = 16MB", "bad memory size '16MB'");
	check_bad_line("memory = 0x", "bad memory size '0x'");
	check_bad_line("memory = -1", "bad memory size '-1'");
	check_bad_line("memory = 16 M", "bad memory size '16 M'");
	check_bad_line("memory = 99999999999999999999", "bad memory size '99999999999999999999'");
	check_bad_line("memory = 0x10000000000000000", "bad memory size '0x10000000000000000'");
	check_bad_line("memory = 17179869184G", "memory size '17179869184G' out of range (1M..1G)");
	check_bad_line("memory = 1023K", "memory size '1023K' out of range (1M..1G)");
	check_bad_line("memory = 0", "memory size '0' out of range (1M..1G)");
	check_bad_line("memory = 1025M", "memory size '1025M' out of range (1M..1G)");
	check_bad_line("memory = 2g", "memory size '2g' out of range (1M..1G)");
	check_bad_line("memory = 1025K", "memory size '1025K' is not a multiple of 4K");
	check_bad_line("memory = 1048577", "memory size '1048577' is not a multiple of 4K");
	check_bad_line("mode = long", "bad mode 'long' (expected real, prot32 or long64)");
	check_bad_line("mode = LONG64", "bad mode 'LONG64' (expected real, prot32 or long64)");
	check_bad_line("autostart = maybe", "bad autostart value 'maybe' (expected yes or no)");
	check_bad_line("load = 0x8000x", "bad load address '0x8000x'");
	check_bad_line("load = 0xffffffffffffffffff", "bad load address '0xffffffffffffffffff'");
	check_bad_line("entry = here", "bad entry address 'here'");
	check_bad_line("load = 0xc0000000",
		       "load address '0xc0000000' not below the MMIO window (0xc0000000)");
	check_bad_line("just words", "malformed line (expected 'key = value' or '[guest NAME]')");
	check_bad_line("= value", "unknown key ''");
}

static void test_duplicate_key(void **state)
{
	assert_int_equal(parse("[guest a]\nmemory = 2M\nimage = guests/x.bin\nmemory = 2M\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:4: duplicate key 'memory'\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(cfg.guest_count, 0);
}

static void test_memory_suffixes(void **state)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
	    {"1M", SZ_1M},	 {"1m", SZ_1M},		{"1024K", SZ_1M},
	    {"1024k", SZ_1M},	 {"1G", SZ_1G},		{"1048576", SZ_1M},
	    {"0x200000", SZ_2M}, {"0X1fM", 31 * SZ_1M}, {"0100M", 100 * SZ_1M},
	};
	char text[128];

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text), "[guest a]\nimage = guests/x.bin\nmemory = %s\n",
			 ok[i].text);
		assert_int_equal(parse(text), 0);
		assert_int_equal(cfg.guests[0].mem_size, ok[i].bytes);
	}
}

static void test_image_not_loaded(void **state)
{
	const char *text = "[guest a]\n"
			   "memory = 16M\n"
			   "\n"
			   "\n"
			   "\n"
			   "\n"
			   "\n"
			   "\n"
			   "image = guests/x.elf\n";

	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:9: image 'guests/x.elf' was not loaded\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(cfg.guest_count, 0);

	/* Exact match only: no prefix, no case folding, blanks inside count. */
	assert_int_equal(parse("[guest a]\nimage = guests/x\n"), -EINVAL);
	assert_int_equal(parse("[guest a]\nimage = GUESTS/X.BIN\n"), -EINVAL);
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin2\n"), -EINVAL);
	assert_int_equal(parse("[guest a]\nimage = guests/ x.bin\n"), -EINVAL);
}

/* A Linux guest: kernel is image by another name; initrd's size goes to the loader. */
static void test_kernel_and_initrd(void **state)
{
	assert_int_equal(parse("[guest l]\nkernel = linux/vmlinuz\ninitrd = linux/initrd.gz\n"
			       "memory = 128M\n"),
			 0);
	assert_int_equal(cfg.guest_count, 1);
	assert_ptr_equal(cfg.guests[0].image, &modules[4]);
	assert_ptr_equal(cfg.guests[0].initrd, &modules[5]);
	assert_int_equal(cfg.guests[0].opts.initrd_size, 0x123456);
	assert_true(cfg.guests[0].opts.kernel_only);
	assert_int_equal(cfg.guests[0].devices, CONFIG_DEV_DEFAULT | CONFIG_DEV_PC);
	assert_int_equal(parse("[guest l]\nkernel = linux/vmlinuz\ndevices = uart\n"), 0);
	assert_int_equal(cfg.guests[0].devices, CONFIG_DEV_UART);
	assert_int_equal(parse("[guest l]\nimage = linux/vmlinuz\n"), 0);
	assert_false(cfg.guests[0].opts.kernel_only);

	assert_int_equal(parse("[guest l]\nimage = linux/vmlinuz\nkernel = linux/vmlinuz\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: 'image' and 'kernel' both given: they "
				      "name the same file\n"
				      "cfg: shoji.cfg:1: guest 'l' skipped\n");
	assert_int_equal(parse("[guest l]\nkernel = linux/bzImage\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:2: kernel 'linux/bzImage' was not loaded\n"
				      "cfg: shoji.cfg:1: guest 'l' skipped\n");
	assert_int_equal(parse("[guest l]\nkernel = linux/vmlinuz\ninitrd = initrd\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: initrd 'initrd' was not loaded\n"
				      "cfg: shoji.cfg:1: guest 'l' skipped\n");
	assert_int_equal(parse("[guest l]\nkernel = linux/vmlinuz\ninitrd = linux/initrd.gz\n"
			       "initrd = linux/initrd.gz\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:4: duplicate key 'initrd'\n"
				      "cfg: shoji.cfg:1: guest 'l' skipped\n");
}

/* A disk: a loaded file, on the PC platform, one guest's alone. */
static void test_disk(void **state)
{
	assert_int_equal(parse("[guest l]\nkernel = linux/vmlinuz\ndisk = disk.img\n"), 0);
	assert_ptr_equal(cfg.guests[0].disk, &modules[6]);
	assert_int_equal(parse("[guest l]\nkernel = linux/vmlinuz\ndisk = nodisk.img\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: disk 'nodisk.img' was not loaded\n"
				      "cfg: shoji.cfg:1: guest 'l' skipped\n");
	assert_int_equal(parse("[guest l]\nimage = guests/hello64.elf\ndisk = disk.img\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:3: a 'disk' needs the PC platform (devices = pc)\n"
			    "cfg: shoji.cfg:1: guest 'l' skipped\n");
	assert_int_equal(parse("[guest a]\nkernel = linux/vmlinuz\ndisk = disk.img\n"
			       "[guest b]\nkernel = linux/vmlinuz\ndisk = disk.img\n"),
			 -EINVAL);
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(log_text, "cfg: shoji.cfg:6: disk 'disk.img' is already guest 'a''s\n"
				      "cfg: shoji.cfg:4: guest 'b' skipped\n");
}

/* instances: 1..64, default 1; > 1 needs a short name, shared CPUs, no disk; memory N times. */
static void test_instances(void **state)
{
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\n"), 0);
	assert_int_equal(cfg.guests[0].instances, 1);
	assert_int_equal(parse("[guest web]\nimage = guests/x.bin\nmemory = 1M\ninstances = 1024\n"),
			 0);
	assert_int_equal(cfg.guests[0].instances, 1024);
	assert_int_equal(parse("[guest web]\nimage = guests/x.bin\ninstances = 0x8\n"), 0);
	assert_int_equal(cfg.guests[0].instances, 8);
	assert_int_equal(parse("[guest web]\nimage = guests/x.bin\ninstances = 1025\n"), -EINVAL);
	assert_int_equal(cfg.guest_count, 0);
	assert_int_equal(parse("[guest web]\nimage = guests/x.bin\ninstances = 0\n"), -EINVAL);
	assert_int_equal(parse("[guest web]\nimage = guests/x.bin\ninstances = two\n"), -EINVAL);
	assert_int_equal(parse("[guest web]\nimage = guests/x.bin\ninstances = 2\ninstances = 3\n"),
			 -EINVAL);

	/* 26 characters fit "-1024" in 31; 27 do not (but are fine for one instance). */
	assert_int_equal(parse("[guest aaaaaaaaaaaaaaaaaaaaaaaaaa]\nimage = guests/x.bin\n"
			       "instances = 2\n"),
			 0);
	assert_int_equal(parse("[guest aaaaaaaaaaaaaaaaaaaaaaaaaab]\nimage = guests/x.bin\n"
			       "instances = 1\n"),
			 0);
	assert_int_equal(parse("[guest aaaaaaaaaaaaaaaaaaaaaaaaaab]\nimage = guests/x.bin\n"
			       "instances = 2\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:3: instances need a name of at most 26 "
			    "characters ('aaaaaaaaaaaaaaaaaaaaaaaaaab')\n"
			    "cfg: shoji.cfg:1: guest 'aaaaaaaaaaaaaaaaaaaaaaaaaab' skipped\n");

	cpu_count = 4;
	assert_int_equal(parse("[guest p]\nimage = guests/x.bin\ncpus = 1\ninstances = 2\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:4: instances share their CPUs: no 'cpus' list\n"
			    "cfg: shoji.cfg:1: guest 'p' skipped\n");
	assert_int_equal(
	    parse("[guest l]\nkernel = linux/vmlinuz\ndisk = disk.img\ninstances = 2\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:4: instances cannot share a disk\n"
				      "cfg: shoji.cfg:1: guest 'l' skipped\n");

	/* Memory is charged per instance. */
	free_memory = 8 * SZ_1M;
	assert_int_equal(parse("[guest m]\nimage = guests/x.bin\nmemory = 2M\ninstances = 4\n"), 0);
	assert_int_equal(parse("[guest m]\nimage = guests/x.bin\nmemory = 2M\ninstances = 5\n"),
			 -EINVAL);
	assert_int_equal(cfg.guest_count, 0);
	assert_int_equal(parse("[guest m]\nimage = guests/x.bin\nmemory = 2M\ninstances = 3\n"
			       "[guest n]\nimage = guests/x.bin\nmemory = 4M\n"),
			 -EINVAL);
	assert_int_equal(cfg.guest_count, 1);
}

static void test_instance_name(void **state)
{
	char name[GUEST_NAME_MAX];
	assert_int_equal(config_instance_name(name, "web", 1), 0);
	assert_string_equal(name, "web-1");
	assert_int_equal(config_instance_name(name, "web", 1024), 0);
	assert_string_equal(name, "web-1024");
	assert_int_equal(config_instance_name(name, "web", 0), -EINVAL);
	assert_int_equal(config_instance_name(name, "web", 1025), -EINVAL);
	/* 27 + "-64" = 30 fits; 28 + "-64" = 31 fits with its NUL; 29 + "-10" does not. */
	assert_int_equal(config_instance_name(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64), 0);
	assert_string_equal(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaa-64");
	assert_int_equal(config_instance_name(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaab", 9), 0);
	assert_int_equal(config_instance_name(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaab", 10),
			 -ENAMETOOLONG);
	assert_string_equal(name, "");
}

/* Multiboot modules: repeatable, in order, "PATH ARGS" kept, sizes handed to the loader. */
static void test_modules(void **state)
{
	assert_int_equal(
	    parse("[guest m]\nkernel = guests/x.bin\nmodule = linux/initrd.gz  a  b=1\n"
		  "module=guests/hello64.elf\nmodule = linux/initrd.gz\t x\n"),
	    0);
	const struct config_guest *g = &cfg.guests[0];
	assert_int_equal(g->module_count, 3);
	assert_ptr_equal(g->modules[0], &modules[5]);
	assert_ptr_equal(g->modules[1], &modules[1]);
	assert_ptr_equal(g->modules[2], &modules[5]);
	assert_string_equal(g->module_strings[0], "linux/initrd.gz a  b=1");
	assert_string_equal(g->module_strings[1], "guests/hello64.elf");
	assert_string_equal(g->module_strings[2], "linux/initrd.gz x");
	assert_int_equal(g->opts.module_count, 3);
	assert_int_equal(g->opts.module_sizes[0], 0x123456);
	assert_int_equal(g->opts.module_sizes[2], 0x123456);

	/* A file the loader did not bring: the line and the path, the guest dropped. */
	assert_int_equal(parse("[guest m]\nkernel = guests/x.bin\nmodule = guests/nothing.txt a\n"
			       "[guest ok]\nimage = guests/x.bin\n"),
			 -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:3: module 'guests/nothing.txt' was not loaded\n"
			    "cfg: shoji.cfg:1: guest 'm' skipped\n");
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "ok");
	/* At most 8. */
	assert_int_equal(parse("[guest m]\nkernel = guests/x.bin\n"
			       "module = boot.sh\nmodule = boot.sh\nmodule = boot.sh\n"
			       "module = boot.sh\nmodule = boot.sh\nmodule = boot.sh\n"
			       "module = boot.sh\nmodule = boot.sh\nmodule = boot.sh\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:11: more than 8 modules\n"
				      "cfg: shoji.cfg:1: guest 'm' skipped\n");
	/* Empty, control bytes, too long. */
	assert_int_equal(parse("[guest m]\nkernel = guests/x.bin\nmodule =\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: empty value for 'module'\n"
				      "cfg: shoji.cfg:1: guest 'm' skipped\n");
	assert_int_equal(parse("[guest m]\nkernel = guests/x.bin\nmodule = boot.sh a\x01\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: bad byte 0x01 in module arguments "
				      "(printable ASCII only)\n"
				      "cfg: shoji.cfg:1: guest 'm' skipped\n");
	char line[300] = "[guest m]\nkernel = guests/x.bin\nmodule = boot.sh ";
	size_t n = strlen(line);
	memset(line + n, 'y', 184); /* "boot.sh " + 184 = 192 characters */
	line[n + 184] = '\0';
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: module line is 192 characters (at most "
				      "191)\n"
				      "cfg: shoji.cfg:1: guest 'm' skipped\n");
	line[n + 183] = '\0';
	assert_int_equal(parse(line), 0);
	assert_int_equal(strlen(cfg.guests[0].module_strings[0]), 191);
}

static void test_no_image(void **state)
{
	assert_int_equal(parse("[guest a]\nmemory = 2M\n[guest b]\nimage=guests/x.bin\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: guest 'a' has no image\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "b");
	/* At the end of the file too. */
	assert_int_equal(parse("[guest a]\nimage=guests/x.bin\n[guest last]"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: guest 'last' has no image\n"
				      "cfg: shoji.cfg:3: guest 'last' skipped\n");
	assert_int_equal(cfg.guest_count, 1);
}

static void test_several_errors_one_section(void **state)
{
	assert_int_equal(parse("[guest a]\ncolour = red\nmemory = 3Q\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:2: unknown key 'colour'\n"
				      "cfg: shoji.cfg:3: bad memory size '3Q'\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n");
	assert_int_equal(cfg.error_count, 2);
	assert_int_equal(cfg.guest_count, 0);
}

static void test_key_outside_section(void **state)
{
	assert_int_equal(parse("cmdline = x\nimage = guests/x.bin\n\n\nmemory = 1M\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:2: key outside a guest section\n"
				      "cfg: shoji.cfg:5: key outside a guest section\n");
	assert_int_equal(parse("stray words\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: malformed line (expected 'key = value' or "
				      "'[guest NAME]')\n");
}

static void test_section_errors(void **state)
{
	/* Bad headers: the section's lines are skipped without more messages. */
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\n[guest a]\nimage = nothing\n"
			       "colour = x\n[guest b]\nimage = guests/x.bin\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:3: duplicate guest name 'a'\n");
	assert_int_equal(cfg.guest_count, 2);
	assert_string_equal(cfg.guests[0].name, "a");
	assert_string_equal(cfg.guests[1].name, "b");

	assert_int_equal(parse("[vm a]\nimage = guests/x.bin\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: unknown section '[vm a]'\n");
	assert_int_equal(parse("[guests a]\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: unknown section '[guests a]'\n");
	assert_int_equal(parse("[]\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: unknown section '[]'\n");
	assert_int_equal(parse("[guest a\nimage = guests/x.bin\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: bad section header '[guest a'\n");
	assert_int_equal(parse("[guest a] x\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: bad section header '[guest a] x'\n");
	assert_int_equal(parse("[guest]\n"), -EINVAL);
	assert_string_equal(
	    log_text, "cfg: shoji.cfg:1: bad guest name '' (1-31 characters of A-Z a-z 0-9 _ -)\n");
	assert_int_equal(parse("[guest a.b]\n"), -EINVAL);
	assert_string_equal(
	    log_text,
	    "cfg: shoji.cfg:1: bad guest name 'a.b' (1-31 characters of A-Z a-z 0-9 _ -)\n");
	assert_int_equal(parse("[guest a b]\n"), -EINVAL);
	assert_string_equal(
	    log_text,
	    "cfg: shoji.cfg:1: bad guest name 'a b' (1-31 characters of A-Z a-z 0-9 _ -)\n");
	/* 31 characters fit GUEST_NAME_MAX with its NUL, 32 do not. */
	assert_int_equal(parse("[guest abcdefghijklmnopqrstuvwxyz01234]\nimage=guests/x.bin\n"), 0);
	assert_string_equal(cfg.guests[0].name, "abcdefghijklmnopqrstuvwxyz01234");
	assert_int_equal(parse("[guest abcdefghijklmnopqrstuvwxyz012345]\nimage=guests/x.bin\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: bad guest name "
				      "'abcdefghijklmnopqrstuvwxyz012345' (1-31 characters of A-Z "
				      "a-z 0-9 _ -)\n");
	assert_int_equal(cfg.guest_count, 0);
}

/* A bad section frees its name: a later section may use it. */
static void test_bad_section_name_reusable(void **state)
{
	assert_int_equal(parse("[guest a]\ncolour = x\n[guest a]\nimage = guests/x.bin\n"),
			 -EINVAL);
	assert_int_equal(cfg.guest_count, 1);
	assert_string_equal(cfg.guests[0].name, "a");
}

static void test_too_many_guests(void **state)
{
	char text[4096];
	size_t n = 0;

	for (int i = 0; i < 18; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[guest g%d]\nimage = guests/x.bin\n", i);
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:33: too many guests (at most 16)\n"
				      "cfg: shoji.cfg:35: too many guests (at most 16)\n");
	assert_int_equal(cfg.guest_count, CONFIG_GUESTS_MAX);
	assert_string_equal(cfg.guests[15].name, "g15");
}

static void test_nul_bytes(void **state)
{
	static const char text[] = "[guest a]\nimage = guests/x.bin\0junk\n[guest b]\nimage = "
				   "guests/x.bin\n#\0\n";

	assert_int_equal(parse_len(text, sizeof(text) - 1), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:2: NUL byte in line\n"
				      "cfg: shoji.cfg:1: guest 'a' skipped\n"
				      "cfg: shoji.cfg:5: NUL byte in line\n"
				      "cfg: shoji.cfg:3: guest 'b' skipped\n");
	assert_int_equal(cfg.guest_count, 0);
	/* A NUL at top level is reported too; in a skipped section it is not. */
	assert_int_equal(parse_len("x\0\n[vm]\n\0\n", 10), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: NUL byte in line\n"
				      "cfg: shoji.cfg:2: unknown section '[vm]'\n");
}

/* Unprintable bytes and long values are shown cut and masked. */
static void test_quoting(void **state)
{
	char line[4096];

	memset(line, 'k', sizeof(line));
	memcpy(line + sizeof(line) - 5, " = 1", 5);
	check_bad_line(line, "unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'");
	check_bad_line("mode = \x1b[31mred\xff",
		       "bad mode '?[31mred?' (expected real, prot32 or long64)");
}

/* A 1 MiB line, and a file without a final newline. */
static void test_long_lines(void **state)
{
	size_t len = SZ_1M;
	char *text = malloc(len + 64);

	memset(text, ' ', len);
	memcpy(text, "[guest a]\nimage = guests/x.bin\nmemory = 2M", 42);
	/* The value is 2M followed by a million blanks: trimmed, still good. */
	assert_int_equal(parse_len(text, len), 0);
	assert_int_equal(cfg.guests[0].mem_size, 2 * SZ_1M);

	memset(text + 42, '9', len - 42);
	assert_int_equal(parse_len(text, len), -EINVAL);
	assert_int_equal(cfg.guest_count, 0);
	assert_non_null(strstr(log_text, "cfg: shoji.cfg:3: bad memory size '2M999"));
	free(text);

	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nautostart = no"), 0);
	assert_false(cfg.guests[0].autostart);
}

static void test_new_key_errors(void **state)
{
	char line[512];

	check_bad_line("vcpus = 0", "vCPU count '0' out of range (1..8)");
	check_bad_line("vcpus = 9", "vCPU count '9' out of range (1..8)");
	check_bad_line("vcpus = two", "bad vCPU count 'two'");
	check_bad_line("vcpus = 2x", "bad vCPU count '2x'");
	check_bad_line("vcpus = 99999999999999999999", "bad vCPU count '99999999999999999999'");
	check_bad_line("vcpus = 4294967297", "vCPU count '4294967297' out of range (1..8)");
	check_bad_line("vcpus =", "empty value for 'vcpus'");
	check_bad_line("weight = 0", "weight '0' out of range (1..1000)");
	check_bad_line("weight = 1001", "weight '1001' out of range (1..1000)");
	check_bad_line("weight = heavy", "bad weight 'heavy'");
	check_bad_line("weight = -5", "bad weight '-5'");
	check_bad_line("cap = 0", "cap '0' out of range (1%..100%)");
	check_bad_line("cap = 101%", "cap '101%' out of range (1%..100%)");
	check_bad_line("cap = 50%%", "bad cap '50%%' (expected a percentage 1..100, or none)");
	check_bad_line("cap = %", "bad cap '%' (expected a percentage 1..100, or none)");
	check_bad_line("cap = half", "bad cap 'half' (expected a percentage 1..100, or none)");
	check_bad_line("devices = vga", "unknown device 'vga' (expected uart, debug-exit or pc)");
	check_bad_line("devices = uart, UART",
		       "unknown device 'UART' (expected uart, debug-exit or pc)");
	check_bad_line("devices = uart,none",
		       "unknown device 'none' (expected uart, debug-exit or pc)");
	check_bad_line("devices = uart uart",
		       "unknown device 'uart uart' (expected uart, debug-exit or pc)");
	check_bad_line("devices = debug-exit,uart,debug-exit", "device 'debug-exit' listed twice");
	check_bad_line("devices = uart,", "bad device list 'uart,'");
	check_bad_line("devices = ,uart", "bad device list ',uart'");
	check_bad_line("devices = uart,,debug-exit", "bad device list 'uart,,debug-exit'");
	check_bad_line("devices =", "empty value for 'devices'");
	check_bad_line("cpus = all",
		       "bad cpus value 'all' (expected shared, or CPUs like 1,3 or 2-3)");
	check_bad_line("cpus = 1,",
		       "bad cpus value '1,' (expected shared, or CPUs like 1,3 or 2-3)");
	check_bad_line("cpus = 1-",
		       "bad cpus value '1-' (expected shared, or CPUs like 1,3 or 2-3)");
	check_bad_line("cpus = -1",
		       "bad cpus value '-1' (expected shared, or CPUs like 1,3 or 2-3)");
	check_bad_line("cpus = 1-2-3",
		       "bad cpus value '1-2-3' (expected shared, or CPUs like 1,3 or 2-3)");
	check_bad_line("cpus = 1 2",
		       "bad cpus value '1 2' (expected shared, or CPUs like 1,3 or 2-3)");
	check_bad_line("cpus = Shared",
		       "bad cpus value 'Shared' (expected shared, or CPUs like 1,3 or 2-3)");
	check_bad_line("cpus = 3-2", "bad CPU range '3-2'");
	check_bad_line("cpus = 1-9", "cpus lists more than 8 CPUs");
	check_bad_line("cpus = 1-18446744073709551615", "cpus lists more than 8 CPUs");
	check_bad_line("cpus = 1,2,3,4,5,6,7,8,9", "cpus lists more than 8 CPUs");
	/* Without a CPU count only the hypervisor's own limit applies. */
	check_bad_line("cpus = 64", "CPU 64 out of range (0..63)");
	check_bad_line("cpus = 18446744073709551615",
		       "CPU 18446744073709551615 out of range (0..63)");
	check_bad_line("cpus = 0", "CPU 0 runs the management console and cannot be pinned");
	check_bad_line("cpus = 0-1", "CPU 0 runs the management console and cannot be pinned");
	check_bad_line("cpus = 1,2,1", "CPU 1 listed twice");
	check_bad_line("cpus = 1-3,2", "CPU 2 listed twice");
	check_bad_line("cpus =", "empty value for 'cpus'");
	check_bad_line("cmdline = a\tb", "bad byte 0x09 in cmdline (printable ASCII only)");
	check_bad_line("cmdline = \x1b[2J", "bad byte 0x1b in cmdline (printable ASCII only)");
	check_bad_line("cmdline = caf\xc3\xa9", "bad byte 0xc3 in cmdline (printable ASCII only)");
	check_bad_line("script = boot.sh", "'script' belongs at the top, before the first section");

	/* 255 characters fit, 256 do not. */
	memset(line, 'c', sizeof(line));
	memcpy(line, "cmdline = ", 10);
	line[10 + 256] = '\0';
	check_bad_line(line, "guest cmdline is 256 characters (at most 255)");
	line[10 + 255] = '\0';
	{
		char text[sizeof(line) + 64];

		snprintf(text, sizeof(text), "[guest a]\nimage = guests/x.bin\n%s\n", line);
		assert_int_equal(parse(text), 0);
		assert_int_equal(strlen(cfg.guests[0].cmdline), CONFIG_CMDLINE_MAX);
		assert_string_equal(cfg.guests[0].cmdline, line + 10);
	}
}

static void test_new_duplicate_keys(void **state)
{
	static const char *const keys[] = {"cmdline = a", "vcpus = 1", "cpus = shared",
					   "weight = 5",  "cap = 5",   "devices = uart"};
	char text[256], expect[256];

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		snprintf(text, sizeof(text), "[guest a]\nimage = guests/x.bin\n%s\n%s\n", keys[i],
			 keys[i]);
		snprintf(expect, sizeof(expect),
			 "cfg: shoji.cfg:4: duplicate key '%.*s'\ncfg: shoji.cfg:1: guest 'a' "
			 "skipped\n",
			 (int)strcspn(keys[i], " "), keys[i]);
		assert_int_equal(parse(text), -EINVAL);
		assert_string_equal(log_text, expect);
		assert_int_equal(cfg.guest_count, 0);
	}
}

/*
 * A guest's RAM is allocated in whole MiBs (guest_create): two 1536K guests take 4M,
 * so with 3M free the second one must be refused here, not fail when it is built.
 */
static void test_memory_charged_as_allocated(void **state)
{
	free_memory = 3 * SZ_1M;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nmemory = 1536K\n"
			       "[guest b]\nimage = guests/x.bin\nmemory = 1536K\n"),
			 -EINVAL);
	assert_string_equal(
	    log_text, "cfg: shoji.cfg:6: guest 'b' needs 2M (1536K rounded up to whole MiBs) but "
		      "only 1M remain\n"
		      "cfg: shoji.cfg:4: guest 'b' skipped\n");
	assert_int_equal(cfg.guest_count, 1);

	free_memory = 4 * SZ_1M; /* exactly enough */
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nmemory = 1536K\n"
			       "[guest b]\nimage = guests/x.bin\nmemory = 1536K\n"),
			 0);
	assert_int_equal(cfg.guest_count, 2);
	/* A 1M guest costs 1M. */
	free_memory = 2 * SZ_1M;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nmemory = 1M\n"
			       "[guest b]\nimage = guests/x.bin\nmemory = 1M\n"),
			 0);
}

/* The memory message from issue 5, at its line; a skipped guest holds no memory. */
static void test_memory_over_free(void **state)
{
	const char *text = "[guest a]\n"	     /* 1 */
			   "image = guests/x.bin\n"  /* 2 */
			   "memory = 512M\n"	     /* 3 */
			   "[guest big]\n"	     /* 4 */
			   "image = guests/x.bin\n"  /* 5 */
			   "\n"			     /* 6 */
			   "memory = 512M\n"	     /* 7 */
			   "[guest small]\n"	     /* 8: default 16M, fits */
			   "image = guests/x.bin\n"  /* 9 */
			   "[guest bad]\n"	     /* 10: bad anyway: not charged */
			   "image = guests/x.bin\n"  /* 11 */
			   "memory = 1G\n"	     /* 12 */
			   "mode = x\n"		     /* 13 */
			   "[guest rest]\n"	     /* 14 */
			   "image = guests/x.bin\n"  /* 15 */
			   "memory = 184M\n"	     /* 16: exactly what remains */
			   "[guest one-more]\n"	     /* 17: header line: memory not given */
			   "image = guests/x.bin\n"; /* 18 */

	free_memory = 712 * SZ_1M;
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(log_text,
			    "cfg: shoji.cfg:7: guest 'big' needs 512M but only 200M remain\n"
			    "cfg: shoji.cfg:4: guest 'big' skipped\n"
			    "cfg: shoji.cfg:13: bad mode 'x' (expected real, prot32 or long64)\n"
			    "cfg: shoji.cfg:10: guest 'bad' skipped\n"
			    "cfg: shoji.cfg:17: guest 'one-more' needs 16M but only 0M remain\n"
			    "cfg: shoji.cfg:17: guest 'one-more' skipped\n");
	assert_int_equal(cfg.guest_count, 3);
	assert_string_equal(cfg.guests[0].name, "a");
	assert_string_equal(cfg.guests[1].name, "small");
	assert_string_equal(cfg.guests[2].name, "rest");

	/* Units: the largest that divides; what remains is rounded down to K. */
	free_memory = SZ_1G + 4096 + 100;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nmemory = 1G\n"
			       "[guest b]\nimage = guests/x.bin\nmemory = 1M\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:6: guest 'b' needs 1M but only 4K remain\n"
				      "cfg: shoji.cfg:4: guest 'b' skipped\n");
	free_memory = 2 * SZ_1G;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nmemory = 1G\n"
			       "[guest b]\nimage = guests/x.bin\nmemory = 1G\n"
			       "[guest c]\nimage = guests/x.bin\nmemory = 1G\n"),
			 -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:9: guest 'c' needs 1G but only 0M remain\n"
				      "cfg: shoji.cfg:7: guest 'c' skipped\n");
	/* 0: not checked. */
	free_memory = 0;
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\nmemory = 1G\n"
			       "[guest b]\nimage = guests/x.bin\nmemory = 1G\n"),
			 0);
	assert_int_equal(cfg.guest_count, 2);
}

static void test_script(void **state)
{
	assert_int_equal(parse("script = boot.sh\n[guest a]\nimage = guests/x.bin\n"), 0);
	assert_ptr_equal(cfg.script, &modules[3]);
	assert_int_equal(parse("# comment\n  script=boot.sh   # trailing\n"), 0);
	assert_ptr_equal(cfg.script, &modules[3]);

	assert_int_equal(parse("script = boot.txt\n[guest a]\nimage = guests/x.bin\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: script 'boot.txt' was not loaded\n");
	assert_null(cfg.script);
	assert_int_equal(cfg.guest_count, 1); /* the guests are not affected */

	assert_int_equal(parse("script = boot.sh\nscript = boot.sh\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:2: duplicate key 'script'\n");
	assert_int_equal(parse("script =\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: empty value for 'script'\n");
	assert_null(cfg.script);
	/* Exact match, like images. */
	assert_int_equal(parse("script = BOOT.SH\n"), -EINVAL);
	assert_string_equal(log_text, "cfg: shoji.cfg:1: script 'BOOT.SH' was not loaded\n");
}

/* The top-level cmdline is the kernel's; a guest's own cmdline is the guest's only. */
static void test_guest_cmdline(void **state)
{
	assert_int_equal(parse("cmdline = kernel-args\n[guest a]\nimage = guests/x.bin\n"
			       "[guest b]\nimage = guests/x.bin\ncmdline = root=/dev/vda  "
			       "init=/bin/sh  \n"),
			 0);
	assert_string_equal(cfg.guests[0].cmdline, "");
	assert_string_equal(cfg.guests[1].cmdline, "root=/dev/vda  init=/bin/sh");
	assert_int_equal(parse("[guest a]\nimage = guests/x.bin\ncmdline = a=b=c # x\n"), 0);
	assert_string_equal(cfg.guests[0].cmdline, "a=b=c");
}

/* Random and mutated input: no crash, no over-read, output always consistent. */
static void test_fuzz(void **state)
{
	static const char base[] =
	    "cmdline = x\nscript = boot.sh\n[guest a]\nimage = guests/x.bin\n"
	    "memory = 16M\nmode = long64\nload = 0x8000\nentry = 0x8004\n"
	    "autostart = no\ncmdline = a b\nvcpus = 2\ncpus = 1-2\n"
	    "devices = uart\n[guest b-2]\nimage = guests/hello64.elf # c\n"
	    "vcpus = 3\ncpus = shared\nweight = 7\ncap = 40%\n"
	    "[guest c]\nimage = guests/x.bin\nmemory = 48M\ncpus = 3\n";
	static const char alphabet[] = "[]=#\n\r\t \0x0123456789KMGabcdefgimnorstuy-_.,%";
	char buf[sizeof(base) + 64];
	unsigned seed = 12345;

	cpu_count = 5;
	free_memory = 100 * SZ_1M;
	assert_int_equal(parse_len(base, sizeof(base) - 1), 0);
	assert_int_equal(cfg.guest_count, 3);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = sizeof(base) - 1;

		memcpy(buf, base, len);
		for (int m = 0; m < 1 + iter % 8; m++) {
			seed = seed * 1103515245 + 12345;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245 + 12345;
			buf[at] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		if (iter % 3 == 0) {
			seed = seed * 1103515245 + 12345;
			len = (seed >> 8) % (len + 1);
		}
		uint64_t mem = 0;
		uint32_t pinned = 0;

		parse_len(buf, len);
		assert_true(cfg.guest_count <= CONFIG_GUESTS_MAX);
		for (uint32_t i = 0; i < cfg.guest_count; i++) {
			const struct config_guest *g = &cfg.guests[i];
			assert_non_null(g->image);
			assert_true(strlen(g->name) > 0 && strlen(g->name) < GUEST_NAME_MAX);
			assert_true(g->mem_size >= CONFIG_MEM_MIN && g->mem_size <= CONFIG_MEM_MAX);
			assert_true(IS_ALIGNED(g->mem_size, PAGE_SIZE));
			assert_true(g->opts.load_gpa < GUEST_MMIO_BASE);
			assert_true(strlen(g->cmdline) <= CONFIG_CMDLINE_MAX);
			assert_true(g->vcpus >= 1 && g->vcpus <= CONFIG_VCPUS_MAX);
			assert_true(g->weight >= 1 && g->weight <= CONFIG_WEIGHT_MAX);
			assert_true(g->cap_percent <= 100);
			assert_int_equal(g->devices & ~CONFIG_DEV_DEFAULT, 0);
			mem += guest_ram_footprint(g->mem_size);
			for (uint32_t v = 0; g->pinned && v < g->vcpus; v++) {
				uint32_t cpu = g->cpus[v];

				/* Each pinned pCPU exists, is not pCPU 0 and has one owner. */
				assert_true(cpu > 0 && cpu < cpu_count);
				assert_false(pinned & (1U << cpu));
				pinned |= 1U << cpu;
			}
		}
		assert_true(mem <= free_memory);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_full, teardown),
	    cmocka_unit_test_teardown(test_defaults, teardown),
	    cmocka_unit_test_teardown(test_empty_and_top_level, teardown),
	    cmocka_unit_test_teardown(test_key_errors, teardown),
	    cmocka_unit_test_teardown(test_duplicate_key, teardown),
	    cmocka_unit_test_teardown(test_memory_suffixes, teardown),
	    cmocka_unit_test_teardown(test_image_not_loaded, teardown),
	    cmocka_unit_test_teardown(test_kernel_and_initrd, teardown),
	    cmocka_unit_test_teardown(test_disk, teardown),
	    cmocka_unit_test_teardown(test_instances, teardown),
	    cmocka_unit_test_teardown(test_instance_name, teardown),
	    cmocka_unit_test_teardown(test_modules, teardown),
	    cmocka_unit_test_teardown(test_no_image, teardown),
	    cmocka_unit_test_teardown(test_several_errors_one_section, teardown),
	    cmocka_unit_test_teardown(test_key_outside_section, teardown),
	    cmocka_unit_test_teardown(test_section_errors, teardown),
	    cmocka_unit_test_teardown(test_bad_section_name_reusable, teardown),
	    cmocka_unit_test_teardown(test_too_many_guests, teardown),
	    cmocka_unit_test_teardown(test_nul_bytes, teardown),
	    cmocka_unit_test_teardown(test_quoting, teardown),
	    cmocka_unit_test_teardown(test_long_lines, teardown),
	    cmocka_unit_test_teardown(test_new_key_errors, teardown),
	    cmocka_unit_test_teardown(test_new_duplicate_keys, teardown),
	    cmocka_unit_test_teardown(test_memory_charged_as_allocated, teardown),
	    cmocka_unit_test_teardown(test_memory_over_free, teardown),
	    cmocka_unit_test_teardown(test_script, teardown),
	    cmocka_unit_test_teardown(test_guest_cmdline, teardown),
	    cmocka_unit_test_teardown(test_fuzz, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
