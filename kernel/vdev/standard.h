/*
 * The standard devices a guest may have (GUEST_DEV_*): the 16550 UART at
 * GUEST_UART_PORT, the debug-exit port and the PC's PIC/PIT (pc_platform.h).
 * Their storage hangs off the guest.
 */
#ifndef SHOJI_KERNEL_VDEV_STANDARD_H
#define SHOJI_KERNEL_VDEV_STANDARD_H

struct guest;

/* Attach the GUEST_DEV_* devices in `devices` to g: 0 or -errno. */
int vdev_attach_standard(struct guest *g, unsigned devices);

/* A restart: the devices that keep state between runs back to power-on. */
void vdev_reset_standard(struct guest *g);

#endif
