/*
 * Virtual interrupts for a vCPU: one pending external interrupt line and a
 * paravirtual one-shot timer (HC_SET_TIMER). Delivery follows the
 * architecture: only when the guest can take an interrupt (RFLAGS.IF, no
 * interrupt shadow; otherwise the backend's interrupt-window exit brings
 * the vCPU back as soon as it can), and only if the vector's priority class
 * is above the guest's TPR (CR8, SDM 3A 10.8.3.1): a masked interrupt waits
 * until a MOV to CR8 lowers it.
 */
#ifndef SHOJI_KERNEL_VIRQ_H
#define SHOJI_KERNEL_VIRQ_H

#include "kernel/guest/vcpu.h"

/*
 * A vCPU's interrupt controller: the PC's PIC pair and PIT wired to vCPU 0
 * as on a PC without APIC (kernel/vdev/pc_platform.c), or the vCPU's local
 * APIC with the PIC behind its LINT0 (kernel/vdev/apic_bus.c). Implemented
 * above this layer; polled here before entry. The register hooks are NULL
 * for a chip without registers of its own (the PIC is reached by ports).
 */
struct virq_chip {
	/* Bring the timers up to now_tsc; the TSC at which to poll again (0: never). */
	uint64_t (*poll)(struct virq_chip *c, uint64_t now_tsc);
	/* The vector the next INTA would return, or -1: nothing to deliver. */
	int (*pending)(struct virq_chip *c);
	/* The INTA cycle: the vector, now in service. */
	int (*acknowledge)(struct virq_chip *c);
	/*
	 * Optional: pending and, if a vector is, acknowledge, in one look (the
	 * vector, or -1 with nothing changed). Without it, the two above.
	 */
	int (*take)(struct virq_chip *c);
	/*
	 * RDMSR/WRMSR of the vCPU's own controller (APIC base, x2APIC, TSC
	 * deadline): 0, -ENOENT (not one of its MSRs) or -EINVAL (#GP).
	 */
	int (*msr)(struct virq_chip *c, uint32_t msr, bool write, uint64_t *value);
	/* An MMIO access no device claimed: the chip's if it lies in its page (true). */
	bool (*mmio)(struct virq_chip *c, gpa_t gpa, unsigned size, bool write, uint64_t *value);
	/* The guest wrote CR8 (the TPR's priority class). */
	void (*set_tpr)(struct virq_chip *c, uint8_t cr8);
	/* An EOI the CPU did itself (VEXIT_APIC_EOI), of `vector` (0: not named), or NULL. */
	void (*eoi)(struct virq_chip *c, uint8_t vector);
	/* Last before an entry after a look, on the vCPU's CPU with it loaded, or NULL. */
	void (*enter)(struct virq_chip *c);
};

/* Make `vector` pending for v and wake it if it waits in HLT (any CPU). */
void virq_raise(struct vcpu *v, uint8_t vector);

/* Arm (ns > 0) or cancel (ns == 0) v's one-shot timer. -EINVAL for a bad vector. */
int virq_set_timer(struct vcpu *v, uint64_t ns, uint8_t vector);

/*
 * An interrupt entered v's chip (IRR, any CPU): v looks at it before its next
 * entry, and wakes if it waits in HLT. In v's own exit (a self-IPI, a device
 * v itself drives) that costs no trip through the scheduler.
 */
void virq_chip_notify(struct vcpu *v);

/*
 * v's interrupt chip changed (a device, another vCPU, its state loaded, or
 * v's own port access): it is polled before v's next entry, and v woken if
 * it waits in HLT, whose wake-up time may have moved. Any CPU.
 */
void virq_chip_changed(struct vcpu *v);

/*
 * In an exit handler of v, on its CPU: a register write changed v's own chip
 * (an EOI, the TPR; with timers, a timer armed or stopped). The run loop
 * looks at the chip, polling it if timers, before it enters again, without
 * going back through the scheduler.
 */
static inline void virq_chip_recheck(struct vcpu *v, bool timers)
{
	if (timers)
		v->chip_stale = true;
	v->attention = ~0u;
	v->timer_only = false;
}

/*
 * In an exit handler of v, on its CPU: v's own chip armed a timer for `tsc`
 * (0: stopped it) and nothing else changed. The run loop's chip deadline was
 * the earliest of all the chip's timers when it last polled, so a deadline
 * no later than it is the new earliest as it stands: the run loop arms it
 * without a poll and without a look at the interrupt state (nothing else
 * changed). That is the guest's timer tick; any other change polls the chip.
 */
static inline void virq_chip_timer_armed(struct vcpu *v, uint64_t tsc)
{
	if (tsc && (!v->chip_deadline || tsc <= v->chip_deadline)) {
		v->chip_deadline = tsc;
		/* Unless something else in this exit asked for a look already. */
		v->timer_only = v->attention != ~0u;
		v->attention = ~0u;
	} else {
		virq_chip_recheck(v, true);
	}
}

/* On v's home CPU right before entry: fire a due timer, inject or ask for a window. */
void virq_before_entry(struct vcpu *v);

/* Is an interrupt waiting that v can take once IF allows (HLT must not block)? */
bool virq_pending(struct vcpu *v);

/* When v, blocked in HLT, must wake: its timer or its interrupt chip's (TSC, 0: never). */
uint64_t virq_wake_deadline(struct vcpu *v);

/*
 * A STARTUP IPI for t: if t has not run since its guest started (it waits
 * for SIPI), it starts in real mode at vector << 12 (its run loop sets the
 * state on its own CPU). Otherwise ignored, as by a CPU already running
 * (SDM 3A 10.4.4.1). Returns whether t was started.
 */
bool virq_startup_ipi(struct vcpu *t, uint8_t vector);

#endif
