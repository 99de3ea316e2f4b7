/* unit-test-sources: drivers/rtc_cmos.c */
/*
 * Host CMOS RTC decoding through rtc_cmos_decode(): known instants in BCD
 * and binary, 24- and 12-hour modes (midnight and noon), the century byte
 * and its fallback, leap days, and every kind of implausible value the
 * hardware (or an absent RTC reading 0xff) could give.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/rtc_cmos.h"

#define BCD_24H	   0x02
#define BINARY_24H 0x06
#define BCD_12H	   0x00
#define BINARY_12H 0x04
#define PM	   0x80

static int decode(uint8_t sec, uint8_t min, uint8_t hour, uint8_t day, uint8_t mon, uint8_t year,
		  uint8_t century, uint8_t reg_b, uint64_t *out)
{
	uint8_t regs[RTC_CMOS_FIELDS] = {
	    [RTC_CMOS_SECONDS] = sec,	  [RTC_CMOS_MINUTES] = min, [RTC_CMOS_HOURS] = hour,
	    [RTC_CMOS_DAY] = day,	  [RTC_CMOS_MONTH] = mon,   [RTC_CMOS_YEAR] = year,
	    [RTC_CMOS_CENTURY] = century, [RTC_CMOS_REG_B] = reg_b,
	};
	return rtc_cmos_decode(regs, out);
}

static void test_known_instants(void **state)
{
	uint64_t s = 0;

	(void)state;
	/* 2026-12-01 05:30:00 UTC */
	assert_int_equal(decode(0x00, 0x30, 0x05, 0x01, 0x12, 0x26, 0x20, BCD_24H, &s), 0);
	assert_int_equal(s, 1796103000);
	assert_int_equal(decode(0, 30, 5, 1, 12, 26, 20, BINARY_24H, &s), 0);
	assert_int_equal(s, 1796103000);
	/* 2024-02-29 12:00:00 UTC, a leap day */
	assert_int_equal(decode(0x00, 0x00, 0x12, 0x29, 0x02, 0x24, 0x20, BCD_24H, &s), 0);
	assert_int_equal(s, 1709208000);
	/* 1999-12-31 23:59:59 UTC and the epoch itself */
	assert_int_equal(decode(0x59, 0x59, 0x23, 0x31, 0x12, 0x99, 0x19, BCD_24H, &s), 0);
	assert_int_equal(s, 946684799);
	assert_int_equal(decode(0, 0, 0, 1, 1, 70, 19, BINARY_24H, &s), 0);
	assert_int_equal(s, 0);
	/* 2000-02-29 (divisible by 400) and 2100-02-28 */
	assert_int_equal(decode(0, 0, 0, 0x29, 0x02, 0x00, 0x20, BCD_24H, &s), 0);
	assert_int_equal(s, 951782400);
	assert_int_equal(decode(0, 0, 0, 0x28, 0x02, 0x00, 0x21, BCD_24H, &s), 0);
	assert_int_equal(s, 4107456000);
}

static void test_12_hour(void **state)
{
	uint64_t s = 0;
	const uint64_t day = 1796083200; /* 2026-12-01 00:00:00 */

	(void)state;
	assert_int_equal(decode(0, 0, 0x12, 0x01, 0x12, 0x26, 0x20, BCD_12H, &s), 0);
	assert_int_equal(s, day); /* 12 AM */
	assert_int_equal(decode(0, 0, PM | 0x12, 0x01, 0x12, 0x26, 0x20, BCD_12H, &s), 0);
	assert_int_equal(s, day + 12 * 3600); /* 12 PM */
	assert_int_equal(decode(0, 0x45, PM | 0x05, 0x01, 0x12, 0x26, 0x20, BCD_12H, &s), 0);
	assert_int_equal(s, day + 17 * 3600 + 45 * 60);
	assert_int_equal(decode(0, 45, PM | 11, 1, 12, 26, 20, BINARY_12H, &s), 0);
	assert_int_equal(s, day + 23 * 3600 + 45 * 60);
	assert_int_equal(decode(0, 0, 0x00, 0x01, 0x12, 0x26, 0x20, BCD_12H, &s), -EIO);
	assert_int_equal(decode(0, 0, 0x13, 0x01, 0x12, 0x26, 0x20, BCD_12H, &s), -EIO);
	assert_int_equal(decode(0, 0, PM | 0, 1, 12, 26, 20, BINARY_12H, &s), -EIO);
}

static void test_century_fallback(void **state)
{
	uint64_t s = 0;

	(void)state;
	/* No century byte (0, 0xff, garbage): 20xx. */
	assert_int_equal(decode(0x00, 0x30, 0x05, 0x01, 0x12, 0x26, 0x00, BCD_24H, &s), 0);
	assert_int_equal(s, 1796103000);
	assert_int_equal(decode(0x00, 0x30, 0x05, 0x01, 0x12, 0x26, 0xff, BCD_24H, &s), 0);
	assert_int_equal(s, 1796103000);
	assert_int_equal(decode(0x00, 0x30, 0x05, 0x01, 0x12, 0x26, 0x20, BINARY_24H, &s), -EIO);
	assert_int_equal(decode(0, 30, 5, 1, 12, 26, 0x20, BINARY_24H, &s), 0); /* 32: fallback */
	assert_int_equal(s, 1796103000);
	/* Century 19 with a year before 70 is before the epoch. */
	assert_int_equal(decode(0, 0, 0, 0x01, 0x01, 0x69, 0x19, BCD_24H, &s), -EIO);
}

static void test_implausible(void **state)
{
	uint64_t s = 12345;

	(void)state;
	/* An absent RTC: everything 0xff. */
	assert_int_equal(decode(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, &s), -EIO);
	assert_int_equal(decode(0x60, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x0a, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x60, 0x00, 0x01, 0x01, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x00, 0x24, 0x01, 0x01, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x00, 0x00, 0x00, 0x01, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x00, 0x00, 0x31, 0x04, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x00, 0x00, 0x29, 0x02, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x00, 0x00, 0x29, 0x02, 0x00, 0x21, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x00, 0x00, 0x01, 0x00, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0x00, 0x00, 0x00, 0x01, 0x13, 0x26, 0x20, BCD_24H, &s), -EIO);
	assert_int_equal(decode(0, 0, 0, 1, 1, 100, 20, BINARY_24H, &s), -EIO);
	assert_int_equal(s, 12345); /* untouched on failure */
	/* The last valid second of each field. */
	assert_int_equal(decode(0x59, 0x59, 0x23, 0x31, 0x12, 0x99, 0x29, BCD_24H, &s), 0);
	assert_int_equal(s, 32503679999); /* 2999-12-31 23:59:59 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_instants),
	    cmocka_unit_test(test_12_hour),
	    cmocka_unit_test(test_century_fallback),
	    cmocka_unit_test(test_implausible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
