/*
 * The PC's legacy interrupt and timer devices for one guest: the i8259 PIC
 * pair with its ELCR, the i8254 PIT (channels 0 and 2) and port 0x61, the
 * CMOS RTC (time of the host's wall clock), wired as on a PC (PIT OUT0 ->
 * IRQ 0, COM1 -> IRQ 4, RTC -> IRQ 8, each also to the I/O APIC when there
 * is one) and offered to the run loop as vCPU 0's struct virq_chip (behind
 * its local APIC's LINT0 when it has one). The device models are pure
 * (i8259.c, i8254.c); this file adds the ports, the clock and a lock, since
 * any vCPU may touch the ports while vCPU 0 takes the interrupts.
 */
#ifndef SHOJI_KERNEL_VDEV_PC_PLATFORM_H
#define SHOJI_KERNEL_VDEV_PC_PLATFORM_H

#include "kernel/core/spinlock.h"
#include "kernel/vdev/apic_bus.h"
#include "kernel/guest/vdev.h"
#include "kernel/guest/virq.h"
#include "kernel/vdev/i8254.h"
#include "kernel/vdev/i8259.h"
#include "kernel/vdev/vrtc.h"
#include "kernel/vdev/vuart.h"

struct guest;

struct pc_platform {
	struct virq_chip chip;
	struct spinlock lock;
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	bool rtc_line; /* IRQ 8 as last driven */
	/*
	 * The last poll's answer (TSC, 0: no event), good until it is due or
	 * the models change (stale): the PIT and the RTC are worked out only
	 * then, not on every poll of vCPU 0's chip. vCPU 0 alone polls.
	 */
	uint64_t next_tsc;
	volatile bool stale;
	struct apic_bus *apic; /* the I/O APIC the ISA lines also drive, or NULL */
	struct vdev pic_master, pic_slave, elcr, pit_ports, port_b, rtc_ports;
};

/*
 * Attach the devices to g and make them vCPU 0's irq_chip; @uart (or NULL)
 * drives IRQ 4. Set p->apic afterwards to wire the ISA lines to an I/O APIC. -EBUSY/-ENOSPC from
 * vdev_register.
 */
int pc_platform_attach(struct guest *g, struct pc_platform *p, struct vuart *uart);

/*
 * A device's interrupt line @irq (an ISA IRQ and the I/O APIC input of the
 * same number; the PIT's IRQ 0 is not one of them) moved to @level. Any CPU.
 */
void pc_platform_set_irq(struct pc_platform *p, unsigned irq, bool level);

/* What a checkpoint keeps of the platform: the device models' state, no wiring. */
struct pc_platform_state {
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	bool rtc_line;
};

/*
 * Copy the models' state out of p, or into it (a checkpoint taken, or
 * resumed on another guest's platform). Times in it are the host's TSC
 * nanoseconds and wall clock: good for a replica on this machine.
 */
void pc_platform_save(struct pc_platform *p, struct pc_platform_state *st);
void pc_platform_load(struct pc_platform *p, const struct pc_platform_state *st);

/* Power-on state again (a restart): the PIC pair uninitialised and masked, the PIT as a BIOS left
 * it. */
void pc_platform_reset(struct pc_platform *p);

#endif
