/*
 * Debug-exit port: a write stops the guest as EXITED with the low byte of
 * the value as its exit code. Owns only the struct vdev it is given; the
 * stop itself (state, log line, never entering the vCPU again) is
 * guest_stop()'s.
 */
#include "kernel/vdev/debug_exit.h"

#include "kernel/guest/guest.h"
#include "kernel/guest/hypercall_abi.h"

#define DEBUG_EXIT_CODE_MASK 0xff

/* Nothing to read: the port answers like an empty bus. */
static uint64_t debug_exit_read(struct vdev *d, uint64_t offset, unsigned size)
{
	return ~0ULL;
}

/* Any write in the window counts, with any width: only the low byte is the code. */
static void debug_exit_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	int code = (int)(value & DEBUG_EXIT_CODE_MASK);

	guest_stop(d->guest, GUEST_EXITED, code, "debug-exit port, code %d", code);
}

static const struct vdev_ops debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
};

int debug_exit_attach(struct guest *g, struct vdev *d)
{
	*d = (struct vdev){
	    .name = "debug-exit",
	    .space = VDEV_PIO,
	    .base = GUEST_DEBUG_EXIT_PORT,
	    .length = DEBUG_EXIT_PORTS,
	    .ops = &debug_exit_ops,
	};
	return vdev_register(g, d);
}
