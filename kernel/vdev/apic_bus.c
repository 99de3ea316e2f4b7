/* The guest's local APICs, I/O APIC and the messages between them (see apic_bus.h). */
#include "kernel/vdev/apic_bus.h"

#include <errno.h>
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/core/log.h"
#include "kernel/guest/virt.h"
#include "kernel/vdev/vlapic_page.h"

#define MSR_X2APIC_FIRST     MSR_X2APIC_BASE
#define MSR_X2APIC_LAST	     0x8ff
#define LAPIC_PAGE	     0x1000
#define LAPIC_REG_ALIGN_MASK 0x3 /* registers are 32-bit: byte offset within one */
#define CPUID_ADDRESS_SIZES  0x80000008
#define MAXPHYADDR_MASK	     0xff
#define MAXPHYADDR_DEFAULT   36 /* SDM 3A 4.1.4: without leaf 0x80000008 */
#define LVT_DELIVERY_EXTINT  (7u << 8)
#define LVT_DELIVERY_NMI     (4u << 8)
#define SVR_ENABLED_SPURIOUS 0x1ff /* APIC software enabled, spurious vector 0xff */
#define LAPIC_REG_SVR	     0x0f0
#define LAPIC_REG_LVT_LINT0  0x350
#define LAPIC_REG_LVT_LINT1  0x360
#define CR8_SHIFT	     4 /* CR8 = TPR[7:4] (SDM 3A 10.8.6.1) */

/* vCPUs whose interrupt state changed, told after the lock is dropped. */
typedef uint32_t vcpu_mask_t;
_Static_assert(GUEST_MAX_VCPUS <= 32, "vcpu_mask_t holds one bit per vCPU");

static struct apic_local *of_chip(struct virq_chip *c)
{
	return (struct apic_local *)((char *)c - offsetof(struct apic_local, chip));
}

static void notify(struct apic_bus *b, vcpu_mask_t mask)
{
	for (unsigned i = 0; mask; i++, mask >>= 1)
		if (mask & 1)
			virq_chip_notify(b->locals[i].vcpu);
}

/* Locked: a fixed interrupt into each local APIC in @targets. */
static vcpu_mask_t accept(struct apic_bus *b, vcpu_mask_t targets, uint8_t vector, bool level)
{
	for (unsigned i = 0; i < b->count; i++)
		if (targets & (1u << i))
			vlapic_accept_irq(&b->locals[i].lapic, vector, level);
	return targets;
}

/* Locked: the local APICs a message for @dest (physical or logical) selects. */
static vcpu_mask_t match(struct apic_bus *b, uint32_t dest, bool logical)
{
	vcpu_mask_t m = 0;
	for (unsigned i = 0; i < b->count; i++)
		if (vlapic_match_dest(&b->locals[i].lapic, dest, logical))
			m |= 1u << i;
	return m;
}

/*
 * Lowest priority goes to one of the selected APICs (SDM 3A 10.6.2.4: the
 * choice is the platform's); the lowest-numbered keeps it deterministic.
 */
static vcpu_mask_t lowest_of(vcpu_mask_t m)
{
	return m & -m;
}

/* The context ioapic_send receives: the bus, and the vCPUs to tell afterwards. */
struct send_ctx {
	struct apic_bus *bus;
	vcpu_mask_t told;
};

/* Locked: an I/O APIC message (a vioapic_send_fn). */
static void ioapic_send(void *arg, const struct vioapic_msg *msg)
{
	struct send_ctx *ctx = arg;
	struct apic_bus *b = ctx->bus;
	vcpu_mask_t m = match(b, msg->dest, msg->logical);
	switch (msg->delivery_mode) {
	case VIOAPIC_DELMODE_LOWEST:
		m = lowest_of(m);
		/* fall through */
	case VIOAPIC_DELMODE_FIXED:
		ctx->told |= accept(b, m, msg->vector, msg->level);
		break;
	default:
		b->ignored_ipis++; /* SMI, NMI, INIT, ExtINT through the I/O APIC: not modelled */
		break;
	}
}

void apic_bus_set_irq(struct apic_bus *b, unsigned gsi, bool level)
{
	struct send_ctx ctx = {.bus = b};
	spin_lock(&b->lock);
	vioapic_set_irq(&b->ioapic, gsi, level, ioapic_send, &ctx);
	spin_unlock(&b->lock);
	notify(b, ctx.told);
}

