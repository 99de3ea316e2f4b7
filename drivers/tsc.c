/*
 * TSC calibration. Owns the TSC frequency (written once by tsc_init on the
 * BSP, read-only afterwards). Reads the HPET and borrows PIT channel 2 during
 * calibration; changes no clock. Arithmetic lives in tsc_math.c.
 */
#include <errno.h>

#include "arch/x86/cpu.h"
#include "drivers/hpet.h"
#include "drivers/pit.h"
#include "drivers/tsc.h"
#include "drivers/tsc_math.h"
#include "kernel/core/log.h"

#define CPUID_LEAF_BASIC       0x0
#define CPUID_LEAF_FEATURES    0x1
#define CPUID_LEAF_TSC_CRYSTAL 0x15
#define CPUID_LEAF_FREQ	       0x16
#define CPUID_LEAF_EXT_BASE    0x80000000
#define CPUID_LEAF_EXT_POWER   0x80000007

/*
 * Against the HPET: three ~1 ms windows first, kept when they agree within
 * TSC_QUICK_AGREE_PPM (a quiet machine; Bochs, whose clocks advance with
 * its emulated instructions). Under a loaded TCG host one preempted window
 * would skew the rate the scheduler's timers are built on: disagreement
 * falls back to three ~10 ms windows, the median kept. The quick path
 * saves ~1.35 M emulated instructions of boot under Bochs.
 */
#define TSC_CALIB_RUNS	    3
#define TSC_QUICK_FS	    (FSEC_PER_SEC / 1000)
#define TSC_CALIB_FS	    (10ULL * FSEC_PER_SEC / 1000)
#define TSC_QUICK_AGREE_PPM 200 /* a 14.318 MHz HPET resolves ~70 ppm in 1 ms */
/* PIT runs of ~1 ms and ~10 ms: their difference cancels the fixed cost of
 * programming the PIT over slow (or trapped) port I/O. */
#define TSC_PIT_SHORT_TICKS 1193U
#define TSC_PIT_LONG_TICKS  11932U

/* HPET reads before giving up on a counter that does not advance (see pit.c). */
#define TSC_HPET_SPIN_LIMIT 20000000UL

/* Plausible TSC rates: Bochs counts one tick per emulated instruction (ips= can
 * be a few MHz); real parts stay below ~6 GHz. */
#define TSC_HZ_MIN 1000000ULL
#define TSC_HZ_MAX 50000000000ULL

#define TSC_DELAY_CHUNK_US 1000000U

static uint64_t tsc_freq_hz;

static bool tsc_plausible(uint64_t hz)
{
	return hz >= TSC_HZ_MIN && hz <= TSC_HZ_MAX;
}

static uint64_t tsc_measure_hpet_window(uint64_t window_fs)
{
	uint64_t mask = hpet_counter_mask(), period = hpet_period_fs();
	uint64_t target = window_fs / period;
	uint64_t t0, t1, h0, h1;
	unsigned long spins = 0;

	/* Same order (TSC, then HPET) at both ends so the read latency cancels. */
	t0 = rdtsc();
	h0 = hpet_read();
	do {
		if (++spins > TSC_HPET_SPIN_LIMIT)
			return 0;
		t1 = rdtsc();
		h1 = hpet_read();
	} while (((h1 - h0) & mask) < target);
	return tsc_hz_from_period_fs(t1 - t0, (h1 - h0) & mask, period);
}

static uint64_t tsc_measure_pit_once(void)
{
	uint64_t t0, t1, t2;

	t0 = rdtsc();
	if (pit_wait_ticks(TSC_PIT_SHORT_TICKS))
		return 0;
	t1 = rdtsc();
	if (pit_wait_ticks(TSC_PIT_LONG_TICKS))
		return 0;
	t2 = rdtsc();
	if (t2 - t1 <= t1 - t0)
		return 0;
	return tsc_hz_from_deltas((t2 - t1) - (t1 - t0), TSC_PIT_LONG_TICKS - TSC_PIT_SHORT_TICKS,
				  PIT_HZ);
}

static uint64_t tsc_measure_hpet_once(void)
{
	return tsc_measure_hpet_window(TSC_CALIB_FS);
}

