/*
 * Local APIC (SDM 3A chapter 11). Owns every CPU's local APIC: its enable
 * bits in IA32_APIC_BASE, SVR, TPR, the LVT and timer registers and the ICR.
 * It does not touch the I/O APIC or the 8259s. The mode and MMIO pointer are
 * written by the BSP's lapic_init before any AP runs and are read-only after;
 * everything else acts on the calling CPU's own APIC.
 */
#include <errno.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "drivers/tsc_math.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"

/* Register offsets in the xAPIC page; x2APIC MSR = MSR_X2APIC_BASE + (offset >> 4) (11.12.1.2). */
#define LAPIC_ID	  0x020
#define LAPIC_VERSION	  0x030
#define LAPIC_TPR	  0x080
#define LAPIC_EOI	  0x0b0
#define LAPIC_SVR	  0x0f0
#define LAPIC_ISR0	  0x100 /* 8 registers, 0x10 apart */
#define LAPIC_ESR	  0x280
#define LAPIC_LVT_CMCI	  0x2f0
#define LAPIC_ICR_LO	  0x300
#define LAPIC_ICR_HI	  0x310 /* xAPIC only: x2APIC's ICR is one 64-bit MSR */
#define LAPIC_LVT_TIMER	  0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF	  0x340
#define LAPIC_LVT_LINT0	  0x350
#define LAPIC_LVT_LINT1	  0x360
#define LAPIC_LVT_ERROR	  0x370
#define LAPIC_TIMER_INIT  0x380
#define LAPIC_TIMER_CUR	  0x390
#define LAPIC_TIMER_DIV	  0x3e0

#define LAPIC_ISR_REGS	 8
#define LAPIC_REG_STRIDE 0x10

#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12 (11.4.4) */
#define LAPIC_MMIO_SIZE	    PAGE_SIZE

#define XAPIC_ID_SHIFT 24
#define XAPIC_ID_MASK  0xffU
#define XAPIC_MAX_ID   0xffU

/* Version register (11.4.8): bits 23:16 = number of LVT entries - 1. */
#define LAPIC_VERSION_MAXLVT_SHIFT 16
#define LAPIC_VERSION_MAXLVT_MASK  0xffU
/* LVT entries beyond timer/LINT0/LINT1/error exist from these Max LVT values (11.5.1). */
#define LAPIC_MAXLVT_PERF    4
#define LAPIC_MAXLVT_THERMAL 5
#define LAPIC_MAXLVT_CMCI    6

#define LAPIC_SVR_ENABLE (1U << 8) /* 11.9: APIC software enable */

#define LAPIC_LVT_MASKED	(1U << 16)
#define LAPIC_LVT_TIMER_ONESHOT (0U << 17)

#define LAPIC_TIMER_DIV_16    0x3U /* 11.5.4 divide configuration: bits 3,1:0 = 0,11 */
#define LAPIC_TIMER_MAX_COUNT 0xffffffffU
#define LAPIC_TIMER_CALIB_US  2000U /* at least: the window is usually tsc_init's run */
#define HZ_PER_KHZ	      1000ULL

/* ICR (11.6.1). */
#define ICR_DM_FIXED		   (0U << 8)
#define ICR_DM_NMI		   (4U << 8)
#define ICR_DM_INIT		   (5U << 8)
#define ICR_DM_STARTUP		   (6U << 8)
#define ICR_DEST_PHYSICAL	   (0U << 11)
#define ICR_DELIVERY_PENDING	   (1U << 12) /* xAPIC only; reserved in x2APIC */
#define ICR_LEVEL_ASSERT	   (1U << 14)
#define ICR_TRIGGER_EDGE	   (0U << 15)
#define ICR_DEST_SELF_SHIFT	   18
#define ICR_SHORTHAND_ALL_BUT_SELF (3U << ICR_DEST_SELF_SHIFT)
#define XAPIC_ICR_DEST_SHIFT	   24 /* in ICR_HI */
#define X2APIC_ICR_DEST_SHIFT	   32 /* in the 64-bit ICR MSR */

#define LAPIC_MIN_VECTOR 16 /* 0-15 are illegal (11.5.2) */

/*
 * Bound on reads of the ICR delivery status. The bit clears within a few
 * microseconds on real parts and immediately in emulators; an APIC that never
 * clears it must not hang a panic.
 */