/* An IPI from local APIC @src, as its ICR asked (SDM 3A 10.6.1). */
static void send_ipi(struct apic_bus *b, unsigned src, const struct vlapic_ipi *ipi)
{
	vcpu_mask_t all = (b->count == 32 ? ~0u : (1u << b->count) - 1), m;
	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		m = 1u << src;
		break;
	case VLAPIC_SH_ALL_INCL:
		m = all;
		break;
	case VLAPIC_SH_ALL_EXCL:
		m = all & ~(1u << src);
		break;
	default:
		spin_lock(&b->lock);
		m = match(b, ipi->dest, ipi->logical);
		spin_unlock(&b->lock);
		break;
	}

	vcpu_mask_t told = 0;
	switch (ipi->mode) {
	case VLAPIC_DM_LOWEST:
		m = lowest_of(m);
		/* fall through */
	case VLAPIC_DM_FIXED:
		spin_lock(&b->lock);
		/* SDM 3A Table 11-3 note 2: IPIs are edge triggered since the P4. */
		told = accept(b, m, ipi->vector, false);
		spin_unlock(&b->lock);
		break;
	case VLAPIC_DM_INIT:
		/*
		 * A vCPU that has not run waits for SIPI already; INIT to a running
		 * one (a CPU taken offline and back) is not modelled.
		 */
		for (unsigned i = 0; i < b->count; i++)
			if ((m & (1u << i)) && b->locals[i].vcpu->started)
				b->ignored_ipis++;
		break;
	case VLAPIC_DM_STARTUP:
		for (unsigned i = 0; i < b->count; i++)
			if (m & (1u << i))
				virq_startup_ipi(b->locals[i].vcpu, ipi->vector);
		break;
	default:
		b->ignored_ipis++;
		break;
	}
	notify(b, told);
}

/* ---- APIC virtualization: what the CPU keeps while the guest runs ---- */

/*
 * Locked, on the vCPU's CPU with it loaded: the TPR the guest wrote through
 * the page without an exit, and the self-IPIs the CPU took in or delivered,
 * into lapic (which is then all that is pending or in service).
 */
static void apic_pull(struct apic_local *l)
{
	if (!l->vapic || l->vapic_stale)
		return; /* lapic was replaced: the page is no view of it until chip_enter's reset */
	vlapic_page_take_tpr(&l->lapic, l->vapic);
	if (virt->vcpu_apic_taken(l->vcpu)) {
		vlapic_page_take_vectors(&l->lapic, l->vapic);
		virt->vcpu_apic_sync(l->vcpu, vlapic_highest_isr(&l->lapic));
	}
}

/*
 * Locked: the APIC sits at the page the CPU virtualizes, in xAPIC mode, and
 * no interrupt waits on the TPR alone (a TPR write through the page would
 * not exit to let it through: with one waiting, TPR writes must exit).
 */
static bool accel_wanted(const struct apic_local *l)
{
	return vlapic_hw_enabled(&l->lapic) && !vlapic_x2apic_mode(&l->lapic) &&
	       vlapic_mmio_base(&l->lapic) == APIC_BUS_LAPIC_GPA &&
	       !vlapic_tpr_holds_irr(&l->lapic);
}

/*
 * The chip's enter hook, after the run loop's look: acceleration on or off
 * as lapic's mode says (set up once: from then on every access to the page
 * exits unless acceleration takes it). Looked at without the lock first: the
 * mode is the vCPU's own, and an interrupt that arrives meanwhile notifies
 * it, which brings it here again.
 */
static void chip_enter(struct virq_chip *c)
{
	struct apic_local *l = of_chip(c);
	struct apic_bus *b = l->bus;
	if (l->accel_set_up && !l->vapic_stale && accel_wanted(l) == (l->vapic != NULL))
		return;
	spin_lock(&b->lock);
	apic_pull(l);
	bool want = accel_wanted(l);
	uint32_t *page = virt->vcpu_apic_accel(l->vcpu, APIC_BUS_LAPIC_GPA, want);
	if (page && (!l->vapic || l->vapic_stale))
		vlapic_page_reset(&l->lapic, page);
	l->vapic = page;
	l->accel_set_up = true;
	l->vapic_stale = false;
	if (page)
		virt->vcpu_apic_sync(l->vcpu, vlapic_highest_isr(&l->lapic));
	spin_unlock(&b->lock);
}

/*
 * What a register write asks of the bus, done without the lock held: the
 * IPI, the EOI broadcast to the I/O APIC, CR8 following the TPR, and a look
 * at the interrupt state before the vCPU's next entry.
 */
