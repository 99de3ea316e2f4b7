/*
 * A local APIC's state and the register page a CPU's APIC virtualization
 * works on while the guest runs (VT-x's virtual-APIC page): 32-bit registers
 * at their xAPIC MMIO offsets. The CPU writes the guest's TPR there without
 * an exit, and takes in and delivers the guest's self-IPIs on its own (IRR
 * and ISR in the page); every EOI still reaches the owner (an EOI exit),
 * which keeps the struct vlapic as the state that counts. These move what
 * the CPU did into it, and give the CPU its starting view.
 */
#ifndef SHOJI_KERNEL_VDEV_VLAPIC_PAGE_H
#define SHOJI_KERNEL_VDEV_VLAPIC_PAGE_H

#include "kernel/vdev/vlapic.h"

/* 32-bit registers in a page; register n at byte offset 4n (so ISR word w at 0x100 + 16w). */
#define VLAPIC_PAGE_REGS 1024

/* The CPU starts from l: its TPR into the page, the page's IRR and ISR emptied. */
void vlapic_page_reset(const struct vlapic *l, uint32_t *page);

/* The TPR the guest last wrote through the page (no exit told the owner). */
void vlapic_page_take_tpr(struct vlapic *l, const uint32_t *page);

/*
 * The self-IPIs the CPU took in (page IRR: into l's IRR, edge-triggered, and
 * out of the page, which the CPU then holds no more once told: RVI 0) and
 * those it delivered (page ISR: into l's ISR; the page keeps them, the CPU's
 * EOI of one clears its bit there first).
 */
void vlapic_page_take_vectors(struct vlapic *l, uint32_t *page);

/* As the two above, into a copy of l, the page left as it is (its vCPU may run). */
void vlapic_page_peek(struct vlapic *copy, const uint32_t *page);

#endif
