/* The host's wall clock (see wallclock.h). */
#include "drivers/wallclock.h"

#include "arch/x86/cpu.h"
#include "drivers/rtc_cmos.h"
#include "drivers/tsc.h"
#include "drivers/tsc_math.h"
#include "kernel/core/log.h"

static uint64_t boot_ns;  /* wall time at boot_tsc */
static uint64_t boot_tsc;

void wallclock_init(void)
{
	uint64_t seconds;
	boot_tsc = rdtsc();
	if (rtc_cmos_read_unix(&seconds)) {
		log_warn("wallclock: no readable CMOS RTC: guests' clocks start at 1970");
		return;
	}
	boot_ns = seconds * NSEC_PER_SEC;
	log_info("wallclock: %llu s since 1970 (CMOS RTC)", (unsigned long long)seconds);
}

uint64_t wallclock_ns(uint64_t tsc)
{
	return boot_ns + tsc_ticks_to_ns(tsc - boot_tsc, tsc_hz());
}
