/*
 * Virtual devices a guest sees. Each device claims one port range or one
 * guest-physical MMIO range; exit policy routes accesses here. Accesses no
 * device claims get the defined answer (reads all ones, writes ignored) in
 * kernel/emul/exit.c, never here.
 */
#ifndef SHOJI_KERNEL_VDEV_H
#define SHOJI_KERNEL_VDEV_H

#include "kernel/core/types.h"

struct guest;
struct vdev;

enum vdev_space { VDEV_PIO, VDEV_MMIO };

struct vdev_ops {
	/* offset is relative to the device's base; size is 1, 2, 4 or 8 */
	uint64_t (*read)(struct vdev *d, uint64_t offset, unsigned size);
	void (*write)(struct vdev *d, uint64_t offset, unsigned size, uint64_t value);
	/* The guest stopped: emit what is buffered (may be NULL). */
	void (*stop)(struct vdev *d);
};

struct vdev {
	const char *name;
	struct guest *guest;
	enum vdev_space space;
	uint64_t base, length;
	const struct vdev_ops *ops;
	void *priv;
};

#define GUEST_MAX_VDEVS 16

/* Attach d to g. -EBUSY if the range overlaps another device, -ENOSPC if g is full. */
int vdev_register(struct guest *g, struct vdev *d);

/*
 * Route one access. Returns true if a device claimed it (reads fill *value);
 * false if nobody did. An access straddling the end of a device's range is
 * not claimed.
 */
bool vdev_access(struct guest *g, enum vdev_space space, uint64_t addr, unsigned size, bool write,
		 uint64_t *value);

/* Tell every device of g that g stopped (their stop operations). */
void vdev_stop_all(struct guest *g);

#endif
