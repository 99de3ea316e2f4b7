/* unit-test-sources: kernel/vdev/i8254.c */
/*
 * Virtual i8254 through its ports and its two timer questions, at times the
 * test chooses: Linux's periodic tick and its TSC calibration, counts read
 * back live and latched, modes 0, 2, 3 and 4, access modes and flip-flops,
 * read-back, counter 2's gate in port 0x61, IRQ 0 edge counting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/vdev/i8254.h"

#define T0	     1000000ULL /* programming happens at 1 ms */
#define LINUX_HZ     250
#define LINUX_LATCH  ((VPIT_CLOCK_HZ + LINUX_HZ / 2) / LINUX_HZ) /* 4773 */
#define CW_CH0_MODE2 0x34 /* counter 0, LSB then MSB, mode 2 */
#define CW_CH0_MODE0 0x30
#define CW_CH0_MODE3 0x36
#define CW_CH0_MODE4 0x38
#define CW_CH2_MODE0 0xb0

static struct vpit pit;

/* The first ns at which t ticks passed, computed another way (128-bit) than the model does. */
static uint64_t ns_for_ticks(uint64_t t)
{
	return (uint64_t)(((unsigned __int128)t * 1000000000 + VPIT_CLOCK_HZ - 1) / VPIT_CLOCK_HZ);
}

static int setup(void **state)
{
	vpit_reset(&pit, 0);
	vpit_irq0_edges(&pit, T0);
	return 0;
}

static void program(uint16_t port, uint8_t cw, uint16_t count, uint64_t now)
{
	vpit_write(&pit, VPIT_PORT_CONTROL, cw, now);
	vpit_write(&pit, port, count & 0xff, now);
	vpit_write(&pit, port, count >> 8, now);
}

/* Counter latch command, then LSB and MSB. */
static uint16_t latched_count(uint16_t port, uint64_t now)
{
	uint8_t select = port == VPIT_PORT_COUNTER0 ? 0x00 : 0x80;
	vpit_write(&pit, VPIT_PORT_CONTROL, select, now);
	uint8_t lsb = vpit_read(&pit, port, now);
	return lsb | vpit_read(&pit, port, now) << 8;
}

static uint8_t status0(uint64_t now)
{
	vpit_write(&pit, VPIT_PORT_CONTROL, 0xc0 | VPIT_RB_NO_COUNT | VPIT_RB_COUNTER0, now);
	return vpit_read(&pit, VPIT_PORT_COUNTER0, now);
}

/* --- tests ----------------------------------------------------------------- */

static void test_linux_periodic_tick(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE2, LINUX_LATCH, T0);
	assert_int_equal(LINUX_LATCH, 4773);
	/* 4773 ticks: 4.000228 ms after the count was written, exactly. */
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), T0 + 4000228);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + 4000227), T0 + 4000228);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + 4000228), T0 + 8000456);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 4000227), 0);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 4000228), 1);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 4000228), 0);
	/* Edge k at ceil(k * 4773 * 10^9 / 1193182) ns, with no drift over a thousand periods. */
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + ns_for_ticks(999 * 4773ULL)),
			 T0 + ns_for_ticks(1000 * 4773ULL));
	/* Status: OUT high, count loaded, LSB-MSB, mode 2, binary. */
	assert_int_equal(status0(T0 + 1), 0xb4);
}

static void test_read_count_after_1ms(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE2, LINUX_LATCH, T0);
	/* 1 ms is 1193.182 ticks: 1193 whole ones. */
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + 1000000), LINUX_LATCH - 1193);
	/* The latch holds its value while time goes on; a second latch before reading is ignored.
	 */
	vpit_write(&pit, VPIT_PORT_CONTROL, 0x00, T0 + 1000000);
	vpit_write(&pit, VPIT_PORT_CONTROL, 0x00, T0 + 2000000);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + 3000000), (4773 - 1193) & 0xff);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + 3000000), (4773 - 1193) >> 8);
	/* Unlatched, LSB then MSB, each of the live count. */
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + 2000000), (4773 - 2386) & 0xff);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + 2000000), (4773 - 2386) >> 8);
	/* The count wraps back to the reload value after a period. */
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(4773)), 4773);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(4772)), 1);
}

static void test_mode0_one_shot(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE0, 1000, T0);
	assert_int_equal(status0(T0), 0x30); /* OUT low, count loaded */
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), T0 + 838096);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 838095), 0);
	assert_int_equal(status0(T0 + 838095), 0x30);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 838096), 1);
	assert_int_equal(status0(T0 + 838096), 0xb0);
	/* One edge only: OUT stays high, the count wraps on. */
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + 838096), 0);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 1000000000), 0);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(1001)), 0xffff);
	/* A new count rearms it. */
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE0, 10, 2 * T0);
	assert_int_equal(vpit_next_irq0_ns(&pit, 2 * T0), 2 * T0 + ns_for_ticks(10));
}

