/* The standard devices (see standard.h). */
#include "kernel/vdev/standard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/guest_acpi.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/vdev/acpi_pm.h"
#include "kernel/vdev/apic_bus.h"
#include "kernel/vdev/debug_exit.h"
#include "kernel/vdev/pc_platform.h"
#include "kernel/vdev/pc_ports.h"
#include "kernel/vdev/virtio_mmio_dev.h"
#include "kernel/vdev/vuart.h"

struct standard_devices {
	struct vuart uart;
	struct vdev debug_exit;
	struct pc_platform pc;
	struct apic_bus apic;
	struct pc_ports ports;
	struct acpi_pm acpi_pm;
	struct virtio_mmio_dev disk;
	bool has_disk;
};

#define RESET_VALUE_HARD (0x02 | 0x04) /* 0xcf9: SYS_RST | RST_CPU, what the FADT asks for */

int vdev_attach_standard(struct guest *g, unsigned devices)
{
	struct standard_devices *devs = calloc(1, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	int err = 0;
	if (devices & GUEST_DEV_UART)
		err = vuart_attach(g, &devs->uart, GUEST_UART_PORT);
	if (!err && (devices & GUEST_DEV_DEBUG_EXIT))
		err = debug_exit_attach(g, &devs->debug_exit);
	if (!err && (devices & GUEST_DEV_PC))
		err = pc_platform_attach(g, &devs->pc,
					 (devices & GUEST_DEV_UART) ? &devs->uart : NULL);
	if (!err && (devices & GUEST_DEV_PC))
		err = apic_bus_attach(g, &devs->apic, &devs->pc.chip);
	if (!err && (devices & GUEST_DEV_PC)) {
		devs->pc.apic = &devs->apic;
		err = pc_ports_attach(g, &devs->ports);
	}
	if (!err && (devices & GUEST_DEV_PC))
		err = acpi_pm_attach(g, &devs->acpi_pm);
	if (err) {
		free(devs);
		return err;
	}
	g->devices = devs;
	g->device_mask = devices;
	return 0;
}

void vdev_detach_standard(struct guest *g)
{
	memset(&g->vdevs, 0, sizeof(g->vdevs)); /* they pointed into the storage */
	free(g->devices);
	g->devices = NULL;
	g->device_mask = 0;
}

void vdev_reset_standard(struct guest *g)
{
	struct standard_devices *devs = g->devices;
	if (devs && (g->device_mask & GUEST_DEV_PC)) {
		pc_platform_reset(&devs->pc);
		apic_bus_reset(&devs->apic);
		acpi_pm_reset(&devs->acpi_pm);
		pc_ports_reset(&devs->ports);
		if (devs->has_disk)
			virtio_mmio_dev_reset(&devs->disk);
	}
}

int vdev_console_input(struct guest *g, const char *bytes, size_t len)
{
	struct standard_devices *devs = g->devices;
	if (!devs || !(g->device_mask & GUEST_DEV_UART))
		return -ENODEV;
	size_t n = 0;
	spin_lock(&g->dev_lock);
	while (n < len && vuart_rx_room(&devs->uart))
		vuart_receive(&devs->uart, (uint8_t)bytes[n++]);
	spin_unlock(&g->dev_lock);
	return (int)n;
}

static void disk_line(void *ctx, bool level)
{
	pc_platform_set_irq(ctx, VIRTIO_MMIO_DEV_GSI, level);
}

int vdev_attach_disk(struct guest *g, uint8_t *image, uint64_t size)
{
	struct standard_devices *devs = g->devices;
	if (!devs || !(g->device_mask & GUEST_DEV_PC))
		return -ENOENT;
	int err = virtio_mmio_dev_attach_blk(g, &devs->disk, VIRTIO_MMIO_DEV_GPA, image, size,
					     false, disk_line, &devs->pc);
	devs->has_disk = !err;
	return err;
}

int vdev_standard_acpi(const struct guest *g, struct guest_acpi_config *cfg)
{
	const struct standard_devices *devs = g->devices;
	if (!devs || !(g->device_mask & GUEST_DEV_PC))
		return -ENOENT;
	/*
	 * Full fixed hardware, as on a PC: the PM timer gives the guest a
	 * reference to calibrate its TSC and local APIC timer against (the PIT
	 * is too slow to poll under emulation), the PIC and PIT stay in use.
	 */
	*cfg = (struct guest_acpi_config){
	    .vcpus = g->vcpu_count,
	    .lapic_gpa = APIC_BUS_LAPIC_GPA,
	    .ioapic_gpa = APIC_BUS_IOAPIC_GPA,
	    .ioapic_id = devs->apic.ioapic_id,
	    .hw_reduced = false,
	    .sleep_port = ACPI_PM_PORT,
	    .reset_port = RESET_CONTROL_PORT,
	    .reset_value = RESET_VALUE_HARD,
	};
	if (devs->has_disk) {
		cfg->virtio_count = 1;
		cfg->virtio[0].gpa = VIRTIO_MMIO_DEV_GPA;
		cfg->virtio[0].size = VIRTIO_MMIO_SIZE;
		cfg->virtio[0].gsi = VIRTIO_MMIO_DEV_GSI;
	}
	return 0;
}

/*
 * The devices' state in a checkpoint: the models only, never their wiring
 * (that is the receiving guest's own). Same build and same machine: the
 * models' structs as they are, their times the host's.
 */
struct standard_state {
	uint32_t device_mask;
	uint8_t uart[VUART_STATE_BYTES];
	/* GUEST_DEV_PC */
	struct pc_platform_state pc;
	struct apic_bus_state apic;
	struct vpci_host pci;
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint64_t pm_timer_base_tsc;
};
_Static_assert(sizeof(struct standard_state) <= VDEV_STATE_MAX, "VDEV_STATE_MAX too small");

int vdev_standard_save(struct guest *g, void *buf, size_t cap)
{
	struct standard_devices *devs = g->devices;
	if (!devs || devs->has_disk)
		return -ENOTSUP;
	if (cap < sizeof(struct standard_state))
		return -ENOSPC;
	struct standard_state *st = buf;
	memset(st, 0, sizeof(*st));
	st->device_mask = g->device_mask;
	if (g->device_mask & GUEST_DEV_UART)
		vuart_state_save(&devs->uart, st->uart);
	if (g->device_mask & GUEST_DEV_PC) {
		pc_platform_save(&devs->pc, &st->pc);
		apic_bus_save(&devs->apic, &st->apic);
		st->pci = devs->ports.pci;
		st->pm1_sts = devs->acpi_pm.pm1_sts;
		st->pm1_en = devs->acpi_pm.pm1_en;
		st->pm1_cnt = devs->acpi_pm.pm1_cnt;
		st->pm_timer_base_tsc = devs->acpi_pm.timer_base_tsc;
	}
	return sizeof(*st);
}

int vdev_standard_load(struct guest *g, const void *buf, size_t len)
{
	struct standard_devices *devs = g->devices;
	const struct standard_state *st = buf;
	if (!devs || devs->has_disk || len != sizeof(*st) || st->device_mask != g->device_mask)
		return -EINVAL;
	if ((g->device_mask & GUEST_DEV_PC) && apic_bus_load(&devs->apic, &st->apic))
		return -EINVAL;
	if (g->device_mask & GUEST_DEV_UART)
		vuart_state_load(&devs->uart, st->uart);
	if (g->device_mask & GUEST_DEV_PC) {
		pc_platform_load(&devs->pc, &st->pc);
		devs->ports.pci = st->pci;
		devs->acpi_pm.pm1_sts = st->pm1_sts;
		devs->acpi_pm.pm1_en = st->pm1_en;
		devs->acpi_pm.pm1_cnt = st->pm1_cnt;
		devs->acpi_pm.timer_base_tsc = st->pm_timer_base_tsc;
	}
	return 0;
}
