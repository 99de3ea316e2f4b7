/*
 * config_scan: what the loader takes from shoji.cfg (top-level cmdline,
 * image paths) and the limits it enforces.
 */
/* unit-test-sources: boot/config_scan.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "boot/config_scan.h"

static struct config_scan out;

static int scan(const char *text, const char **reason)
{
	*reason = NULL;
	return config_scan(text, strlen(text), &out, reason);
}

static void test_empty(void **state)
{
	const char *reason;

	assert_int_equal(scan("", &reason), 0);
	assert_string_equal(out.cmdline, "");
	assert_int_equal(out.image_count, 0);
}

static void test_shipped_layout(void **state)
{
	const char *reason;
	const char *text = "# Shoji configuration\n"
			   "#   cmdline = commented out\n"
			   "cmdline = loglevel=info\n"
			   "\n"
			   "[guest hello]\n"
			   "image = guests/hello64.elf\n"
			   "memory = 16M\n"
			   "[guest linux]\n"
			   "image = linux/bzImage\n"
			   "cmdline = console=ttyS0\n";

	assert_int_equal(scan(text, &reason), 0);
	assert_string_equal(out.cmdline, "loglevel=info");
	assert_int_equal(out.image_count, 2);
	assert_string_equal(out.images[0], "guests/hello64.elf");
	assert_string_equal(out.images[1], "linux/bzImage");
}

static void test_section_cmdline_is_not_kernel_cmdline(void **state)
{
	const char *reason;

	assert_int_equal(scan("[guest a]\ncmdline = guest\n", &reason), 0);
	assert_string_equal(out.cmdline, "");
}

/* The console script comes along like an image; inside a section "script" means nothing. */
static void test_script_is_loaded(void **state)
{
	const char *reason;

	assert_int_equal(scan("script = scripts/demo.txt\n[guest a]\nimage = a.elf\n"
			      "script = not/this.txt\n",
			      &reason),
			 0);
	assert_int_equal(out.image_count, 2);
	assert_string_equal(out.images[0], "scripts/demo.txt");
	assert_string_equal(out.images[1], "a.elf");
}

/* A Linux guest's kernel and initramfs come along too; each skip names its key. */
static void test_kernel_and_initrd_are_loaded(void **state)
{
	const char *reason;

	assert_int_equal(scan("[guest l]\nkernel = linux/vmlinuz\ninitrd = linux/initrd.gz\n"
			      "[guest m]\ninitrd =\nkernel = \n",
			      &reason),
			 0);
	assert_int_equal(out.image_count, 2);
	assert_string_equal(out.images[0], "linux/vmlinuz");
	assert_string_equal(out.images[1], "linux/initrd.gz");
	assert_int_equal(out.skip_count, 2);
	assert_string_equal(out.skips[0].reason, "empty value for 'initrd'");
	assert_string_equal(out.skips[1].reason, "empty value for 'kernel'");
}

/* A module line's file is its first word; the arguments are the kernel's business. */
static void test_modules_are_loaded(void **state)
{
	const char *reason;

	assert_int_equal(scan("[guest m]\nkernel = mb.elf\nmodule = mods/a.txt  x y\n"
			      "module=mods/b\tz\nmodule = mods/a.txt\nmodule =\n",
			      &reason),
			 0);
	assert_int_equal(out.image_count, 3);
	assert_string_equal(out.images[0], "mb.elf");
	assert_string_equal(out.images[1], "mods/a.txt");
	assert_string_equal(out.images[2], "mods/b");
	assert_int_equal(out.skip_count, 1);
	assert_int_equal(out.skips[0].line, 6);
	assert_string_equal(out.skips[0].reason, "empty value for 'module'");
}

static void test_whitespace_and_crlf(void **state)
{
	const char *reason;

	assert_int_equal(
	    scan("  \t cmdline\t=  a  b \t\r\n\t[guest x]  \r\n image=p/q.elf\r\n", &reason), 0);
	assert_string_equal(out.cmdline, "a  b"); /* inner blanks kept */
	assert_int_equal(out.image_count, 1);
	assert_string_equal(out.images[0], "p/q.elf");
}

