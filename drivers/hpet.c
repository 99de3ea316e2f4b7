/*
 * HPET main counter (IA-PC HPET specification 1.0a, section 2.3). Owns the
 * block's general configuration and the interrupt enables of its comparators,
 * which it turns off; it programs no comparator. Registers are accessed 32
 * bits at a time, which the specification allows and every emulator handles.
 * State is written once by hpet_init on the BSP and only read afterwards.
 */
#include <errno.h>

#include "drivers/hpet.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"

/* Register offsets (HPET 1.0a 2.3.1, table 3). */
#define HPET_GCAP_ID_LO	   0x000
#define HPET_GCAP_ID_HI	   0x004 /* COUNTER_CLK_PERIOD */
#define HPET_GEN_CONF	   0x010
#define HPET_MAIN_CNT_LO   0x0f0
#define HPET_MAIN_CNT_HI   0x0f4
#define HPET_TIMER_CONF(n) (0x100 + 0x20 * (n))
#define HPET_MMIO_SIZE	   0x400

/* GCAP_ID low half (2.3.4). */
#define HPET_GCAP_NUM_TIM_SHIFT	 8
#define HPET_GCAP_NUM_TIM_MASK	 0x1fU /* index of the last comparator */
#define HPET_GCAP_COUNT_SIZE_CAP (1U << 13)

/* 2.3.4: "must be non-zero and less than or equal to 0x05F5E100 (10^8 fs = 100 ns)". */
#define HPET_MAX_PERIOD_FS 0x05f5e100U

/* GEN_CONF (2.3.5). */
#define HPET_CONF_ENABLE (1U << 0)
#define HPET_CONF_LEG_RT (1U << 1)

/* Tn_CONF_CAP (2.3.8). */
#define HPET_TN_INT_ENB (1U << 2)

#define HPET_COUNTER_MASK_32 0xffffffffULL
#define FSEC_PER_MSEC	     1000000000000ULL /* divided by the period: kHz */

static volatile uint32_t *hpet_regs;
static uint64_t hpet_period;
static uint64_t hpet_mask;

static uint32_t hpet_read32(unsigned reg)
{
	return hpet_regs[reg / sizeof(uint32_t)];
}

static void hpet_write32(unsigned reg, uint32_t val)
{
	hpet_regs[reg / sizeof(uint32_t)] = val;
}

int hpet_init(const struct acpi_info *acpi)
{
	uint32_t gcap, period, conf;
	unsigned timers;
	hpa_t hpa;

	if (!acpi || !acpi->has_hpet || acpi->hpet_base == 0) {
		log_info("hpet: no HPET table");
		return -ENODEV;
	}
	hpa = acpi->hpet_base;
	/* The kernel's page tables map MMIO below 4 GiB only. */
	if (hpa + HPET_MMIO_SIZE > SZ_4G) {
		log_err("hpet: block at 0x%llx is above 4 GiB, not mapped",
			(unsigned long long)hpa);
		return -EINVAL;
	}
	hpet_regs = phys_to_virt(hpa);

	gcap = hpet_read32(HPET_GCAP_ID_LO);
	period = hpet_read32(HPET_GCAP_ID_HI);
	if (period == 0 || period > HPET_MAX_PERIOD_FS) {
		log_err("hpet: at 0x%llx: counter period %u fs out of spec (1..%u), ignored",
			(unsigned long long)hpa, period, HPET_MAX_PERIOD_FS);
		hpet_regs = NULL;
		return -EINVAL;
	}
	timers = ((gcap >> HPET_GCAP_NUM_TIM_SHIFT) & HPET_GCAP_NUM_TIM_MASK) + 1;

	/* Halt the counter while comparators are quietened, then start it with
	 * legacy replacement off so IRQ 0/8 stay with the PIT/RTC lines. */
	conf = hpet_read32(HPET_GEN_CONF);
	conf &= ~(HPET_CONF_ENABLE | HPET_CONF_LEG_RT);
	hpet_write32(HPET_GEN_CONF, conf);
	for (unsigned n = 0; n < timers; n++) {
		uint32_t tconf = hpet_read32(HPET_TIMER_CONF(n));

		hpet_write32(HPET_TIMER_CONF(n), tconf & ~HPET_TN_INT_ENB);
	}
	hpet_write32(HPET_GEN_CONF, conf | HPET_CONF_ENABLE);

	hpet_mask = (gcap & HPET_GCAP_COUNT_SIZE_CAP) ? UINT64_MAX : HPET_COUNTER_MASK_32;
	hpet_period = period;
	log_info("hpet: at 0x%llx, period %u fs (%llu kHz), %u-bit counter, %u timers",
		 (unsigned long long)hpa, period, (unsigned long long)(FSEC_PER_MSEC / period),
		 hpet_mask == UINT64_MAX ? 64 : 32, timers);
	return 0;
}

bool hpet_available(void)
{
	return hpet_period != 0;
}

uint64_t hpet_read(void)
{
	uint32_t hi, lo;

	if (!hpet_period)
		return 0;
	/* Two 32-bit halves of a running counter: retry if the high half moved
	 * between the reads (a 32-bit counter reads 0 in the high half). */
	do {
		hi = hpet_read32(HPET_MAIN_CNT_HI);
		lo = hpet_read32(HPET_MAIN_CNT_LO);
	} while (hi != hpet_read32(HPET_MAIN_CNT_HI));
	return ((uint64_t)hi << 32 | lo) & hpet_mask;
}

uint64_t hpet_period_fs(void)
{
	return hpet_period;
}

uint64_t hpet_counter_mask(void)
{
	return hpet_mask;
}