static void test_mode4_strobe(void **state)
{
	/* Linux's one-shot clockevent: OUT low for one clock after the count ends. */
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE4, 100, T0);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), T0 + ns_for_ticks(101));
	assert_int_equal(status0(T0 + ns_for_ticks(100)) & VPIT_STATUS_OUT, 0);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + ns_for_ticks(101)), 1);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + ns_for_ticks(101)), 0);
}

static void test_mode3_square_wave(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE3, 1000, T0);
	/* High half: 500 clocks, counting 1000, 998, ... 2. */
	assert_int_equal(status0(T0), 0xb6);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(1)), 998);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(499)), 2);
	assert_int_equal(status0(T0 + ns_for_ticks(499)), 0xb6);
	/* Low half: 500 clocks, from 1000 again. */
	assert_int_equal(status0(T0 + ns_for_ticks(500)), 0x36);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(500)), 1000);
	assert_int_equal(status0(T0 + ns_for_ticks(999)), 0x36);
	/* The rising edge ends the period. */
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + 1), T0 + ns_for_ticks(1000));
	assert_int_equal(vpit_irq0_edges(&pit, T0 + ns_for_ticks(1000) - 1), 0);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + ns_for_ticks(1000)), 1);
	assert_int_equal(status0(T0 + ns_for_ticks(1000)), 0xb6);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + ns_for_ticks(1000)), T0 + ns_for_ticks(2000));

	/* Odd count 5: high for 3 clocks (4, 2, 0), low for 2 (4, 2). */
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE3, 5, 2 * T0);
	assert_int_equal(status0(2 * T0 + ns_for_ticks(2)), 0xb6);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, 2 * T0 + ns_for_ticks(2)), 0);
	assert_int_equal(status0(2 * T0 + ns_for_ticks(3)), 0x36);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, 2 * T0 + ns_for_ticks(4)), 2);
	assert_int_equal(vpit_next_irq0_ns(&pit, 2 * T0), 2 * T0 + ns_for_ticks(5));
}

static void test_count0_is_65536(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE2, 0, T0);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), T0 + 54925402);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0), 0);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(1)), 0xffff);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(65535)), 1);
	/* Reset leaves the BIOS's 18.2 Hz square wave: mode 3, count 65536. */
	vpit_reset(&pit, 0);
	assert_int_equal(vpit_next_irq0_ns(&pit, 0), 54925402);
	assert_int_equal(status0(0), 0xb6);
}

static void test_access_modes_and_flip_flops(void **state)
{
	/* LSB only: the MSB is 0, reads give the LSB only. */
	vpit_write(&pit, VPIT_PORT_CONTROL, 0x10, T0);
	vpit_write(&pit, VPIT_PORT_COUNTER0, 0x34, T0);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), T0 + ns_for_ticks(0x34));
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0), 0x34);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0), 0x34);
	assert_int_equal(status0(T0), 0x10);

	/* MSB only: the LSB is 0. */
	vpit_write(&pit, VPIT_PORT_CONTROL, 0x20, T0);
	vpit_write(&pit, VPIT_PORT_COUNTER0, 0x12, T0);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), T0 + ns_for_ticks(0x1200));
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(1)), 0x11);

	/* LSB then MSB: half a count is no count (null count), and mode 0 holds OUT low. */
	vpit_write(&pit, VPIT_PORT_CONTROL, CW_CH0_MODE0, T0);
	assert_int_equal(status0(T0), 0x70);
	vpit_write(&pit, VPIT_PORT_COUNTER0, 0x00, T0);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), 0);
	assert_int_equal(status0(T0), 0x70);
	vpit_write(&pit, VPIT_PORT_COUNTER0, 0x10, T0);
	assert_int_equal(status0(T0), 0x30);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0), T0 + ns_for_ticks(0x1000));
	/* The read flip-flop alternates LSB, MSB, LSB, ... */
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(1)), 0xff);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(1)), 0x0f);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(2)), 0xfe);
	/* A control word resets both flip-flops. */
	vpit_write(&pit, VPIT_PORT_CONTROL, CW_CH0_MODE0, T0 + ns_for_ticks(2));
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE0, 0x0203, T0 + ns_for_ticks(2));
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(2)), 0x03);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(2)), 0x02);
}