static void test_comments(void **state)
{
	const char *reason;

	assert_int_equal(scan("cmdline = x # not this\n# image = nope.elf\n  # cmdline = y\n"
			      "[guest a] # comment\nimage = a.elf#trailing\n",
			      &reason),
			 0);
	assert_string_equal(out.cmdline, "x");
	assert_int_equal(out.image_count, 1);
	assert_string_equal(out.images[0], "a.elf");
}

static void test_unknown_and_malformed_ignored(void **state)
{
	const char *reason;

	assert_int_equal(scan("colour = blue\nno equals sign here\nimages = x\nimagefile = y\n"
			      "cmdline=\n",
			      &reason),
			 0);
	assert_int_equal(out.image_count, 0);
	assert_string_equal(out.cmdline, "");
}

static void test_last_cmdline_wins_and_no_newline(void **state)
{
	const char *reason;

	assert_int_equal(scan("cmdline = first\ncmdline = second", &reason), 0);
	assert_string_equal(out.cmdline, "second");
}

static void test_duplicate_image_once(void **state)
{
	const char *reason;

	assert_int_equal(
	    scan("[guest a]\nimage = g.elf\n[guest b]\nimage = g.elf\nimage = h.elf\n", &reason),
	    0);
	assert_int_equal(out.image_count, 2);
	assert_string_equal(out.images[1], "h.elf");
}

static void test_length_limit_not_nul_terminated(void **state)
{
	const char *reason;
	/* Only the first 18 bytes count: the rest must not be read. */
	const char text[] = "cmdline = abcdefghXXXX";

	assert_int_equal(config_scan(text, 18, &out, &reason), 0);
	assert_string_equal(out.cmdline, "abcdefgh");
}

/* A bad image path costs its section only: the scan goes on and names the line. */
static void test_empty_image_skipped(void **state)
{
	const char *reason;

	assert_int_equal(scan("\n\n[guest a]\nimage =   \n[guest b]\nimage = b.elf\n", &reason), 0);
	assert_int_equal(out.image_count, 1);
	assert_string_equal(out.images[0], "b.elf");
	assert_int_equal(out.skip_count, 1);
	assert_int_equal(out.skips[0].line, 4);
	assert_string_equal(out.skips[0].reason, "empty value for 'image'");
	assert_int_equal(out.error_line, 0);
}

static void test_empty_script_skipped(void **state)
{
	const char *reason;

	assert_int_equal(scan("script =\n[guest a]\nimage = a.elf\n", &reason), 0);
	assert_int_equal(out.image_count, 1);
	assert_int_equal(out.skip_count, 1);
	assert_string_equal(out.skips[0].reason, "empty value for 'script'");
}

static void test_image_path_limit(void **state)
{
	char text[128], path[BOOT_MODULE_NAME_MAX + 1];
	const char *reason;

	memset(path, 'p', sizeof(path) - 1);
	path[BOOT_MODULE_NAME_MAX - 1] = '\0'; /* 63 characters: fits */
	snprintf(text, sizeof(text), "image = %s\n", path);
	assert_int_equal(scan(text, &reason), 0);
	assert_int_equal(strlen(out.images[0]), BOOT_MODULE_NAME_MAX - 1);

	memset(path, 'p', sizeof(path) - 1);
	path[BOOT_MODULE_NAME_MAX] = '\0'; /* 64 characters: too long, that section skipped */
	snprintf(text, sizeof(text), "image = %s\n", path);
	assert_int_equal(scan(text, &reason), 0);
	assert_int_equal(out.image_count, 0);
	assert_int_equal(out.skip_count, 1);
	assert_int_equal(out.skips[0].line, 1);
	assert_string_equal(out.skips[0].reason, "image path longer than 63 characters");
}

