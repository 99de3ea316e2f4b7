/*
 * Host CMOS RTC reader (Motorola MC146818A datasheet; the PC's CMOS map).
 * Owns ports 0x70/0x71 for the duration of one rtc_cmos_read_unix() call
 * and writes nothing but the index; never touches the RTC's configuration
 * (registers A and B are only read), its RAM or its interrupts.
 */
#include "drivers/rtc_cmos.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "kernel/core/log.h"

#define CMOS_PORT_INDEX 0x70 /* bit 7 = NMI disable: left clear */
#define CMOS_PORT_DATA	0x71

#define CMOS_SECONDS 0x00
#define CMOS_MINUTES 0x02
#define CMOS_HOURS   0x04
#define CMOS_DAY     0x07
#define CMOS_MONTH   0x08
#define CMOS_YEAR    0x09
#define CMOS_REG_A   0x0a
#define CMOS_REG_B   0x0b
#define CMOS_CENTURY 0x32

#define REG_A_UIP	0x80 /* an update starts within 244 us; registers may be mid-change */
#define REG_B_BINARY	0x04
#define REG_B_24H	0x02
#define HOUR_PM		0x80
#define CENTURY_MIN	19
#define CENTURY_MAX	29
#define CENTURY_DEFAULT 20
#define EPOCH_YEAR	1970
#define SECONDS_PER_DAY 86400ull

/* Datasheet: UIP stays high for at most 1984 us; each poll is a port read of ~1 us. */
#define UIP_POLLS     100000u
#define READ_ATTEMPTS 5u

static const uint8_t field_index[RTC_CMOS_FIELDS] = {
    [RTC_CMOS_SECONDS] = CMOS_SECONDS, [RTC_CMOS_MINUTES] = CMOS_MINUTES,
    [RTC_CMOS_HOURS] = CMOS_HOURS,     [RTC_CMOS_DAY] = CMOS_DAY,
    [RTC_CMOS_MONTH] = CMOS_MONTH,     [RTC_CMOS_YEAR] = CMOS_YEAR,
    [RTC_CMOS_CENTURY] = CMOS_CENTURY, [RTC_CMOS_REG_B] = CMOS_REG_B,
};

/* A register byte as a number, or -1 for a bad BCD digit. */
static int rtc_field(uint8_t v, bool binary)
{
	if (binary)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return days[m - 1] + (m == 2 && is_leap(y));
}

/* Days from 1970-01-01 to y-m-d, y >= 1970 (H. Hinnant's days_from_civil, unsigned form). */
static uint64_t days_since_epoch(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y % 400;
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (uint64_t)era * 146097 + doe - 719468;
}

int rtc_cmos_decode(const uint8_t regs[RTC_CMOS_FIELDS], uint64_t *seconds)
{
	bool binary = regs[RTC_CMOS_REG_B] & REG_B_BINARY;
	int sec = rtc_field(regs[RTC_CMOS_SECONDS], binary);
	int min = rtc_field(regs[RTC_CMOS_MINUTES], binary);
	int day = rtc_field(regs[RTC_CMOS_DAY], binary);
	int month = rtc_field(regs[RTC_CMOS_MONTH], binary);
	int year = rtc_field(regs[RTC_CMOS_YEAR], binary);
	int century = rtc_field(regs[RTC_CMOS_CENTURY], binary);
	int hour;

	if (regs[RTC_CMOS_REG_B] & REG_B_24H) {
		hour = rtc_field(regs[RTC_CMOS_HOURS], binary);
	} else {
		/* 12-hour mode: 1-12 with PM in bit 7; 12 AM is midnight (datasheet Table 3). */
		hour = rtc_field(regs[RTC_CMOS_HOURS] & ~HOUR_PM, binary);
		if (hour < 1 || hour > 12)
			return -EIO;
		hour = hour % 12 + ((regs[RTC_CMOS_HOURS] & HOUR_PM) ? 12 : 0);
	}
	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || hour > 23 || year < 0 ||
	    year > 99 || month < 1 || month > 12)
		return -EIO;
	if (century < CENTURY_MIN || century > CENTURY_MAX)
		century = CENTURY_DEFAULT;
	year += century * 100;
	if (year < EPOCH_YEAR || day < 1 || (unsigned)day > days_in_month(year, month))
		return -EIO;
	*seconds =
	    days_since_epoch(year, month, day) * SECONDS_PER_DAY + hour * 3600u + min * 60u + sec;
	return 0;
}

static uint8_t cmos_read(uint8_t index)
{
	outb(CMOS_PORT_INDEX, index);
	return inb(CMOS_PORT_DATA);
}

/* Wait until no update is about to start; false if UIP never fell (no RTC: reads 0xff). */
static bool rtc_wait_uip_clear(void)
{
	for (unsigned i = 0; i < UIP_POLLS; i++) {
		if (!(cmos_read(CMOS_REG_A) & REG_A_UIP))
			return true;
		cpu_relax();
	}
	return false;
}

/* One snapshot of the fields, taken when UIP was clear; false if it never was. */
static bool rtc_snapshot(uint8_t regs[RTC_CMOS_FIELDS])
{
	if (!rtc_wait_uip_clear())
		return false;
	for (unsigned f = 0; f < RTC_CMOS_FIELDS; f++)
		regs[f] = cmos_read(field_index[f]);
	return true;
}

int rtc_cmos_read_unix(uint64_t *seconds)
{
	uint8_t a[RTC_CMOS_FIELDS], b[RTC_CMOS_FIELDS];
	int err;

	/*
	 * UIP clear guarantees 244 us without an update, but the reads may start
	 * late (an SMI, an emulator's scheduling): two equal snapshots prove the
	 * registers did not change under us.
	 */
	for (unsigned attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
		if (!rtc_snapshot(a) || !rtc_snapshot(b)) {
			log_warn("rtc_cmos: UIP never clears (no RTC?)");
			return -EIO;
		}
		if (memcmp(a, b, sizeof(a)) != 0)
			continue;
		err = rtc_cmos_decode(a, seconds);
		if (err)
			log_warn("rtc_cmos: implausible time %02x:%02x:%02x %02x-%02x-%02x%02x "
				 "(B %02x)",
				 a[RTC_CMOS_HOURS], a[RTC_CMOS_MINUTES], a[RTC_CMOS_SECONDS],
				 a[RTC_CMOS_DAY], a[RTC_CMOS_MONTH], a[RTC_CMOS_CENTURY],
				 a[RTC_CMOS_YEAR], a[RTC_CMOS_REG_B]);
		return err;
	}
	log_warn("rtc_cmos: time registers kept changing over %u reads", READ_ATTEMPTS);
	return -EIO;
}
