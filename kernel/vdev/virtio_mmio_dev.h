/*
 * A virtio-blk disk on a guest's MMIO bus: the virtio-mmio transport
 * (virtio_mmio.c) and the block device (virtio_blk.c) made into one vdev,
 * with guest RAM reached through guest_ram_ptr() and the interrupt handed to
 * the owner as a level line, the way the UART reports its line.
 *
 * The owner supplies the image: a writable buffer it keeps for the life of
 * the device. Guest writes land in it (lost once the owner frees or reloads
 * it). The owner also routes the line (I/O APIC GSI and, for a guest in PIC
 * mode, the ISA IRQ of the same number) and lists the device in the DSDT.
 */
#ifndef SHOJI_KERNEL_VDEV_VIRTIO_MMIO_DEV_H
#define SHOJI_KERNEL_VDEV_VIRTIO_MMIO_DEV_H

#include "kernel/core/types.h"
#include "kernel/guest/vdev.h"
#include "kernel/vdev/virtio_blk.h"
#include "kernel/vdev/virtio_mmio.h"

struct guest;

/* Suggested placement: in the MMIO window, clear of the I/O APIC and local APIC pages. */
#define VIRTIO_MMIO_DEV_GPA 0xd0000000ULL
#define VIRTIO_MMIO_DEV_GSI 10 /* level triggered, active high (an ISA-free line) */

struct virtio_mmio_dev {
	struct vdev vdev;
	struct virtio_mmio mmio;
	struct virtio_blk blk;
	struct guest *guest;
	bool line; /* the level last reported to line_change */
	void (*line_change)(void *ctx, bool level);
	void *line_ctx;
};

/*
 * Attach to g, at [base, base + VIRTIO_MMIO_SIZE), a virtio-blk disk over
 * image[0, size) (read_only: offered as VIRTIO_BLK_F_RO, writes fail).
 * line_change(line_ctx, level) is called, under g's device lock, each time
 * the interrupt line changes level (may be NULL). 0, -EINVAL (image smaller
 * than a sector), or -EBUSY/-ENOSPC from vdev_register.
 */
int virtio_mmio_dev_attach_blk(struct guest *g, struct virtio_mmio_dev *d, gpa_t base,
			       uint8_t *image, uint64_t size, bool read_only,
			       void (*line_change)(void *ctx, bool level), void *line_ctx);

/* Platform reset (a guest restart): the device back to power-on, its line low. */
void virtio_mmio_dev_reset(struct virtio_mmio_dev *d);

#endif
