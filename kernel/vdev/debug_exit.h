/*
 * The debug-exit port (GUEST_DEBUG_EXIT_PORT, 0xf4): a guest writes a byte
 * there to stop itself with that byte as its exit code, as with QEMU's
 * isa-debug-exit device (without QEMU's (code << 1) | 1 encoding).
 */
#ifndef SHOJI_KERNEL_VDEV_DEBUG_EXIT_H
#define SHOJI_KERNEL_VDEV_DEBUG_EXIT_H

#include "kernel/guest/vdev.h"

struct guest;

/*
 * Ports claimed from GUEST_DEBUG_EXIT_PORT. The exit code is one byte, but
 * guests built for QEMU's isa-debug-exit (iosize=4) write it with OUTW or
 * OUTL; a 1-port device would not claim those (vdev_access() routes only
 * accesses the range fully contains).
 */
#define DEBUG_EXIT_PORTS 4

/* Fill d as the debug-exit device and register it with g. */
int debug_exit_attach(struct guest *g, struct vdev *d);

#endif
