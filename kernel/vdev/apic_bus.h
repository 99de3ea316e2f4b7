/*
 * A guest's APIC bus: one local APIC per vCPU (the pure model in vlapic.c),
 * offered to the run loop as that vCPU's struct virq_chip, the I/O APIC
 * (vioapic.c) at APIC_BUS_IOAPIC_GPA, and the messages between them: IPIs
 * (fixed, lowest priority, INIT, STARTUP), I/O APIC interrupts and EOI
 * broadcasts. The PC's PIC pair stays behind vCPU 0's LINT0 (the virtual
 * wire a BIOS leaves set up), so guests that never touch an APIC run as on
 * a PC without one.
 *
 * The vCPU's state (TPR in CR8, the start of a vCPU by SIPI) is changed
 * through the seams of kernel/guest; this file owns only the bus. One lock
 * covers every local APIC and the I/O APIC of a guest: messages cross
 * between them, and a guest has few vCPUs.
 */
#ifndef SHOJI_KERNEL_VDEV_APIC_BUS_H
#define SHOJI_KERNEL_VDEV_APIC_BUS_H

#include "kernel/core/spinlock.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/vdev.h"
#include "kernel/guest/virq.h"
#include "kernel/vdev/vioapic.h"
#include "kernel/vdev/vlapic.h"

#define APIC_BUS_LAPIC_GPA  0xfee00000ULL /* the architectural default (SDM 3A 10.4.1) */
#define APIC_BUS_IOAPIC_GPA 0xfec00000ULL /* where a PC's chipset puts the first I/O APIC */
#define APIC_BUS_IOAPIC_LEN 0x100

struct apic_bus;

/* One vCPU's local APIC. */
struct apic_local {
	struct virq_chip chip;
	struct vlapic lapic;
	struct vcpu *vcpu;
	struct apic_bus *bus;
	/*
	 * APIC virtualization (virt->vcpu_apic_accel): the CPU's register page
	 * while it is on (vlapic_page.h), whether the vCPU was set up for it,
	 * and whether lapic was replaced since (reset, load): the page then
	 * starts again from lapic. Only the vCPU's own CPU touches them.
	 */
	uint32_t *vapic;
	bool accel_set_up, vapic_stale;
};

struct apic_bus {
	struct spinlock lock; /* every apic_local's lapic and the ioapic */
	struct guest *guest;
	struct vioapic ioapic;
	uint8_t ioapic_id;
	struct vdev ioapic_mmio;
	struct virq_chip *legacy; /* the PIC pair and PIT behind vCPU 0's LINT0, or NULL */
	unsigned maxphyaddr;	  /* reserved bits of IA32_APIC_BASE start here */
	unsigned count;
	struct apic_local locals[GUEST_MAX_VCPUS]; /* APIC ID = vCPU index */
	uint64_t ignored_ipis; /* NMI, SMI, INIT to a running vCPU: not modelled */
};

/*
 * Give each of g's vCPUs a local APIC (its irq_chip from now on) and g the
 * I/O APIC; @legacy (or NULL) is the chip vCPU 0's LINT0 sees. 0, or
 * -EBUSY/-ENOSPC from vdev_register.
 */
int apic_bus_attach(struct guest *g, struct apic_bus *b, struct virq_chip *legacy);

/* What a checkpoint keeps of the bus: the I/O APIC and every local APIC. */
struct apic_bus_state {
	unsigned count;
	struct vioapic ioapic;
	struct vlapic lapic[GUEST_MAX_VCPUS];
};

/*
 * Copy the APICs' state out of b, or into it (a checkpoint taken, or
 * resumed on another guest's bus); the load refuses a state for another
 * number of vCPUs (-EINVAL). Timer expiries are host TSC values: good for a
 * replica on this machine.
 */
void apic_bus_save(struct apic_bus *b, struct apic_bus_state *st);
int apic_bus_load(struct apic_bus *b, const struct apic_bus_state *st);

/* Power-on state (a restart): APICs reset, vCPU 0's in virtual-wire mode. */
void apic_bus_reset(struct apic_bus *b);

/* Drive I/O APIC input @gsi to @level (any CPU; the device's line as it is now). */
void apic_bus_set_irq(struct apic_bus *b, unsigned gsi, bool level);

#endif
