/* Reset through 0xcf9 and the i8042 (see reset_ports.h). */
#include "kernel/vdev/reset_ports.h"

#include "kernel/guest/guest.h"

#define CF9_SYS_RST	   0x02 /* hard reset when RST_CPU goes 0 -> 1 */
#define CF9_RST_CPU	   0x04 /* the 0 -> 1 transition resets */
#define CF9_FULL_RST	   0x08
#define CF9_KEPT	   (CF9_SYS_RST | CF9_FULL_RST)
#define I8042_PULSE_RESET  0xfe /* pulse output port bit 0: the CPU's reset line */
#define PORT_BYTE	   0xff
#define NO_CONTROLLER	   0xff /* status as an empty bus: Linux's i8042 probe finds none */

static void reset_guest(struct guest *g, uint16_t port)
{
	if (g->state != GUEST_RUNNING)
		return;
	g->restart_pending = true; /* started again once every vCPU has stopped */
	guest_stop(g, GUEST_EXITED, 0, "reset through port 0x%x", port);
}

static uint64_t control_read(struct vdev *d, uint64_t offset, unsigned size)
{
	const struct reset_ports *r = d->priv;
	return r->control_value;
}

static void control_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct reset_ports *r = d->priv;
	uint8_t v = value & PORT_BYTE;
	bool rising = (v & CF9_RST_CPU) && !(r->control_value & CF9_RST_CPU);
	r->control_value = v & CF9_KEPT;
	if (rising)
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

static const struct vdev_ops control_ops = {.read = control_read, .write = control_write};
static const struct vdev_ops i8042_ops = {.read = i8042_read, .write = i8042_write};

int reset_ports_attach(struct guest *g, struct reset_ports *r)
{
	r->control_value = 0;
	r->control = (struct vdev){.name = "reset-control",
				   .space = VDEV_PIO,
				   .base = RESET_CONTROL_PORT,
				   .length = 1,
				   .ops = &control_ops,
				   .priv = r};
	r->i8042 = (struct vdev){.name = "i8042",
				 .space = VDEV_PIO,
				 .base = I8042_COMMAND_PORT,
				 .length = 1,
				 .ops = &i8042_ops,
				 .priv = r};
	int err = vdev_register(g, &r->control);
	return err ? err : vdev_register(g, &r->i8042);
}
