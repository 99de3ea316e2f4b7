/*
 * Virtual local APIC: the register model of one xAPIC/x2APIC (SDM 3A
 * chapter 11). Owns one struct vlapic; it touches no host hardware (the
 * hypervisor's own APIC is drivers/lapic.c), no guest, no vCPU and no other
 * APIC: what must leave it (IPIs, EOI broadcasts, timer re-arming) leaves
 * through struct vlapic_effects, vectors through vlapic_acknowledge().
 *
 * Every value a guest writes has a defined effect; nothing here asserts.
 * Time is the guest TSC the owner passes in; unsigned arithmetic saturates
 * rather than wraps where a sum could pass 2^64.
 *
 * Not modelled: CMCI (max LVT entry 5), directed EOI (SVR bit 12), the
 * remote read register (reads 0), LINT0/LINT1/thermal/perf delivery (the
 * owner reads their LVTs), arbitration and APR (reads 0), a writable APIC ID.
 */
#include "kernel/vdev/vlapic.h"

#include <errno.h>
#include <string.h>

#define APIC_BASE_RESERVED_LOW 0x2ffULL /* bits 0-7 and 9 (SDM 3A Figure 11-5) */
#define MAXPHYADDR_MIN	       32
#define MAXPHYADDR_MAX	       52

#define XAPIC_ID_SHIFT	     24 /* xAPIC ID and LDR live in bits 31:24 */
#define XAPIC_ID_MASK	     0xff000000u
#define XAPIC_BROADCAST	     0xffu
#define X2APIC_BROADCAST     0xffffffffu
#define DFR_MODEL_MASK	     0xf0000000u
#define DFR_RESERVED_ONES    0x0fffffffu /* DFR bits 27:0 read as ones */
#define DFR_MODEL_FLAT	     0xfu
#define DFR_MODEL_CLUSTER    0x0u
#define DFR_MODEL_SHIFT	     28
#define X2APIC_CLUSTER_SHIFT 16 /* x2APIC LDR: cluster in 31:16, one bit of 15:0 */
#define X2APIC_LOGICAL_MASK  0xffffu
#define XAPIC_CLUSTER_SHIFT  4 /* xAPIC cluster model: cluster in 7:4, members in 3:0 */
#define XAPIC_MEMBER_MASK    0xfu

#define PRIORITY_CLASS	0xf0u /* bits 7:4 of a vector, TPR, PPR */
#define TPR_MASK	0xffu
#define SVR_WRITABLE	(VLAPIC_SVR_VECTOR_MASK | VLAPIC_SVR_ENABLE | VLAPIC_SVR_FOCUS)
#define SVR_RESET	0xffu
#define DIVIDE_WRITABLE 0xbu /* bits 0, 1, 3 (SDM 3A Figure 11-10) */
#define DIVIDE_BY_1	7u   /* encoding 111b; the others are 2 << encoding */

/* ICR (SDM 3A Figure 11-12). */
#define ICR_VECTOR_MASK	    0xffu
#define ICR_DELIVERY_SHIFT  8
#define ICR_DELIVERY_MASK   7u
#define ICR_LOGICAL	    (1u << 11)
#define ICR_DELIVERY_STATUS (1u << 12) /* xAPIC: read-only (idle); x2APIC: ignored */
#define ICR_LEVEL_ASSERT    (1u << 14)
#define ICR_TRIGGER_LEVEL   (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_SHORTHAND_MASK  3u
#define ICR_LO_WRITABLE	    0x000ccfffu
#define ICR_DM_RESERVED	    3u

#define MSR_HIGH_SHIFT	  32
#define SELF_IPI_WRITABLE 0xffu

#define LVT_TIMER_MODE_MASK	(3u << VLAPIC_LVT_TIMER_SHIFT)
#define LVT_TIMER_MODE_RESERVED 3u
#define LVT_BASE_WRITABLE	(VLAPIC_LVT_VECTOR_MASK | VLAPIC_LVT_MASKED)
#define LVT_DM_WRITABLE		(LVT_BASE_WRITABLE | VLAPIC_LVT_DELIVERY_MASK)
#define LVT_LINT_WRITABLE	(LVT_DM_WRITABLE | VLAPIC_LVT_POLARITY | VLAPIC_LVT_LEVEL)

static bool vector_legal(unsigned vector)
{
	return vector >= VLAPIC_FIRST_LEGAL_VECTOR;
}