#define XAPIC_ICR_IDLE_SPINS 1000000UL

/* EOIs issued at most while draining in-service bits left behind by firmware. */
#define LAPIC_EOI_DRAIN_MAX 256

enum lapic_mode {
	LAPIC_MODE_NONE = 0,
	LAPIC_MODE_XAPIC,
	LAPIC_MODE_X2APIC,
};

static enum lapic_mode lapic_mode;
static volatile uint32_t *lapic_mmio;
static uint64_t lapic_timer_freq;

static uint32_t lapic_read(unsigned reg)
{
	if (lapic_mode == LAPIC_MODE_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return lapic_mmio[reg / sizeof(uint32_t)];
}

static void lapic_write(unsigned reg, uint32_t val)
{
	if (lapic_mode == LAPIC_MODE_X2APIC)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		lapic_mmio[reg / sizeof(uint32_t)] = val;
}

static bool xapic_wait_icr_idle(void)
{
	for (unsigned long i = 0; i < XAPIC_ICR_IDLE_SPINS; i++) {
		if (!(lapic_mmio[LAPIC_ICR_LO / sizeof(uint32_t)] & ICR_DELIVERY_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

/*
 * Send one IPI. x2APIC: a single 64-bit WRMSR (11.12.9), no delivery status.
 * xAPIC: the high half (destination) first, as writing the low half sends.
 */
static int lapic_write_icr(uint32_t dest, uint32_t low)
{
	if (lapic_mode == LAPIC_MODE_X2APIC) {
		/* 11.12.3: WRMSR to x2APIC registers is not serializing; MFENCE;LFENCE
		 * make earlier stores visible before the target acts on the IPI. */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR_LO >> 4),
		      (uint64_t)dest << X2APIC_ICR_DEST_SHIFT | low);
		return 0;
	}
	if (dest > XAPIC_MAX_ID)
		return -EINVAL;
	if (!xapic_wait_icr_idle())
		return -ETIMEDOUT;
	lapic_mmio[LAPIC_ICR_HI / sizeof(uint32_t)] = dest << XAPIC_ICR_DEST_SHIFT;
	lapic_mmio[LAPIC_ICR_LO / sizeof(uint32_t)] = low;
	return xapic_wait_icr_idle() ? 0 : -ETIMEDOUT;
}

static int lapic_send(const char *what, uint32_t apic_id, uint32_t low)
{
	int ret;

	if (lapic_mode == LAPIC_MODE_NONE) {
		log_err("lapic: %s IPI to APIC %u before lapic_init", what, apic_id);
		return -ENODEV;
	}
	ret = lapic_write_icr(apic_id, low);
	if (ret == -EINVAL)
		log_err("lapic: %s IPI: APIC ID %u not addressable in xAPIC mode", what, apic_id);
	else if (ret)
		log_err("lapic: %s IPI to APIC %u: ICR delivery status stuck", what, apic_id);
	return ret;
}

/* Clear in-service bits firmware may have left: they would block lower vectors (11.8.4). */
static void lapic_drain_isr(void)
{
	for (int n = 0; n < LAPIC_EOI_DRAIN_MAX; n++) {
		bool pending = false;

		for (unsigned i = 0; i < LAPIC_ISR_REGS; i++)
			pending |= lapic_read(LAPIC_ISR0 + i * LAPIC_REG_STRIDE) != 0;
		if (!pending)
			return;
		lapic_write(LAPIC_EOI, 0);
	}
	log_warn("lapic: in-service register still set after %d EOIs", LAPIC_EOI_DRAIN_MAX);
}

static int lapic_enable_mode(const struct acpi_info *acpi, hpa_t *apic_base_hpa)
{
	uint64_t msr = rdmsr(MSR_IA32_APIC_BASE);
	hpa_t hpa = msr & APIC_BASE_ADDR_MASK;

	if (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC) {
		/* 11.12.5: disabled -> x2APIC is an invalid transition; enable xAPIC first. */
		if (!(msr & APIC_BASE_XAPIC_ENABLE)) {
			msr |= APIC_BASE_XAPIC_ENABLE;
			wrmsr(MSR_IA32_APIC_BASE, msr);
		}
		if (!(msr & APIC_BASE_X2APIC_ENABLE))
			wrmsr(MSR_IA32_APIC_BASE, msr | APIC_BASE_X2APIC_ENABLE);
		lapic_mode = LAPIC_MODE_X2APIC;
		return 0;
	}

	if (acpi && acpi->lapic_base && acpi->lapic_base != hpa) {
		if (hpa)
			log_warn("lapic: IA32_APIC_BASE says 0x%llx, MADT 0x%llx: using the MSR",
				 (unsigned long long)hpa, (unsigned long long)acpi->lapic_base);
		else
			hpa = acpi->lapic_base;
	}
	if (hpa == 0 || hpa + LAPIC_MMIO_SIZE > SZ_4G) {
		log_err("lapic: xAPIC page at 0x%llx is not mapped (must be below 4 GiB)",
			(unsigned long long)hpa);
		return -EINVAL;
	}
	if (!(msr & APIC_BASE_XAPIC_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, msr | APIC_BASE_XAPIC_ENABLE);
	lapic_mmio = phys_to_virt(hpa);
	lapic_mode = LAPIC_MODE_XAPIC;
	*apic_base_hpa = hpa;
	return 0;
}

int lapic_init(const struct acpi_info *acpi)
{
	hpa_t hpa = 0;
	uint32_t maxlvt;
	int ret;

	/* 11.4.3: with the APIC hardware-disabled CPUID may report no APIC at all. */
	if (!(cpuid(1, 0).edx & CPUID_1_EDX_APIC)) {
		log_err("lapic: CPUID.1:EDX[9] clear: no local APIC (or disabled by firmware)");
		return -ENODEV;
	}
	ret = lapic_enable_mode(acpi, &hpa);
	if (ret)
		return ret;

	maxlvt =
	    (lapic_read(LAPIC_VERSION) >> LAPIC_VERSION_MAXLVT_SHIFT) & LAPIC_VERSION_MAXLVT_MASK;

	/* Mask every local interrupt source before enabling: firmware may have left
	 * LINT0 as ExtINT (virtual wire) and LINT1 as NMI. */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
	/* Optional entries: accessing an absent one in x2APIC mode #GPs. */
	if (maxlvt >= LAPIC_MAXLVT_PERF)
		lapic_write(LAPIC_LVT_PERF, LAPIC_LVT_MASKED);
	if (maxlvt >= LAPIC_MAXLVT_THERMAL)
		lapic_write(LAPIC_LVT_THERMAL, LAPIC_LVT_MASKED);
	if (maxlvt >= LAPIC_MAXLVT_CMCI)
		lapic_write(LAPIC_LVT_CMCI, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);

	/* 11.5.3: a write (of 0: the only value x2APIC accepts) clears the ESR. */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	lapic_drain_isr();

	if (lapic_mode == LAPIC_MODE_X2APIC)
		log_info("lapic: x2APIC mode, id %u", lapic_id());
	else
		log_info("lapic: xAPIC mode at 0x%llx, id %u", (unsigned long long)hpa, lapic_id());
	return 0;
}

bool lapic_is_x2apic(void)
{
	return lapic_mode == LAPIC_MODE_X2APIC;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	if (lapic_mode == LAPIC_MODE_X2APIC)
		return id;
	return (id >> XAPIC_ID_SHIFT) & XAPIC_ID_MASK;
}

void lapic_eoi(void)
{
	if (lapic_mode != LAPIC_MODE_NONE)
		lapic_write(LAPIC_EOI, 0);
}

int lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	if (vector < LAPIC_MIN_VECTOR) {
		log_err("lapic: IPI vector %u is illegal", vector);
		return -EINVAL;
	}
	return lapic_send("fixed", apic_id,
			  ICR_DM_FIXED | ICR_DEST_PHYSICAL | ICR_LEVEL_ASSERT | ICR_TRIGGER_EDGE |
			      vector);
}

int lapic_send_init(uint32_t apic_id)
{
	/* SDM 3A 9.4.4.1 (BSP init sequence): INIT, level assert, edge. Processors
	 * since the Pentium 4 ignore the old level de-assert message. */
	return lapic_send("INIT", apic_id,
			  ICR_DM_INIT | ICR_DEST_PHYSICAL | ICR_LEVEL_ASSERT | ICR_TRIGGER_EDGE);
}

int lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	/* The vector field carries the start page: execution begins at page << 12. */
	return lapic_send("SIPI", apic_id,
			  ICR_DM_STARTUP | ICR_DEST_PHYSICAL | ICR_LEVEL_ASSERT | ICR_TRIGGER_EDGE |
			      page);
}

void lapic_send_nmi_all_but_self(void)
{
	uint32_t low =
	    ICR_DM_NMI | ICR_LEVEL_ASSERT | ICR_TRIGGER_EDGE | ICR_SHORTHAND_ALL_BUT_SELF;
	uint64_t msr;

	if (lapic_mode == LAPIC_MODE_NONE)
		return;
	/*
	 * Panic may run on a CPU whose own lapic_init has not run yet (an AP
	 * early in bring-up): go by this CPU's IA32_APIC_BASE, not the global
	 * mode, so an x2APIC MSR is never written in xAPIC mode or vice versa.
	 */
	msr = rdmsr(MSR_IA32_APIC_BASE);
	if (!(msr & APIC_BASE_XAPIC_ENABLE))
		return;
	if (msr & APIC_BASE_X2APIC_ENABLE) {
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR_LO >> 4), low);
		return;
	}
	if (!lapic_mmio)
		return;
	/* Best effort: a stuck ICR must not stop the panic. */
	(void)xapic_wait_icr_idle();
	lapic_mmio[LAPIC_ICR_LO / sizeof(uint32_t)] = low;
	(void)xapic_wait_icr_idle();
}

