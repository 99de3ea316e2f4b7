/*
 * Virtual local APIC of one vCPU (SDM 3A chapter 11, "Advanced Programmable
 * Interrupt Controller"; chapter 10 in editions before 2021): the xAPIC MMIO
 * page, the x2APIC MSRs 0x800-0x8ff, IA32_APIC_BASE, IA32_TSC_DEADLINE, the
 * timer, interrupt acceptance, priorities, EOI and the ICR.
 *
 * A pure register model: it knows nothing of guests, vCPUs, locks, clocks or
 * other APICs. Its owner serialises calls, passes the time in (guest TSC
 * values, `now`), delivers what a write asks for (struct vlapic_effects:
 * IPIs, EOI broadcasts to the I/O APICs, timer re-arming) and, when the vCPU
 * can take an interrupt, asks vlapic_pending_vector() and runs the INTA cycle
 * with vlapic_acknowledge(). NMI, SMI, INIT, SIPI and ExtINT never enter IRR:
 * the owner handles those messages itself (vlapic_init_signal() for INIT).
 *
 * The timer counts at the TSC rate divided by the divide configuration
 * register (the owner reports a bus clock equal to the TSC clock in CPUID).
 */
#ifndef SHOJI_KERNEL_VDEV_VLAPIC_H
#define SHOJI_KERNEL_VDEV_VLAPIC_H

#include "kernel/core/types.h"

/* IA32_APIC_BASE (MSR 0x1b), SDM 3A 11.4.4 and 11.12.1. */
#define VLAPIC_MSR_APIC_BASE	   0x1b
#define VLAPIC_APIC_BASE_BSP	   (1ULL << 8)
#define VLAPIC_APIC_BASE_EXTD	   (1ULL << 10) /* x2APIC mode */
#define VLAPIC_APIC_BASE_EN	   (1ULL << 11) /* APIC global enable */
#define VLAPIC_APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL
#define VLAPIC_DEFAULT_BASE	   0xfee00000ULL

#define VLAPIC_MSR_TSC_DEADLINE 0x6e0

/* xAPIC MMIO offsets (SDM 3A Table 11-1); x2APIC MSR = 0x800 + offset / 16. */
#define VLAPIC_REG_ID		 0x020
#define VLAPIC_REG_VERSION	 0x030
#define VLAPIC_REG_TPR		 0x080
#define VLAPIC_REG_APR		 0x090
#define VLAPIC_REG_PPR		 0x0a0
#define VLAPIC_REG_EOI		 0x0b0
#define VLAPIC_REG_RRD		 0x0c0
#define VLAPIC_REG_LDR		 0x0d0
#define VLAPIC_REG_DFR		 0x0e0
#define VLAPIC_REG_SVR		 0x0f0
#define VLAPIC_REG_ISR		 0x100 /* 8 registers, 16 bytes apart: vectors 32n..32n+31 */
#define VLAPIC_REG_TMR		 0x180
#define VLAPIC_REG_IRR		 0x200
#define VLAPIC_REG_ESR		 0x280
#define VLAPIC_REG_LVT_CMCI	 0x2f0 /* absent here: max LVT entry is 5 */
#define VLAPIC_REG_ICR_LO	 0x300
#define VLAPIC_REG_ICR_HI	 0x310
#define VLAPIC_REG_LVT_TIMER	 0x320
#define VLAPIC_REG_LVT_THERMAL	 0x330
#define VLAPIC_REG_LVT_PERF	 0x340
#define VLAPIC_REG_LVT_LINT0	 0x350
#define VLAPIC_REG_LVT_LINT1	 0x360
#define VLAPIC_REG_LVT_ERROR	 0x370
#define VLAPIC_REG_TIMER_INITIAL 0x380
#define VLAPIC_REG_TIMER_CURRENT 0x390
#define VLAPIC_REG_TIMER_DIVIDE	 0x3e0
#define VLAPIC_REG_SELF_IPI	 0x3f0 /* x2APIC only (MSR 0x83f) */
#define VLAPIC_MMIO_SIZE	 0x1000

#define VLAPIC_MSR_BASE	    0x800
#define VLAPIC_MSR_LAST	    0x8ff
#define VLAPIC_MSR(reg)	    (VLAPIC_MSR_BASE + ((reg) >> 4))
#define VLAPIC_MSR_ICR	    VLAPIC_MSR(VLAPIC_REG_ICR_LO)   /* 0x830, 64 bits */
#define VLAPIC_MSR_EOI	    VLAPIC_MSR(VLAPIC_REG_EOI)	    /* 0x80b */
#define VLAPIC_MSR_SELF_IPI VLAPIC_MSR(VLAPIC_REG_SELF_IPI) /* 0x83f */