static bool bit_test(const uint32_t *bits, unsigned vector)
{
	return bits[(vector >> 5) & 7] & (1u << (vector & 31));
}

static void bit_set(uint32_t *bits, unsigned vector)
{
	bits[(vector >> 5) & 7] |= 1u << (vector & 31);
}

static void bit_clear(uint32_t *bits, unsigned vector)
{
	bits[(vector >> 5) & 7] &= ~(1u << (vector & 31));
}

/*
 * The highest vector set in a 256-bit register, or -1. Two words at a time:
 * every EOI and every look before an entry scans IRR or ISR, often empty.
 */
static int highest_vector(const uint32_t *bits)
{
	for (int w = VLAPIC_VECTOR_WORDS - 2; w >= 0; w -= 2) {
		uint64_t pair = (uint64_t)bits[w + 1] << 32 | bits[w];
		if (pair)
			return w * 32 + 63 - __builtin_clzll(pair);
	}
	return -1;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static bool xapic_mode(const struct vlapic *l)
{
	return vlapic_hw_enabled(l) && !(l->apic_base & VLAPIC_APIC_BASE_EXTD);
}


uint64_t vlapic_get_apic_base(const struct vlapic *l)
{
	return l->apic_base;
}

uint32_t vlapic_id(const struct vlapic *l)
{
	return l->apic_id;
}

/* SDM 3A 11.12.10.2: the x2APIC LDR is derived from the x2APIC ID. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << X2APIC_CLUSTER_SHIFT) | (1u << (id & 0xf));
}

static uint32_t ldr_value(const struct vlapic *l)
{
	return vlapic_x2apic_mode(l) ? x2apic_ldr(l->apic_id) : l->ldr;
}

/* --- timer (SDM 3A 11.5.4) --------------------------------------------- */

static unsigned timer_mode(const struct vlapic *l)
{
	return (l->lvt[VLAPIC_LVT_TIMER] >> VLAPIC_LVT_TIMER_SHIFT) & 3;
}

/* log2 of the divider: encodings 000b..110b divide by 2..128, 111b by 1. */
static unsigned timer_shift(uint32_t divide)
{
	unsigned code = ((divide >> 1) & 4) | (divide & 3);

	return code == DIVIDE_BY_1 ? 0 : code + 1;
}

static uint64_t timer_period(const struct vlapic *l)
{
	return (uint64_t)l->timer_initial << timer_shift(l->timer_divide);
}

static void timer_stop(struct vlapic *l)
{
	l->timer_armed = false;
	l->timer_expiry = 0;
}

/* TSC left until the counter reaches 0 (0 when due), for the count-down modes. */
static uint64_t timer_remaining(const struct vlapic *l, uint64_t now)
{
	uint64_t period = timer_period(l);

	if (now < l->timer_expiry)
		return MIN(l->timer_expiry - now, period);
	if (timer_mode(l) != VLAPIC_LVT_TIMER_PERIODIC || period == 0)
		return 0;
	/* Periods passed without a poll: the counter has reloaded meanwhile. */
	return period - (now - l->timer_expiry) % period;
}

static uint32_t timer_current_count(const struct vlapic *l, uint64_t now)
{
	if (!l->timer_armed || timer_mode(l) == VLAPIC_LVT_TIMER_DEADLINE)
		return 0;
	unsigned shift = timer_shift(l->timer_divide);
	uint64_t rem = timer_remaining(l, now);
	uint64_t ticks = (rem >> shift) + ((rem & ((1ULL << shift) - 1)) != 0);

	return (uint32_t)MIN(ticks, (uint64_t)l->timer_initial);
}

/* Writing the initial count (re)starts counting from it; 0 stops the timer. */
static void timer_write_initial(struct vlapic *l, uint32_t value, uint64_t now)
{
	/* SDM 3A 11.5.4.1: ignored in TSC-deadline mode. */
	if (timer_mode(l) == VLAPIC_LVT_TIMER_DEADLINE)
		return;
	l->timer_initial = value;
	timer_stop(l);
	if (value == 0)
		return;
	l->timer_armed = true;
	l->timer_expiry = sat_add(now, timer_period(l));
}

/* A new divider applies from now to what is left of the count, then to whole periods. */
static void timer_write_divide(struct vlapic *l, uint32_t value, uint64_t now)
{
	uint32_t divide = value & DIVIDE_WRITABLE;

	if (l->timer_armed && timer_mode(l) != VLAPIC_LVT_TIMER_DEADLINE && now < l->timer_expiry) {
		uint64_t count = timer_current_count(l, now);
		l->timer_divide = divide;
		l->timer_expiry = sat_add(now, count << timer_shift(divide));
		return;
	}
	l->timer_divide = divide;
}

/* --- acceptance, errors, priorities ------------------------------------- */

static void set_irr(struct vlapic *l, unsigned vector, bool level)
{
	bit_set(l->irr, vector);
	if (level)
		bit_set(l->tmr, vector);
	else
		bit_clear(l->tmr, vector);
}

/*
 * SDM 3A 11.5.3: an error is logged and signalled through the LVT error
 * entry. An illegal error vector is logged, not delivered (no recursion).
 */
static void signal_error(struct vlapic *l, uint32_t esr_bit)
{
	uint32_t lvt = l->lvt[VLAPIC_LVT_ERROR];
	unsigned vector = lvt & VLAPIC_LVT_VECTOR_MASK;

	l->esr_pending |= esr_bit;
	if (!vlapic_sw_enabled(l) || (lvt & VLAPIC_LVT_MASKED))
		return;
	if (!vector_legal(vector)) {
		l->esr_pending |= VLAPIC_ESR_RECEIVE_ILLEGAL;
		return;
	}
	set_irr(l, vector, false);
}

void vlapic_accept_irq(struct vlapic *l, uint8_t vector, bool level_triggered)
{
	if (!vlapic_hw_enabled(l))
		return;
	if (!vector_legal(vector)) {
		signal_error(l, VLAPIC_ESR_RECEIVE_ILLEGAL);
		return;
	}
	if (!vlapic_sw_enabled(l))
		return;
	set_irr(l, vector, level_triggered);
}

/* A local (LVT) interrupt: fixed delivery, edge, unless the entry is masked. */
static void deliver_lvt(struct vlapic *l, enum vlapic_lvt which)
{
	uint32_t lvt = l->lvt[which];

	if (lvt & VLAPIC_LVT_MASKED)
		return;
	vlapic_accept_irq(l, (uint8_t)(lvt & VLAPIC_LVT_VECTOR_MASK), false);
}

/* SDM 3A 11.8.3.1: PPR is TPR, or ISRV's class if that is higher. */
uint8_t vlapic_get_ppr(const struct vlapic *l)
{
	int isrv = highest_vector(l->isr);
	unsigned isr_class = isrv < 0 ? 0 : ((unsigned)isrv & PRIORITY_CLASS);

	if ((l->tpr & PRIORITY_CLASS) >= isr_class)
		return (uint8_t)(l->tpr & TPR_MASK);
	return (uint8_t)isr_class;
}


int vlapic_pending_vector(const struct vlapic *l)
{
	if (!vlapic_hw_enabled(l))
		return -1;
	int vector = highest_vector(l->irr);
	if (vector < 0)
		return -1;
	if (((unsigned)vector & PRIORITY_CLASS) <= (vlapic_get_ppr(l) & PRIORITY_CLASS))
		return -1;
	return vector;
}

int vlapic_take_pending(struct vlapic *l)
{
	int vector = vlapic_pending_vector(l);
	if (vector >= 0) {
		bit_clear(l->irr, (unsigned)vector);
		bit_set(l->isr, (unsigned)vector);
	}
	return vector;
}

int vlapic_acknowledge(struct vlapic *l)
{
	if (!vlapic_hw_enabled(l))
		return -1;
	int vector = vlapic_take_pending(l);
	return vector >= 0 ? vector : (int)(l->svr & VLAPIC_SVR_VECTOR_MASK);
}

static void effects_clear(struct vlapic_effects *fx)
{
	*fx = (struct vlapic_effects){.eoi_vector = -1}; /* stores, not a call to memset */
}

/* SDM 3A 11.8.5: EOI ends the highest ISR vector; a TMR one is broadcast to the I/O APICs. */
static void do_eoi(struct vlapic *l, struct vlapic_effects *fx)
{
	int vector = highest_vector(l->isr);

	fx->quiet = highest_vector(l->irr) < 0;
	if (vector < 0)
		return;
	bit_clear(l->isr, (unsigned)vector);
	if (bit_test(l->tmr, (unsigned)vector))
		fx->eoi_vector = vector;
}

void vlapic_eoi_vector(struct vlapic *l, int vector, struct vlapic_effects *fx)
{
	effects_clear(fx);
	if (vector <= 0 || !bit_test(l->isr, (unsigned)vector)) {
		/* Not one of l's (the CPU's own delivery, or none named): the plain EOI's rule. */
		if (vector > 0) {
			fx->quiet = highest_vector(l->irr) < 0;
			return;
		}
		do_eoi(l, fx);
		return;
	}
	fx->quiet = highest_vector(l->irr) < 0;
	bit_clear(l->isr, (unsigned)vector);
	if (bit_test(l->tmr, (unsigned)vector))
		fx->eoi_vector = vector;
}

int vlapic_highest_isr(const struct vlapic *l)
{
	return highest_vector(l->isr);
}

bool vlapic_tpr_holds_irr(const struct vlapic *l)
{
	int vector = highest_vector(l->irr);
	return vector >= 0 && ((unsigned)vector & PRIORITY_CLASS) <= (l->tpr & PRIORITY_CLASS);
}

/* SDM 3A 11.5.3: a write latches the errors seen since the previous write. */
static void esr_write(struct vlapic *l)
{
	l->esr = l->esr_pending;
	l->esr_pending = 0;
}

/* --- registers ----------------------------------------------------------- */

static void regs_reset(struct vlapic *l)
{
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = DFR_MODEL_MASK | DFR_RESERVED_ONES;
	l->svr = SVR_RESET;
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	memset(l->irr, 0, sizeof(l->irr));
	l->esr = 0;
	l->esr_pending = 0;
	l->icr_lo = 0;
	l->icr_hi = 0;
	for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
		l->lvt[i] = VLAPIC_LVT_MASKED;
	l->timer_initial = 0;
	l->timer_divide = 0;
	l->tsc_deadline = 0;
	timer_stop(l);
}

void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp)
{
	memset(l, 0, sizeof(*l));
	l->apic_id = apic_id;
	l->apic_base = VLAPIC_DEFAULT_BASE | VLAPIC_APIC_BASE_EN | (bsp ? VLAPIC_APIC_BASE_BSP : 0);
	l->tsc_deadline_offered = false;
	regs_reset(l);
}