/* The quick HPET calibration, or 0 if its windows disagree. */
static uint64_t tsc_measure_hpet_quick(void)
{
	uint64_t hz[TSC_CALIB_RUNS];

	for (int i = 0; i < TSC_CALIB_RUNS; i++)
		hz[i] = tsc_measure_hpet_window(TSC_QUICK_FS);
	uint64_t median = tsc_median3(hz[0], hz[1], hz[2]);
	if (!tsc_agree3(hz[0], hz[1], hz[2], TSC_QUICK_AGREE_PPM) || !tsc_plausible(median)) {
		log_debug("tsc: 1 ms windows disagree (%llu, %llu, %llu Hz): 10 ms windows",
			  (unsigned long long)hz[0], (unsigned long long)hz[1],
			  (unsigned long long)hz[2]);
		return 0;
	}
	return median;
}

static uint64_t tsc_measure(uint64_t (*once)(void))
{
	uint64_t hz[TSC_CALIB_RUNS];

	_Static_assert(TSC_CALIB_RUNS == 3, "tsc_median3 takes three runs");

	for (int i = 0; i < TSC_CALIB_RUNS; i++) {
		hz[i] = once();
		if (!tsc_plausible(hz[i]))
			return 0;
	}
	return tsc_median3(hz[0], hz[1], hz[2]);
}

int tsc_init(void)
{
	uint32_t max_leaf = cpuid_max_leaf(CPUID_LEAF_BASIC);
	uint64_t hz15 = 0, hz16 = 0, hz = 0;
	const char *source = NULL;
	struct tsc_mhz mhz;

	if (!(cpuid(CPUID_LEAF_FEATURES, 0).edx & CPUID_1_EDX_TSC)) {
		log_err("tsc: CPUID.1:EDX[4] clear: no time-stamp counter");
		return -ENODEV;
	}
	if (max_leaf >= CPUID_LEAF_TSC_CRYSTAL) {
		struct cpuid_regs r = cpuid(CPUID_LEAF_TSC_CRYSTAL, 0);

		hz15 = tsc_hz_from_cpuid15(r.eax, r.ebx, r.ecx);
	}
	if (max_leaf >= CPUID_LEAF_FREQ)
		hz16 = tsc_hz_from_cpuid16(cpuid(CPUID_LEAF_FREQ, 0).eax);

	if (hpet_available()) {
		hz = tsc_measure_hpet_quick();
		if (!hz)
			hz = tsc_measure(tsc_measure_hpet_once);
		source = "hpet";
		if (!hz)
			log_warn("tsc: calibration against the HPET failed, trying the PIT");
	}
	if (!hz) {
		hz = tsc_measure(tsc_measure_pit_once);
		source = "pit";
	}
	if (!hz && tsc_plausible(hz15)) {
		hz = hz15;
		source = "cpuid 0x15";
	}
	if (!hz && tsc_plausible(hz16)) {
		hz = hz16;
		source = "cpuid 0x16";
	}
	if (!hz) {
		log_err(
		    "tsc: no usable frequency source (hpet %s, pit failed, cpuid 0x15/0x16 absent)",
		    hpet_available() ? "failed" : "absent");
		return -ENODEV;
	}
	tsc_freq_hz = hz;

	mhz = tsc_mhz_split(hz);
	log_info("tsc: %llu.%03u MHz (%s)", (unsigned long long)mhz.whole, mhz.thousandths, source);
	/* Emulators' CPUID frequencies rarely match their TSC: worth a look, not a warning. */
	if (hz15)
		log_debug("tsc: cpuid 0x15 reports %llu Hz", (unsigned long long)hz15);
	if (hz16)
		log_debug("tsc: cpuid 0x16 reports %llu Hz (base frequency)",
			  (unsigned long long)hz16);
	if (cpuid_max_leaf(CPUID_LEAF_EXT_BASE) < CPUID_LEAF_EXT_POWER ||
	    !(cpuid(CPUID_LEAF_EXT_POWER, 0).edx & CPUID_80000007_EDX_INVARIANT_TSC))
		log_debug("tsc: not invariant (CPUID.80000007H:EDX[8] clear)");
	return 0;
}

uint64_t tsc_hz(void)
{
	return tsc_freq_hz;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return tsc_ticks_to_ns(ticks, tsc_freq_hz);
}

void tsc_delay_us(uint64_t us)
{
	uint64_t start, ticks;

	if (!tsc_freq_hz) {
		while (us > 0) {
			uint32_t chunk = (uint32_t)MIN(us, TSC_DELAY_CHUNK_US);

			if (pit_wait_us(chunk))
				return; /* no clock at all: nothing better to do */
			us -= chunk;
		}
		return;
	}
	start = rdtsc();
	ticks = tsc_us_to_ticks(us, tsc_freq_hz);
	while (rdtsc() - start < ticks)
		cpu_relax();
}
