/* Test guests: assertion lines and the final verdict (check.h). */
#include "tests/guests/lib/check.h"

#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"

static const char *check_guest = "guest";
static unsigned check_failed;

void check_begin(const char *guest_name)
{
	check_guest = guest_name;
	check_failed = 0;
}

bool check_true(const char *what, bool ok, uint64_t got, uint64_t expected)
{
	if (ok) {
		gprintf("%s: %s: ok\n", check_guest, what);
	} else {
		gprintf("%s: %s: FAIL (got 0x%lx expected 0x%lx)\n", check_guest, what, got,
			expected);
		check_failed++;
	}
	return ok;
}

bool check_eq(const char *what, uint64_t got, uint64_t expected)
{
	return check_true(what, got == expected, got, expected);
}

unsigned check_failures(void)
{
	return check_failed;
}

int check_verdict(void)
{
	if (!check_failed) {
		gprintf("%s: PASS\n", check_guest);
		return GUEST_EXIT_PASS;
	}
	gprintf("%s: FAIL %u checks\n", check_guest, check_failed);
	return GUEST_EXIT_FAIL;
}