static void carry_out(struct apic_local *l, const struct vlapic_effects *fx)
{
	struct apic_bus *b = l->bus;
	struct vcpu *v = l->vcpu;
	if (fx->ipi.send)
		send_ipi(b, v->id, &fx->ipi);
	if (fx->eoi_vector >= 0) {
		struct send_ctx ctx = {.bus = b};
		spin_lock(&b->lock);
		vioapic_eoi(&b->ioapic, (uint8_t)fx->eoi_vector, ioapic_send, &ctx);
		spin_unlock(&b->lock);
		notify(b, ctx.told);
	}
	if (fx->tpr_changed) {
		spin_lock(&b->lock);
		uint8_t tpr = vlapic_get_tpr(&l->lapic);
		spin_unlock(&b->lock);
		virt->vcpu_write_cr(v, 8, tpr >> CR8_SHIFT);
	}
	/*
	 * An EOI, a TPR or a timer change may let an interrupt through, or arm a
	 * timer. A quiet EOI cannot (the guest's timer tick ends with one): the
	 * run loop then goes on without a look.
	 */
	if (!fx->quiet)
		virq_chip_recheck(v, fx->timer_changed);
}

/* The EOI the CPU did (VEXIT_APIC_EOI): lapic ends the vector; a level one is broadcast. */
static void chip_eoi(struct virq_chip *c, uint8_t vector)
{
	struct apic_local *l = of_chip(c);
	struct apic_bus *b = l->bus;
	struct vlapic_effects fx;
	spin_lock(&b->lock);
	apic_pull(l);
	vlapic_eoi_vector(&l->lapic, vector, &fx);
	if (l->vapic)
		virt->vcpu_apic_sync(l->vcpu, vlapic_highest_isr(&l->lapic));
	spin_unlock(&b->lock);
	carry_out(l, &fx);
}

static uint64_t chip_poll(struct virq_chip *c, uint64_t now_tsc)
{
	struct apic_local *l = of_chip(c);
	struct apic_bus *b = l->bus;
	spin_lock(&b->lock);
	vlapic_timer_poll(&l->lapic, now_tsc);
	uint64_t next = vlapic_timer_next(&l->lapic);
	spin_unlock(&b->lock);
	if (l->vcpu->id == 0 && b->legacy) {
		uint64_t legacy = b->legacy->poll(b->legacy, now_tsc);
		if (legacy && (!next || legacy < next))
			next = legacy;
	}
	return next;
}

/* Locked: does the PIC reach this vCPU (vCPU 0, LINT0 as ExtINT or the APIC off)? */
static bool extint_open(struct apic_local *l)
{
	return l->vcpu->id == 0 && l->bus->legacy && vlapic_accepts_extint(&l->lapic);
}

static int chip_pending(struct virq_chip *c)
{
	struct apic_local *l = of_chip(c);
	struct apic_bus *b = l->bus;
	spin_lock(&b->lock);
	apic_pull(l);
	int vector = vlapic_pending_vector(&l->lapic);
	bool extint = extint_open(l);
	spin_unlock(&b->lock);
	if (vector < 0 && extint)
		vector = b->legacy->pending(b->legacy);
	return vector;
}

/*
 * The local APIC's INTA cycle, locked (the CPU's SVI follows ISR): the
 * vector, or -1 with *extint saying whether the PIC's INTR reaches the vCPU.
 * Inlined into both callers: the run loop's look is on every timer tick.
 */
static inline __attribute__((always_inline)) int take_local(struct apic_local *l, bool *extint)
{
	struct apic_bus *b = l->bus;
	spin_lock(&b->lock);
	apic_pull(l);
	int vector = vlapic_take_pending(&l->lapic);
	*extint = vector < 0 && extint_open(l);
	if (vector >= 0 && l->vapic)
		virt->vcpu_apic_sync(l->vcpu, vlapic_highest_isr(&l->lapic));
	spin_unlock(&b->lock);
	return vector;
}

static int chip_acknowledge(struct virq_chip *c)
{
	struct apic_local *l = of_chip(c);
	bool extint;
	int vector = take_local(l, &extint);
	/* ExtINT bypasses IRR and ISR: the PIC's INTA cycle gives the vector (SDM 3A 10.5.1). */
	return extint ? l->bus->legacy->acknowledge(l->bus->legacy) : vector;
}

/* chip_pending and chip_acknowledge in one look: the run loop's before each entry. */
static int chip_take(struct virq_chip *c)
{
	struct apic_local *l = of_chip(c);
	struct virq_chip *legacy = l->bus->legacy;
	bool extint;
	int vector = take_local(l, &extint);
	return extint && legacy->pending(legacy) >= 0 ? legacy->acknowledge(legacy) : vector;
}

