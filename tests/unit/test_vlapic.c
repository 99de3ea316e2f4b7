/* unit-test-sources: kernel/vdev/vlapic.c */
/*
 * Virtual local APIC through its MMIO page, its x2APIC MSRs and the owner's
 * calls: reset and INIT state, ID and version, TPR/PPR, priority acceptance,
 * INTA and EOI nesting, TMR and EOI broadcast, ESR latching and the error
 * LVT, ICR decoding in both modes, destination matching, the timer in its
 * three modes, IA32_APIC_BASE transitions, x2APIC #GP cases, software
 * disable and ExtINT acceptance.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/vdev/vlapic.h"

#define APIC_ID	      3
#define MAXPHYADDR    46
#define SPURIOUS      0xff
#define SVR_ON	      (VLAPIC_SVR_ENABLE | SPURIOUS)
#define T0	      1000000ULL /* an arbitrary start TSC */
#define XAPIC_BASE    (VLAPIC_DEFAULT_BASE | VLAPIC_APIC_BASE_EN)
#define X2APIC_BASE   (XAPIC_BASE | VLAPIC_APIC_BASE_EXTD)
#define DIVIDE_BY_1   0xb
#define DIVIDE_BY_2   0x0
#define DIVIDE_BY_128 0xa
#define MODE(m)	      ((uint32_t)(m) << VLAPIC_LVT_TIMER_SHIFT)
#define ICR_LOGICAL   (1u << 11)
#define ICR_ASSERT    (1u << 14)
#define ICR_LEVEL     (1u << 15)
#define ICR_DM(m)     ((uint32_t)(m) << 8)
#define ICR_SH(s)     ((uint32_t)(s) << 18)

static struct vlapic apic;
static struct vlapic_effects fx;

static uint32_t rd(uint32_t reg)
{
	return vlapic_mmio_read(&apic, reg, T0);
}

static void wr(uint32_t reg, uint32_t value)
{
	vlapic_mmio_write(&apic, reg, value, T0, &fx);
}

static void wr_at(uint32_t reg, uint32_t value, uint64_t now)
{
	vlapic_mmio_write(&apic, reg, value, now, &fx);
}

static uint64_t msr_rd(uint32_t msr)
{
	uint64_t value = 0xdead;
	assert_int_equal(vlapic_msr_read(&apic, msr, T0, &value), 0);
	return value;
}

static int msr_wr(uint32_t msr, uint64_t value)
{
	return vlapic_msr_write(&apic, msr, value, T0, &fx);
}

static bool irr_has(unsigned vector)
{
	return apic.irr[vector / 32] & (1u << (vector % 32));
}

static bool isr_has(unsigned vector)
{
	return apic.isr[vector / 32] & (1u << (vector % 32));
}

static bool isr_empty(void)
{
	for (unsigned i = 0; i < VLAPIC_VECTOR_WORDS; i++)
		if (apic.isr[i])
			return false;
	return true;
}

/* A software-enabled xAPIC, as an OS leaves it. */
static int setup(void **state)
{
	vlapic_reset(&apic, APIC_ID, true);
	wr(VLAPIC_REG_SVR, SVR_ON);
	return 0;
}

static void to_x2apic(void)
{
	assert_int_equal(vlapic_set_apic_base(&apic, X2APIC_BASE, MAXPHYADDR), 0);
}

static void test_reset_values(void **state)
{
	vlapic_reset(&apic, APIC_ID, true);
	assert_int_equal(vlapic_get_apic_base(&apic), XAPIC_BASE | VLAPIC_APIC_BASE_BSP);
	assert_true(vlapic_hw_enabled(&apic));
	assert_false(vlapic_sw_enabled(&apic));
	assert_false(vlapic_x2apic_mode(&apic));
	assert_int_equal(vlapic_mmio_base(&apic), VLAPIC_DEFAULT_BASE);
	assert_int_equal(rd(VLAPIC_REG_ID), APIC_ID << 24);
	assert_int_equal(rd(VLAPIC_REG_VERSION), 0x00050014);
	assert_int_equal(rd(VLAPIC_REG_TPR), 0);
	assert_int_equal(rd(VLAPIC_REG_APR), 0);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0);
	assert_int_equal(rd(VLAPIC_REG_LDR), 0);
	assert_int_equal(rd(VLAPIC_REG_DFR), 0xffffffff);
	assert_int_equal(rd(VLAPIC_REG_SVR), 0xff);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(VLAPIC_REG_ISR + i * 16), 0);
		assert_int_equal(rd(VLAPIC_REG_TMR + i * 16), 0);
		assert_int_equal(rd(VLAPIC_REG_IRR + i * 16), 0);
	}
	assert_int_equal(rd(VLAPIC_REG_ESR), 0);
	assert_int_equal(rd(VLAPIC_REG_ICR_LO), 0);
	assert_int_equal(rd(VLAPIC_REG_ICR_HI), 0);
	for (uint32_t r = VLAPIC_REG_LVT_TIMER; r <= VLAPIC_REG_LVT_ERROR; r += 16)
		assert_int_equal(rd(r), VLAPIC_LVT_MASKED);
	assert_int_equal(rd(VLAPIC_REG_TIMER_INITIAL), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CURRENT), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_DIVIDE), 0);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	/* An AP has no BSP flag. */
	vlapic_reset(&apic, 7, false);
	assert_int_equal(vlapic_get_apic_base(&apic), XAPIC_BASE);
}

static void test_id_version_and_odd_offsets(void **state)
{
	vlapic_reset(&apic, 0x12345, false);
	assert_int_equal(rd(VLAPIC_REG_ID), 0x45u << 24);
	wr(VLAPIC_REG_ID, 0x07000000); /* read-only here */
	wr(VLAPIC_REG_VERSION, 0);
	assert_int_equal(rd(VLAPIC_REG_ID), 0x45u << 24);
	assert_int_equal(rd(VLAPIC_REG_VERSION), VLAPIC_VERSION_VALUE);
	/* Bytes between registers and offsets past the page read 0, set no error. */
	assert_int_equal(rd(VLAPIC_REG_VERSION + 4), 0);
	assert_int_equal(rd(VLAPIC_REG_SVR + 8), 0);
	assert_int_equal(rd(VLAPIC_MMIO_SIZE), 0);
	wr(VLAPIC_REG_ESR, 0);
	assert_int_equal(rd(VLAPIC_REG_ESR), 0);
	to_x2apic();
	assert_int_equal(msr_rd(0x802), 0x12345);
	assert_int_equal(msr_rd(0x803), VLAPIC_VERSION_VALUE);
	assert_int_equal(vlapic_id(&apic), 0x12345);
}

