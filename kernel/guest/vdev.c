/*
 * Virtual-device registry: each guest's table of port and MMIO ranges and the
 * routing of one access to the device that claims it. Owns g->vdevs; it
 * does not answer unclaimed accesses (kernel/emul/exit_io.c does) and knows
 * nothing of what a device does.
 */
#include "kernel/guest/vdev.h"

#include <errno.h>

#include "kernel/guest/guest.h"
#include "kernel/core/log.h"

/* x86 port space is 64 KiB: IN/OUT take a 16-bit port number (SDM 2 "IN", "OUT"). */
#define VDEV_PIO_LIMIT 0x10000ULL

static const char *vdev_space_name(enum vdev_space space)
{
	return space == VDEV_PIO ? "pio" : "mmio";
}

/* Last address of d's range; callers have already rejected empty and wrapping ranges. */
static uint64_t vdev_last(const struct vdev *d)
{
	return d->base + d->length - 1;
}

static bool vdev_overlaps(const struct vdev *a, const struct vdev *b)
{
	return a->space == b->space && a->base <= vdev_last(b) && b->base <= vdev_last(a);
}

int vdev_register(struct guest *g, struct vdev *d)
{
	if (!g || !d || !d->ops)
		return -EINVAL;

	const char *name = d->name ? d->name : "?";
	if (d->space != VDEV_PIO && d->space != VDEV_MMIO) {
		log_err("vdev: guest %s: device %s has unknown address space %d", g->name, name,
			(int)d->space);
		return -EINVAL;
	}
	/* base + length - 1 < base: the range wraps past the end of the address space. */
	if (d->length == 0 || d->base + (d->length - 1) < d->base ||
	    (d->space == VDEV_PIO && d->base + d->length > VDEV_PIO_LIMIT)) {
		log_err("vdev: guest %s: device %s has bad %s range base %#llx length %#llx",
			g->name, name, vdev_space_name(d->space), (unsigned long long)d->base,
			(unsigned long long)d->length);
		return -EINVAL;
	}

	for (unsigned i = 0; i < g->vdevs.count; i++) {
		const struct vdev *o = g->vdevs.dev[i];
		if (!vdev_overlaps(d, o))
			continue;
		log_err("vdev: guest %s: device %s %s [%#llx-%#llx] overlaps %s [%#llx-%#llx]",
			g->name, name, vdev_space_name(d->space), (unsigned long long)d->base,
			(unsigned long long)vdev_last(d), o->name ? o->name : "?",
			(unsigned long long)o->base, (unsigned long long)vdev_last(o));
		return -EBUSY;
	}

	if (g->vdevs.count >= GUEST_MAX_VDEVS) {
		log_err("vdev: guest %s: no room for device %s (%d devices max)", g->name, name,
			GUEST_MAX_VDEVS);
		return -ENOSPC;
	}

	d->guest = g;
	g->vdevs.dev[g->vdevs.count++] = d;
	g->vdevs.by_space[d->space][g->vdevs.space_count[d->space]++] = d;
	return 0;
}

bool vdev_access(struct guest *g, enum vdev_space space, uint64_t addr, unsigned size, bool write,
		 uint64_t *value)
{
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		log_warn("vdev: guest %s: %s access of size %u at %#llx not routed", g->name,
			 vdev_space_name(space), size, (unsigned long long)addr);
		return false;
	}
	if ((unsigned)space >= VDEV_SPACES)
		return false; /* no table to search */
	struct vdev *d = vdev_find(&g->vdevs, space, addr, size);
	if (!d)
		return false;
	if (write)
		vdev_write(d, addr, size, value ? *value : 0);
	else if (value)
		*value = vdev_read(d, addr, size);
	else
		vdev_read(d, addr, size);
	return true;
}

void vdev_stop_all(struct guest *g)
{
	for (unsigned i = 0; i < g->vdevs.count; i++)
		if (g->vdevs.dev[i]->ops->stop)
			g->vdevs.dev[i]->ops->stop(g->vdevs.dev[i]);
}

int vdev_register_ports(struct guest *g, struct vdev *d, const char *name, uint16_t base,
			unsigned length, const struct vdev_ops *ops, void *priv)
{
	*d = (struct vdev){.name = name,
			   .space = VDEV_PIO,
			   .base = base,
			   .length = length,
			   .ops = ops,
			   .priv = priv};
	return vdev_register(g, d);
}
