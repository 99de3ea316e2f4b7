/*
 * load_options: UEFI shell arguments (UCS-2) to extra kernel command-line
 * words; binary boot-option data refused.
 */
/* unit-test-sources: boot/load_options.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/load_options.h"

static uint8_t ucs2[1024];
static char out[64];

/* Little-endian UCS-2 of @s; @with_nul adds the terminator. Returns bytes. */
static size_t to_ucs2(const char *s, int with_nul)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		ucs2[2 * n] = (uint8_t)*s;
		ucs2[2 * n + 1] = 0;
	}
	if (with_nul) {
		ucs2[2 * n] = ucs2[2 * n + 1] = 0;
		n++;
	}
	return 2 * n;
}

static void test_shell_args(void **state)
{
	size_t n = to_ucs2("fs0:\\shoji.efi  loglevel=debug\tfoo  ", 1);

	assert_int_equal(load_options_args(ucs2, n, out, sizeof(out)), 0);
	assert_string_equal(out, "loglevel=debug foo");
}

static void test_path_only(void **state)
{
	size_t n = to_ucs2("\\EFI\\BOOT\\BOOTX64.EFI", 1);

	assert_int_equal(load_options_args(ucs2, n, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_none(void **state)
{
	assert_int_equal(load_options_args(NULL, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_stops_at_nul(void **state)
{
	size_t n = to_ucs2("a b", 1);

	memcpy(ucs2 + n, "x\0y\0", 4); /* after the NUL: ignored */
	assert_int_equal(load_options_args(ucs2, n + 4, out, sizeof(out)), 0);
	assert_string_equal(out, "b");
}

static void test_no_nul_terminator(void **state)
{
	size_t n = to_ucs2("p q r", 0);

	assert_int_equal(load_options_args(ucs2, n, out, sizeof(out)), 0);
	assert_string_equal(out, "q r");
}

static void test_binary_refused(void **state)
{
	/* EDK2's auto-created boot options carry a GUID as optional data. */
	static const uint8_t guid[16] = {0x97, 0x48, 0xa9, 0x1e, 0x1b, 0x3f, 0x30, 0x4b,
					 0x8e, 0x1d, 0x1a, 0x12, 0xb8, 0x5e, 0x4b, 0x14};

	strcpy(out, "junk");
	assert_int_equal(load_options_args(guid, sizeof(guid), out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
	/* Non-ASCII UCS-2 character. */
	size_t n = to_ucs2("a b", 1);
	ucs2[3] = 0x20; /* ' ' becomes U+2020 */
	assert_int_equal(load_options_args(ucs2, n, out, sizeof(out)), -EINVAL);
	/* Odd byte count. */
	assert_int_equal(load_options_args(ucs2, 3, out, sizeof(out)), -EINVAL);
}

static void test_too_long(void **state)
{
	char text[200];

	memset(text, 'x', sizeof(text) - 1);
	text[0] = 'p';
	text[1] = ' ';
	text[sizeof(text) - 1] = '\0';
	size_t n = to_ucs2(text, 1);
	assert_int_equal(load_options_args(ucs2, n, out, sizeof(out)), -E2BIG);
	/* Exactly out_size - 1 characters fit. */
	text[2 + sizeof(out) - 1] = '\0';
	n = to_ucs2(text, 1);
	assert_int_equal(load_options_args(ucs2, n, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), sizeof(out) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shell_args),
	    cmocka_unit_test(test_path_only),
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_stops_at_nul),
	    cmocka_unit_test(test_no_nul_terminator),
	    cmocka_unit_test(test_binary_refused),
	    cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