static void test_tpr_ppr(void **state)
{
	wr(VLAPIC_REG_TPR, 0x12345678);
	assert_true(fx.tpr_changed);
	assert_int_equal(rd(VLAPIC_REG_TPR), 0x78);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x78);
	assert_int_equal(vlapic_get_tpr(&apic), 0x78);

	/* ISRV 0x91 above TPR's class 7: PPR is 0x90 (class only). */
	vlapic_accept_irq(&apic, 0x91, false);
	assert_int_equal(vlapic_acknowledge(&apic), 0x91);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x90);
	/* TPR class equal to ISRV's: PPR is TPR, low bits included. */
	vlapic_set_tpr(&apic, 0x9c);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x9c);
	assert_int_equal(vlapic_get_ppr(&apic), 0x9c);
	/* TPR class below: ISRV's class again. */
	vlapic_set_tpr(&apic, 0x2f);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x90);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x2f);
}

static void test_priority_acceptance(void **state)
{
	vlapic_set_tpr(&apic, 0x50);
	vlapic_accept_irq(&apic, 0x55, false);
	assert_true(irr_has(0x55));
	assert_int_equal(vlapic_pending_vector(&apic), -1); /* class 5 not above 5 */
	vlapic_accept_irq(&apic, 0x60, false);
	assert_int_equal(vlapic_pending_vector(&apic), 0x60);
	vlapic_set_tpr(&apic, 0x60);
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	/* Nothing deliverable: INTA gets the spurious vector, ISR untouched. */
	assert_int_equal(vlapic_acknowledge(&apic), SPURIOUS);
	assert_true(isr_empty());
	/* The run loop's INTA takes nothing then: no vector, ISR and IRR untouched. */
	assert_int_equal(vlapic_take_pending(&apic), -1);
	assert_true(isr_empty());
	assert_true(irr_has(0x60));
	vlapic_set_tpr(&apic, 0);
	assert_int_equal(vlapic_pending_vector(&apic), 0x60);
	assert_int_equal(vlapic_take_pending(&apic), 0x60);
	assert_false(irr_has(0x60));
	assert_int_equal(vlapic_get_ppr(&apic), 0x60); /* in service now */
	wr(VLAPIC_REG_EOI, 0);
	assert_true(isr_empty());
	/* Illegal vectors never enter IRR. */
	vlapic_accept_irq(&apic, 15, false);
	assert_false(irr_has(15));
}

static void test_acknowledge_eoi_nesting(void **state)
{
	vlapic_accept_irq(&apic, 0x40, false);
	assert_int_equal(vlapic_acknowledge(&apic), 0x40);
	assert_false(irr_has(0x40));
	assert_true(isr_has(0x40));
	/* Same class as what is in service: held. */
	vlapic_accept_irq(&apic, 0x4f, false);
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	/* A higher class nests. */
	vlapic_accept_irq(&apic, 0x80, false);
	assert_int_equal(vlapic_acknowledge(&apic), 0x80);
	assert_true(isr_has(0x40) && isr_has(0x80));
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	/* EOI ends the highest in service first. */
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(fx.eoi_vector, -1); /* edge: no broadcast */
	assert_false(fx.quiet);		     /* 0x4f waits: the owner must look again */
	assert_false(isr_has(0x80));
	assert_true(isr_has(0x40));
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	wr(VLAPIC_REG_EOI, 0);
	assert_false(fx.quiet);
	assert_false(isr_has(0x40));
	assert_int_equal(vlapic_acknowledge(&apic), 0x4f);
	wr(VLAPIC_REG_EOI, 0);
	assert_true(fx.quiet); /* nothing in IRR: nothing it could let through */
	assert_true(isr_empty());
	/* EOI with nothing in service changes nothing. */
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(fx.eoi_vector, -1);
	assert_int_equal(vlapic_acknowledge(&apic), SPURIOUS);
}

static void test_tmr_and_eoi_broadcast(void **state)
{
	vlapic_accept_irq(&apic, 0x31, true);
	assert_int_equal(rd(VLAPIC_REG_TMR + 16), 1u << 17);
	assert_int_equal(rd(VLAPIC_REG_IRR + 16), 1u << 17);
	assert_int_equal(vlapic_acknowledge(&apic), 0x31);
	assert_int_equal(rd(VLAPIC_REG_ISR + 16), 1u << 17);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(fx.eoi_vector, 0x31);
	/* The same vector arriving edge-triggered clears its TMR bit. */
	vlapic_accept_irq(&apic, 0x31, false);
	assert_int_equal(rd(VLAPIC_REG_TMR + 16), 0);
	assert_int_equal(vlapic_acknowledge(&apic), 0x31);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(fx.eoi_vector, -1);
	/* x2APIC EOI MSR: the same broadcast. */
	to_x2apic();
	vlapic_accept_irq(&apic, 0xe0, true);
	assert_int_equal(vlapic_acknowledge(&apic), 0xe0);
	vlapic_accept_irq(&apic, 0x50, false);
	assert_int_equal(msr_wr(VLAPIC_MSR_EOI, 0), 0);
	assert_int_equal(fx.eoi_vector, 0xe0);
	assert_false(fx.quiet); /* 0x50 waits */
	assert_int_equal(vlapic_acknowledge(&apic), 0x50);
	assert_int_equal(msr_wr(VLAPIC_MSR_EOI, 0), 0);
	assert_true(fx.quiet);
	/* Any other write is never quiet. */
	assert_int_equal(msr_wr(VLAPIC_MSR(VLAPIC_REG_TPR), 0), 0);
	assert_false(fx.quiet);
}

