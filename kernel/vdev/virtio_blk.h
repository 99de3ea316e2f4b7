/*
 * Virtio block device (virtio spec v1.2, 5.2) behind the virtio-mmio
 * transport: a disk image held in hypervisor memory.
 *
 * The image is the owner's buffer; the device reads and, unless the disk is
 * read-only, writes it in place. Nothing is written back to any file: writes
 * last as long as the buffer does (a guest restart sees them unless the
 * owner copies the pristine image back). A read-only disk offers
 * VIRTIO_BLK_F_RO and fails writes with IOERR.
 *
 * Requests served: T_IN, T_OUT, T_FLUSH (offered, nothing to do in memory),
 * T_GET_ID ("shoji-virtio-blk"); others answer UNSUPP. A transfer that is not
 * whole sectors, leaves the disk or exceeds VIRTIO_BLK_MAX_TRANSFER answers IOERR. A request
 * without room for its header or status byte cannot be answered: the device needs a reset.
 */
#ifndef SHOJI_KERNEL_VDEV_VIRTIO_BLK_H
#define SHOJI_KERNEL_VDEV_VIRTIO_BLK_H

#include "kernel/core/types.h"
#include "kernel/vdev/virtio_mmio.h"

#define VIRTIO_ID_BLOCK 2 /* 5 "Device Types" */

/* 5.2.3 feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_FLUSH    9

/* 5.2.6 request types and status values. */
#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_SECTOR_SIZE 512 /* 5.2.6: sector numbers count 512 bytes, whatever blk_size */
#define VIRTIO_BLK_HEADER_SIZE 16  /* le32 type, le32 reserved, le64 sector */
#define VIRTIO_BLK_ID_BYTES    20  /* 5.2.6: GET_ID answers up to 20 bytes, NUL padded */
#define VIRTIO_BLK_ID	       "shoji-virtio-blk"

/* 5.2.4 config layout: the offsets this device fills, and the size it shows. */
#define VIRTIO_BLK_CFG_CAPACITY 0x00 /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08 /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX	0x0c /* le32 */
#define VIRTIO_BLK_CONFIG_SIZE	0x3c /* through write_zeroes_may_unmap and its padding */
/* 2.7.5.3.1 chains are at most the queue long; Linux adds header and status to seg_max. */
#define VIRTIO_BLK_SEG_MAX (VIRTIO_MMIO_QUEUE_MAX - 2)
/*
 * Largest segment offered (size_max). With seg_max it bounds what a driver
 * that honours both sends in one request, and the device refuses more
 * (IOERR): each request is copied within one exit, with the CPU's other
 * work waiting, so a hostile driver must not make one request copy the disk.
 */
#define VIRTIO_BLK_SIZE_MAX	PAGE_SIZE
#define VIRTIO_BLK_MAX_TRANSFER (VIRTIO_BLK_SEG_MAX * VIRTIO_BLK_SIZE_MAX)

struct virtio_blk {
	uint8_t *data;	   /* the image, capacity * 512 bytes of it used */
	uint64_t capacity; /* sectors */
	bool read_only;
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE];
	uint64_t reads, writes, flushes, errors; /* requests served, by outcome */
};

/* The virtio_backend of a block device; its ctx is a struct virtio_blk. */
extern const struct virtio_backend virtio_blk_backend;

/*
 * Make b a disk over data[0, size): capacity is size / 512 (a partial last
 * sector is not shown). 0, or -EINVAL if data is NULL or smaller than a sector.
 */
int virtio_blk_init(struct virtio_blk *b, uint8_t *data, uint64_t size, bool read_only);

#endif