void vlapic_init_signal(struct vlapic *l)
{
	regs_reset(l);
}

void vlapic_set_tsc_deadline_offered(struct vlapic *l, bool offered)
{
	l->tsc_deadline_offered = offered;
	if (!offered && timer_mode(l) == VLAPIC_LVT_TIMER_DEADLINE) {
		l->lvt[VLAPIC_LVT_TIMER] &= ~LVT_TIMER_MODE_MASK;
		l->tsc_deadline = 0;
		timer_stop(l);
	}
}

int vlapic_set_apic_base(struct vlapic *l, uint64_t value, unsigned maxphyaddr)
{
	unsigned width = MAX(MIN(maxphyaddr, MAXPHYADDR_MAX), MAXPHYADDR_MIN);
	uint64_t reserved = APIC_BASE_RESERVED_LOW | ~((1ULL << width) - 1);
	bool en = value & VLAPIC_APIC_BASE_EN, extd = value & VLAPIC_APIC_BASE_EXTD;
	bool was_en = vlapic_hw_enabled(l), was_x2 = vlapic_x2apic_mode(l);

	if (value & reserved)
		return -EINVAL;
	/*
	 * SDM 3A 11.12.5 (Figure 11-27): EXTD without EN is invalid, x2APIC
	 * mode is entered only from xAPIC mode and left only to disabled.
	 */
	if (extd && !en)
		return -EINVAL;
	if (extd && !was_en)
		return -EINVAL;
	if (was_x2 && en && !extd)
		return -EINVAL;
	l->apic_base = (value & ~VLAPIC_APIC_BASE_BSP) | (l->apic_base & VLAPIC_APIC_BASE_BSP);
	/* SDM 3A 11.4.3: a globally disabled APIC returns to its power-up state. */
	if (was_en && !en)
		regs_reset(l);
	return 0;
}