static void test_esr_latch_and_error_lvt(void **state)
{
	vlapic_accept_irq(&apic, 3, false);
	assert_int_equal(rd(VLAPIC_REG_ESR), 0); /* not latched yet */
	wr(VLAPIC_REG_ESR, 0);
	assert_int_equal(rd(VLAPIC_REG_ESR), VLAPIC_ESR_RECEIVE_ILLEGAL);
	wr(VLAPIC_REG_ESR, 0xffffffff); /* the value written does not matter */
	assert_int_equal(rd(VLAPIC_REG_ESR), 0);

	/* A reserved register: illegal register address, read or write. */
	assert_int_equal(rd(0x40), 0);
	wr(VLAPIC_REG_LVT_CMCI, 0x55);
	wr(VLAPIC_REG_ESR, 0);
	assert_int_equal(rd(VLAPIC_REG_ESR), VLAPIC_ESR_ILLEGAL_REGISTER);

	/* Unmasked error LVT: an error raises its vector. */
	wr(VLAPIC_REG_LVT_ERROR, 0xfe);
	assert_int_equal(rd(VLAPIC_REG_LVT_ERROR), 0xfe);
	wr(VLAPIC_REG_ICR_LO, 0x05); /* fixed, vector 5: send illegal */
	assert_false(fx.ipi.send);
	assert_true(irr_has(0xfe));
	wr(VLAPIC_REG_ESR, 0);
	assert_int_equal(rd(VLAPIC_REG_ESR), VLAPIC_ESR_SEND_ILLEGAL);
	/* An illegal error vector is logged too, never put in IRR. */
	wr(VLAPIC_REG_LVT_ERROR, 0x02);
	vlapic_accept_irq(&apic, 1, false);
	wr(VLAPIC_REG_ESR, 0);
	assert_int_equal(rd(VLAPIC_REG_ESR), VLAPIC_ESR_RECEIVE_ILLEGAL);
	assert_int_equal(apic.irr[0], 0);
}

struct icr_case {
	uint32_t lo;
	bool send;
	enum vlapic_delivery mode;
	enum vlapic_shorthand shorthand;
};

static const struct icr_case icr_cases[] = {
    {0x30 | ICR_DM(VLAPIC_DM_FIXED), true, VLAPIC_DM_FIXED, VLAPIC_SH_NONE},
    {0x30 | ICR_DM(VLAPIC_DM_LOWEST), true, VLAPIC_DM_LOWEST, VLAPIC_SH_NONE},
    {ICR_DM(VLAPIC_DM_SMI), true, VLAPIC_DM_SMI, VLAPIC_SH_NONE},
    {ICR_DM(VLAPIC_DM_NMI), true, VLAPIC_DM_NMI, VLAPIC_SH_NONE},
    {ICR_DM(VLAPIC_DM_INIT) | ICR_ASSERT | ICR_LEVEL, true, VLAPIC_DM_INIT, VLAPIC_SH_NONE},
    {ICR_DM(VLAPIC_DM_INIT), true, VLAPIC_DM_INIT, VLAPIC_SH_NONE},
    /* INIT level de-assert: nothing on a modern APIC. */
    {ICR_DM(VLAPIC_DM_INIT) | ICR_LEVEL, false, VLAPIC_DM_INIT, VLAPIC_SH_NONE},
    {0x9a | ICR_DM(VLAPIC_DM_STARTUP), true, VLAPIC_DM_STARTUP, VLAPIC_SH_NONE},
    {0x30 | ICR_DM(3), false, 3, VLAPIC_SH_NONE},
    {0x30 | ICR_DM(VLAPIC_DM_EXTINT), false, VLAPIC_DM_EXTINT, VLAPIC_SH_NONE},
    {0x40 | ICR_SH(VLAPIC_SH_SELF), true, VLAPIC_DM_FIXED, VLAPIC_SH_SELF},
    {ICR_DM(VLAPIC_DM_NMI) | ICR_SH(VLAPIC_SH_SELF), false, VLAPIC_DM_NMI, VLAPIC_SH_SELF},
    {0x40 | ICR_SH(VLAPIC_SH_ALL_INCL), true, VLAPIC_DM_FIXED, VLAPIC_SH_ALL_INCL},
    {0x40 | ICR_DM(VLAPIC_DM_LOWEST) | ICR_SH(VLAPIC_SH_ALL_INCL), false, VLAPIC_DM_LOWEST,
     VLAPIC_SH_ALL_INCL},
    {ICR_DM(VLAPIC_DM_INIT) | ICR_ASSERT | ICR_SH(VLAPIC_SH_ALL_EXCL), true, VLAPIC_DM_INIT,
     VLAPIC_SH_ALL_EXCL},
    {0x10 | ICR_DM(VLAPIC_DM_STARTUP) | ICR_SH(VLAPIC_SH_ALL_EXCL), true, VLAPIC_DM_STARTUP,
     VLAPIC_SH_ALL_EXCL},
    {0x41 | ICR_SH(VLAPIC_SH_ALL_EXCL), true, VLAPIC_DM_FIXED, VLAPIC_SH_ALL_EXCL},
    /* Vectors below 16 matter only where a vector is delivered. */
    {0x0f | ICR_DM(VLAPIC_DM_LOWEST), false, VLAPIC_DM_LOWEST, VLAPIC_SH_NONE},
    {0x00 | ICR_DM(VLAPIC_DM_NMI), true, VLAPIC_DM_NMI, VLAPIC_SH_NONE},
};

static void check_icr_case(const struct icr_case *c, uint32_t dest)
{
	assert_int_equal(fx.ipi.send, c->send);
	assert_int_equal(fx.ipi.mode, c->mode);
	assert_int_equal(fx.ipi.shorthand, c->shorthand);
	assert_int_equal(fx.ipi.vector, c->lo & 0xff);
	assert_int_equal(fx.ipi.level_assert, !!(c->lo & ICR_ASSERT));
	assert_int_equal(fx.ipi.trigger_level, !!(c->lo & ICR_LEVEL));
	assert_int_equal(fx.ipi.logical, !!(c->lo & ICR_LOGICAL));
	assert_int_equal(fx.ipi.dest, dest);
}