static void test_read_back(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE2, 1000, T0);
	program(VPIT_PORT_COUNTER2, CW_CH2_MODE0, 500, T0);
	/* Count and status of both counters: status first, then LSB, MSB. */
	vpit_write(&pit, VPIT_PORT_CONTROL, 0xc0 | VPIT_RB_COUNTER0 | VPIT_RB_COUNTER2,
		   T0 + ns_for_ticks(10));
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(50)), 0xb4);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(50)), 990 & 0xff);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(50)), 990 >> 8);
	/* Counter 2's gate is low after reset: its count stands still and it shows null count off.
	 */
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER2, T0 + ns_for_ticks(50)), 0x30);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER2, T0 + ns_for_ticks(50)), 500 & 0xff);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER2, T0 + ns_for_ticks(50)), 500 >> 8);
	/* Status only: the next reads are the live count again. */
	vpit_write(&pit, VPIT_PORT_CONTROL, 0xc0 | VPIT_RB_NO_COUNT | VPIT_RB_COUNTER0,
		   T0 + ns_for_ticks(60));
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(70)), 0xb4);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(70)), 930 & 0xff);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(70)), 930 >> 8);
	/* Count only, for counter 0. */
	vpit_write(&pit, VPIT_PORT_CONTROL, 0xc0 | VPIT_RB_NO_STATUS | VPIT_RB_COUNTER0,
		   T0 + ns_for_ticks(80));
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(90)), 920 & 0xff);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(90)), 920 >> 8);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER0, T0 + ns_for_ticks(90)), 910 & 0xff);
}

static void test_mode2_new_count_at_period_end(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE2, 1000, T0);
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE2, 0,
		T0); /* first count again after a control word */
	vpit_write(&pit, VPIT_PORT_COUNTER0, 500 & 0xff, T0 + ns_for_ticks(300));
	vpit_write(&pit, VPIT_PORT_COUNTER0, 500 >> 8, T0 + ns_for_ticks(300));
	/* Null count while the new count waits; the current period of 65536 runs out first. */
	assert_int_equal(status0(T0 + ns_for_ticks(300)), 0xf4);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(301)), 65535 - 300);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + ns_for_ticks(301)), T0 + ns_for_ticks(65536));
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + ns_for_ticks(65536)),
			 T0 + ns_for_ticks(65536 + 500));
	assert_int_equal(vpit_irq0_edges(&pit, T0 + ns_for_ticks(65536 + 1000)), 3);
	assert_int_equal(status0(T0 + ns_for_ticks(65536 + 1000)), 0xb4);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER0, T0 + ns_for_ticks(65536 + 1001)), 499);
}

static void test_channel2_calibration(void **state)
{
	/* Counter 0 idle (a control word, no count): only counter 2 runs. */
	vpit_write(&pit, VPIT_PORT_CONTROL, CW_CH0_MODE0, T0);
	uint8_t port61 = vpit_read(&pit, VPIT_PORT_SYSTEM, T0);
	assert_int_equal(port61 & (VPIT_SYS_GATE2 | VPIT_SYS_SPEAKER), 0);

	/* Linux pit_hpet_ptimer_calibrate_cpu(): gate high, speaker off, mode 0, 50 ms. */
	vpit_write(&pit, VPIT_PORT_SYSTEM, (port61 & ~VPIT_SYS_SPEAKER) | VPIT_SYS_GATE2, T0);
	program(VPIT_PORT_COUNTER2, CW_CH2_MODE0, 59659, T0);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, T0) & VPIT_SYS_OUT2, 0);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, T0 + 49999916) & VPIT_SYS_OUT2, 0);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, T0 + 49999917) & VPIT_SYS_OUT2,
			 VPIT_SYS_OUT2);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, T0 + 60000000) & 0x23, 0x21);
	/* Counter 2 never touches IRQ 0. */
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 60000000), 0);

	/* quick_pit_calibrate(): 0xffff, MSB read unlatched after LSB, OUT2 after 65535 ticks. */
	uint64_t t = 2 * T0;
	program(VPIT_PORT_COUNTER2, CW_CH2_MODE0, 0xffff, t);
	vpit_read(&pit, VPIT_PORT_COUNTER2, t + 1000);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER2, t + 1000), 0xff);
	vpit_read(&pit, VPIT_PORT_COUNTER2, t + ns_for_ticks(256));
	assert_int_equal(vpit_read(&pit, VPIT_PORT_COUNTER2, t + ns_for_ticks(256)), 0xfe);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, t + 54924563) & VPIT_SYS_OUT2, 0);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, t + 54924564) & VPIT_SYS_OUT2,
			 VPIT_SYS_OUT2);

	/* Gate low: counting stops; high again: it resumes where it stopped. */
	t = 3 * T0;
	program(VPIT_PORT_COUNTER2, CW_CH2_MODE0, 1000, t);
	vpit_write(&pit, VPIT_PORT_SYSTEM, 0, t + ns_for_ticks(100));
	assert_int_equal(latched_count(VPIT_PORT_COUNTER2, t + 5000000), 900);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, t + 5000000) & VPIT_SYS_OUT2, 0);
	vpit_write(&pit, VPIT_PORT_SYSTEM, VPIT_SYS_GATE2, t + 5000000);
	assert_int_equal(latched_count(VPIT_PORT_COUNTER2, t + 5000000 + ns_for_ticks(899)), 1);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_SYSTEM, t + 5000000 + ns_for_ticks(900)) &
			     VPIT_SYS_OUT2,
			 VPIT_SYS_OUT2);
}

