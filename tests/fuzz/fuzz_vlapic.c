/* fuzz-sources: kernel/vdev/vlapic.c */
/*
 * libFuzzer: the virtual local APIC driven by arbitrary sequences of MMIO
 * and x2APIC MSR reads and writes, IA32_APIC_BASE and IA32_TSC_DEADLINE
 * writes, interrupt arrivals, INTA cycles, EOIs, INIT, CR8 writes and timer
 * polls, with the time only moving forward. Input: an op byte, then the
 * bytes that op consumes (missing bytes read as 0).
 *
 * After every step: no vector below 16 in IRR or ISR; the pending vector
 * (if any) is the highest in IRR, in a class above PPR's; PPR is at least
 * TPR and the in-service class; a hardware-disabled APIC holds nothing and
 * has no timer; a software-disabled one has every LVT masked; the timer is
 * not due after a poll; the current count never exceeds the initial count;
 * TSC-deadline reads 0 outside that mode. An INTA returns exactly what
 * pending promised (or the spurious vector) and puts it in service; an EOI
 * broadcast names a level-triggered vector that was in service; an IPI sent
 * has a defined mode and a legal vector where one is delivered. ASan/UBSan
 * catch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/vdev/vlapic.h"

enum fuzz_op {
	OP_MMIO_READ,
	OP_MMIO_WRITE,
	OP_MSR_READ,
	OP_MSR_WRITE,
	OP_ACCEPT,
	OP_ACKNOWLEDGE,
	OP_POLL,
	OP_APIC_BASE,
	OP_DEADLINE,
	OP_EOI,
	OP_SET_TPR,
	OP_MATCH,
	OP_INIT,
	OP_OFFER_DEADLINE,
	OP_RESET,
	OP_COUNT,
};

#define MAXPHYADDR	 40
#define MMIO_REG_SLOTS	 0x40 /* the 64 16-byte slots of the page's first kilobyte */
#define SPURIOUS_CHECK	 0xff
#define EXTD_EN		 (VLAPIC_APIC_BASE_EN | VLAPIC_APIC_BASE_EXTD)
#define TIME_SHIFT_MASK	 0x1f /* deltas up to 2^16 << 31: 2^47 per step, far from 2^64 */
#define VECTOR_LOW_CLASS 0xffffu

struct input {
	const uint8_t *data;
	size_t size, pos;
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		uint64_t b = in->pos < in->size ? in->data[in->pos++] : 0;
		v |= b << (8 * i);
	}
	return v;
}

static bool has(const uint32_t *bits, int vector)
{
	return bits[vector / 32] & (1u << (vector % 32));
}

static int highest(const uint32_t *bits)
{
	for (int v = VLAPIC_VECTORS - 1; v >= 0; v--)
		if (has(bits, v))
			return v;
	return -1;
}

static bool empty(const uint32_t *bits)
{
	return highest(bits) < 0;
}

static uint32_t current_count(struct vlapic *l, uint64_t now)
{
	uint64_t v = 0;

	if (vlapic_x2apic_mode(l)) {
		check(vlapic_msr_read(l, VLAPIC_MSR(VLAPIC_REG_TIMER_CURRENT), now, &v) == 0);
		return (uint32_t)v;
	}
	if (vlapic_hw_enabled(l))
		return vlapic_mmio_read(l, VLAPIC_REG_TIMER_CURRENT, now);
	return 0;
}

static void check_state(struct vlapic *l, uint64_t now)
{
	uint8_t ppr = vlapic_get_ppr(l);
	int isrv = highest(l->isr);
	int pv = vlapic_pending_vector(l);

	check((l->irr[0] & VECTOR_LOW_CLASS) == 0 && (l->isr[0] & VECTOR_LOW_CLASS) == 0);
	check((ppr & 0xf0) >= (vlapic_get_tpr(l) & 0xf0));
	check(isrv < 0 || (ppr & 0xf0) >= (isrv & 0xf0));
	check(!(l->apic_base & VLAPIC_APIC_BASE_EXTD) || (l->apic_base & VLAPIC_APIC_BASE_EN));
	if (pv >= 0) {
		check(pv >= VLAPIC_FIRST_LEGAL_VECTOR && pv == highest(l->irr));
		check((pv & 0xf0) > (ppr & 0xf0));
	}
	if (!vlapic_hw_enabled(l)) {
		check(pv == -1 && empty(l->irr) && empty(l->isr));
		check(vlapic_timer_next(l) == 0 && vlapic_accepts_extint(l));
		check(!vlapic_match_dest(l, 0xffffffff, false));
	}
	if (!vlapic_sw_enabled(l))
		for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
			check(l->lvt[i] & VLAPIC_LVT_MASKED);
	check(current_count(l, now) <= l->timer_initial);
	unsigned mode = (l->lvt[VLAPIC_LVT_TIMER] >> VLAPIC_LVT_TIMER_SHIFT) & 3;
	check(mode != 3 && (l->tsc_deadline_offered || mode != VLAPIC_LVT_TIMER_DEADLINE));
	if (mode != VLAPIC_LVT_TIMER_DEADLINE)
		check(vlapic_tsc_deadline_read(l) == 0);
	else
		check(current_count(l, now) == 0);
}