/* Bits an LVT entry stores (the timer's mode field depends on the TSC-deadline offer). */
static uint32_t lvt_writable(const struct vlapic *l, enum vlapic_lvt which)
{
	switch (which) {
	case VLAPIC_LVT_TIMER:
		return LVT_BASE_WRITABLE | (l->tsc_deadline_offered ? LVT_TIMER_MODE_MASK
								    : 1u << VLAPIC_LVT_TIMER_SHIFT);
	case VLAPIC_LVT_THERMAL:
	case VLAPIC_LVT_PERF:
		return LVT_DM_WRITABLE;
	case VLAPIC_LVT_LINT0:
	case VLAPIC_LVT_LINT1:
		return LVT_LINT_WRITABLE;
	default:
		return LVT_BASE_WRITABLE;
	}
}

/* Bits that are not reserved: stored ones plus the read-only status bits. */
static uint32_t lvt_defined(const struct vlapic *l, enum vlapic_lvt which)
{
	uint32_t bits = lvt_writable(l, which) | VLAPIC_LVT_DELIVERY_STATUS;

	if (which == VLAPIC_LVT_LINT0 || which == VLAPIC_LVT_LINT1)
		bits |= VLAPIC_LVT_REMOTE_IRR;
	return bits;
}

static void lvt_write(struct vlapic *l, enum vlapic_lvt which, uint32_t value,
		      struct vlapic_effects *fx)
{
	uint32_t v = value & lvt_writable(l, which);

