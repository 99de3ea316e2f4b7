/*
 * The PC's ways for software to reset the machine: the reset control
 * register at port 0xcf9 (RST_CPU) and the i8042's pulse of the reset line
 * (command 0xfe at port 0x64). For a guest, a reset is a restart: the guest
 * stops ("reset through port 0x..") and starts afresh from its image, as
 * the console's `restart` would. Part of `devices = pc`.
 */
#ifndef SHOJI_KERNEL_VDEV_RESET_PORTS_H
#define SHOJI_KERNEL_VDEV_RESET_PORTS_H

#include "kernel/guest/vdev.h"

#define RESET_CONTROL_PORT 0xcf9
#define I8042_COMMAND_PORT 0x64

struct reset_ports {
	struct vdev control, i8042;
	uint8_t control_value; /* 0xcf9 reads back what was written (bits 1 and 3 only) */
};

int reset_ports_attach(struct guest *g, struct reset_ports *r);

#endif