/* Version register: version 0x14 (integrated xAPIC), max LVT entry 5, no directed EOI. */
#define VLAPIC_VERSION_VALUE 0x00050014u

/* LVT entries (SDM 3A Figure 11-8). */
#define VLAPIC_LVT_VECTOR_MASK	   0xffu
#define VLAPIC_LVT_DELIVERY_SHIFT  8
#define VLAPIC_LVT_DELIVERY_MASK   (7u << 8)
#define VLAPIC_LVT_DELIVERY_STATUS (1u << 12) /* read-only, always idle here */
#define VLAPIC_LVT_POLARITY	   (1u << 13) /* LINT0/1 only */
#define VLAPIC_LVT_REMOTE_IRR	   (1u << 14) /* LINT0/1 only, read-only */
#define VLAPIC_LVT_LEVEL	   (1u << 15) /* LINT0/1 only */
#define VLAPIC_LVT_MASKED	   (1u << 16)
#define VLAPIC_LVT_TIMER_SHIFT	   17
#define VLAPIC_LVT_TIMER_ONESHOT   0u
#define VLAPIC_LVT_TIMER_PERIODIC  1u
#define VLAPIC_LVT_TIMER_DEADLINE  2u

/* SVR (SDM 3A Figure 11-23). */
#define VLAPIC_SVR_VECTOR_MASK 0xffu
#define VLAPIC_SVR_ENABLE      (1u << 8) /* APIC software enable */
#define VLAPIC_SVR_FOCUS       (1u << 9) /* focus processor checking: stored, no effect */

/* ESR bits (SDM 3A Figure 11-9). */
#define VLAPIC_ESR_REDIRECTABLE_IPI (1u << 4)
#define VLAPIC_ESR_SEND_ILLEGAL	    (1u << 5)
#define VLAPIC_ESR_RECEIVE_ILLEGAL  (1u << 6)
#define VLAPIC_ESR_ILLEGAL_REGISTER (1u << 7)

#define VLAPIC_FIRST_LEGAL_VECTOR 16 /* vectors 0-15 are illegal (SDM 3A 11.5.2) */
#define VLAPIC_VECTORS		  256
#define VLAPIC_VECTOR_WORDS	  (VLAPIC_VECTORS / 32)

enum vlapic_lvt {
	VLAPIC_LVT_TIMER,
	VLAPIC_LVT_THERMAL,
	VLAPIC_LVT_PERF,
	VLAPIC_LVT_LINT0,
	VLAPIC_LVT_LINT1,
	VLAPIC_LVT_ERROR,
	VLAPIC_LVT_COUNT,
};

/* ICR and LVT delivery modes (SDM 3A Figure 11-12); 3 is reserved, 7 is LVT-only. */
enum vlapic_delivery {
	VLAPIC_DM_FIXED = 0,
	VLAPIC_DM_LOWEST = 1,
	VLAPIC_DM_SMI = 2,
	VLAPIC_DM_NMI = 4,
	VLAPIC_DM_INIT = 5,
	VLAPIC_DM_STARTUP = 6,
	VLAPIC_DM_EXTINT = 7,
};

enum vlapic_shorthand {
	VLAPIC_SH_NONE = 0,
	VLAPIC_SH_SELF = 1,
	VLAPIC_SH_ALL_INCL = 2,
	VLAPIC_SH_ALL_EXCL = 3,
};

/*
 * An IPI the guest asked for by writing the ICR (or the x2APIC SELF IPI
 * register), decoded. The owner delivers it: for each APIC the shorthand
 * names, or each that vlapic_match_dest(dest, logical) accepts, a FIXED or
 * LOWEST vector through vlapic_accept_irq() (LOWEST: to one of them), the
 * other modes as the owner's own events. The fields are as written; a P4 and
 * later xAPIC sends every IPI edge-triggered (SDM 3A Table 11-3 note 2), so
 * the owner should pass level_triggered = false to vlapic_accept_irq().
 */
struct vlapic_ipi {
	bool send; /* false: nothing to deliver */
	uint8_t vector;
	enum vlapic_delivery mode;
	bool logical;	    /* ICR bit 11: logical destination mode */
	bool level_assert;  /* ICR bit 14 */
	bool trigger_level; /* ICR bit 15 */
	enum vlapic_shorthand shorthand;
	uint32_t dest; /* xAPIC: 8 bits; x2APIC: 32 bits; unused with a shorthand */
};

/*
 * What a register write asks the owner to do. Every write function resets
 * it first (eoi_vector -1, the rest 0), so it describes that one call.
 */
struct vlapic_effects {
	struct vlapic_ipi ipi;
	int eoi_vector;	    /* -1, or the level-triggered vector just EOI'd: broadcast it */
	bool timer_changed; /* re-read vlapic_timer_next() */
	bool tpr_changed;   /* the guest wrote TPR */
	/*
	 * An EOI with nothing in IRR: it cannot let an interrupt through, so
	 * the owner need not look at the interrupt state again.
	 */
	bool quiet;
};

