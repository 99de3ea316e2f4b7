/* unit-test-sources: kernel/vdev/vlapic.c kernel/vdev/vlapic_page.c */
/*
 * A local APIC beside a CPU's APIC virtualization: the EOI the CPU names
 * (vlapic_eoi_vector), an interrupt held back by the TPR alone, and what
 * moves between the struct vlapic and the CPU's register page: the TPR the
 * guest wrote there, the self-IPIs the CPU took in and those it delivered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/vdev/vlapic_page.h"

#define APIC_ID	 0
#define SVR_ON	 (VLAPIC_SVR_ENABLE | 0xff)
#define T0	 1000ULL
#define REG(off) ((off) / 4)

static struct vlapic apic;
static struct vlapic_effects fx;
static uint32_t page[VLAPIC_PAGE_REGS];

static bool isr_has(const struct vlapic *l, unsigned vector)
{
	return l->isr[vector / 32] & (1u << (vector % 32));
}

static bool irr_has(const struct vlapic *l, unsigned vector)
{
	return l->irr[vector / 32] & (1u << (vector % 32));
}

static void page_set(unsigned base, unsigned vector)
{
	page[REG(base + 16 * (vector / 32))] |= 1u << (vector % 32);
}

static int setup(void **state)
{
	vlapic_reset(&apic, APIC_ID, true);
	vlapic_mmio_write(&apic, VLAPIC_REG_SVR, SVR_ON, T0, &fx);
	memset(page, 0xa5, sizeof(page)); /* whatever the CPU left there */
	return 0;
}

/* In service: 0x40, then 0x80 nested. */
static void nest_two(void)
{
	vlapic_accept_irq(&apic, 0x40, false);
	assert_int_equal(vlapic_acknowledge(&apic), 0x40);
	vlapic_accept_irq(&apic, 0x80, true);
	assert_int_equal(vlapic_acknowledge(&apic), 0x80);
}

static void test_eoi_vector_named(void **state)
{
	nest_two();
	assert_int_equal(vlapic_highest_isr(&apic), 0x80);
	vlapic_eoi_vector(&apic, 0x80, &fx);
	assert_false(isr_has(&apic, 0x80));
	assert_true(isr_has(&apic, 0x40));
	assert_int_equal(fx.eoi_vector, 0x80); /* level-triggered: broadcast */
	assert_true(fx.quiet);
	vlapic_eoi_vector(&apic, 0x40, &fx);
	assert_int_equal(vlapic_highest_isr(&apic), -1);
	assert_int_equal(fx.eoi_vector, -1);
}

static void test_eoi_vector_not_ours(void **state)
{
	nest_two();
	vlapic_accept_irq(&apic, 0x30, false); /* waits below what is in service */
	/* The CPU delivered 0x90 itself and ended it: lapic's ISR stays as it was. */
	vlapic_eoi_vector(&apic, 0x90, &fx);
	assert_true(isr_has(&apic, 0x80) && isr_has(&apic, 0x40));
	assert_int_equal(fx.eoi_vector, -1);
	assert_false(fx.quiet); /* 0x30 waits */
	/* None named: the plain EOI, the highest in service. */
	vlapic_eoi_vector(&apic, 0, &fx);
	assert_false(isr_has(&apic, 0x80));
	assert_true(isr_has(&apic, 0x40));
	assert_int_equal(fx.eoi_vector, 0x80);
}

static void test_tpr_holds_irr(void **state)
{
	assert_false(vlapic_tpr_holds_irr(&apic)); /* nothing waits */
	vlapic_accept_irq(&apic, 0x51, false);
	assert_false(vlapic_tpr_holds_irr(&apic));
	vlapic_set_tpr(&apic, 0x50);
	assert_true(vlapic_tpr_holds_irr(&apic)); /* same class: held */
	vlapic_set_tpr(&apic, 0x4f);
	assert_false(vlapic_tpr_holds_irr(&apic));
	/* Held by what is in service only: not the TPR's doing. */
	vlapic_set_tpr(&apic, 0);
	vlapic_accept_irq(&apic, 0x60, false);
	assert_int_equal(vlapic_acknowledge(&apic), 0x60);
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	assert_false(vlapic_tpr_holds_irr(&apic));
}

static void test_page_reset_and_tpr(void **state)
{
	vlapic_set_tpr(&apic, 0x20);
	vlapic_page_reset(&apic, page);
	assert_int_equal(page[REG(VLAPIC_REG_TPR)], 0x20);
	for (unsigned w = 0; w < VLAPIC_VECTOR_WORDS; w++) {
		assert_int_equal(page[REG(VLAPIC_REG_IRR + 16 * w)], 0);
		assert_int_equal(page[REG(VLAPIC_REG_ISR + 16 * w)], 0);
	}
	/* The guest wrote TPR through the page: lapic takes it. */
	page[REG(VLAPIC_REG_TPR)] = 0x70;
	vlapic_page_take_tpr(&apic, page);
	assert_int_equal(vlapic_get_tpr(&apic), 0x70);
	assert_int_equal(vlapic_get_ppr(&apic), 0x70);
}

static void test_page_take_vectors(void **state)
{
	vlapic_page_reset(&apic, page);
	vlapic_accept_irq(&apic, 0x41, true); /* level: its TMR bit set */
	/* A self-IPI the CPU took in (waiting), and one it delivered (in service). */
	page_set(VLAPIC_REG_IRR, 0x41);
	page_set(VLAPIC_REG_ISR, 0xf6);
	vlapic_page_take_vectors(&apic, page);
	assert_true(irr_has(&apic, 0x41));
	assert_int_equal(vlapic_mmio_read(&apic, VLAPIC_REG_TMR + 0x20, T0), 0); /* now edge */
	assert_true(isr_has(&apic, 0xf6));
	assert_int_equal(page[REG(VLAPIC_REG_IRR + 0x20)], 0);	   /* out of the page */
	assert_int_not_equal(page[REG(VLAPIC_REG_ISR + 0x70)], 0); /* the CPU's until its EOI */
	/* Held by 0xf6 in service: the CPU's EOI of it lets 0x41 through. */
	assert_int_equal(vlapic_pending_vector(&apic), -1);
	vlapic_eoi_vector(&apic, 0xf6, &fx);
	assert_false(fx.quiet);
	assert_int_equal(vlapic_pending_vector(&apic), 0x41);
}

static void test_page_peek(void **state)
{
	struct vlapic copy = apic;
	vlapic_page_reset(&apic, page);
	page[REG(VLAPIC_REG_TPR)] = 0x30;
	page_set(VLAPIC_REG_IRR, 0x99);
	page_set(VLAPIC_REG_ISR, 0xa0);
	vlapic_page_peek(&copy, page);
	assert_int_equal(vlapic_get_tpr(&copy), 0x30);
	assert_true(irr_has(&copy, 0x99));
	assert_true(isr_has(&copy, 0xa0));
	/* Neither the page nor lapic changed. */
	assert_int_not_equal(page[REG(VLAPIC_REG_IRR + 0x40)], 0);
	assert_false(irr_has(&apic, 0x99));
	assert_int_equal(vlapic_get_tpr(&apic), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_eoi_vector_named, setup),
	    cmocka_unit_test_setup(test_eoi_vector_not_ours, setup),
	    cmocka_unit_test_setup(test_tpr_holds_irr, setup),
	    cmocka_unit_test_setup(test_page_reset_and_tpr, setup),
	    cmocka_unit_test_setup(test_page_take_vectors, setup),
	    cmocka_unit_test_setup(test_page_peek, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
