/*
 * The virtio-blk vdev: owns a struct virtio_mmio_dev, routes MMIO accesses
 * to the transport, gives it guest RAM through guest_ram_ptr() (nothing
 * outside [0, mem_size) is ever reached: the answer there is -EFAULT) and
 * reports each change of the interrupt line to its owner. It touches no
 * interrupt controller itself.
 */
#include "kernel/vdev/virtio_mmio_dev.h"

#include <errno.h>
#include <string.h>

#include "kernel/core/log.h"
#include "kernel/guest/guest.h"

static int dev_mem_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	struct virtio_mmio_dev *d = ctx;
	const void *src = guest_ram_read_ptr(d->guest, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	return 0;
}

static int dev_mem_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	struct virtio_mmio_dev *d = ctx;
	void *dst = guest_ram_ptr(d->guest, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, buf, len);
	return 0;
}

static const struct virtio_mem_ops dev_mem_ops = {.read = dev_mem_read, .write = dev_mem_write};

/* InterruptStatus moved: tell the owner when the level differs from what it last heard. */
static void dev_update_line(struct virtio_mmio_dev *d)
{
	bool level = virtio_mmio_irq_line(&d->mmio);

	if (level == d->line)
		return;
	d->line = level;
	if (d->line_change)
		d->line_change(d->line_ctx, level);
}

static uint64_t dev_read(struct vdev *v, uint64_t offset, unsigned size)
{
	struct virtio_mmio_dev *d = v->priv;

	return virtio_mmio_read(&d->mmio, offset, size);
}

static void dev_write(struct vdev *v, uint64_t offset, unsigned size, uint64_t value)
{
	struct virtio_mmio_dev *d = v->priv;
	uint64_t bad_rings = d->mmio.bad_rings;

	virtio_mmio_write(&d->mmio, offset, size, value);
	/* Once per device: a guest can break and reset its rings in a loop. */
	if (bad_rings == 0 && d->mmio.bad_rings != 0)
		log_warn("virtio: guest %s: ring of %s at GPA 0x%llx is broken, device needs reset",
			 d->guest->name, d->vdev.name, (unsigned long long)d->vdev.base);
	dev_update_line(d);
}

static const struct vdev_ops dev_ops = {.read = dev_read, .write = dev_write, .stop = NULL};

int virtio_mmio_dev_attach_blk(struct guest *g, struct virtio_mmio_dev *d, gpa_t base,
			       uint8_t *image, uint64_t size, bool read_only,
			       void (*line_change)(void *ctx, bool level), void *line_ctx)
{
	int err = virtio_blk_init(&d->blk, image, size, read_only);
	if (err)
		return err;
	d->guest = g;
	d->line = false;
	d->line_change = line_change;
	d->line_ctx = line_ctx;
	virtio_mmio_init(&d->mmio, &virtio_blk_backend, &d->blk, &dev_mem_ops, d);
	d->vdev = (struct vdev){.name = "virtio-blk",
				.space = VDEV_MMIO,
				.base = base,
				.length = VIRTIO_MMIO_SIZE,
				.ops = &dev_ops,
				.priv = d};
	return vdev_register(g, &d->vdev);
}

void virtio_mmio_dev_reset(struct virtio_mmio_dev *d)
{
	virtio_mmio_reset(&d->mmio);
	dev_update_line(d);
}