	/* SDM 3A 11.4.7.2: while software-disabled the mask bits cannot be cleared. */
	if (!vlapic_sw_enabled(l))
		v |= VLAPIC_LVT_MASKED;
	if (which != VLAPIC_LVT_TIMER) {
		l->lvt[which] = v;
		return;
	}
	unsigned old_mode = timer_mode(l);
	unsigned new_mode = (v >> VLAPIC_LVT_TIMER_SHIFT) & 3;
	if (new_mode == LVT_TIMER_MODE_RESERVED) {
		/* xAPIC: the reserved mode 11b leaves the mode as it was. */
		v = (v & ~LVT_TIMER_MODE_MASK) | (old_mode << VLAPIC_LVT_TIMER_SHIFT);
		new_mode = old_mode;
	}
	l->lvt[VLAPIC_LVT_TIMER] = v;
	/* SDM 3A 11.5.4.1: a write that changes the timer mode disarms the timer. */
	if (new_mode != old_mode) {
		l->timer_initial = 0;
		l->tsc_deadline = 0;
		timer_stop(l);
		fx->timer_changed = true;
	}
}

static void svr_write(struct vlapic *l, uint32_t value)
{
	l->svr = value & SVR_WRITABLE;
	/* SDM 3A 11.4.7.2: software disabling masks every LVT entry. */
	if (!(l->svr & VLAPIC_SVR_ENABLE))
		for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
			l->lvt[i] |= VLAPIC_LVT_MASKED;
}

/*
 * The ICR (or SELF IPI) was written: decode what to send. SDM 3A Table
 * 11-3: SELF and ALL-INCLUDING-SELF take fixed delivery only; INIT level
 * de-assert does nothing on a P4 or later APIC; modes 3 and 7 are reserved.
 * SDM 3A 11.5.3: a fixed or lowest-priority vector below 16 is a send error.
 */