static void test_icr_xapic(void **state)
{
	wr(VLAPIC_REG_ICR_HI, 0xa5ffffff);
	assert_false(fx.ipi.send); /* the high half only sets the destination */
	assert_int_equal(rd(VLAPIC_REG_ICR_HI), 0xa5000000);
	for (size_t i = 0; i < ARRAY_SIZE(icr_cases); i++) {
		wr(VLAPIC_REG_ICR_LO, icr_cases[i].lo);
		check_icr_case(&icr_cases[i], 0xa5);
	}
	/* Logical mode; the delivery status bit reads idle, reserved bits read 0. */
	wr(VLAPIC_REG_ICR_LO, 0x31 | ICR_LOGICAL | (1u << 12) | (1u << 13) | 0xfff00000u);
	assert_true(fx.ipi.send && fx.ipi.logical);
	assert_int_equal(rd(VLAPIC_REG_ICR_LO), 0x31 | ICR_LOGICAL);
	/* The send-illegal case latched an error. */
	wr(VLAPIC_REG_ESR, 0);
	assert_int_equal(rd(VLAPIC_REG_ESR), VLAPIC_ESR_SEND_ILLEGAL);
	/* A software-disabled APIC still sends IPIs (SDM 3A 11.4.7.2). */
	wr(VLAPIC_REG_SVR, 0xff);
	wr(VLAPIC_REG_ICR_LO, ICR_DM(VLAPIC_DM_INIT) | ICR_ASSERT);
	assert_true(fx.ipi.send);
}

static void test_icr_x2apic(void **state)
{
	to_x2apic();
	for (size_t i = 0; i < ARRAY_SIZE(icr_cases); i++) {
		assert_int_equal(msr_wr(VLAPIC_MSR_ICR, (0x12345678ULL << 32) | icr_cases[i].lo),
				 0);
		check_icr_case(&icr_cases[i], 0x12345678);
	}
	assert_int_equal(msr_wr(VLAPIC_MSR_ICR, (0xffffffffULL << 32) | 0x31 | ICR_LOGICAL), 0);
	assert_int_equal(msr_rd(VLAPIC_MSR_ICR), (0xffffffffULL << 32) | 0x31 | ICR_LOGICAL);
	assert_true(fx.ipi.logical);
	assert_int_equal(fx.ipi.dest, 0xffffffff);
	/* Reserved ICR bits: #GP, nothing sent. */
	assert_int_equal(msr_wr(VLAPIC_MSR_ICR, 0x31 | (1u << 13)), -EINVAL);
	assert_false(fx.ipi.send);
	assert_int_equal(msr_wr(VLAPIC_MSR_ICR, 0x31 | (1u << 20)), -EINVAL);
	assert_int_equal(msr_wr(VLAPIC_MSR_ICR, 0x31 | (1u << 16)), -EINVAL);
	/* SELF IPI: a fixed self-directed edge IPI; write-only, vector bits only. */
	assert_int_equal(msr_wr(VLAPIC_MSR_SELF_IPI, 0x44), 0);
	assert_true(fx.ipi.send);
	assert_int_equal(fx.ipi.vector, 0x44);
	assert_int_equal(fx.ipi.mode, VLAPIC_DM_FIXED);
	assert_int_equal(fx.ipi.shorthand, VLAPIC_SH_SELF);
	assert_false(fx.ipi.trigger_level);
	assert_int_equal(msr_wr(VLAPIC_MSR_SELF_IPI, 0x144), -EINVAL);
	assert_int_equal(msr_wr(VLAPIC_MSR_SELF_IPI, 0x4), 0);
	assert_false(fx.ipi.send);
	assert_int_equal(msr_wr(0x828, 0), 0);
	assert_int_equal(msr_rd(0x828), VLAPIC_ESR_SEND_ILLEGAL);
	uint64_t v;
	assert_int_equal(vlapic_msr_read(&apic, VLAPIC_MSR_SELF_IPI, T0, &v), -EINVAL);
}

static void test_dest_physical_and_broadcast(void **state)
{
	assert_true(vlapic_match_dest(&apic, APIC_ID, false));
	assert_false(vlapic_match_dest(&apic, APIC_ID + 1, false));
	assert_true(vlapic_match_dest(&apic, 0xff, false));
	assert_true(vlapic_match_dest(&apic, 0xff, true));
	assert_true(vlapic_match_dest(&apic, 0xffffffff, false));
	assert_false(vlapic_match_dest(&apic, 0x100 | APIC_ID, false));
	to_x2apic();
	assert_true(vlapic_match_dest(&apic, APIC_ID, false));
	assert_false(vlapic_match_dest(&apic, 0xff, false)); /* a plain ID in x2APIC mode */
	assert_true(vlapic_match_dest(&apic, 0xffffffff, false));
	assert_true(vlapic_match_dest(&apic, 0xffffffff, true));
	/* A disabled APIC is not on the bus. */
	assert_int_equal(vlapic_set_apic_base(&apic, VLAPIC_DEFAULT_BASE, MAXPHYADDR), 0);
	assert_false(vlapic_match_dest(&apic, 0xffffffff, false));
	assert_false(vlapic_match_dest(&apic, APIC_ID, false));
}

static void test_dest_logical_xapic(void **state)
{
	/* Flat model: LDR bit set in the 8-bit mask. */
	wr(VLAPIC_REG_LDR, 0x04ffffff);
	assert_int_equal(rd(VLAPIC_REG_LDR), 0x04000000);
	assert_true(vlapic_match_dest(&apic, 0x04, true));
	assert_true(vlapic_match_dest(&apic, 0x0c, true));
	assert_false(vlapic_match_dest(&apic, 0x03, true));
	assert_false(vlapic_match_dest(&apic, 0x00, true));
	/* Cluster model: cluster 2 member bit 1. */
	wr(VLAPIC_REG_DFR, 0x0fffffff);
	assert_int_equal(rd(VLAPIC_REG_DFR), 0x0fffffff);
	wr(VLAPIC_REG_LDR, 0x22000000);
	assert_true(vlapic_match_dest(&apic, 0x22, true));
	assert_true(vlapic_match_dest(&apic, 0x2f, true));
	assert_false(vlapic_match_dest(&apic, 0x12, true)); /* other cluster */
	assert_false(vlapic_match_dest(&apic, 0x21, true)); /* other member */
	assert_true(vlapic_match_dest(&apic, 0xff, true));
	/* A reserved model matches no logical destination. */
	wr(VLAPIC_REG_DFR, 0x5fffffff);
	assert_false(vlapic_match_dest(&apic, 0x22, true));
}

