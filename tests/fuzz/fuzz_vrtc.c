/* fuzz-sources: kernel/vdev/vrtc.c */
/*
 * libFuzzer: the virtual MC146818 driven by arbitrary port writes and reads
 * at arbitrary, advancing host times. Input: records of 5 bytes (op, port or
 * index, value, 2 bytes of time step); op bits 0-1 pick the action, bits
 * 2-4 the unit of the time step (1 ns to about a day), so sub-microsecond
 * edges and multi-day gaps both occur.
 *
 * After every step: the state is in range (flags only PF/AF/UF, phase under
 * a second, weekday delta under 7, UIP never stored); with SET clear the
 * time registers read as a real clock's (BCD digits, or binary in range;
 * 12-hour hours 1-12 with PM); vrtc_next_event_ns() is honest: when it
 * names a time, the line is low just before it and high at it, and when it
 * says never while the line is low, the line is still low two days on; a
 * register C read reports IRQF exactly as vrtc_irq_line() did and clears it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/vdev/vrtc.h"

enum fuzz_op {
	OP_WRITE_INDEX,
	OP_WRITE_DATA,
	OP_READ,
	OP_OTHER_PORT,
};

#define RECORD_SIZE 5
#define NS	    1000000000ull
#define TWO_DAYS_NS (2 * 86400 * NS)
#define START_NS    (1796103000ull * NS)
#define MAX_NOW_NS  (1ull << 62) /* year 2116: keeps now + a day far from wrapping */

static const uint64_t step_units[8] = {
    1, 1000, 1000000, 30517, 1000000000ull, 60000000000ull, 3600000000000ull, 1318359375000ull};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool bcd_ok(uint8_t v, unsigned lo, unsigned hi)
{
	unsigned d = (v >> 4) * 10 + (v & 0x0f);

	return (v & 0x0f) <= 9 && (v >> 4) <= 9 && d >= lo && d <= hi;
}

static bool field_ok(const struct vrtc *r, uint8_t v, unsigned lo, unsigned hi)
{
	if (r->cmos[VRTC_REG_B] & VRTC_B_DM_BINARY)
		return v >= lo && v <= hi;
	return bcd_ok(v, lo, hi);
}

static void check_clock(struct vrtc *r, uint64_t now)
{
	uint8_t saved = r->index, b = r->cmos[VRTC_REG_B];
	uint8_t v[VRTC_CMOS_SIZE];
	const uint8_t idx[] = {VRTC_SECONDS, VRTC_MINUTES, VRTC_HOURS, VRTC_WEEKDAY,
			       VRTC_DAY,     VRTC_MONTH,   VRTC_YEAR,  VRTC_CENTURY};

	if (b & VRTC_B_SET)
		return;
	for (unsigned i = 0; i < sizeof(idx); i++) {
		vrtc_write(r, VRTC_PORT_INDEX, idx[i], now);
		v[idx[i]] = vrtc_read(r, VRTC_PORT_DATA, now);
	}
	r->index = saved;
	check(field_ok(r, v[VRTC_SECONDS], 0, 59));
	check(field_ok(r, v[VRTC_MINUTES], 0, 59));
	if (b & VRTC_B_24H)
		check(field_ok(r, v[VRTC_HOURS], 0, 23));
	else
		check(field_ok(r, v[VRTC_HOURS] & ~VRTC_HOUR_PM, 1, 12));
	check(v[VRTC_WEEKDAY] >= 1 && v[VRTC_WEEKDAY] <= 7);
	check(field_ok(r, v[VRTC_DAY], 1, 31));
	check(field_ok(r, v[VRTC_MONTH], 1, 12));
	check(field_ok(r, v[VRTC_YEAR], 0, 99));
}

static void check_state(struct vrtc *r, uint64_t now)
{
	check(!(r->flags & ~(VRTC_C_PF | VRTC_C_AF | VRTC_C_UF)));
	check(r->phase_ns < NS);
	check(r->weekday_delta < 7);
	check(!(r->cmos[VRTC_REG_A] & VRTC_A_UIP));
	check(r->index < VRTC_CMOS_SIZE);

	bool line = vrtc_irq_line(r, now);
	uint64_t next = vrtc_next_event_ns(r, now);

	if (line) {
		check(next == 0);
	} else if (next) {
		check(next > now);
		check(!vrtc_irq_line(r, next - 1));
		check(vrtc_irq_line(r, next));
	} else {
		check(!vrtc_irq_line(r, now + TWO_DAYS_NS));
	}
	check_clock(r, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrtc rtc;
	uint64_t now = START_NS;

	vrtc_reset(&rtc, now);
	for (size_t i = 0; i + RECORD_SIZE <= size; i += RECORD_SIZE) {
		uint8_t op = data[i], target = data[i + 1], value = data[i + 2];
		uint64_t step = (uint64_t)(data[i + 3] | data[i + 4] << 8);

		now += step * step_units[(op >> 2) & 7];
		if (now > MAX_NOW_NS)
			break;
		switch (op & 3) {
		case OP_WRITE_INDEX:
			vrtc_write(&rtc, VRTC_PORT_INDEX, target, now);
			break;
		case OP_WRITE_DATA:
			vrtc_write(&rtc, VRTC_PORT_DATA, value, now);
			break;
		case OP_READ: {
			bool line = vrtc_irq_line(&rtc, now);
			bool is_c = rtc.index == VRTC_REG_C;
			uint8_t got = vrtc_read(&rtc, VRTC_PORT_DATA, now);
			if (is_c) {
				check(!!(got & VRTC_C_IRQF) == line);
				check(!vrtc_irq_line(&rtc, now));
			}
			if (rtc.index == VRTC_REG_D)
				check(got == VRTC_D_VRT);
			break;
		}
		default:
			check(vrtc_read(&rtc, (uint16_t)(0x72 + (target & 0x0f)), now) == 0xff);
			vrtc_write(&rtc, (uint16_t)(0x72 + (target & 0x0f)), value, now);
			break;
		}
		check_state(&rtc, now);
	}
	return 0;
}
