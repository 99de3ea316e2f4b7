/* The PC's PIC pair, PIT and port 0x61 for one guest (see pc_platform.h). */
#include "kernel/vdev/pc_platform.h"

#include <stddef.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "drivers/tsc_math.h"
#include "drivers/wallclock.h"
#include "kernel/guest/guest.h"

#define PIT_IRQ		 0
#define COM1_IRQ	 4 /* GSI 4 too: ISA IRQs 1-15 map 1:1 but for the PIT */
#define PIT_GSI		 2
#define RTC_PORTS	 2    /* 0x70 index, 0x71 data */
#define CMOS_BASE_MEM_LO 0x15 /* KiB below 1 MiB (IBM AT CMOS map) */
#define CMOS_EXT_MEM_LO	 0x17 /* KiB from 1 MiB, at most 65535; mirrored at 0x30 */
#define CMOS_EXT_MEM2_LO 0x30
#define CMOS_HIGH_MEM_LO 0x34 /* 64 KiB units above 16 MiB (SeaBIOS/QEMU) */
#define BASE_MEM_KIB	 640
#define PIT_PORTS	 4 /* 0x40-0x43; counter 1 (0x41) answers like an empty bus */
#define PORT_B_PORTS	 1
#define PORT_BYTE_MASK	 0xff

static struct pc_platform *of_chip(struct virq_chip *c)
{
	return (struct pc_platform *)((char *)c - offsetof(struct pc_platform, chip));
}

/*
 * Locked: the PIT's edges since the last poll raise IRQ 0 (coalesced, as a
 * late PC would) on the PIC and, through the I/O APIC, GSI 2 (the MADT's
 * interrupt source override says so).
 */
static void pit_edges(struct pc_platform *p, uint64_t ns)
{
	if (!vpit_irq0_edges(&p->pit, ns))
		return;
	vpic_set_irq(&p->pic, PIT_IRQ, true);
	vpic_set_irq(&p->pic, PIT_IRQ, false);
	if (p->apic) {
		apic_bus_set_irq(p->apic, PIT_GSI, true);
		apic_bus_set_irq(p->apic, PIT_GSI, false);
	}
}

/* Locked: IRQ 8 follows the RTC's IRQF (on the PIC, and GSI 8 on the I/O APIC). */
static void rtc_line(struct pc_platform *p, uint64_t wall_ns)
{
	bool level = vrtc_irq_line(&p->rtc, wall_ns);
	if (level == p->rtc_line)
		return;
	p->rtc_line = level;
	vpic_set_irq(&p->pic, VRTC_IRQ, level);
	if (p->apic)
		apic_bus_set_irq(p->apic, VRTC_IRQ, level);
}

/* The earlier of two TSC deadlines, 0 meaning none. */
static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : (!b || a < b) ? a : b;
}

static uint64_t chip_poll(struct virq_chip *c, uint64_t now_tsc)
{
	struct pc_platform *p = of_chip(c);
	if (!p->stale && (!p->next_tsc || now_tsc < p->next_tsc))
		return p->next_tsc;
	/* Taken before the models are read: a change meanwhile marks it again. */
	(void)__atomic_exchange_n(&p->stale, false, __ATOMIC_ACQ_REL);
	uint64_t ns = tsc_to_ns(now_tsc), wall = wallclock_ns(now_tsc);
	spin_lock(&p->lock);
	pit_edges(p, ns);
	rtc_line(p, wall);
	uint64_t pit_ns = vpit_next_irq0_ns(&p->pit, ns);
	uint64_t rtc_ns = vrtc_next_event_ns(&p->rtc, wall);
	spin_unlock(&p->lock);
	uint64_t next = 0;
	if (pit_ns)
		next = now_tsc + tsc_ns_to_ticks(pit_ns - ns, tsc_hz());
	if (rtc_ns)
		next = earliest(next, now_tsc + tsc_ns_to_ticks(rtc_ns - wall, tsc_hz()));
	p->next_tsc = next;
	return next;
}

static int chip_pending(struct virq_chip *c)
{
	struct pc_platform *p = of_chip(c);
	spin_lock(&p->lock);
	int vector = vpic_pending_vector(&p->pic);
	spin_unlock(&p->lock);
	return vector;
}