static void test_dest_logical_x2apic(void **state)
{
	vlapic_reset(&apic, 0x35, true); /* cluster 3, member bit 5 */
	to_x2apic();
	assert_int_equal(msr_rd(0x80d), 0x00030020);
	assert_true(vlapic_match_dest(&apic, 0x00030020, true));
	assert_true(vlapic_match_dest(&apic, 0x000300ff, true));
	assert_false(vlapic_match_dest(&apic, 0x00020020, true));
	assert_false(vlapic_match_dest(&apic, 0x00030010, true));
	/* LDR is read-only in x2APIC mode. */
	assert_int_equal(msr_wr(0x80d, 0), -EINVAL);
}

static void timer_setup(uint32_t lvt, uint32_t divide)
{
	wr(VLAPIC_REG_TIMER_DIVIDE, divide);
	wr(VLAPIC_REG_LVT_TIMER, lvt);
}

static void test_timer_one_shot(void **state)
{
	timer_setup(0x40, DIVIDE_BY_2);
	wr_at(VLAPIC_REG_TIMER_INITIAL, 1000, T0);
	assert_true(fx.timer_changed);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 2000);
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0), 1000);
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 1), 1000);
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 2), 999);
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 1999), 1);
	vlapic_timer_poll(&apic, T0 + 1999);
	assert_false(irr_has(0x40));
	vlapic_timer_poll(&apic, T0 + 2000);
	assert_true(irr_has(0x40));
	assert_int_equal(vlapic_timer_next(&apic), 0);
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 2000), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_INITIAL), 1000);
	/* Re-writing the initial count restarts it; 0 stops it. */
	wr_at(VLAPIC_REG_TIMER_INITIAL, 5, T0 + 3000);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 3010);
	wr_at(VLAPIC_REG_TIMER_INITIAL, 0, T0 + 3001);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 3001), 0);
	/* Past due but not polled: the count reads 0, the interrupt comes at the poll. */
	wr_at(VLAPIC_REG_TIMER_INITIAL, 10, T0);
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 50), 0);
}

static void test_timer_divide_values(void **state)
{
	static const struct {
		uint32_t dcr;
		unsigned divide;
	} cases[] = {{0x0, 2},	{0x1, 4},   {0x2, 8}, {0x3, 16}, {0x8, 32},
		     {0x9, 64}, {0xa, 128}, {0xb, 1}, {0x4, 2},	 {0xf, 1}};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(state);
		timer_setup(0x40 | VLAPIC_LVT_MASKED, cases[i].dcr);
		assert_int_equal(rd(VLAPIC_REG_TIMER_DIVIDE), cases[i].dcr & 0xb);
		wr_at(VLAPIC_REG_TIMER_INITIAL, 0xffffffff, T0);
		assert_int_equal(vlapic_timer_next(&apic), T0 + 0xffffffffULL * cases[i].divide);
		assert_int_equal(
		    vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 10ULL * cases[i].divide),
		    0xffffffffu - 10);
	}
}

static void test_timer_periodic(void **state)
{
	timer_setup(0x41 | MODE(VLAPIC_LVT_TIMER_PERIODIC), DIVIDE_BY_128);
	wr_at(VLAPIC_REG_TIMER_INITIAL, 100, T0); /* period 12800 */
	assert_int_equal(vlapic_timer_next(&apic), T0 + 12800);
	vlapic_timer_poll(&apic, T0 + 12800);
	assert_true(irr_has(0x41));
	assert_int_equal(vlapic_timer_next(&apic), T0 + 25600);
	/* Late poll: re-armed from the previous expiry, not from the poll. */
	assert_int_equal(vlapic_acknowledge(&apic), 0x41);
	wr(VLAPIC_REG_EOI, 0);
	vlapic_timer_poll(&apic, T0 + 25600 + 300);
	assert_true(irr_has(0x41));
	assert_int_equal(vlapic_timer_next(&apic), T0 + 38400);
	/* Missed periods coalesce: one interrupt, next expiry on the grid. */
	assert_int_equal(vlapic_acknowledge(&apic), 0x41);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(
	    vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 38400 + 12800 * 4 + 128), 99);
	vlapic_timer_poll(&apic, T0 + 38400 + 12800 * 4 + 5);
	assert_true(irr_has(0x41));
	assert_int_equal(vlapic_acknowledge(&apic), 0x41);
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 38400 + 12800 * 5);
	/* At each reload the count reads the full initial count. */
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TIMER_CURRENT, T0 + 38400 + 12800 * 5),
			 100);
	/* Changing the divider keeps what is left of the count: 100 ticks of 1. */
	wr_at(VLAPIC_REG_TIMER_DIVIDE, DIVIDE_BY_1, T0 + 38400 + 12800 * 4);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 38400 + 12800 * 4 + 100);
	vlapic_timer_poll(&apic, T0 + 38400 + 12800 * 4 + 100);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 38400 + 12800 * 4 + 200);
}

static void test_timer_masked_and_mode_change(void **state)
{
	timer_setup(0x42 | VLAPIC_LVT_MASKED | MODE(VLAPIC_LVT_TIMER_PERIODIC), DIVIDE_BY_1);
	wr_at(VLAPIC_REG_TIMER_INITIAL, 10, T0);
	vlapic_timer_poll(&apic, T0 + 10);
	assert_false(irr_has(0x42)); /* masked: counts, delivers nothing */
	assert_int_equal(vlapic_timer_next(&apic), T0 + 20);
	/* Same mode, new vector and mask: keeps counting. */
	wr(VLAPIC_REG_LVT_TIMER, 0x43 | MODE(VLAPIC_LVT_TIMER_PERIODIC));
	assert_false(fx.timer_changed);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 20);
	vlapic_timer_poll(&apic, T0 + 20);
	assert_true(irr_has(0x43));
	/* A mode change disarms (SDM 3A 11.5.4.1). */
	wr(VLAPIC_REG_LVT_TIMER, 0x43);
	assert_true(fx.timer_changed);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CURRENT), 0);
	/* Without the TSC-deadline offer, mode bit 18 is not stored. */
	wr(VLAPIC_REG_LVT_TIMER, 0x43 | MODE(VLAPIC_LVT_TIMER_DEADLINE));
	assert_int_equal(rd(VLAPIC_REG_LVT_TIMER), 0x43);
	vlapic_tsc_deadline_write(&apic, T0 + 5, T0);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	assert_int_equal(vlapic_tsc_deadline_read(&apic), 0);
}

