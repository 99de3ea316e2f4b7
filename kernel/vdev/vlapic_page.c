/* A local APIC's state and the CPU's register page (see vlapic_page.h). */
#include "kernel/vdev/vlapic_page.h"

#define REG(offset)	    ((offset) / sizeof(uint32_t))
#define VECTOR_REG(base, w) REG((base) + 16 * (w)) /* word w of ISR, TMR or IRR */
#define TPR_BITS	    0xffu

void vlapic_page_reset(const struct vlapic *l, uint32_t *page)
{
	page[REG(VLAPIC_REG_TPR)] = vlapic_get_tpr(l);
	for (unsigned w = 0; w < VLAPIC_VECTOR_WORDS; w++) {
		page[VECTOR_REG(VLAPIC_REG_IRR, w)] = 0;
		page[VECTOR_REG(VLAPIC_REG_ISR, w)] = 0;
	}
}

void vlapic_page_take_tpr(struct vlapic *l, const uint32_t *page)
{
	vlapic_set_tpr(l, (uint8_t)(page[REG(VLAPIC_REG_TPR)] & TPR_BITS));
}

/* The page's IRR (self-IPIs, SDM 3C 29.1.5: edge-triggered) and ISR into l's. */
static void merge_vectors(struct vlapic *l, const uint32_t *page)
{
	for (unsigned w = 0; w < VLAPIC_VECTOR_WORDS; w++) {
		uint32_t taken = page[VECTOR_REG(VLAPIC_REG_IRR, w)];
		l->irr[w] |= taken;
		l->tmr[w] &= ~taken;
		l->isr[w] |= page[VECTOR_REG(VLAPIC_REG_ISR, w)];
	}
}

void vlapic_page_take_vectors(struct vlapic *l, uint32_t *page)
{
	merge_vectors(l, page);
	for (unsigned w = 0; w < VLAPIC_VECTOR_WORDS; w++)
		page[VECTOR_REG(VLAPIC_REG_IRR, w)] = 0;
}

void vlapic_page_peek(struct vlapic *copy, const uint32_t *page)
{
	vlapic_page_take_tpr(copy, page);
	merge_vectors(copy, page);
}