static void chip_set_tpr(struct virq_chip *c, uint8_t cr8)
{
	struct apic_local *l = of_chip(c);
	spin_lock(&l->bus->lock);
	vlapic_set_tpr(&l->lapic, (uint8_t)(cr8 << CR8_SHIFT));
	spin_unlock(&l->bus->lock);
}

static int chip_msr(struct virq_chip *c, uint32_t msr, bool write, uint64_t *value)
{
	struct apic_local *l = of_chip(c);
	struct apic_bus *b = l->bus;
	struct vlapic_effects fx = {.eoi_vector = -1};
	uint64_t now = rdtsc();
	int err;

	if (msr != MSR_IA32_APIC_BASE && msr != MSR_IA32_TSC_DEADLINE &&
	    (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST))
		return -ENOENT;
	spin_lock(&b->lock);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!write) {
			*value = vlapic_tsc_deadline_read(&l->lapic);
			spin_unlock(&b->lock);
			return 0;
		}
		/* The guest's timer tick: only the timer changed, no effects to carry out. */
		vlapic_tsc_deadline_write(&l->lapic, *value, now);
		uint64_t next = vlapic_timer_next(&l->lapic);
		spin_unlock(&b->lock);
		virq_chip_timer_armed(l->vcpu, next);
		return 0;
	}
	apic_pull(l); /* IA32_APIC_BASE may end acceleration: lapic first takes what the CPU kept */
	if (msr == MSR_IA32_APIC_BASE) {
		err = 0;
		if (write)
			err = vlapic_set_apic_base(&l->lapic, *value, b->maxphyaddr);
		else
			*value = vlapic_get_apic_base(&l->lapic);
		fx.timer_changed = write; /* disabling the APIC stops its timer */
	} else if (write) {
		err = vlapic_msr_write(&l->lapic, msr, *value, now, &fx);
	} else {
		err = vlapic_msr_read(&l->lapic, msr, now, value);
	}
	spin_unlock(&b->lock);
	if (!err && write)
		carry_out(l, &fx);
	return err;
}

static bool chip_mmio(struct virq_chip *c, gpa_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct apic_local *l = of_chip(c);
	struct apic_bus *b = l->bus;
	struct vlapic_effects fx = {.eoi_vector = -1};

	/*
	 * The page's place and mode change only by this vCPU's own WRMSR (or a
	 * load or reset while it is stopped): its exits may look without the lock.
	 */
	gpa_t base = vlapic_mmio_base(&l->lapic);
	if (!vlapic_hw_enabled(&l->lapic) || vlapic_x2apic_mode(&l->lapic) || gpa < base ||
	    gpa - base >= LAPIC_PAGE)
		return false;
	uint32_t offset = (uint32_t)(gpa - base);
	unsigned shift = 8 * (offset & LAPIC_REG_ALIGN_MASK);
	uint64_t now = rdtsc();
	spin_lock(&b->lock);
	apic_pull(l);
	/*
	 * SDM 3A 10.4.1: registers are 32 bits wide, accessed with aligned 32-bit
	 * loads and stores; a narrower read sees its bytes of the register, any
	 * other write is dropped.
	 */
	if (!write)
		*value = vlapic_mmio_read(&l->lapic, offset & ~LAPIC_REG_ALIGN_MASK, now) >> shift;
	else if (size == 4 && !shift)
		vlapic_mmio_write(&l->lapic, offset, (uint32_t)*value, now, &fx);
	spin_unlock(&b->lock);
	if (write)
		carry_out(l, &fx);
	return true;
}

static uint64_t ioapic_read(struct vdev *d, uint64_t offset, unsigned size)
{
	struct apic_bus *b = d->priv;
	spin_lock(&b->lock);
	uint32_t v = vioapic_mmio_read(&b->ioapic, (uint32_t)offset);
	spin_unlock(&b->lock);
	return v;
}

static void ioapic_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct apic_bus *b = d->priv;
	struct send_ctx ctx = {.bus = b};
	spin_lock(&b->lock);
	vioapic_mmio_write(&b->ioapic, (uint32_t)offset, (uint32_t)value, ioapic_send, &ctx);
	spin_unlock(&b->lock);
	notify(b, ctx.told);
}

static const struct vdev_ops ioapic_ops = {.read = ioapic_read, .write = ioapic_write};