static void test_timer_tsc_deadline(void **state)
{
	vlapic_set_tsc_deadline_offered(&apic, true);
	/* Writes outside TSC-deadline mode are ignored. */
	vlapic_tsc_deadline_write(&apic, T0 + 100, T0);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	wr(VLAPIC_REG_LVT_TIMER, 0x50 | MODE(VLAPIC_LVT_TIMER_DEADLINE));
	assert_int_equal(rd(VLAPIC_REG_LVT_TIMER), 0x50 | MODE(VLAPIC_LVT_TIMER_DEADLINE));
	assert_int_equal(vlapic_tsc_deadline_read(&apic), 0);
	/* The initial count is ignored, the current count reads 0. */
	wr(VLAPIC_REG_TIMER_INITIAL, 1000);
	assert_int_equal(rd(VLAPIC_REG_TIMER_INITIAL), 0);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	vlapic_tsc_deadline_write(&apic, T0 + 100, T0);
	assert_int_equal(vlapic_tsc_deadline_read(&apic), T0 + 100);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 100);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CURRENT), 0);
	vlapic_timer_poll(&apic, T0 + 99);
	assert_false(irr_has(0x50));
	vlapic_timer_poll(&apic, T0 + 100);
	assert_true(irr_has(0x50));
	assert_int_equal(vlapic_tsc_deadline_read(&apic), 0);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	/* Disarm with 0. */
	vlapic_tsc_deadline_write(&apic, T0 + 500, T0 + 200);
	vlapic_tsc_deadline_write(&apic, 0, T0 + 200);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	/* A deadline in the past fires at the next poll. */
	assert_int_equal(vlapic_acknowledge(&apic), 0x50);
	wr(VLAPIC_REG_EOI, 0);
	vlapic_tsc_deadline_write(&apic, 5, T0 + 300);
	assert_int_equal(vlapic_timer_next(&apic), 5);
	vlapic_timer_poll(&apic, T0 + 301);
	assert_true(irr_has(0x50));
	/* Leaving the mode disarms and clears the deadline. */
	vlapic_tsc_deadline_write(&apic, T0 + 900, T0 + 400);
	wr(VLAPIC_REG_LVT_TIMER, 0x50);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	wr(VLAPIC_REG_LVT_TIMER, 0x50 | MODE(VLAPIC_LVT_TIMER_DEADLINE));
	assert_int_equal(vlapic_tsc_deadline_read(&apic), 0);
	/* The reserved mode 11b leaves the mode unchanged. */
	wr(VLAPIC_REG_LVT_TIMER, 0x51 | MODE(3));
	assert_int_equal(rd(VLAPIC_REG_LVT_TIMER), 0x51 | MODE(VLAPIC_LVT_TIMER_DEADLINE));
}

static void test_apic_base_transitions(void **state)
{
	const uint64_t disabled = VLAPIC_DEFAULT_BASE;

	/* Reserved bits. */
	assert_int_equal(vlapic_set_apic_base(&apic, XAPIC_BASE | 1, MAXPHYADDR), -EINVAL);
	assert_int_equal(vlapic_set_apic_base(&apic, XAPIC_BASE | (1 << 9), MAXPHYADDR), -EINVAL);
	assert_int_equal(vlapic_set_apic_base(&apic, XAPIC_BASE | (1ULL << MAXPHYADDR), MAXPHYADDR),
			 -EINVAL);
	assert_int_equal(vlapic_set_apic_base(&apic, XAPIC_BASE | (1ULL << 40), 39), -EINVAL);
	/* EXTD without EN. */
	assert_int_equal(vlapic_set_apic_base(&apic, disabled | VLAPIC_APIC_BASE_EXTD, MAXPHYADDR),
			 -EINVAL);
	/* Relocation; BSP is read-only (kept set). */
	assert_int_equal(vlapic_set_apic_base(&apic, 0xfed00000 | VLAPIC_APIC_BASE_EN, MAXPHYADDR),
			 0);
	assert_int_equal(vlapic_mmio_base(&apic), 0xfed00000);
	assert_int_equal(vlapic_get_apic_base(&apic),
			 0xfed00000 | VLAPIC_APIC_BASE_EN | VLAPIC_APIC_BASE_BSP);
	assert_int_equal(vlapic_set_apic_base(&apic, XAPIC_BASE, MAXPHYADDR), 0);
	/* xAPIC -> x2APIC -> xAPIC is refused; x2APIC -> disabled -> x2APIC too. */
	wr(VLAPIC_REG_TPR, 0x20);
	to_x2apic();
	assert_true(vlapic_x2apic_mode(&apic));
	assert_int_equal(msr_rd(0x808), 0x20); /* state kept across xAPIC -> x2APIC */
	assert_int_equal(vlapic_set_apic_base(&apic, XAPIC_BASE, MAXPHYADDR), -EINVAL);
	assert_true(vlapic_x2apic_mode(&apic));
	assert_int_equal(vlapic_set_apic_base(&apic, disabled, MAXPHYADDR), 0);
	assert_false(vlapic_hw_enabled(&apic));
	assert_true(vlapic_get_apic_base(&apic) & VLAPIC_APIC_BASE_BSP);
	assert_int_equal(vlapic_set_apic_base(&apic, X2APIC_BASE, MAXPHYADDR), -EINVAL);
	/* Disabled: nothing accepted, nothing pending, page not the APIC's. */
	vlapic_accept_irq(&apic, 0x40, false);
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	assert_int_equal(vlapic_acknowledge(&apic), -1);
	assert_int_equal(rd(VLAPIC_REG_VERSION), 0xffffffff);
	/* Re-enabled: the power-up state (SDM 3A 11.4.3), ID kept. */
	assert_int_equal(vlapic_set_apic_base(&apic, XAPIC_BASE, MAXPHYADDR), 0);
	assert_int_equal(rd(VLAPIC_REG_TPR), 0);
	assert_int_equal(rd(VLAPIC_REG_SVR), 0xff);
	assert_int_equal(rd(VLAPIC_REG_ID), APIC_ID << 24);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), VLAPIC_LVT_MASKED);
}