static int chip_acknowledge(struct virq_chip *c)
{
	struct pc_platform *p = of_chip(c);
	spin_lock(&p->lock);
	int vector = vpic_acknowledge(&p->pic);
	spin_unlock(&p->lock);
	return vector;
}

/*
 * A port access may unmask or end an interrupt, or program the PIT or the
 * RTC (a read of RTC register C lets its line rise again), from any vCPU:
 * the models are polled again, by vCPU 0, which the PIC reaches, before its
 * next entry, woken if it waits in HLT.
 */
/* vCPU 0, which the PIC reaches, or NULL (not attached yet). */
static struct vcpu *pic_vcpu(struct pc_platform *p)
{
	struct guest *g = p->pic_master.guest;
	return g && g->vcpu_count ? &g->vcpus[0] : NULL;
}

static void chip_changed(struct pc_platform *p)
{
	__atomic_store_n(&p->stale, true, __ATOMIC_RELEASE);
	if (pic_vcpu(p))
		virq_chip_changed(pic_vcpu(p));
}

/* A line rose: the PIC may have an interrupt for vCPU 0 now; its timers are as they were. */
static void line_raised(struct pc_platform *p)
{
	if (pic_vcpu(p))
		virq_chip_notify(pic_vcpu(p));
}

void pc_platform_set_irq(struct pc_platform *p, unsigned irq, bool level)
{
	spin_lock(&p->lock);
	vpic_set_irq(&p->pic, irq, level);
	spin_unlock(&p->lock);
	if (p->apic)
		apic_bus_set_irq(p->apic, irq, level);
	if (level)
		line_raised(p);
}

/* COM1's line moved (vuart.c): IRQ 4 on the PIC, GSI 4 on the I/O APIC. */
static void uart_line_change(void *ctx, bool level)
{
	pc_platform_set_irq(ctx, COM1_IRQ, level);
}

static uint64_t pic_read(struct vdev *d, uint64_t offset, unsigned size)
{
	struct pc_platform *p = d->priv;
	spin_lock(&p->lock);
	uint8_t v = vpic_read(&p->pic, (uint16_t)(d->base + offset));
	spin_unlock(&p->lock);
	return v;
}

static void pic_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct pc_platform *p = d->priv;
	spin_lock(&p->lock);
	vpic_write(&p->pic, (uint16_t)(d->base + offset), (uint8_t)(value & PORT_BYTE_MASK));
	spin_unlock(&p->lock);
	chip_changed(p);
}

static uint64_t pit_read(struct vdev *d, uint64_t offset, unsigned size)
{
	struct pc_platform *p = d->priv;
	uint64_t ns = tsc_to_ns(rdtsc());
	spin_lock(&p->lock);
	uint8_t v = vpit_read(&p->pit, (uint16_t)(d->base + offset), ns);
	spin_unlock(&p->lock);
	return v;
}

static void pit_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct pc_platform *p = d->priv;
	uint64_t ns = tsc_to_ns(rdtsc());
	spin_lock(&p->lock);
	pit_edges(p, ns); /* edges of the old programming first */
	vpit_write(&p->pit, (uint16_t)(d->base + offset), (uint8_t)(value & PORT_BYTE_MASK), ns);
	spin_unlock(&p->lock);
	chip_changed(p);
}

static uint64_t rtc_read(struct vdev *d, uint64_t offset, unsigned size)
{
	struct pc_platform *p = d->priv;
	uint64_t wall = wallclock_ns(rdtsc());
	spin_lock(&p->lock);
	uint8_t v = vrtc_read(&p->rtc, (uint16_t)(d->base + offset), wall);
	rtc_line(p, wall); /* reading register C lowers it */
	spin_unlock(&p->lock);
	chip_changed(p); /* and it may rise again: poll for when */
	return v;
}

static void rtc_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct pc_platform *p = d->priv;
	uint64_t wall = wallclock_ns(rdtsc());
	spin_lock(&p->lock);
	vrtc_write(&p->rtc, (uint16_t)(d->base + offset), (uint8_t)(value & PORT_BYTE_MASK), wall);
	rtc_line(p, wall);
	spin_unlock(&p->lock);
	chip_changed(p); /* an interrupt enabled: poll for its time */
}

static const struct vdev_ops rtc_ops = {.read = rtc_read, .write = rtc_write};
static const struct vdev_ops pic_ops = {.read = pic_read, .write = pic_write};
static const struct vdev_ops pit_ops = {.read = pit_read, .write = pit_write};

