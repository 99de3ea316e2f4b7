/* The standard devices (see standard.h). */
#include "kernel/vdev/standard.h"

#include <errno.h>
#include <stdlib.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/vdev/debug_exit.h"
#include "kernel/vdev/pc_platform.h"
#include "kernel/vdev/reset_ports.h"
#include "kernel/vdev/vuart.h"

struct standard_devices {
	struct vuart uart;
	struct vdev debug_exit;
	struct pc_platform pc;
	struct reset_ports reset;
};

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
		err = reset_ports_attach(g, &devs->reset);
	if (err) {
		free(devs);
		return err;
	}
	g->devices = devs;
	g->device_mask = devices;
	return 0;
}

void vdev_reset_standard(struct guest *g)
{
	struct standard_devices *devs = g->devices;
	if (devs && (g->device_mask & GUEST_DEV_PC))
		pc_platform_reset(&devs->pc);
}