static void test_disable_stops_timer_and_clears_irr(void **state)
{
	timer_setup(0x40, DIVIDE_BY_1);
	wr_at(VLAPIC_REG_TIMER_INITIAL, 10, T0);
	vlapic_accept_irq(&apic, 0x60, false);
	assert_int_equal(vlapic_set_apic_base(&apic, VLAPIC_DEFAULT_BASE, MAXPHYADDR), 0);
	assert_int_equal(vlapic_timer_next(&apic), 0);
	assert_int_equal(apic.irr[3], 0);
	assert_true(vlapic_accepts_extint(&apic));
}

static void test_x2apic_msr_gp(void **state)
{
	uint64_t v;

	/* Not in x2APIC mode: every MSR faults. */
	assert_int_equal(vlapic_msr_read(&apic, 0x802, T0, &v), -EINVAL);
	assert_int_equal(msr_wr(0x808, 0), -EINVAL);
	to_x2apic();
	static const uint32_t absent[] = {0x800, 0x801, 0x804, 0x809, 0x80c, 0x80e, 0x829,
					  0x82f, 0x831, 0x83a, 0x840, 0x8ff, 0x7ff, 0x900};
	for (size_t i = 0; i < ARRAY_SIZE(absent); i++) {
		assert_int_equal(vlapic_msr_read(&apic, absent[i], T0, &v), -EINVAL);
		assert_int_equal(msr_wr(absent[i], 0), -EINVAL);
	}
	/* Write-only registers. */
	assert_int_equal(vlapic_msr_read(&apic, VLAPIC_MSR_EOI, T0, &v), -EINVAL);
	/* Read-only registers. */
	static const uint32_t read_only[] = {0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817,
					     0x818, 0x81f, 0x820, 0x827, 0x839};
	for (size_t i = 0; i < ARRAY_SIZE(read_only); i++) {
		assert_int_equal(vlapic_msr_read(&apic, read_only[i], T0, &v), 0);
		assert_int_equal(msr_wr(read_only[i], 0), -EINVAL);
	}
	/* Non-zero EOI and ESR writes. */
	assert_int_equal(msr_wr(VLAPIC_MSR_EOI, 1), -EINVAL);
	assert_int_equal(msr_wr(0x828, 1), -EINVAL);
	/* Reserved bits. */
	assert_int_equal(msr_wr(0x808, 0x100), -EINVAL);
	assert_int_equal(msr_wr(0x808, 1ULL << 32), -EINVAL);
	assert_int_equal(msr_wr(0x80f, 0x1000 | SVR_ON), -EINVAL); /* no directed EOI */
	assert_int_equal(msr_wr(0x83e, 0x4), -EINVAL);
	assert_int_equal(msr_wr(0x832, 1u << 13), -EINVAL);
	assert_int_equal(msr_wr(0x832, MODE(VLAPIC_LVT_TIMER_DEADLINE)), -EINVAL); /* not offered */
	assert_int_equal(msr_wr(0x837, VLAPIC_LVT_LEVEL), -EINVAL);
	assert_int_equal(msr_wr(0x838, 1ULL << 32), -EINVAL);
	/* What is defined works, read-only status bits tolerated. */
	assert_int_equal(msr_wr(0x808, 0xff), 0);
	assert_int_equal(msr_rd(0x808), 0xff);
	assert_int_equal(msr_wr(0x835, 0x700 | VLAPIC_LVT_LEVEL | VLAPIC_LVT_REMOTE_IRR), 0);
	assert_int_equal(msr_rd(0x835), 0x700 | VLAPIC_LVT_LEVEL);
	assert_int_equal(msr_wr(0x83e, 0xb), 0);
	assert_int_equal(msr_rd(0x83e), 0xb);
	assert_int_equal(msr_wr(0x838, 50), 0);
	assert_true(fx.timer_changed);
	assert_int_equal(msr_rd(0x838), 50);
	assert_int_equal(vlapic_timer_next(&apic), T0 + 50);
	assert_int_equal(msr_rd(0x839), 50);
	/* The xAPIC page is gone in x2APIC mode. */
	assert_int_equal(rd(VLAPIC_REG_TPR), 0xffffffff);
	wr(VLAPIC_REG_TPR, 0);
	assert_int_equal(msr_rd(0x808), 0xff);
}

static void test_init_signal(void **state)
{
	vlapic_reset(&apic, 0x1234, false);
	wr(VLAPIC_REG_SVR, SVR_ON);
	to_x2apic();
	vlapic_set_tsc_deadline_offered(&apic, true);
	assert_int_equal(msr_wr(0x808, 0x30), 0);
	assert_int_equal(msr_wr(0x835, 0x700), 0);
	vlapic_accept_irq(&apic, 0x50, false);
	vlapic_init_signal(&apic);
	assert_true(vlapic_x2apic_mode(&apic)); /* APIC base kept */
	assert_int_equal(msr_rd(0x802), 0x1234);
	assert_int_equal(msr_rd(0x80d), 0x01230010);
	assert_int_equal(msr_rd(0x808), 0);
	assert_int_equal(msr_rd(0x80f), 0xff);
	assert_int_equal(msr_rd(0x835), VLAPIC_LVT_MASKED);
	assert_int_equal(msr_rd(0x820 + 2), 0);
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	assert_true(apic.tsc_deadline_offered);
}