static void icr_send(struct vlapic *l, uint32_t lo, uint32_t dest, struct vlapic_effects *fx)
{
	struct vlapic_ipi *ipi = &fx->ipi;
	unsigned mode = (lo >> ICR_DELIVERY_SHIFT) & ICR_DELIVERY_MASK;

	ipi->vector = (uint8_t)(lo & ICR_VECTOR_MASK);
	ipi->mode = (enum vlapic_delivery)mode;
	ipi->logical = lo & ICR_LOGICAL;
	ipi->level_assert = lo & ICR_LEVEL_ASSERT;
	ipi->trigger_level = lo & ICR_TRIGGER_LEVEL;
	ipi->shorthand = (enum vlapic_shorthand)((lo >> ICR_SHORTHAND_SHIFT) & ICR_SHORTHAND_MASK);
	ipi->dest = dest;
	ipi->send = false;

	if (mode == ICR_DM_RESERVED || mode == VLAPIC_DM_EXTINT)
		return;
	if (mode == VLAPIC_DM_INIT && ipi->trigger_level && !ipi->level_assert)
		return;
	if ((ipi->shorthand == VLAPIC_SH_SELF || ipi->shorthand == VLAPIC_SH_ALL_INCL) &&
	    mode != VLAPIC_DM_FIXED)
		return;
	if ((mode == VLAPIC_DM_FIXED || mode == VLAPIC_DM_LOWEST) && !vector_legal(ipi->vector)) {
		signal_error(l, VLAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	ipi->send = true;
}

/* Offsets of the 8-register arrays ISR, TMR, IRR: which array, or NULL. */
static const uint32_t *vector_array(const struct vlapic *l, uint32_t reg, unsigned *word)
{
	if (reg >= VLAPIC_REG_ISR && reg < VLAPIC_REG_ESR) {
		unsigned index = (reg - VLAPIC_REG_ISR) >> 4;
		*word = index % VLAPIC_VECTOR_WORDS;
		if (index < VLAPIC_VECTOR_WORDS)
			return l->isr;
		if (index < 2 * VLAPIC_VECTOR_WORDS)
			return l->tmr;
		return l->irr;
	}
	return NULL;
}

static bool lvt_index(uint32_t reg, enum vlapic_lvt *which)
{
	if (reg < VLAPIC_REG_LVT_TIMER || reg > VLAPIC_REG_LVT_ERROR)
		return false;
	*which = (enum vlapic_lvt)((reg - VLAPIC_REG_LVT_TIMER) >> 4);
	return true;
}

/*
 * A register read common to both modes: true and *value for a readable
 * register at reg (a 16-byte aligned offset), false for anything else.
 */
static bool reg_read(struct vlapic *l, uint32_t reg, uint64_t now, uint32_t *value)
{
	enum vlapic_lvt which;
	const uint32_t *array;
	unsigned word;

	if ((array = vector_array(l, reg, &word))) {
		*value = array[word];
		return true;
	}
	if (lvt_index(reg, &which)) {
		*value = l->lvt[which];
		return true;
	}
	switch (reg) {
	case VLAPIC_REG_VERSION:
		*value = VLAPIC_VERSION_VALUE;
		return true;
	case VLAPIC_REG_TPR:
		*value = l->tpr;
		return true;
	case VLAPIC_REG_PPR:
		*value = vlapic_get_ppr(l);
		return true;
	case VLAPIC_REG_LDR:
		*value = ldr_value(l);
		return true;
	case VLAPIC_REG_SVR:
		*value = l->svr;
		return true;
	case VLAPIC_REG_ESR:
		*value = l->esr;
		return true;
	case VLAPIC_REG_TIMER_INITIAL:
		*value = l->timer_initial;
		return true;
	case VLAPIC_REG_TIMER_CURRENT:
		*value = timer_current_count(l, now);
		return true;
	case VLAPIC_REG_TIMER_DIVIDE:
		*value = l->timer_divide;
		return true;
	default:
		return false;
	}
}

uint32_t vlapic_mmio_read(struct vlapic *l, uint32_t offset, uint64_t now)
{
	uint32_t value = 0;

	if (!xapic_mode(l))
		return UINT32_MAX;
	if (offset >= VLAPIC_MMIO_SIZE || !IS_ALIGNED(offset, 16))
		return 0;
	if (reg_read(l, offset, now, &value))
		return value;
	switch (offset) {
	case VLAPIC_REG_ID:
		return (l->apic_id & 0xff) << XAPIC_ID_SHIFT;
	case VLAPIC_REG_DFR:
		return l->dfr;
	case VLAPIC_REG_ICR_LO:
		return l->icr_lo;
	case VLAPIC_REG_ICR_HI:
		return l->icr_hi;
	case VLAPIC_REG_APR:
	case VLAPIC_REG_RRD:
	case VLAPIC_REG_EOI:
		return 0;
	default:
		signal_error(l, VLAPIC_ESR_ILLEGAL_REGISTER);
		return 0;
	}
}

void vlapic_mmio_write(struct vlapic *l, uint32_t offset, uint32_t value, uint64_t now,
		       struct vlapic_effects *fx)
{
	struct vlapic_effects scratch;
	enum vlapic_lvt which;
	unsigned word;

	if (!fx)
		fx = &scratch;
	effects_clear(fx);
	if (!xapic_mode(l) || offset >= VLAPIC_MMIO_SIZE || !IS_ALIGNED(offset, 16))
		return;
	if (offset == VLAPIC_REG_EOI) { /* every interrupt handler's: before the table walks */
		do_eoi(l, fx);
		return;
	}
	if (vector_array(l, offset, &word))
		return; /* ISR, TMR, IRR: read-only */
	if (lvt_index(offset, &which)) {
		lvt_write(l, which, value, fx);
		return;
	}
	switch (offset) {
	case VLAPIC_REG_TPR:
		l->tpr = value & TPR_MASK;
		fx->tpr_changed = true;
		break;
	case VLAPIC_REG_LDR:
		l->ldr = value & XAPIC_ID_MASK;
		break;
	case VLAPIC_REG_DFR:
		l->dfr = (value & DFR_MODEL_MASK) | DFR_RESERVED_ONES;
		break;
	case VLAPIC_REG_SVR:
		svr_write(l, value);
		break;
	case VLAPIC_REG_ESR:
		esr_write(l);
		break;
	case VLAPIC_REG_ICR_LO:
		l->icr_lo = value & ICR_LO_WRITABLE;
		icr_send(l, l->icr_lo, l->icr_hi >> XAPIC_ID_SHIFT, fx);
		break;
	case VLAPIC_REG_ICR_HI:
		l->icr_hi = value & XAPIC_ID_MASK;
		break;
	case VLAPIC_REG_TIMER_INITIAL:
		timer_write_initial(l, value, now);
		fx->timer_changed = true;
		break;
	case VLAPIC_REG_TIMER_DIVIDE:
		timer_write_divide(l, value, now);
		fx->timer_changed = true;
		break;
	case VLAPIC_REG_ID:
	case VLAPIC_REG_VERSION:
	case VLAPIC_REG_APR:
	case VLAPIC_REG_PPR:
	case VLAPIC_REG_RRD:
	case VLAPIC_REG_TIMER_CURRENT:
		break; /* read-only */
	default:
		signal_error(l, VLAPIC_ESR_ILLEGAL_REGISTER);
		break;
	}
}

/* The xAPIC offset of an x2APIC MSR, or 0 outside 0x800-0x8ff. */
static uint32_t msr_reg(uint32_t msr)
{
	if (msr < VLAPIC_MSR_BASE || msr > VLAPIC_MSR_LAST)
		return 0;
	return (msr - VLAPIC_MSR_BASE) << 4;
}

int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value)
{
	uint32_t reg = msr_reg(msr), v;

	if (!vlapic_x2apic_mode(l) || !reg)
		return -EINVAL;
	if (reg == VLAPIC_REG_ID) {
		*value = l->apic_id;
		return 0;
	}
	if (reg == VLAPIC_REG_ICR_LO) {
		*value = ((uint64_t)l->icr_hi << MSR_HIGH_SHIFT) | l->icr_lo;
		return 0;
	}
	/* Table 11-6 has no APR, RRD, DFR, ICR high, CMCI (absent); EOI and SELF IPI write-only. */
	if (!reg_read(l, reg, now, &v))
		return -EINVAL;
	*value = v;
	return 0;
}

int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now,
		     struct vlapic_effects *fx)
{
	struct vlapic_effects scratch;
	uint32_t reg = msr_reg(msr), v = (uint32_t)value;
	enum vlapic_lvt which;

