/* unit-test-sources: kernel/vdev/vrtc.c */
/*
 * Virtual MC146818 RTC through ports 0x70/0x71, as a guest sees it: known
 * instants in BCD, binary and 12-hour modes (a leap day, the 1999->2000
 * rollover, before 1970), setting the time under SET and reading it back
 * after elapsed host time, writes with SET clear, UIP's 244 us window,
 * register C's clear-on-read, periodic, alarm (with don't-care bytes) and
 * update-ended interrupts at exact nanoseconds, CMOS RAM, odd values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/vdev/vrtc.h"

#define NS	     1000000000ull
#define T_2026_12_01 1796103000ull /* 2026-12-01 05:30:00 UTC, a Tuesday */
#define T_LEAP_DAY   1709208000ull /* 2024-02-29 12:00:00 UTC, a Thursday */
#define T_1999_END   946684799ull  /* 1999-12-31 23:59:59 UTC, a Friday */
#define T_2026_1745  1796147100ull /* 2026-12-01 17:45:00 UTC */
#define SUNDAY	     1
#define TUESDAY	     3
#define THURSDAY     5
#define FRIDAY	     6
#define SATURDAY     7

static struct vrtc rtc;

static uint8_t rd(uint8_t index, uint64_t now)
{
	vrtc_write(&rtc, VRTC_PORT_INDEX, index, now);
	return vrtc_read(&rtc, VRTC_PORT_DATA, now);
}

static void wr(uint8_t index, uint8_t value, uint64_t now)
{
	vrtc_write(&rtc, VRTC_PORT_INDEX, index, now);
	vrtc_write(&rtc, VRTC_PORT_DATA, value, now);
}

struct regs {
	uint8_t sec, min, hour, wday, day, mon, year, century;
};

static void expect_time(uint64_t now, struct regs want)
{
	assert_int_equal(rd(VRTC_SECONDS, now), want.sec);
	assert_int_equal(rd(VRTC_MINUTES, now), want.min);
	assert_int_equal(rd(VRTC_HOURS, now), want.hour);
	assert_int_equal(rd(VRTC_WEEKDAY, now), want.wday);
	assert_int_equal(rd(VRTC_DAY, now), want.day);
	assert_int_equal(rd(VRTC_MONTH, now), want.mon);
	assert_int_equal(rd(VRTC_YEAR, now), want.year);
	assert_int_equal(rd(VRTC_CENTURY, now), want.century);
}

/* The guest's own way: SET, write every register, clear SET. */
static void set_time(uint64_t now, struct regs t, uint8_t reg_b)
{
	wr(VRTC_REG_B, reg_b | VRTC_B_SET, now);
	wr(VRTC_SECONDS, t.sec, now);
	wr(VRTC_MINUTES, t.min, now);
	wr(VRTC_HOURS, t.hour, now);
	wr(VRTC_WEEKDAY, t.wday, now);
	wr(VRTC_DAY, t.day, now);
	wr(VRTC_MONTH, t.mon, now);
	wr(VRTC_YEAR, t.year, now);
	wr(VRTC_CENTURY, t.century, now);
	wr(VRTC_REG_B, reg_b, now);
}

static void test_known_instant_bcd_binary_12h(void **state)
{
	uint64_t now = T_2026_12_01 * NS;

	(void)state;
	vrtc_reset(&rtc, now);
	expect_time(now, (struct regs){0x00, 0x30, 0x05, TUESDAY, 0x01, 0x12, 0x26, 0x20});
	assert_int_equal(rd(VRTC_REG_A, now), VRTC_A_RESET);
	assert_int_equal(rd(VRTC_REG_B, now), VRTC_B_24H);
	assert_int_equal(rd(VRTC_REG_D, now), VRTC_D_VRT);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_DM_BINARY, now);
	expect_time(now, (struct regs){0, 30, 5, TUESDAY, 1, 12, 26, 20});
	wr(VRTC_REG_B, 0, now); /* 12 hours, BCD: 5 AM */
	expect_time(now, (struct regs){0x00, 0x30, 0x05, TUESDAY, 0x01, 0x12, 0x26, 0x20});
	now = T_2026_1745 * NS;
	assert_int_equal(rd(VRTC_HOURS, now), VRTC_HOUR_PM | 0x05);
	wr(VRTC_REG_B, VRTC_B_DM_BINARY, now); /* 12 hours, binary: 5 PM */
	assert_int_equal(rd(VRTC_HOURS, now), VRTC_HOUR_PM | 5);
	/* Midnight is 12 AM, noon 12 PM. */
	now = (T_2026_12_01 - 5 * 3600 - 30 * 60) * NS;
	vrtc_reset(&rtc, now);
	wr(VRTC_REG_B, 0, now);
	assert_int_equal(rd(VRTC_HOURS, now), 0x12);
	now += 12 * 3600 * NS;
	assert_int_equal(rd(VRTC_HOURS, now), VRTC_HOUR_PM | 0x12);
}