static void cmos_put16(struct vrtc *r, uint8_t index, uint64_t value)
{
	uint16_t v = value > UINT16_MAX ? UINT16_MAX : (uint16_t)value;
	vrtc_set_cmos(r, index, (uint8_t)v);
	vrtc_set_cmos(r, (uint8_t)(index + 1), (uint8_t)(v >> 8));
}

/* The RTC at the host's time, its RAM saying how much memory there is, as a BIOS leaves it. */
static void rtc_reset(struct pc_platform *p, uint64_t mem_size)
{
	vrtc_reset(&p->rtc, wallclock_ns(rdtsc()));
	uint64_t ext_kib = mem_size > SZ_1M ? (mem_size - SZ_1M) / 1024 : 0;
	cmos_put16(&p->rtc, CMOS_BASE_MEM_LO, BASE_MEM_KIB);
	cmos_put16(&p->rtc, CMOS_EXT_MEM_LO, ext_kib);
	cmos_put16(&p->rtc, CMOS_EXT_MEM2_LO, ext_kib);
	cmos_put16(&p->rtc, CMOS_HIGH_MEM_LO,
		   mem_size > 16 * SZ_1M ? (mem_size - 16 * SZ_1M) >> 16 : 0);
	p->rtc_line = false;
}

void pc_platform_save(struct pc_platform *p, struct pc_platform_state *st)
{
	spin_lock(&p->lock);
	st->pic = p->pic;
	st->pit = p->pit;
	st->rtc = p->rtc;
	st->rtc_line = p->rtc_line;
	spin_unlock(&p->lock);
}

void pc_platform_load(struct pc_platform *p, const struct pc_platform_state *st)
{
	spin_lock(&p->lock);
	p->pic = st->pic;
	p->pit = st->pit;
	p->rtc = st->rtc;
	p->rtc_line = st->rtc_line;
	spin_unlock(&p->lock);
	chip_changed(p); /* its timers are others now */
}

void pc_platform_reset(struct pc_platform *p)
{
	spin_lock(&p->lock);
	vpic_reset(&p->pic);
	vpit_reset(&p->pit, tsc_to_ns(rdtsc()));
	rtc_reset(p, p->pic_master.guest ? p->pic_master.guest->mem_size : 0);
	p->stale = true;
	spin_unlock(&p->lock);
}

int pc_platform_attach(struct guest *g, struct pc_platform *p, struct vuart *uart)
{
	p->apic = NULL;
	p->chip = (struct virq_chip){
	    .poll = chip_poll, .pending = chip_pending, .acknowledge = chip_acknowledge};
	p->lock = (struct spinlock)SPINLOCK_INIT;
	pc_platform_reset(p);
	int err = vdev_register_ports(g, &p->pic_master, "pic-master", VPIC_MASTER_CMD,
				      VPIC_CHIP_PORTS, &pic_ops, p);
	if (!err)
		err = vdev_register_ports(g, &p->pic_slave, "pic-slave", VPIC_SLAVE_CMD,
					  VPIC_CHIP_PORTS, &pic_ops, p);
	if (!err)
		err = vdev_register_ports(g, &p->elcr, "elcr", VPIC_ELCR_MASTER, VPIC_CHIP_PORTS,
					  &pic_ops, p);
	if (!err)
		err = vdev_register_ports(g, &p->pit_ports, "pit", VPIT_PORT_COUNTER0, PIT_PORTS,
					  &pit_ops, p);
	if (!err)
		err = vdev_register_ports(g, &p->port_b, "port-b", VPIT_PORT_SYSTEM, PORT_B_PORTS,
					  &pit_ops, p);
	if (!err)
		err = vdev_register_ports(g, &p->rtc_ports, "rtc", VRTC_PORT_INDEX, RTC_PORTS,
					  &rtc_ops, p);
	if (!err)
		pc_platform_reset(p); /* the RTC's RAM holds the guest's memory size */
	if (!err && g->vcpu_count) {
		g->vcpus[0].irq_chip = &p->chip;
		g->vcpus[0].chip_stale = true; /* polled before the first entry */
	}
	if (!err && uart) {
		/* The UART is the platform's to wire: IRQ 4, sampled when it says so. */
		uart->line_ctx = p;
		uart->line_change = uart_line_change;
	}
	return err;
}