void apic_bus_save(struct apic_bus *b, struct apic_bus_state *st)
{
	spin_lock(&b->lock);
	st->count = b->count;
	st->ioapic = b->ioapic;
	for (unsigned i = 0; i < b->count; i++) {
		/* With what the CPU keeps in its page, which stays as it is (the vCPU may run). */
		st->lapic[i] = b->locals[i].lapic;
		if (b->locals[i].vapic && !b->locals[i].vapic_stale)
			vlapic_page_peek(&st->lapic[i], b->locals[i].vapic);
	}
	spin_unlock(&b->lock);
}

int apic_bus_load(struct apic_bus *b, const struct apic_bus_state *st)
{
	if (st->count != b->count)
		return -EINVAL;
	spin_lock(&b->lock);
	b->ioapic = st->ioapic;
	for (unsigned i = 0; i < b->count; i++) {
		b->locals[i].lapic = st->lapic[i];
		b->locals[i].vapic_stale = true; /* the CPU's page starts again from it */
	}
	spin_unlock(&b->lock);
	for (unsigned i = 0; i < b->count; i++)
		virq_chip_changed(b->locals[i].vcpu); /* its timers are others now */
	return 0;
}

void apic_bus_reset(struct apic_bus *b)
{
	struct vlapic_effects fx = {.eoi_vector = -1};
	spin_lock(&b->lock);
	for (unsigned i = 0; i < b->count; i++) {
		vlapic_reset(&b->locals[i].lapic, i, i == 0);
		b->locals[i].vapic_stale = true;
		vlapic_set_tsc_deadline_offered(&b->locals[i].lapic, true); /* as CPUID says */
	}
	/*
	 * MP spec 3.6.2.2: firmware leaves the BSP in virtual-wire mode, the
	 * PIC's INTR through LINT0 as ExtINT and NMI on LINT1; an OS that uses
	 * the APIC reprograms both, one that does not never notices it.
	 */
	struct vlapic *bsp = &b->locals[0].lapic;
	vlapic_mmio_write(bsp, LAPIC_REG_SVR, SVR_ENABLED_SPURIOUS, 0, &fx);
	vlapic_mmio_write(bsp, LAPIC_REG_LVT_LINT0, LVT_DELIVERY_EXTINT, 0, &fx);
	vlapic_mmio_write(bsp, LAPIC_REG_LVT_LINT1, LVT_DELIVERY_NMI, 0, &fx);
	vioapic_reset(&b->ioapic, b->ioapic_id);
	spin_unlock(&b->lock);
}

int apic_bus_attach(struct guest *g, struct apic_bus *b, struct virq_chip *legacy)
{
	struct cpuid_regs sizes = cpuid(CPUID_ADDRESS_SIZES, 0);
	b->lock = (struct spinlock)SPINLOCK_INIT;
	b->guest = g;
	b->legacy = legacy;
	b->count = g->vcpu_count;
	b->ioapic_id = (uint8_t)g->vcpu_count; /* after the local APICs' IDs (MP spec 4.3.3) */
	b->maxphyaddr = cpuid_max_leaf(0x80000000) >= CPUID_ADDRESS_SIZES
			    ? (sizes.eax & MAXPHYADDR_MASK)
			    : MAXPHYADDR_DEFAULT;
	for (unsigned i = 0; i < b->count; i++) {
		struct apic_local *l = &b->locals[i];
		l->bus = b;
		l->vcpu = &g->vcpus[i];
		l->chip = (struct virq_chip){.poll = chip_poll,
					     .pending = chip_pending,
					     .acknowledge = chip_acknowledge,
					     .take = chip_take,
					     .msr = chip_msr,
					     .mmio = chip_mmio,
					     .set_tpr = chip_set_tpr,
					     .eoi = chip_eoi,
					     .enter = virt->vcpu_apic_accel ? chip_enter : NULL};
	}
	apic_bus_reset(b);
	b->ioapic_mmio = (struct vdev){.name = "ioapic",
				       .space = VDEV_MMIO,
				       .base = APIC_BUS_IOAPIC_GPA,
				       .length = APIC_BUS_IOAPIC_LEN,
				       .ops = &ioapic_ops,
				       .priv = b};
	int err = vdev_register(g, &b->ioapic_mmio);
	if (err)
		return err;
	for (unsigned i = 0; i < b->count; i++) {
		g->vcpus[i].irq_chip = &b->locals[i].chip;
		g->vcpus[i].chip_stale = true; /* polled before the first entry */
	}
	return 0;
}