static void test_leap_day(void **state)
{
	uint64_t now = T_LEAP_DAY * NS;

	(void)state;
	vrtc_reset(&rtc, now);
	expect_time(now, (struct regs){0x00, 0x00, 0x12, THURSDAY, 0x29, 0x02, 0x24, 0x20});
	now += 12 * 3600 * NS;
	expect_time(now, (struct regs){0x00, 0x00, 0x00, FRIDAY, 0x01, 0x03, 0x24, 0x20});
}

static void test_century_rollover_set_and_elapse(void **state)
{
	uint64_t now = T_2026_12_01 * NS + 123456789;

	(void)state;
	vrtc_reset(&rtc, now);
	set_time(now, (struct regs){0x59, 0x59, 0x23, FRIDAY, 0x31, 0x12, 0x99, 0x19}, VRTC_B_24H);
	expect_time(now, (struct regs){0x59, 0x59, 0x23, FRIDAY, 0x31, 0x12, 0x99, 0x19});
	/* The new second started when SET cleared: the update is exactly 1 s later. */
	assert_int_equal(rd(VRTC_SECONDS, now + NS - 1), 0x59);
	expect_time(now + NS, (struct regs){0x00, 0x00, 0x00, SATURDAY, 0x01, 0x01, 0x00, 0x20});
	/* 3661 s on: 01:01:00. */
	expect_time(now + 3661 * NS,
		    (struct regs){0x00, 0x01, 0x01, SATURDAY, 0x01, 0x01, 0x00, 0x20});
}

static void test_set_held_freezes_and_clears_uie(void **state)
{
	uint64_t now = T_2026_12_01 * NS;

	(void)state;
	vrtc_reset(&rtc, now);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, now);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE | VRTC_B_SET, now);
	assert_int_equal(rd(VRTC_REG_B, now), VRTC_B_24H | VRTC_B_SET);
	wr(VRTC_MINUTES, 0x45, now);
	/* Held: no update, no UIP, the written byte reads back. */
	now += 5 * NS;
	assert_int_equal(rd(VRTC_SECONDS, now), 0x00);
	assert_int_equal(rd(VRTC_MINUTES, now), 0x45);
	assert_int_equal(rd(VRTC_REG_A, now - 100000) & VRTC_A_UIP, 0);
	assert_int_equal(rd(VRTC_REG_C, now) & VRTC_C_UF, 0);
	wr(VRTC_REG_B, VRTC_B_24H, now);
	expect_time(now + 2 * NS, (struct regs){0x02, 0x45, 0x05, TUESDAY, 0x01, 0x12, 0x26, 0x20});
	/* 12-hour binary written under SET: 11 PM. */
	set_time(now, (struct regs){30, 15, VRTC_HOUR_PM | 11, TUESDAY, 1, 12, 26, 20},
		 VRTC_B_DM_BINARY);
	wr(VRTC_REG_B, VRTC_B_24H, now);
	expect_time(now, (struct regs){0x30, 0x15, 0x23, TUESDAY, 0x01, 0x12, 0x26, 0x20});
}