	if (!fx)
		fx = &scratch;
	effects_clear(fx);
	if (!vlapic_x2apic_mode(l) || !reg)
		return -EINVAL;
	if (reg == VLAPIC_REG_ICR_LO) {
		/* The delivery status bit is gone in x2APIC mode; writing it is tolerated. */
		if (v & ~(ICR_LO_WRITABLE | ICR_DELIVERY_STATUS))
			return -EINVAL;
		l->icr_lo = v & ICR_LO_WRITABLE;
		l->icr_hi = (uint32_t)(value >> MSR_HIGH_SHIFT);
		icr_send(l, l->icr_lo, l->icr_hi, fx);
		return 0;
	}
	/* SDM 3A 11.12.1.2: bits 63:32 of every other x2APIC MSR are reserved. */
	if (value >> MSR_HIGH_SHIFT)
		return -EINVAL;
	if (lvt_index(reg, &which)) {
		if (v & ~lvt_defined(l, which))
			return -EINVAL;
		if (which == VLAPIC_LVT_TIMER &&
		    ((v >> VLAPIC_LVT_TIMER_SHIFT) & 3) == LVT_TIMER_MODE_RESERVED)
			return -EINVAL;
		lvt_write(l, which, v, fx);
		return 0;
	}
	switch (reg) {
	case VLAPIC_REG_TPR:
		if (v & ~TPR_MASK)
			return -EINVAL;
		l->tpr = v;
		fx->tpr_changed = true;
		return 0;
	case VLAPIC_REG_EOI:
		if (v)
			return -EINVAL;
		do_eoi(l, fx);
		return 0;
	case VLAPIC_REG_SVR:
		if (v & ~SVR_WRITABLE)
			return -EINVAL;
		svr_write(l, v);
		return 0;
	case VLAPIC_REG_ESR:
		if (v)
			return -EINVAL;
		esr_write(l);
		return 0;
	case VLAPIC_REG_TIMER_INITIAL:
		timer_write_initial(l, v, now);
		fx->timer_changed = true;
		return 0;
	case VLAPIC_REG_TIMER_DIVIDE:
		if (v & ~DIVIDE_WRITABLE)
			return -EINVAL;
		timer_write_divide(l, v, now);
		fx->timer_changed = true;
		return 0;
	case VLAPIC_REG_SELF_IPI:
		if (v & ~SELF_IPI_WRITABLE)
			return -EINVAL;
		/* SDM 3A 11.12.11: a fixed, edge, self-directed IPI. */
		icr_send(l, (v & ICR_VECTOR_MASK) | (VLAPIC_SH_SELF << ICR_SHORTHAND_SHIFT), 0, fx);
		return 0;
	default:
		return -EINVAL; /* read-only or nonexistent */
	}
}

