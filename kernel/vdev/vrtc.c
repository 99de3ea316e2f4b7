/*
 * Virtual MC146818 RTC: the register model of a PC's CMOS clock (Motorola
 * MC146818A datasheet). Owns one struct vrtc; touches no host hardware (the
 * host's own RTC is drivers/rtc_cmos.c), no guest, no vCPU and no clock:
 * time arrives as now_ns with every call.
 *
 * The guest's clock is kept as a count of seconds (offset from the host's)
 * and a phase within the second; the registers are computed from it when
 * read, in the format register B names (BCD or binary, 12 or 24 hours), by
 * pure integer calendar arithmetic (proleptic Gregorian, days from civil).
 * While SET is held the time registers are plain bytes the guest writes;
 * clearing SET decodes them into the new time, its second starting then.
 * A time register written with SET clear takes effect at once, the phase
 * kept. Values a real chip would count oddly (day 31 of February, BCD
 * nibbles past 9, hour 0x99) are carried into the next unit as linear time,
 * so every byte has a defined, bounded effect; nothing here asserts.
 *
 * Events are computed, not ticked: between two calls, register C gains
 * whatever the interval (eval_ns, now_ns] held: PF at each periodic edge
 * (the divider chain's, aligned to the guest's seconds; set whether or not
 * PIE is), UF at each second's update and AF at each update matching the
 * alarm (SET inhibits both). The update happens at the guest's second
 * boundary; UIP is set in the 244 us before it (datasheet: "UIP ... 244 us
 * before the update cycle"); the update cycle itself takes no time here.
 *
 * Not modelled: the divider's reset and test modes (the clock always runs,
 * DV is recorded), the square-wave output, daylight-saving jumps (DSE is
 * recorded), the 0x72/0x73 extended bank.
 */
#include "kernel/vdev/vrtc.h"

#include <string.h>

#define NS_PER_S	   1000000000ll
#define SECONDS_PER_DAY	   86400ll
#define RTC_TICKS_PER_S	   32768u   /* the 32.768 kHz time base */
#define NS_PER_TICK_X64	   1953125u /* 1e9 / 32768 = 1953125 / 64 exactly */
#define TICK_SCALE	   64u
#define UNIX_EPOCH_WEEKDAY 4 /* 1970-01-01 was a Thursday (Sunday = 0) */
#define EMPTY_BUS	   0xff
#define INDEX_MASK	   0x7f
#define INDEX_NMI_DISABLE  0x80
#define FLAG_MASK	   (VRTC_C_PF | VRTC_C_AF | VRTC_C_UF)
#define NEVER		   INT64_MAX

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct civil {
	int64_t year;
	unsigned month, day; /* 1-12, 1-31 */
};

static struct civil civil_from_days(int64_t z)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct civil c;

	c.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c.year = yoe + era * 400 + (c.month <= 2);
	return c;
}

static bool rtc_binary(const struct vrtc *r)
{
	return r->cmos[VRTC_REG_B] & VRTC_B_DM_BINARY;
}

static bool rtc_24h(const struct vrtc *r)
{
	return r->cmos[VRTC_REG_B] & VRTC_B_24H;
}

static bool rtc_set_held(const struct vrtc *r)
{
	return r->cmos[VRTC_REG_B] & VRTC_B_SET;
}