static void test_write_with_set_clear_keeps_phase(void **state)
{
	uint64_t now = T_2026_12_01 * NS + NS / 2;

	(void)state;
	vrtc_reset(&rtc, now);
	wr(VRTC_MINUTES, 0x10, now);
	wr(VRTC_WEEKDAY, SUNDAY, now);
	assert_int_equal(rd(VRTC_MINUTES, now), 0x10);
	assert_int_equal(rd(VRTC_HOURS, now), 0x05);
	assert_int_equal(rd(VRTC_WEEKDAY, now), SUNDAY);
	/* The second still ends at the host's second boundary. */
	assert_int_equal(rd(VRTC_SECONDS, now + NS / 2 - 1), 0x00);
	assert_int_equal(rd(VRTC_SECONDS, now + NS / 2), 0x01);
	/* The weekday counts on from what was written. */
	assert_int_equal(rd(VRTC_WEEKDAY, now + 86400 * NS), SUNDAY + 1);
}

static void test_odd_values_carry(void **state)
{
	uint64_t now = T_2026_12_01 * NS;

	(void)state;
	vrtc_reset(&rtc, now);
	/* 2025-02-30 and month 0x13 run on; nothing is stored out of range. */
	set_time(now, (struct regs){0x00, 0x00, 0x00, 1, 0x30, 0x02, 0x25, 0x20}, VRTC_B_24H);
	assert_int_equal(rd(VRTC_DAY, now), 0x02);
	assert_int_equal(rd(VRTC_MONTH, now), 0x03);
	set_time(now, (struct regs){0x00, 0x00, 0x00, 1, 0x01, 0x13, 0x25, 0x20}, VRTC_B_24H);
	assert_int_equal(rd(VRTC_MONTH, now), 0x01);
	assert_int_equal(rd(VRTC_YEAR, now), 0x26);
	/* Month 0 is December of the year before; year 0 century 0 is before 1970. */
	set_time(now, (struct regs){0x00, 0x00, 0x00, 1, 0x01, 0x00, 0x00, 0x00}, VRTC_B_24H);
	assert_int_equal(rd(VRTC_MONTH, now), 0x12);
	assert_int_equal(rd(VRTC_YEAR, now), 0x99);
	/* All ones everywhere, binary: bounded, no crash, readable. */
	set_time(now, (struct regs){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		 VRTC_B_DM_BINARY);
	assert_true(rd(VRTC_MONTH, now) >= 1 && rd(VRTC_MONTH, now) <= 12);
	assert_true(rd(VRTC_WEEKDAY, now) >= 1 && rd(VRTC_WEEKDAY, now) <= 7);
}

static void test_before_1970(void **state)
{
	uint64_t now = T_2026_12_01 * NS;

	(void)state;
	vrtc_reset(&rtc, now);
	set_time(now, (struct regs){0x40, 0x17, 0x20, SUNDAY, 0x20, 0x07, 0x69, 0x19}, VRTC_B_24H);
	expect_time(now + 20 * NS, (struct regs){0x00, 0x18, 0x20, SUNDAY, 0x20, 0x07, 0x69, 0x19});
}

static void test_uip_window(void **state)
{
	uint64_t t0 = T_2026_12_01 * NS;

	(void)state;
	vrtc_reset(&rtc, t0);
	assert_int_equal(rd(VRTC_REG_A, t0 + NS - 244001), VRTC_A_RESET);
	assert_int_equal(rd(VRTC_REG_A, t0 + NS - 244000), VRTC_A_RESET | VRTC_A_UIP);
	assert_int_equal(rd(VRTC_SECONDS, t0 + NS - 1), 0x00);
	assert_int_equal(rd(VRTC_REG_A, t0 + NS - 1), VRTC_A_RESET | VRTC_A_UIP);
	assert_int_equal(rd(VRTC_REG_A, t0 + NS), VRTC_A_RESET);
	assert_int_equal(rd(VRTC_SECONDS, t0 + NS), 0x01);
	/* UIP is read-only; DV and RS are the guest's. */
	wr(VRTC_REG_A, 0xff, t0 + NS);
	assert_int_equal(rd(VRTC_REG_A, t0 + NS), 0x7f);
}

static void test_update_interrupt_and_reg_c(void **state)
{
	uint64_t t0 = T_2026_12_01 * NS + 300;

	(void)state;
	vrtc_reset(&rtc, t0);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0), 0); /* nothing enabled */
	wr(VRTC_REG_A, 0x20, t0);			   /* no periodic */
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, t0);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0), t0 - 300 + NS);
	assert_false(vrtc_irq_line(&rtc, t0 - 300 + NS - 1));
	assert_true(vrtc_irq_line(&rtc, t0 - 300 + NS));
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 - 300 + NS), 0); /* already high */
	assert_int_equal(rd(VRTC_REG_C, t0 + 2 * NS), VRTC_C_IRQF | VRTC_C_UF);
	assert_false(vrtc_irq_line(&rtc, t0 + 2 * NS));
	assert_int_equal(rd(VRTC_REG_C, t0 + 2 * NS), 0);
	/* Writes to C and D change nothing. */
	wr(VRTC_REG_C, 0xff, t0 + 2 * NS);
	wr(VRTC_REG_D, 0x00, t0 + 2 * NS);
	assert_int_equal(rd(VRTC_REG_C, t0 + 2 * NS), 0);
	assert_int_equal(rd(VRTC_REG_D, t0 + 2 * NS), VRTC_D_VRT);
	/* UF is set with UIE off too, without raising the line; enabling raises it. */
	wr(VRTC_REG_B, VRTC_B_24H, t0 + 2 * NS);
	assert_false(vrtc_irq_line(&rtc, t0 + 4 * NS));
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, t0 + 4 * NS);
	assert_true(vrtc_irq_line(&rtc, t0 + 4 * NS));
	assert_int_equal(rd(VRTC_REG_C, t0 + 4 * NS), VRTC_C_IRQF | VRTC_C_UF);
}