void lapic_timer_oneshot(uint32_t ticks, uint8_t vector)
{
	if (lapic_mode == LAPIC_MODE_NONE)
		return;
	if (ticks == 0) {
		lapic_timer_stop();
		return;
	}
	if (vector < LAPIC_MIN_VECTOR) {
		log_err("lapic: timer vector %u is illegal", vector);
		return;
	}
	/* 11.5.4: LVT first, then the initial count, whose write starts the count-down. */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_ONESHOT | vector);
	lapic_write(LAPIC_TIMER_INIT, ticks);
}

void lapic_timer_stop(void)
{
	if (lapic_mode == LAPIC_MODE_NONE)
		return;
	/* A zero initial count stops the timer (11.5.4); the mask keeps a count
	 * that expired meanwhile from being delivered. */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

/* When lapic_timer_calibrate_start set the timer counting; 0: not started. */
static uint64_t calib_start_tsc;

void lapic_timer_calibrate_start(void)
{
	if (lapic_mode == LAPIC_MODE_NONE)
		return;
	/* A masked timer still counts down; it just raises nothing. */
	lapic_write(LAPIC_LVT_TIMER,
		    LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_ONESHOT | LAPIC_SPURIOUS_VECTOR);
	lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	lapic_write(LAPIC_TIMER_INIT, LAPIC_TIMER_MAX_COUNT);
	calib_start_tsc = rdtsc();
}

int lapic_timer_calibrate(void)
{
	uint64_t tsc_rate = tsc_hz(), window, t0, t1;
	uint32_t remaining;

	if (lapic_mode == LAPIC_MODE_NONE || tsc_rate == 0) {
		lapic_timer_stop();
		return -ENODEV;
	}
	if (!calib_start_tsc)
		lapic_timer_calibrate_start();
	t0 = calib_start_tsc;
	calib_start_tsc = 0;
	window = tsc_us_to_ticks(LAPIC_TIMER_CALIB_US, tsc_rate);
	do {
		t1 = rdtsc();
	} while (t1 - t0 < window);
	remaining = lapic_read(LAPIC_TIMER_CUR);
	lapic_timer_stop();

	if (remaining == LAPIC_TIMER_MAX_COUNT || remaining == 0) {
		log_err("lapic: timer calibration failed (current count %u)", remaining);
		return -EIO;
	}
	lapic_timer_freq = tsc_hz_from_deltas(LAPIC_TIMER_MAX_COUNT - remaining, t1 - t0, tsc_rate);
	log_info("lapic: timer %llu kHz (divide 16)",
		 (unsigned long long)(lapic_timer_freq / HZ_PER_KHZ));
	return 0;
}

uint64_t lapic_timer_hz(void)
{
	return lapic_timer_freq;
}
