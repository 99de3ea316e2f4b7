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

enum vdev_space { VDEV_PIO, VDEV_MMIO, VDEV_SPACES };

struct vdev_ops {
	/* offset is relative to the device's base; size is 1, 2, 4 or 8 */
	uint64_t (*read)(struct vdev *d, uint64_t offset, unsigned size);
	void (*write)(struct vdev *d, uint64_t offset, unsigned size, uint64_t value);
	/* The guest stopped, its last vCPU down: emit what is buffered (may be NULL). */
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

#define GUEST_MAX_VDEVS 24

/*
 * A guest's devices, in registration order and per space. At most 24: a
 * linear scan of one space (an MMIO exit never walks the port devices) is
 * cheaper than any index at that size.
 */
struct vdev_table {
	struct vdev *dev[GUEST_MAX_VDEVS];
	unsigned count;
	struct vdev *by_space[VDEV_SPACES][GUEST_MAX_VDEVS];
	unsigned space_count[VDEV_SPACES];
};

/* Attach d to g. -EBUSY if the range overlaps another device, -ENOSPC if g is full. */
int vdev_register(struct guest *g, struct vdev *d);

/* Fill @d as the port range [base, base + length) with @ops and @priv, and register it. */
int vdev_register_ports(struct guest *g, struct vdev *d, const char *name, uint16_t base,
			unsigned length, const struct vdev_ops *ops, void *priv);

/* d claims [addr, addr+size) only if the whole access lies inside its range. */
static inline bool vdev_contains(const struct vdev *d, uint64_t addr, unsigned size)
{
	if (addr < d->base)
		return false;
	uint64_t offset = addr - d->base;
	/* Written without addr + size so that an access at the top of the space cannot wrap. */
	return offset < d->length && size <= d->length - offset;
}

/*
 * The device of `space` whose range holds all of [addr, addr + size), or
 * NULL. A guest's devices are attached while it is built and never change
 * while it runs, so the search needs no lock.
 */
static inline struct vdev *vdev_find(const struct vdev_table *t, enum vdev_space space,
				     uint64_t addr, unsigned size)
{
	for (unsigned i = 0; i < t->space_count[space]; i++) {
		struct vdev *d = t->by_space[space][i];
		if (vdev_contains(d, addr, size))
			return d;
	}
	return NULL;
}

/* The low `size` bytes, size 1..8 (no branch: it is on every port exit). */
static inline uint64_t vdev_size_mask(unsigned size)
{
	return ~0ULL >> (64 - 8 * size);
}

/*
 * One access to d, which vdev_find returned for [addr, addr + size); size
 * is 1, 2, 4 or 8. The caller holds the guest's device lock. A device
 * without a read handler reads like an empty bus: all ones.
 */
static inline uint64_t vdev_read(struct vdev *d, uint64_t addr, unsigned size)
{
	uint64_t value = d->ops->read ? d->ops->read(d, addr - d->base, size) : ~0ULL;
	return value & vdev_size_mask(size);
}

static inline void vdev_write(struct vdev *d, uint64_t addr, unsigned size, uint64_t value)
{
	if (d->ops->write)
		d->ops->write(d, addr - d->base, size, value & vdev_size_mask(size));
}

/*
 * Route one access (vdev_find, then vdev_read or vdev_write, with a check
 * of the size). Returns true if a device claimed it (reads fill *value);
 * false if nobody did. An access straddling the end of a device's range is
 * not claimed.
 */
bool vdev_access(struct guest *g, enum vdev_space space, uint64_t addr, unsigned size, bool write,
		 uint64_t *value);

/* Tell every device of g that g stopped (their stop operations). */
void vdev_stop_all(struct guest *g);

#endif