static void test_cmdline_limit(void **state)
{
	static char text[BOOT_CMDLINE_MAX + 32];
	const char *reason;
	size_t n = strlen("cmdline = ");

	memcpy(text, "cmdline = ", n);
	memset(text + n, 'c', BOOT_CMDLINE_MAX - 1);
	text[n + BOOT_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(scan(text, &reason), 0);
	assert_int_equal(strlen(out.cmdline), BOOT_CMDLINE_MAX - 1);

	text[n + BOOT_CMDLINE_MAX - 1] = 'c';
	text[n + BOOT_CMDLINE_MAX] = '\0';
	assert_int_equal(scan(text, &reason), -E2BIG);
	assert_non_null(strstr(reason, "cmdline"));
}

static void test_too_many_images(void **state)
{
	static char text[64 * 40];
	const char *reason;
	size_t len = 0;

	for (int i = 0; i < CONFIG_SCAN_IMAGES_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "image = g%d.elf\n", i);
	assert_int_equal(scan(text, &reason), 0);
	assert_int_equal(out.image_count, CONFIG_SCAN_IMAGES_MAX);

	snprintf(text + len, sizeof(text) - len, "[guest x]\nimage = one-too-many.elf\n");
	assert_int_equal(scan(text, &reason), -E2BIG);
	assert_int_equal(out.error_line, CONFIG_SCAN_IMAGES_MAX + 2);
	assert_non_null(strstr(reason, "too many images"));
}

static void test_nul_byte_skipped(void **state)
{
	const char *reason;
	const char text[] = "[guest a]\nimage = a\0b\n[guest b]\nimage = b.elf\n";

	assert_int_equal(config_scan(text, sizeof(text) - 1, &out, &reason), 0);
	assert_int_equal(out.image_count, 1);
	assert_string_equal(out.images[0], "b.elf");
	assert_int_equal(out.skip_count, 1);
	assert_int_equal(out.skips[0].line, 2);
	assert_string_equal(out.skips[0].reason, "NUL byte in line");
}

/* The kernel drops a line with a NUL anywhere: so does the scan, comment or not. */
static void test_nul_in_comment_skips_image(void **state)
{
	const char *reason;
	const char text[] = "image = a.elf # x\0y\n";

	assert_int_equal(config_scan(text, sizeof(text) - 1, &out, &reason), 0);
	assert_int_equal(out.image_count, 0);
	assert_int_equal(out.skip_count, 1);
}

/* Hostile files may hold any number of bad lines: the first ones named, all counted. */
static void test_many_skips_counted(void **state)
{
	static char text[32 * 20];
	const char *reason;
	size_t len = 0;

	for (int i = 0; i < 20; i++)
		len +=
		    (size_t)snprintf(text + len, sizeof(text) - len, "[guest g%d]\nimage =\n", i);
	assert_int_equal(scan(text, &reason), 0);
	assert_int_equal(out.skip_count, 20);
	assert_int_equal(out.skips[CONFIG_SCAN_SKIPS_MAX - 1].line, 2 * CONFIG_SCAN_SKIPS_MAX);
	assert_int_equal(out.image_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_shipped_layout),
	    cmocka_unit_test(test_section_cmdline_is_not_kernel_cmdline),
	    cmocka_unit_test(test_script_is_loaded),
	    cmocka_unit_test(test_kernel_and_initrd_are_loaded),
	    cmocka_unit_test(test_modules_are_loaded),
	    cmocka_unit_test(test_whitespace_and_crlf),
	    cmocka_unit_test(test_comments),
	    cmocka_unit_test(test_unknown_and_malformed_ignored),
	    cmocka_unit_test(test_last_cmdline_wins_and_no_newline),
	    cmocka_unit_test(test_duplicate_image_once),
	    cmocka_unit_test(test_length_limit_not_nul_terminated),
	    cmocka_unit_test(test_empty_image_skipped),
	    cmocka_unit_test(test_empty_script_skipped),
	    cmocka_unit_test(test_image_path_limit),
	    cmocka_unit_test(test_cmdline_limit),
	    cmocka_unit_test(test_too_many_images),
	    cmocka_unit_test(test_nul_byte_skipped),
	    cmocka_unit_test(test_nul_in_comment_skips_image),
	    cmocka_unit_test(test_many_skips_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