static void test_port61_bits(void **state)
{
	/* Bits 0-3 read back, 6-7 read 0; bit 4 toggles on each read. */
	vpit_write(&pit, VPIT_PORT_SYSTEM, 0xce, T0);
	uint8_t a = vpit_read(&pit, VPIT_PORT_SYSTEM, T0);
	uint8_t b = vpit_read(&pit, VPIT_PORT_SYSTEM, T0);
	assert_int_equal(a & 0xcf, 0x0e);
	assert_int_equal(b & 0xcf, 0x0e);
	assert_int_equal((a ^ b) & 0xff, VPIT_SYS_REFRESH);
	/* OUT2 high in mode 3 with the gate low (the reset state). */
	assert_int_equal(a & VPIT_SYS_OUT2, VPIT_SYS_OUT2);
	assert_int_equal(vpit_read(&pit, VPIT_PORT_CONTROL, T0), 0xff);
	assert_int_equal(vpit_read(&pit, 0x41, T0), 0xff);
}

static void test_irq0_edges_count_and_saturate(void **state)
{
	program(VPIT_PORT_COUNTER0, CW_CH0_MODE2, LINUX_LATCH, T0);
	unsigned total = 0;
	for (uint64_t ms = 1; ms <= 20; ms++)
		total += vpit_irq0_edges(&pit, T0 + ms * 1000000);
	assert_int_equal(total, 4); /* at 4.0002, 8.0005, 12.0007, 16.0009 ms */
	assert_int_equal(vpit_irq0_edges(&pit, T0 + 21000000), 1);
	/* An hour's pause: 900000 periods, reported as at most VPIT_IRQ0_EDGES_MAX. */
	uint64_t hour = 3600ULL * 1000000000;
	assert_int_equal(vpit_irq0_edges(&pit, T0 + hour), VPIT_IRQ0_EDGES_MAX);
	assert_int_equal(vpit_irq0_edges(&pit, T0 + hour), 0);
	uint64_t next = vpit_next_irq0_ns(&pit, T0 + hour);
	assert_true(next > T0 + hour);
	assert_int_equal(next, T0 + ns_for_ticks((VPIT_CLOCK_HZ * 3600 / 4773 + 1) * 4773));
	assert_int_equal(vpit_irq0_edges(&pit, next - 1), 0);
	assert_int_equal(vpit_irq0_edges(&pit, next), 1);
	/* Ten years on: still exact, still bounded. */
	uint64_t decade = 10 * 365ULL * 24 * 3600 * 1000000000;
	assert_int_equal(vpit_irq0_edges(&pit, T0 + decade), VPIT_IRQ0_EDGES_MAX);
	uint64_t ticks = (uint64_t)((unsigned __int128)decade * VPIT_CLOCK_HZ / 1000000000);
	assert_int_equal(vpit_next_irq0_ns(&pit, T0 + decade),
			 T0 + ns_for_ticks((ticks / 4773 + 1) * 4773));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_linux_periodic_tick, setup),
	    cmocka_unit_test_setup(test_read_count_after_1ms, setup),
	    cmocka_unit_test_setup(test_mode0_one_shot, setup),
	    cmocka_unit_test_setup(test_mode4_strobe, setup),
	    cmocka_unit_test_setup(test_mode3_square_wave, setup),
	    cmocka_unit_test_setup(test_count0_is_65536, setup),
	    cmocka_unit_test_setup(test_access_modes_and_flip_flops, setup),
	    cmocka_unit_test_setup(test_read_back, setup),
	    cmocka_unit_test_setup(test_mode2_new_count_at_period_end, setup),
	    cmocka_unit_test_setup(test_channel2_calibration, setup),
	    cmocka_unit_test_setup(test_port61_bits, setup),
	    cmocka_unit_test_setup(test_irq0_edges_count_and_saturate, setup),
	};
	return cmocka_run_group_tests_name("i8254", tests, NULL, NULL);
}