static void test_software_disable(void **state)
{
	wr(VLAPIC_REG_LVT_LINT0, 0x700);
	wr(VLAPIC_REG_LVT_TIMER, 0x40);
	vlapic_accept_irq(&apic, 0x70, false);
	/* Software disable: every LVT masked, IRR held and still presented. */
	assert_true(vlapic_sw_enabled(&apic));
	wr(VLAPIC_REG_SVR, 0x0ef);
	assert_int_equal(rd(VLAPIC_REG_SVR), 0xef);
	for (uint32_t r = VLAPIC_REG_LVT_TIMER; r <= VLAPIC_REG_LVT_ERROR; r += 16)
		assert_true(rd(r) & VLAPIC_LVT_MASKED);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0x700 | VLAPIC_LVT_MASKED);
	assert_int_equal(vlapic_pending_vector(&apic), 0x70);
	/* Unmasking is refused while disabled; other fields are written. */
	wr(VLAPIC_REG_LVT_LINT0, 0x400);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0x400 | VLAPIC_LVT_MASKED);
	/* New fixed interrupts are not accepted. */
	vlapic_accept_irq(&apic, 0x80, false);
	assert_false(irr_has(0x80));
	/* Nothing pending: the spurious vector from SVR. */
	assert_int_equal(vlapic_acknowledge(&apic), 0x70);
	assert_int_equal(vlapic_acknowledge(&apic), 0xef);
	/* Re-enabling leaves the masks set. */
	wr(VLAPIC_REG_SVR, 0x1ef);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0x400 | VLAPIC_LVT_MASKED);
	/* SVR bit 12 (directed EOI) is not offered: not stored. */
	wr(VLAPIC_REG_SVR, 0x11ff);
	assert_int_equal(rd(VLAPIC_REG_SVR), 0x1ff);
}

static void test_lvt_writable_bits(void **state)
{
	static const struct {
		uint32_t reg, stored;
	} cases[] = {
	    {VLAPIC_REG_LVT_TIMER, 0x000300ff},	  /* vector, mask, periodic (no deadline) */
	    {VLAPIC_REG_LVT_THERMAL, 0x000107ff}, /* + delivery mode */
	    {VLAPIC_REG_LVT_PERF, 0x000107ff},
	    {VLAPIC_REG_LVT_LINT0, 0x0001a7ff}, /* + polarity, trigger; remote IRR read-only */
	    {VLAPIC_REG_LVT_LINT1, 0x0001a7ff},
	    {VLAPIC_REG_LVT_ERROR, 0x000100ff},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		wr(cases[i].reg, 0xffffffff);
		assert_int_equal(rd(cases[i].reg), cases[i].stored);
		wr(cases[i].reg, 0);
		assert_int_equal(rd(cases[i].reg), 0);
	}
	vlapic_set_tsc_deadline_offered(&apic, true);
	wr(VLAPIC_REG_LVT_TIMER, 0xffffffff & ~(1u << 17)); /* mode 10b */
	assert_int_equal(rd(VLAPIC_REG_LVT_TIMER), 0x000500ff);
	/* Turning the offer off leaves a deadline timer in one-shot mode, disarmed. */
	vlapic_tsc_deadline_write(&apic, T0 + 10, T0);
	vlapic_set_tsc_deadline_offered(&apic, false);
	assert_int_equal(rd(VLAPIC_REG_LVT_TIMER), 0x000100ff);
	assert_int_equal(vlapic_timer_next(&apic), 0);
}

static void test_extint_acceptance(void **state)
{
	assert_false(vlapic_accepts_extint(&apic)); /* LINT0 masked after reset */
	wr(VLAPIC_REG_LVT_LINT0, 0x700);
	assert_true(vlapic_accepts_extint(&apic));
	wr(VLAPIC_REG_LVT_LINT0, 0x400); /* NMI delivery */
	assert_false(vlapic_accepts_extint(&apic));
	wr(VLAPIC_REG_LVT_LINT0, 0x700 | VLAPIC_LVT_MASKED);
	assert_false(vlapic_accepts_extint(&apic));
	wr(VLAPIC_REG_LVT_LINT0, 0x700);
	wr(VLAPIC_REG_SVR, 0xff);
	assert_false(vlapic_accepts_extint(&apic));
	/* Hardware-disabled: INTR goes to the core directly. */
	assert_int_equal(vlapic_set_apic_base(&apic, VLAPIC_DEFAULT_BASE, MAXPHYADDR), 0);
	assert_true(vlapic_accepts_extint(&apic));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_reset_values, setup),
	    cmocka_unit_test_setup(test_id_version_and_odd_offsets, setup),
	    cmocka_unit_test_setup(test_tpr_ppr, setup),
	    cmocka_unit_test_setup(test_priority_acceptance, setup),
	    cmocka_unit_test_setup(test_acknowledge_eoi_nesting, setup),
	    cmocka_unit_test_setup(test_tmr_and_eoi_broadcast, setup),
	    cmocka_unit_test_setup(test_esr_latch_and_error_lvt, setup),
	    cmocka_unit_test_setup(test_icr_xapic, setup),
	    cmocka_unit_test_setup(test_icr_x2apic, setup),
	    cmocka_unit_test_setup(test_dest_physical_and_broadcast, setup),
	    cmocka_unit_test_setup(test_dest_logical_xapic, setup),
	    cmocka_unit_test_setup(test_dest_logical_x2apic, setup),
	    cmocka_unit_test_setup(test_timer_one_shot, setup),
	    cmocka_unit_test_setup(test_timer_divide_values, setup),
	    cmocka_unit_test_setup(test_timer_periodic, setup),
	    cmocka_unit_test_setup(test_timer_masked_and_mode_change, setup),
	    cmocka_unit_test_setup(test_timer_tsc_deadline, setup),
	    cmocka_unit_test_setup(test_apic_base_transitions, setup),
	    cmocka_unit_test_setup(test_disable_stops_timer_and_clears_irr, setup),
	    cmocka_unit_test_setup(test_x2apic_msr_gp, setup),
	    cmocka_unit_test_setup(test_init_signal, setup),
	    cmocka_unit_test_setup(test_software_disable, setup),
	    cmocka_unit_test_setup(test_lvt_writable_bits, setup),
	    cmocka_unit_test_setup(test_extint_acceptance, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
