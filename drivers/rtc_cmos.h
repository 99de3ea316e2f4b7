/*
 * The host's wall clock at boot, from the machine's own MC146818-style CMOS
 * RTC (ports 0x70/0x71; QEMU, Bochs and PCs have one). Read once; the
 * hypervisor keeps time with the TSC afterwards.
 */
#ifndef SHOJI_DRIVERS_RTC_CMOS_H
#define SHOJI_DRIVERS_RTC_CMOS_H

#include "kernel/core/types.h"

/* The registers rtc_cmos_decode() takes, in this order (CMOS index in the comment). */
enum rtc_cmos_field {
	RTC_CMOS_SECONDS, /* 0x00 */
	RTC_CMOS_MINUTES, /* 0x02 */
	RTC_CMOS_HOURS,	  /* 0x04; bit 7 = PM in 12-hour mode */
	RTC_CMOS_DAY,	  /* 0x07 */
	RTC_CMOS_MONTH,	  /* 0x08 */
	RTC_CMOS_YEAR,	  /* 0x09 */
	RTC_CMOS_CENTURY, /* 0x32, as the BIOS keeps it */
	RTC_CMOS_REG_B,	  /* 0x0b: data mode and 12/24 hours */
	RTC_CMOS_FIELDS,
};

/*
 * Seconds since 1970-01-01 00:00:00 UTC (the RTC is taken to run in UTC) of
 * the time in regs, decoded as register B says (BCD or binary, 12 or 24
 * hours). The century byte counts if it is 19-29 in the data mode in force;
 * otherwise the year is 20xx. Returns 0, or -EIO if a field is out of range
 * (bad BCD digit, hour 24, day 31 in April, 29 February of a common year)
 * or the date is before 1970.
 */
int rtc_cmos_decode(const uint8_t regs[RTC_CMOS_FIELDS], uint64_t *seconds);

/*
 * Read the RTC: wait for UIP to clear, read the time registers twice until
 * both reads agree, decode. Returns 0 with *seconds set, or -EIO (no RTC
 * answering, the registers never settled, or an implausible date; logged).
 * Boot-time use by one CPU; it leaves NMIs enabled at port 0x70 as Linux
 * does, and does not wait more than a few milliseconds of RTC updates.
 */
int rtc_cmos_read_unix(uint64_t *seconds);

#endif