struct vlapic {
	uint32_t apic_id;	   /* initial (x2)APIC ID: read-only to the guest */
	uint64_t apic_base;	   /* IA32_APIC_BASE as the guest reads it */
	bool tsc_deadline_offered; /* LVT timer mode 2 allowed (CPUID.1:ECX[24]) */

	uint32_t tpr;
	uint32_t ldr; /* xAPIC: bits 31:24; x2APIC mode derives it from apic_id */
	uint32_t dfr;
	uint32_t svr;
	uint32_t isr[VLAPIC_VECTOR_WORDS];
	uint32_t tmr[VLAPIC_VECTOR_WORDS];
	uint32_t irr[VLAPIC_VECTOR_WORDS];
	uint32_t esr;	      /* as read: the errors latched by the last ESR write */
	uint32_t esr_pending; /* errors detected since that write */
	uint32_t icr_lo;
	uint32_t icr_hi; /* xAPIC: destination in bits 31:24; x2APIC: all 32 bits */
	uint32_t lvt[VLAPIC_LVT_COUNT];

	uint32_t timer_initial;
	uint32_t timer_divide; /* divide configuration register, bits 0, 1, 3 */
	bool timer_armed;
	uint64_t timer_expiry; /* TSC of the next expiry while armed */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE; 0 = disarmed */
};

/*
 * Power-on / RESET (SDM 3A 11.4.7.1): IRR, ISR, TMR, ICR, LDR, TPR, timer
 * registers and ESR 0, DFR all ones, every LVT masked, SVR 0xff (software
 * disabled), APIC base 0xfee00000 with EN (and BSP if bsp), xAPIC mode, TSC
 * deadline mode not offered (vlapic_set_tsc_deadline_offered() after reset).
 */
void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp);

/* INIT (SDM 3A 11.4.7.3): as RESET, but APIC ID, IA32_APIC_BASE and the offer kept. */
void vlapic_init_signal(struct vlapic *l);

/* Allow LVT timer mode 2 (TSC-deadline). Turning it off leaves a deadline timer one-shot. */
void vlapic_set_tsc_deadline_offered(struct vlapic *l, bool offered);

/* Inline: every access to the APIC's page asks them first. */
static inline bool vlapic_hw_enabled(const struct vlapic *l) /* IA32_APIC_BASE.EN */
{
	return l->apic_base & VLAPIC_APIC_BASE_EN;
}

static inline bool vlapic_sw_enabled(const struct vlapic *l) /* EN and SVR bit 8 */
{
	return vlapic_hw_enabled(l) && (l->svr & VLAPIC_SVR_ENABLE);
}

static inline bool vlapic_x2apic_mode(const struct vlapic *l)
{
	return vlapic_hw_enabled(l) && (l->apic_base & VLAPIC_APIC_BASE_EXTD);
}

static inline gpa_t vlapic_mmio_base(const struct vlapic *l)
{
	return l->apic_base & VLAPIC_APIC_BASE_ADDR_MASK;
}

uint64_t vlapic_get_apic_base(const struct vlapic *l); /* RDMSR IA32_APIC_BASE */
uint32_t vlapic_id(const struct vlapic *l);

/*
 * WRMSR IA32_APIC_BASE. -EINVAL (the owner injects #GP) for reserved bits
 * (0-7, 9, maxphyaddr and above) and the transitions SDM 3A 11.12.5 forbids:
 * EXTD without EN, disabled -> x2APIC, x2APIC -> xAPIC. BSP is read-only.
 * Clearing EN resets the APIC (SDM 3A 11.4.3), keeping its ID and base;
 * the timer stops, so re-read vlapic_timer_next() after a successful call.
 */
int vlapic_set_apic_base(struct vlapic *l, uint64_t value, unsigned maxphyaddr);

/*
 * xAPIC MMIO, one aligned 32-bit access at offset (0..0xfff) of the APIC
 * page. Reads of write-only registers and of bytes between registers give 0;
 * a reserved register reads 0 and sets ESR "illegal register address". Writes
 * to read-only registers are ignored (the APIC ID is read-only here, which SDM
 * 3A 11.4.6 allows). Outside xAPIC mode (disabled, x2APIC) the page is not
 * the APIC's (SDM 3A 11.12.2): reads give all ones, writes are ignored.
 */
uint32_t vlapic_mmio_read(struct vlapic *l, uint32_t offset, uint64_t now);
void vlapic_mmio_write(struct vlapic *l, uint32_t offset, uint32_t value, uint64_t now,
		       struct vlapic_effects *fx);