uint64_t vlapic_tsc_deadline_read(const struct vlapic *l)
{
	if (!vlapic_hw_enabled(l) || timer_mode(l) != VLAPIC_LVT_TIMER_DEADLINE)
		return 0;
	return l->tsc_deadline;
}

void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t value, uint64_t now)
{
	if (!vlapic_hw_enabled(l) || timer_mode(l) != VLAPIC_LVT_TIMER_DEADLINE)
		return;
	l->tsc_deadline = value;
	timer_stop(l);
	if (value == 0)
		return;
	l->timer_armed = true;
	l->timer_expiry = value;
}

void vlapic_timer_poll(struct vlapic *l, uint64_t now)
{
	if (!l->timer_armed || now < l->timer_expiry)
		return;
	deliver_lvt(l, VLAPIC_LVT_TIMER);
	switch (timer_mode(l)) {
	case VLAPIC_LVT_TIMER_PERIODIC: {
		uint64_t period = timer_period(l);
		if (period) {
			/* The next expiry after now on the grid of the first one. */
			uint64_t late = (now - l->timer_expiry) % period;
			l->timer_expiry = sat_add(now - late, period);
			break;
		}
		timer_stop(l);
		break;
	}
	case VLAPIC_LVT_TIMER_DEADLINE:
		l->tsc_deadline = 0;
		timer_stop(l);
		break;
	default:
		timer_stop(l);
		break;
	}
}

uint64_t vlapic_timer_next(const struct vlapic *l)
{
	return l->timer_armed ? l->timer_expiry : 0;
}

bool vlapic_match_dest(const struct vlapic *l, uint32_t dest, bool logical)
{
	if (!vlapic_hw_enabled(l))
		return false;
	if (dest == X2APIC_BROADCAST)
		return true;
	if (vlapic_x2apic_mode(l)) {
		if (!logical)
			return dest == l->apic_id;
		uint32_t ldr = x2apic_ldr(l->apic_id);
		return (dest >> X2APIC_CLUSTER_SHIFT) == (ldr >> X2APIC_CLUSTER_SHIFT) &&
		       (dest & ldr & X2APIC_LOGICAL_MASK) != 0;
	}
	if (dest > XAPIC_BROADCAST)
		return false;
	if (dest == XAPIC_BROADCAST)
		return true;
	if (!logical)
		return dest == l->apic_id;
	uint32_t id = l->ldr >> XAPIC_ID_SHIFT;
	switch (l->dfr >> DFR_MODEL_SHIFT) {
	case DFR_MODEL_FLAT:
		return (id & dest) != 0;
	case DFR_MODEL_CLUSTER:
		return (id >> XAPIC_CLUSTER_SHIFT) == (dest >> XAPIC_CLUSTER_SHIFT) &&
		       (id & dest & XAPIC_MEMBER_MASK) != 0;
	default:
		return false; /* reserved model */
	}
}

bool vlapic_accepts_extint(const struct vlapic *l)
{
	uint32_t lint0 = l->lvt[VLAPIC_LVT_LINT0];

	if (!vlapic_hw_enabled(l))
		return true;
	return vlapic_sw_enabled(l) && !(lint0 & VLAPIC_LVT_MASKED) &&
	       ((lint0 & VLAPIC_LVT_DELIVERY_MASK) >> VLAPIC_LVT_DELIVERY_SHIFT) ==
		   VLAPIC_DM_EXTINT;
}
