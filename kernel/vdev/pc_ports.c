/* PCI configuration ports with the reset control register, the i8042 reset, port 0x80 (see
 * pc_ports.h). */
#include "kernel/vdev/pc_ports.h"

#include "kernel/guest/guest.h"

#define I8042_PULSE_RESET 0xfe /* pulse output port bit 0: the CPU's reset line */
#define PORT_BYTE	  0xff
#define NO_CONTROLLER	  0xff /* status as an empty bus: Linux's i8042 probe finds none */

static void reset_guest(struct guest *g, uint16_t port)
{
	if (g->state != GUEST_RUNNING)
		return;
	g->restart_pending = true; /* started again once every vCPU has stopped */
	guest_stop(g, GUEST_EXITED, 0, "reset through port 0x%x", port);
}

static uint64_t pci_read(struct vdev *d, uint64_t offset, unsigned size)
{
	struct pc_ports *p = d->priv;
	return vpci_host_read(&p->pci, (uint16_t)(d->base + offset), size);
}

static void pci_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct pc_ports *p = d->priv;
	if (vpci_host_write(&p->pci, (uint16_t)(d->base + offset), size, (uint32_t)value) ==
	    VPCI_HOST_RESET)
		reset_guest(d->guest, RESET_CONTROL_PORT);
}

static uint64_t i8042_read(struct vdev *d, uint64_t offset, unsigned size)
{
	return NO_CONTROLLER;
}

static void i8042_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	if ((value & PORT_BYTE) == I8042_PULSE_RESET)
		reset_guest(d->guest, I8042_COMMAND_PORT);
}

static const struct vdev_ops pci_ops = {.read = pci_read, .write = pci_write};
static const struct vdev_ops i8042_ops = {.read = i8042_read, .write = i8042_write};
/* No handlers: reads as an empty bus, writes dropped, but claimed, so not counted as stray. */
static const struct vdev_ops post_code_ops = {0};

void pc_ports_reset(struct pc_ports *p)
{
	vpci_host_reset(&p->pci);
}

int pc_ports_attach(struct guest *g, struct pc_ports *p)
{
	pc_ports_reset(p);
	int err = vdev_register_ports(g, &p->pci_ports, "pci-config", VPCI_HOST_PORT_BASE,
				      VPCI_HOST_PORT_COUNT, &pci_ops, p);
	if (!err)
		err = vdev_register_ports(g, &p->i8042, "i8042", I8042_COMMAND_PORT, 1, &i8042_ops,
					  p);
	if (!err)
		err = vdev_register_ports(g, &p->post_code, "post-code", POST_CODE_PORT, 1,
					  &post_code_ops, p);
	return err;
}