static void test_periodic_interrupt(void **state)
{
	uint64_t t0 = T_2026_12_01 * NS;

	(void)state;
	vrtc_reset(&rtc, t0);
	/* Reset rate 1024 Hz: 976562.5 ns; PF without PIE, the line stays low. */
	assert_false(vrtc_irq_line(&rtc, t0 + 976563));
	assert_int_equal(rd(VRTC_REG_C, t0 + 976563), VRTC_C_PF);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE, t0 + 976563);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 976563), t0 + 1953125);
	assert_false(vrtc_irq_line(&rtc, t0 + 1953124));
	assert_true(vrtc_irq_line(&rtc, t0 + 1953125));
	assert_int_equal(rd(VRTC_REG_C, t0 + 1953125), VRTC_C_IRQF | VRTC_C_PF);
	/* Rate 15: 2 Hz. Rate 3: 122070.3125 ns. Rate 1: 3.90625 ms (256 Hz). */
	wr(VRTC_REG_A, 0x2f, t0 + 1953125);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 1953125), t0 + NS / 2);
	wr(VRTC_REG_A, 0x23, t0 + 1953125);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 1953125), t0 + 2075196); /* 17th edge */
	wr(VRTC_REG_A, 0x21, t0 + 1953125);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 1953125), t0 + 3906250);
	/* Rate 0: none. */
	wr(VRTC_REG_A, 0x20, t0 + 1953125);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 1953125), 0);
	assert_false(vrtc_irq_line(&rtc, t0 + 10 * NS));
}

static void test_alarm_interrupt(void **state)
{
	uint64_t t0 = T_2026_12_01 * NS; /* 05:30:00 */

	(void)state;
	vrtc_reset(&rtc, t0);
	wr(VRTC_REG_A, 0x20, t0);
	wr(VRTC_ALARM_SECONDS, 0x10, t0);
	wr(VRTC_ALARM_MINUTES, 0x30, t0);
	wr(VRTC_ALARM_HOURS, 0x05, t0);
	wr(VRTC_REG_B, VRTC_B_24H | VRTC_B_AIE, t0);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0), t0 + 10 * NS);
	assert_false(vrtc_irq_line(&rtc, t0 + 10 * NS - 1));
	assert_true(vrtc_irq_line(&rtc, t0 + 10 * NS));
	assert_int_equal(rd(VRTC_REG_C, t0 + 10 * NS), VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);
	/* Next match: the same time tomorrow. */
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 10 * NS), t0 + (86400 + 10) * NS);
	/* An alarm passed over between two calls still counts. */
	assert_true(vrtc_irq_line(&rtc, t0 + (86400 + 500) * NS));
	/* Don't care hours and minutes, seconds 00: the next minute. */
	wr(VRTC_ALARM_HOURS, 0xc0, t0 + 10 * NS);
	wr(VRTC_ALARM_MINUTES, 0xff, t0 + 10 * NS);
	wr(VRTC_ALARM_SECONDS, 0x00, t0 + 10 * NS);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 10 * NS), t0 + 60 * NS);
	/* All don't care: every second. */
	wr(VRTC_ALARM_SECONDS, 0xd5, t0 + 10 * NS);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 10 * NS + 5), t0 + 11 * NS);
	/* An hour byte no hour encodes to: never. */
	wr(VRTC_ALARM_HOURS, 0x24, t0 + 10 * NS);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 10 * NS), 0);
	assert_int_equal(rd(VRTC_REG_C, t0 + 3 * 86400 * NS) & VRTC_C_AF, 0);
	/* 12-hour mode: 5 PM is 0x85. */
	wr(VRTC_REG_B, VRTC_B_AIE, t0 + 3 * 86400 * NS);
	wr(VRTC_ALARM_HOURS, 0x85, t0 + 3 * 86400 * NS);
	wr(VRTC_ALARM_MINUTES, 0x00, t0 + 3 * 86400 * NS);
	wr(VRTC_ALARM_SECONDS, 0x00, t0 + 3 * 86400 * NS);
	assert_int_equal(vrtc_next_event_ns(&rtc, t0 + 3 * 86400 * NS),
			 t0 + (3 * 86400 + 11 * 3600 + 30 * 60) * NS);
}

