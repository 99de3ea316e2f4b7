/*
 * config: the kernel's parse of shoji.cfg. Every error kind is checked with
 * its exact message (the log goes to stderr in host tests; stderr is swapped
 * for a memory stream around each parse), plus hostile input under ASan:
 * unterminated buffers, long lines, NULs, overflowing numbers, random bytes.
 */
/* unit-test-sources: kernel/config.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/config.h"

static const struct boot_module modules[] = {
    {.name = "shoji.cfg"},
    {.name = "guests/hello64.elf"},
    {.name = "guests/x.bin"},
};

static struct config cfg;
static char *log_text; /* what the parse logged, one message per line */

/* Parse @len bytes from an exact-size heap copy, so ASan sees any over-read. */
static int parse_len(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	size_t log_len = 0;
	FILE *saved = stderr;
	int ret;

	memcpy(copy, text, len);
	free(log_text);
	log_text = NULL;
	fflush(stderr);
	stderr = open_memstream(&log_text, &log_len);
	ret = config_parse("shoji.cfg", copy, len, modules, ARRAY_SIZE(modules), &cfg);
	fclose(stderr);
	stderr = saved;
	free(copy);
	return ret;
}

static int parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static int teardown(void **state)
{
	free(log_text);
	log_text = NULL;
	return 0;
}

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

/* Random and mutated input: no crash, no over-read, output always consistent. */
static void test_fuzz(void **state)
{
	static const char base[] = "cmdline = x\n[guest a]\nimage = guests/x.bin\nmemory = 16M\n"
				   "mode = long64\nload = 0x8000\nentry = 0x8004\nautostart = no\n"
				   "[guest b-2]\nimage = guests/hello64.elf # c\n";
	static const char alphabet[] = "[]=#\n\r\t \0x0123456789KMGabcdefgimnorstuy-_.";
	char buf[sizeof(base) + 64];
	unsigned seed = 12345;

	assert_int_equal(parse_len(base, sizeof(base) - 1), 0);
	assert_int_equal(cfg.guest_count, 2);
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
		parse_len(buf, len);
		assert_true(cfg.guest_count <= CONFIG_GUESTS_MAX);
		for (uint32_t i = 0; i < cfg.guest_count; i++) {
			const struct config_guest *g = &cfg.guests[i];
			assert_non_null(g->image);
			assert_true(strlen(g->name) > 0 && strlen(g->name) < GUEST_NAME_MAX);
			assert_true(g->mem_size >= CONFIG_MEM_MIN && g->mem_size <= CONFIG_MEM_MAX);
			assert_true(IS_ALIGNED(g->mem_size, PAGE_SIZE));
			assert_true(g->opts.load_gpa < GUEST_MMIO_BASE);
		}
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
	    cmocka_unit_test_teardown(test_no_image, teardown),
	    cmocka_unit_test_teardown(test_several_errors_one_section, teardown),
	    cmocka_unit_test_teardown(test_key_outside_section, teardown),
	    cmocka_unit_test_teardown(test_section_errors, teardown),
	    cmocka_unit_test_teardown(test_bad_section_name_reusable, teardown),
	    cmocka_unit_test_teardown(test_too_many_guests, teardown),
	    cmocka_unit_test_teardown(test_nul_bytes, teardown),
	    cmocka_unit_test_teardown(test_quoting, teardown),
	    cmocka_unit_test_teardown(test_long_lines, teardown),
	    cmocka_unit_test_teardown(test_fuzz, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