/* A counter value as the register shows it: binary, or two BCD digits. */
static uint8_t rtc_encode(const struct vrtc *r, int64_t v)
{
	if (rtc_binary(r))
		return (uint8_t)floor_mod(v, 256);
	v = floor_mod(v, 100);
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

/* A register byte as a number; bad BCD nibbles count with their face value (at most 165). */
static int64_t rtc_decode(const struct vrtc *r, uint8_t b)
{
	return rtc_binary(r) ? b : (b >> 4) * 10 + (b & 0x0f);
}

static uint8_t rtc_encode_hour(const struct vrtc *r, int64_t hour)
{
	int64_t h12 = hour % 12 ? hour % 12 : 12;

	if (rtc_24h(r))
		return rtc_encode(r, hour);
	return rtc_encode(r, h12) | (hour >= 12 ? VRTC_HOUR_PM : 0);
}

static int64_t rtc_decode_hour(const struct vrtc *r, uint8_t b)
{
	int64_t h;

	if (rtc_24h(r))
		return rtc_decode(r, b);
	/* 12-hour mode: 12 AM is midnight, 12 PM noon (datasheet Table 3). */
	h = rtc_decode(r, b & ~VRTC_HOUR_PM) % 12;
	return (b & VRTC_HOUR_PM) ? h + 12 : h;
}

/* The guest's clock at host time now: whole seconds and the nanoseconds into the next. */
struct gtime {
	int64_t sec;
	uint64_t frac;
};

static struct gtime rtc_guest_time(const struct vrtc *r, uint64_t now_ns)
{
	uint64_t x = now_ns + r->phase_ns;

	return (struct gtime){(int64_t)(x / NS_PER_S) + r->offset_s, x % NS_PER_S};
}

/* Make the guest clock read sec + frac ns at host time now. */
static void rtc_set_guest_time(struct vrtc *r, uint64_t now_ns, int64_t sec, uint64_t frac)
{
	uint64_t now_frac = now_ns % NS_PER_S;

	r->phase_ns = (frac + NS_PER_S - now_frac) % NS_PER_S;
	r->offset_s = sec - (int64_t)((now_ns + r->phase_ns) / NS_PER_S);
}

/* The weekday register of the day days after 1970-01-01: 1 = Sunday. */
static uint8_t rtc_weekday(const struct vrtc *r, int64_t days)
{
	return (uint8_t)(floor_mod(days + UNIX_EPOCH_WEEKDAY + r->weekday_delta, 7) + 1);
}

/* The time registers' bytes for guest second sec, into regs[0x00-0x09] and regs[0x32]. */
static void rtc_format(const struct vrtc *r, int64_t sec, uint8_t *regs)
{
	int64_t days = floor_div(sec, SECONDS_PER_DAY);
	int64_t sod = sec - days * SECONDS_PER_DAY;
	struct civil c = civil_from_days(days);

	regs[VRTC_SECONDS] = rtc_encode(r, sod % 60);
	regs[VRTC_MINUTES] = rtc_encode(r, sod / 60 % 60);
	regs[VRTC_HOURS] = rtc_encode_hour(r, sod / 3600);
	regs[VRTC_WEEKDAY] = rtc_weekday(r, days);
	regs[VRTC_DAY] = rtc_encode(r, c.day);
	regs[VRTC_MONTH] = rtc_encode(r, c.month);
	regs[VRTC_YEAR] = rtc_encode(r, floor_mod(c.year, 100));
	regs[VRTC_CENTURY] = rtc_encode(r, floor_div(c.year, 100));
}

/*
 * The guest second the bytes in regs name, with the weekday register
 * folded into weekday_delta. Month 0 or past 12 and days past the month's
 * end run on into the following months; every field is at most 255, so the
 * sum stays far inside int64_t.
 */
static int64_t rtc_parse(struct vrtc *r, const uint8_t *regs)
{
	int64_t year = rtc_decode(r, regs[VRTC_CENTURY]) * 100 + rtc_decode(r, regs[VRTC_YEAR]);
	int64_t month0 = rtc_decode(r, regs[VRTC_MONTH]) - 1;
	int64_t days;

	year += floor_div(month0, 12);
	days =
	    days_from_civil(year, floor_mod(month0, 12) + 1, 1) + rtc_decode(r, regs[VRTC_DAY]) - 1;
	r->weekday_delta = (uint8_t)floor_mod(
	    rtc_decode(r, regs[VRTC_WEEKDAY]) - 1 - (days + UNIX_EPOCH_WEEKDAY), 7);
	return days * SECONDS_PER_DAY + rtc_decode_hour(r, regs[VRTC_HOURS]) * 3600 +
	       rtc_decode(r, regs[VRTC_MINUTES]) * 60 + rtc_decode(r, regs[VRTC_SECONDS]);
}

/* Periodic interrupt period in 32.768 kHz ticks, 0 for none (datasheet Table 5). */
static uint32_t rtc_period_ticks(const struct vrtc *r)
{
	unsigned rs = r->cmos[VRTC_REG_A] & VRTC_A_RS_MASK;

	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 1u << (rs + 6); /* 256 Hz and 128 Hz, as rates 8 and 9 */
	return 1u << (rs - 1);
}

/*
 * Periodic edges in whole count since the guest's epoch: edge k of a second
 * sits at ceil(k * period_ns) ns into it, so one at or before frac counts.
 */
static int64_t rtc_periodic_count(uint32_t ticks, struct gtime t)
{
	uint64_t per_x64 = (uint64_t)ticks * NS_PER_TICK_X64;

	return t.sec * (int64_t)(RTC_TICKS_PER_S / ticks) +
	       (int64_t)(t.frac * TICK_SCALE / per_x64);
}

/* Nanoseconds from t to the next periodic edge after it. */
static uint64_t rtc_periodic_next(uint32_t ticks, struct gtime t)
{
	uint64_t per_x64 = (uint64_t)ticks * NS_PER_TICK_X64;
	uint64_t k = t.frac * TICK_SCALE / per_x64 + 1;
	uint64_t edge = (k * per_x64 + TICK_SCALE - 1) / TICK_SCALE;

	return edge - t.frac;
}

/* Values 0..n-1 whose encoding matches alarm byte a (bit v set). */
static uint64_t rtc_alarm_mask(const struct vrtc *r, uint8_t a, unsigned n, bool hours)
{
	uint64_t mask = 0;

	for (unsigned v = 0; v < n; v++) {
		uint8_t enc = hours ? rtc_encode_hour(r, v) : rtc_encode(r, v);
		if (a >= VRTC_ALARM_DONTCARE || a == enc)
			mask |= 1ull << v;
	}
	return mask;
}

/* The smallest v >= from with its bit set in mask, or -1. */
static int mask_next(uint64_t mask, int from)
{
	if (from >= 64)
		return -1;
	mask &= ~0ull << from;
	return mask ? __builtin_ctzll(mask) : -1;
}

/* The first guest second after sec whose update matches the alarm, or NEVER. */
static int64_t rtc_alarm_next(const struct vrtc *r, int64_t sec)
{
	uint64_t sm = rtc_alarm_mask(r, r->cmos[VRTC_ALARM_SECONDS], 60, false);
	uint64_t mm = rtc_alarm_mask(r, r->cmos[VRTC_ALARM_MINUTES], 60, false);
	uint64_t hm = rtc_alarm_mask(r, r->cmos[VRTC_ALARM_HOURS], 24, true);
	int64_t day = sec - floor_mod(sec, SECONDS_PER_DAY);
	int64_t sod = sec - day;
	int h = (int)(sod / 3600), m = (int)(sod / 60 % 60), s = (int)(sod % 60);
	int s0 = mask_next(sm, 0), m0 = mask_next(mm, 0), h0 = mask_next(hm, 0);
	int nh, nm, ns;

	if (s0 < 0 || m0 < 0 || h0 < 0)
		return NEVER;
	if ((hm >> h & 1) && (mm >> m & 1) && (ns = mask_next(sm, s + 1)) >= 0)
		return day + h * 3600 + m * 60 + ns;
	if ((hm >> h & 1) && (nm = mask_next(mm, m + 1)) >= 0)
		return day + h * 3600 + nm * 60 + s0;
	if ((nh = mask_next(hm, h + 1)) >= 0)
		return day + nh * 3600 + m0 * 60 + s0;
	return day + SECONDS_PER_DAY + h0 * 3600 + m0 * 60 + s0;
}

static uint64_t rtc_clamp_now(const struct vrtc *r, uint64_t now_ns)
{
	return now_ns < r->eval_ns ? r->eval_ns : now_ns;
}

/*
 * Register C's flags after the events of (eval_ns, now_ns] (IRQF not included),
 * as far as `wanted` goes: a flag outside it keeps its value in r->flags. The
 * alarm's is the costly one (three match masks built, some 6,000 instructions).
 */
static uint8_t rtc_flags_at(const struct vrtc *r, uint64_t now_ns, uint8_t wanted)
{
	struct gtime a = rtc_guest_time(r, r->eval_ns), b = rtc_guest_time(r, now_ns);
	uint32_t ticks = rtc_period_ticks(r);
	uint8_t flags = r->flags;

	if ((wanted & VRTC_C_PF) && ticks &&
	    rtc_periodic_count(ticks, b) > rtc_periodic_count(ticks, a))
		flags |= VRTC_C_PF;
	if (!rtc_set_held(r) && b.sec > a.sec) {
		flags |= wanted & VRTC_C_UF;
		if ((wanted & VRTC_C_AF) && rtc_alarm_next(r, a.sec) <= b.sec)
			flags |= VRTC_C_AF;
	}
	return flags;
}

/*
 * The flags that raise IRQF: those whose interrupt register B enables (the
 * enable bits sit where register C's flags do). The run loop asks for IRQF
 * before entries (vrtc_irq_line, vrtc_next_event_ns): a flag no enable bit
 * names cannot change the answer, so it is not computed there.
 */
static uint8_t rtc_enabled_flags(const struct vrtc *r)
{
	_Static_assert(VRTC_B_PIE == VRTC_C_PF && VRTC_B_AIE == VRTC_C_AF &&
			   VRTC_B_UIE == VRTC_C_UF,
		       "register B's enables line up with register C's flags");
	return r->cmos[VRTC_REG_B] & FLAG_MASK;
}

static bool rtc_irqf(const struct vrtc *r, uint8_t flags)
{
	uint8_t b = r->cmos[VRTC_REG_B];

	return ((flags & VRTC_C_PF) && (b & VRTC_B_PIE)) ||
	       ((flags & VRTC_C_AF) && (b & VRTC_B_AIE)) ||
	       ((flags & VRTC_C_UF) && (b & VRTC_B_UIE));
}

/* Bring flags up to now; every change of time or configuration comes after this. */
static uint64_t rtc_catch_up(struct vrtc *r, uint64_t now_ns)
{
	now_ns = rtc_clamp_now(r, now_ns);
	r->flags = rtc_flags_at(r, now_ns, FLAG_MASK);
	r->eval_ns = now_ns;
	return now_ns;
}

void vrtc_reset(struct vrtc *r, uint64_t now_ns)
{
	memset(r, 0, sizeof(*r));
	r->cmos[VRTC_REG_A] = VRTC_A_RESET;
	r->cmos[VRTC_REG_B] = VRTC_B_RESET;
	r->eval_ns = now_ns;
}

void vrtc_set_cmos(struct vrtc *r, uint8_t index, uint8_t value)
{
	if (index >= VRTC_RAM_FIRST && index < VRTC_CMOS_SIZE && index != VRTC_CENTURY)
		r->cmos[index] = value;
}

static bool is_time_reg(uint8_t index)
{
	return index == VRTC_SECONDS || index == VRTC_MINUTES || index == VRTC_HOURS ||
	       (index >= VRTC_WEEKDAY && index <= VRTC_YEAR) || index == VRTC_CENTURY;
}

static uint8_t rtc_reg_read(struct vrtc *r, uint8_t index, uint64_t now_ns)
{
	uint8_t regs[VRTC_CMOS_SIZE], value;
	struct gtime t;

	if (is_time_reg(index) && !rtc_set_held(r)) {
		rtc_format(r, rtc_guest_time(r, now_ns).sec, regs);
		return regs[index];
	}
	switch (index) {
	case VRTC_REG_A:
		t = rtc_guest_time(r, now_ns);
		value = r->cmos[VRTC_REG_A];
		if (!rtc_set_held(r) && t.frac >= NS_PER_S - VRTC_UIP_NS)
			value |= VRTC_A_UIP;
		return value;
	case VRTC_REG_C:
		/* Datasheet: reading C clears all its bits (and so the IRQ line). */
		value = r->flags | (rtc_irqf(r, r->flags) ? VRTC_C_IRQF : 0);
		r->flags = 0;
		return value;
	case VRTC_REG_D:
		return VRTC_D_VRT;
	default:
		return r->cmos[index];
	}
}

static void rtc_time_write(struct vrtc *r, uint8_t index, uint8_t value, uint64_t now_ns)
{
	uint8_t regs[VRTC_CMOS_SIZE];
	struct gtime t;

	if (rtc_set_held(r)) {
		r->cmos[index] = value;
		return;
	}
	/* SET clear: the chip counts on from the written byte; the second's phase is kept. */
	t = rtc_guest_time(r, now_ns);
	rtc_format(r, t.sec, regs);
	regs[index] = value;
	rtc_set_guest_time(r, now_ns, rtc_parse(r, regs), t.frac);
}

static void rtc_reg_b_write(struct vrtc *r, uint8_t value, uint64_t now_ns)
{
	bool was_set = rtc_set_held(r);

	if (value & VRTC_B_SET) {
		/* Datasheet: SET going high clears UIE. The registers hold the time as it was. */
		value &= ~VRTC_B_UIE;
		if (!was_set)
			rtc_format(r, rtc_guest_time(r, now_ns).sec, r->cmos);
		r->cmos[VRTC_REG_B] = value;
		return;
	}
	r->cmos[VRTC_REG_B] = value;
	if (was_set) /* read in the format now in force; the new second starts now */
		rtc_set_guest_time(r, now_ns, rtc_parse(r, r->cmos), 0);
}

static void rtc_reg_write(struct vrtc *r, uint8_t index, uint8_t value, uint64_t now_ns)
{
	if (is_time_reg(index)) {
		rtc_time_write(r, index, value, now_ns);
		return;
	}
	switch (index) {
	case VRTC_REG_A:
		r->cmos[VRTC_REG_A] = value & VRTC_A_WRITABLE;
		break;
	case VRTC_REG_B:
		rtc_reg_b_write(r, value, now_ns);
		break;
	case VRTC_REG_C:
	case VRTC_REG_D:
		break; /* read-only */
	default:
		r->cmos[index] = value; /* alarms and RAM */
		break;
	}
}

uint8_t vrtc_read(struct vrtc *r, uint16_t port, uint64_t now_ns)
{
	if (port != VRTC_PORT_DATA)
		return EMPTY_BUS; /* the index port is write-only on a PC */
	now_ns = rtc_catch_up(r, now_ns);
	return rtc_reg_read(r, r->index, now_ns);
}

void vrtc_write(struct vrtc *r, uint16_t port, uint8_t value, uint64_t now_ns)
{
	if (port == VRTC_PORT_INDEX) {
		r->index = value & INDEX_MASK;
		r->nmi_disabled = value & INDEX_NMI_DISABLE;
		return;
	}
	if (port != VRTC_PORT_DATA)
		return;
	now_ns = rtc_catch_up(r, now_ns);
	rtc_reg_write(r, r->index, value, now_ns);
}

bool vrtc_irq_line(const struct vrtc *r, uint64_t now_ns)
{
	uint8_t enabled = rtc_enabled_flags(r);

	return enabled && rtc_irqf(r, rtc_flags_at(r, rtc_clamp_now(r, now_ns), enabled));
}

uint64_t vrtc_next_event_ns(const struct vrtc *r, uint64_t now_ns)
{
	uint8_t b = r->cmos[VRTC_REG_B];
	uint32_t ticks = rtc_period_ticks(r);
	uint64_t best = UINT64_MAX;
	struct gtime t;

	if (!rtc_enabled_flags(r))
		return 0; /* no interrupt enabled: no event to wait for */
	now_ns = rtc_clamp_now(r, now_ns);
	if (rtc_irqf(r, rtc_flags_at(r, now_ns, rtc_enabled_flags(r))))
		return 0;
	t = rtc_guest_time(r, now_ns);
	if ((b & VRTC_B_PIE) && ticks)
		best = rtc_periodic_next(ticks, t);
	if (!rtc_set_held(r) && (b & VRTC_B_UIE))
		best = MIN(best, NS_PER_S - t.frac);
	if (!rtc_set_held(r) && (b & VRTC_B_AIE)) {
		int64_t when = rtc_alarm_next(r, t.sec);
		if (when != NEVER)
			best = MIN(best, (uint64_t)(when - t.sec) * NS_PER_S - t.frac);
	}
	return best == UINT64_MAX ? 0 : now_ns + best;
}
