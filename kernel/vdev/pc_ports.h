/*
 * The PC chipset's port devices beside its interrupt and timer chips:
 * PCI configuration mechanism #1 at 0xcf8-0xcff with a host bridge and
 * nothing else (vpci_host.c), which holds the reset control register at
 * 0xcf9; the i8042's pulse of the reset line (command 0xfe at port 0x64);
 * and port 0x80, where firmware and Linux write POST codes and I/O delays
 * (ignored, reads as an empty bus). A reset is a restart: the guest stops
 * ("reset through port 0x..") and starts afresh from its image, as the
 * console's `restart` would. Part of `devices = pc`.
 */
#ifndef SHOJI_KERNEL_VDEV_PC_PORTS_H
#define SHOJI_KERNEL_VDEV_PC_PORTS_H

#include "kernel/guest/vdev.h"
#include "kernel/vdev/vpci_host.h"

#define RESET_CONTROL_PORT VPCI_HOST_RESET_CONTROL
#define I8042_COMMAND_PORT 0x64
#define POST_CODE_PORT	   0x80

struct pc_ports {
	struct vpci_host pci;
	struct vdev pci_ports, i8042, post_code;
};

int pc_ports_attach(struct guest *g, struct pc_ports *p);

/* Power-on state (a restart): CONFIG_ADDRESS and the reset control register clear. */
void pc_ports_reset(struct pc_ports *p);

#endif