/* What a write reported, against the state before it (isr) and after. */
static void check_effects(const struct vlapic_effects *fx, const uint32_t *isr_before,
			  const struct vlapic *l)
{
	const struct vlapic_ipi *ipi = &fx->ipi;

	if (fx->eoi_vector != -1) {
		check(fx->eoi_vector >= VLAPIC_FIRST_LEGAL_VECTOR && fx->eoi_vector < 256);
		check(has(isr_before, fx->eoi_vector) && !has(l->isr, fx->eoi_vector));
		check(has(l->tmr, fx->eoi_vector));
		check(fx->eoi_vector == highest(isr_before));
	}
	if (!ipi->send)
		return;
	check(ipi->mode != 3 && ipi->mode != VLAPIC_DM_EXTINT);
	if (ipi->mode == VLAPIC_DM_FIXED || ipi->mode == VLAPIC_DM_LOWEST)
		check(ipi->vector >= VLAPIC_FIRST_LEGAL_VECTOR);
	if (ipi->shorthand == VLAPIC_SH_SELF || ipi->shorthand == VLAPIC_SH_ALL_INCL)
		check(ipi->mode == VLAPIC_DM_FIXED);
	check(!(ipi->mode == VLAPIC_DM_INIT && ipi->trigger_level && !ipi->level_assert));
	check(ipi->shorthand <= VLAPIC_SH_ALL_EXCL);
}

static uint64_t apic_base_value(struct input *in)
{
	static const uint64_t bases[] = {
	    VLAPIC_DEFAULT_BASE,
	    VLAPIC_DEFAULT_BASE | VLAPIC_APIC_BASE_EN,
	    VLAPIC_DEFAULT_BASE | EXTD_EN,
	    VLAPIC_DEFAULT_BASE | VLAPIC_APIC_BASE_EXTD,
	};
	uint8_t pick = (uint8_t)take(in, 1);

	if (pick < 0xf0)
		return bases[pick % 4] | (pick & 0x10 ? VLAPIC_APIC_BASE_BSP : 0);
	return take(in, 8); /* anything, reserved bits and all */
}