/*
 * x2APIC MSRs 0x800-0x8ff (SDM 3A 11.12.1.2, Table 11-6). -EINVAL (#GP) when
 * not in x2APIC mode, for MSRs without a register, reads of EOI and SELF IPI,
 * writes of read-only registers, non-zero writes of EOI and ESR, and set
 * reserved bits (SDM 3A 11.12.1.3). On -EINVAL nothing changed.
 */
int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value);
int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now,
		     struct vlapic_effects *fx);

/*
 * IA32_TSC_DEADLINE (SDM 3A 11.5.4.1). Reads 0 outside TSC-deadline mode;
 * writes are ignored there. In that mode 0 disarms, anything else arms the
 * timer for that TSC (a past one fires at the next poll); re-read
 * vlapic_timer_next() after a write.
 */
uint64_t vlapic_tsc_deadline_read(const struct vlapic *l);
void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t value, uint64_t now);

/*
 * Fire what is due at now: one-shot (then idle), periodic (re-armed from the
 * previous expiry; missed periods coalesce into one interrupt) or TSC
 * deadline (then the MSR reads 0). The LVT timer vector goes to IRR unless
 * the entry is masked.
 */
void vlapic_timer_poll(struct vlapic *l, uint64_t now);

/* TSC at which the timer next fires, 0 if it is not armed. */
uint64_t vlapic_timer_next(const struct vlapic *l);

/*
 * A fixed or lowest-priority interrupt arriving (I/O APIC, MSI, IPI): sets
 * IRR, and TMR for level_triggered (cleared for edge), SDM 3A 11.8.4.
 * Vectors 0-15 set ESR "receive illegal vector" instead. Ignored while the
 * APIC is hardware- or software-disabled (it then answers only INIT, NMI,
 * SMI and SIPI, SDM 3A 11.4.7.2, which the owner handles).
 */
void vlapic_accept_irq(struct vlapic *l, uint8_t vector, bool level_triggered);

/*
 * The highest IRR vector whose priority class is above PPR's (SDM 3A
 * 11.8.3.1), or -1 (also when hardware-disabled). A software-disabled APIC
 * still presents what IRR holds (SDM 3A 11.4.7.2: held for the CPU).
 */
int vlapic_pending_vector(const struct vlapic *l);

/*
 * INTA: moves vlapic_pending_vector() from IRR to ISR and returns it. With
 * nothing pending, the spurious vector (SVR bits 7:0, ISR untouched, SDM 3A
 * 11.9); -1 when hardware-disabled.
 */
int vlapic_acknowledge(struct vlapic *l);

/* INTA only if an interrupt is pending: its vector, moved to ISR, or -1 and nothing done. */
int vlapic_take_pending(struct vlapic *l);

/* TPR as CR8 sees it (CR8 = TPR[7:4]; the owner converts). */
/*
 * The EOI of `vector`, which the CPU's APIC virtualization names (its ISR bit
 * cleared in the CPU's page already): l's ISR bit for it ends, as an EOI
 * write would end the highest. A vector l never had in service (one the CPU
 * delivered itself) changes nothing here; 0 (none named) is the plain EOI.
 */
void vlapic_eoi_vector(struct vlapic *l, int vector, struct vlapic_effects *fx);
/* ISR's highest vector, or -1. */
int vlapic_highest_isr(const struct vlapic *l);
/* Whether an interrupt waits in IRR that the TPR alone holds back. */
bool vlapic_tpr_holds_irr(const struct vlapic *l);

/* The TPR (8 bits): inline, the CPU's page hands it over at every look. */
static inline uint8_t vlapic_get_tpr(const struct vlapic *l)
{
	return (uint8_t)l->tpr;
}

static inline void vlapic_set_tpr(struct vlapic *l, uint8_t tpr)
{
	l->tpr = tpr;
}
uint8_t vlapic_get_ppr(const struct vlapic *l);

/*
 * Does this APIC take a message for dest (SDM 3A 11.6.2)? Physical: the
 * APIC ID, or the broadcast 0xff (xAPIC) / 0xffffffff (x2APIC). Logical:
 * xAPIC flat or cluster model (DFR) against LDR, x2APIC cluster against the
 * derived LDR. In xAPIC mode dest is 8 bits: larger values never match
 * (except 0xffffffff), nor does an APIC ID above 0xfe physically. A
 * hardware-disabled APIC matches nothing.
 */
bool vlapic_match_dest(const struct vlapic *l, uint32_t dest, bool logical);

/*
 * May the 8259's INTR reach the CPU? Yes when the APIC is hardware-disabled
 * (INTR goes straight to the core) or LINT0 is unmasked with delivery mode
 * ExtINT on a software-enabled APIC (virtual wire mode).
 */
bool vlapic_accepts_extint(const struct vlapic *l);

#endif