static void test_cmos_ram_and_ports(void **state)
{
	uint64_t now = T_2026_12_01 * NS;

	(void)state;
	vrtc_reset(&rtc, now);
	vrtc_set_cmos(&rtc, 0x34, 0x7e);
	vrtc_set_cmos(&rtc, 0x0e, 0x01);
	vrtc_set_cmos(&rtc, VRTC_SECONDS, 0x99); /* the clock's, ignored */
	vrtc_set_cmos(&rtc, VRTC_CENTURY, 0x99); /* the clock's, ignored */
	vrtc_set_cmos(&rtc, 0x80, 0x99);	 /* out of range */
	assert_int_equal(rd(0x34, now), 0x7e);
	assert_int_equal(rd(0x0e, now), 0x01);
	assert_int_equal(rd(VRTC_SECONDS, now), 0x00);
	assert_int_equal(rd(VRTC_CENTURY, now), 0x20);
	wr(0x7f, 0x5a, now);
	assert_int_equal(rd(0x7f, now), 0x5a);
	/* Index bit 7 (NMI disable) is kept but selects the same register. */
	vrtc_write(&rtc, VRTC_PORT_INDEX, 0x80 | 0x7f, now);
	assert_true(rtc.nmi_disabled);
	assert_int_equal(vrtc_read(&rtc, VRTC_PORT_DATA, now), 0x5a);
	assert_int_equal(vrtc_read(&rtc, VRTC_PORT_INDEX, now), 0xff);
	assert_int_equal(vrtc_read(&rtc, 0x72, now), 0xff);
	vrtc_write(&rtc, 0x72, 0x00, now);
	vrtc_write(&rtc, 0x73, 0x00, now);
	assert_int_equal(rd(0x7f, now), 0x5a);
	/* Alarm bytes are plain registers. */
	wr(VRTC_ALARM_MINUTES, 0x42, now);
	assert_int_equal(rd(VRTC_ALARM_MINUTES, now), 0x42);
	/* Time running backwards counts as standing still. */
	assert_int_equal(rd(VRTC_SECONDS, now + 5 * NS), 0x05);
	assert_int_equal(rd(VRTC_SECONDS, now), 0x05);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_instant_bcd_binary_12h),
	    cmocka_unit_test(test_leap_day),
	    cmocka_unit_test(test_century_rollover_set_and_elapse),
	    cmocka_unit_test(test_set_held_freezes_and_clears_uie),
	    cmocka_unit_test(test_write_with_set_clear_keeps_phase),
	    cmocka_unit_test(test_odd_values_carry),
	    cmocka_unit_test(test_before_1970),
	    cmocka_unit_test(test_uip_window),
	    cmocka_unit_test(test_update_interrupt_and_reg_c),
	    cmocka_unit_test(test_periodic_interrupt),
	    cmocka_unit_test(test_alarm_interrupt),
	    cmocka_unit_test(test_cmos_ram_and_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