static void step(struct vlapic *l, struct input *in, uint64_t *now)
{
	struct vlapic_effects fx;
	uint32_t isr_before[VLAPIC_VECTOR_WORDS];
	uint8_t op = (uint8_t)take(in, 1);
	uint64_t value;
	int pv, got;

	memcpy(isr_before, l->isr, sizeof(isr_before));
	switch (op % OP_COUNT) {
	case OP_MMIO_READ:
		value = take(in, 2) & (VLAPIC_MMIO_SIZE - 1);
		got = (int)vlapic_mmio_read(l, (uint32_t)value, *now);
		if (!vlapic_hw_enabled(l) || vlapic_x2apic_mode(l))
			check((uint32_t)got == UINT32_MAX);
		break;
	case OP_MMIO_WRITE: {
		/* Mostly register slots, sometimes any offset. */
		uint8_t sel = (uint8_t)take(in, 1);
		uint32_t offset = sel < 0xe0 ? (sel % MMIO_REG_SLOTS) * 16
					     : (uint32_t)take(in, 2) & (VLAPIC_MMIO_SIZE - 1);
		vlapic_mmio_write(l, offset, (uint32_t)take(in, 4), *now, &fx);
		check_effects(&fx, isr_before, l);
		break;
	}
	case OP_MSR_READ:
		got = vlapic_msr_read(l, VLAPIC_MSR_BASE + (uint32_t)take(in, 1), *now, &value);
		check(got == 0 || got == -22);
		check(got != 0 || vlapic_x2apic_mode(l));
		break;
	case OP_MSR_WRITE: {
		uint32_t msr = VLAPIC_MSR_BASE + (uint32_t)take(in, 1);
		uint8_t width = (uint8_t)take(in, 1);
		value = take(in, width & 1 ? 8 : 4);
		struct vlapic before;
		memcpy(&before, l, sizeof(before));
		got = vlapic_msr_write(l, msr, value, *now, &fx);
		check(got == 0 || got == -22);
		check(got != 0 || vlapic_x2apic_mode(l));
		if (got != 0) /* a #GP changes nothing */
			check(memcmp(&before, l, sizeof(before)) == 0 && fx.eoi_vector == -1 &&
			      !fx.ipi.send);
		check_effects(&fx, isr_before, l);
		break;
	}
	case OP_ACCEPT:
		value = take(in, 2);
		vlapic_accept_irq(l, (uint8_t)value, value & 0x100);
		if ((uint8_t)value >= VLAPIC_FIRST_LEGAL_VECTOR && vlapic_sw_enabled(l))
			check(has(l->irr, (uint8_t)value));
		break;
	case OP_ACKNOWLEDGE:
		pv = vlapic_pending_vector(l);
		got = vlapic_acknowledge(l);
		if (pv >= 0) {
			check(got == pv && has(l->isr, got) && !has(isr_before, got));
		} else {
			check(memcmp(isr_before, l->isr, sizeof(isr_before)) == 0);
			check(vlapic_hw_enabled(l) ? got == (int)(l->svr & SPURIOUS_CHECK)
						   : got == -1);
		}
		break;
	case OP_POLL:
		value = take(in, 3);
		*now += (value & 0xffff) << ((value >> 16) & TIME_SHIFT_MASK);
		vlapic_timer_poll(l, *now);
		check(vlapic_timer_next(l) == 0 || vlapic_timer_next(l) > *now);
		break;
	case OP_APIC_BASE: {
		uint64_t old = vlapic_get_apic_base(l);
		value = apic_base_value(in);
		got = vlapic_set_apic_base(l, value, MAXPHYADDR);
		check(got == 0 || got == -22);
		if (got == 0)
			check((vlapic_get_apic_base(l) & ~VLAPIC_APIC_BASE_BSP) ==
			      (value & ~VLAPIC_APIC_BASE_BSP));
		else
			check(vlapic_get_apic_base(l) == old);
		check((vlapic_get_apic_base(l) & VLAPIC_APIC_BASE_BSP) ==
		      (old & VLAPIC_APIC_BASE_BSP));
		break;
	}
	case OP_DEADLINE:
		value = take(in, 3);
		/* 0 (disarm), the past, or the future. */
		if (value & 0x800000)
			vlapic_tsc_deadline_write(l, (value & 1) ? 0 : *now - (*now > 0), *now);
		else
			vlapic_tsc_deadline_write(l, *now + (value & 0x7fffff), *now);
		break;
	case OP_EOI:
		if (vlapic_x2apic_mode(l))
			check(vlapic_msr_write(l, VLAPIC_MSR_EOI, 0, *now, &fx) == 0);
		else
			vlapic_mmio_write(l, VLAPIC_REG_EOI, 0, *now, &fx);
		check_effects(&fx, isr_before, l);
		if (vlapic_hw_enabled(l) && !empty(isr_before))
			check(!has(l->isr, highest(isr_before)));
		break;
	case OP_SET_TPR:
		vlapic_set_tpr(l, (uint8_t)take(in, 1));
		break;
	case OP_MATCH:
		value = take(in, 5);
		(void)vlapic_match_dest(l, (uint32_t)value, value >> 32 & 1);
		if (vlapic_hw_enabled(l))
			check(vlapic_match_dest(l, vlapic_x2apic_mode(l) ? 0xffffffff : 0xff,
						value >> 33 & 1));
		(void)vlapic_accepts_extint(l);
		break;
	case OP_INIT: {
		uint64_t base = vlapic_get_apic_base(l);
		vlapic_init_signal(l);
		check(vlapic_get_apic_base(l) == base && empty(l->irr) && empty(l->isr));
		break;
	}
	case OP_OFFER_DEADLINE:
		vlapic_set_tsc_deadline_offered(l, take(in, 1) & 1);
		break;
	case OP_RESET:
		if (take(in, 1) == 0xa5)
			vlapic_reset(l, (uint32_t)take(in, 4), true);
		break;
	}
	check_state(l, *now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vlapic lapic;
	struct input in = {data, size, 0};
	uint64_t now = take(&in, 4);
	uint32_t id = (uint32_t)take(&in, 4);

	vlapic_reset(&lapic, id, id & 1);
	vlapic_set_tsc_deadline_offered(&lapic, id & 2);
	check_state(&lapic, now);
	while (in.pos < in.size)
		step(&lapic, &in, &now);
	return 0;
}
