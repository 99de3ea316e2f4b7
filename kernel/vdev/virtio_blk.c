/*
 * Virtio block device over an in-memory image (virtio spec v1.2, 5.2): owns
 * one struct virtio_blk, serves the requests the virtio-mmio transport hands
 * it and reaches guest memory only through virtio_req_read/virtio_req_write.
 * The image bytes it touches are always inside capacity * 512: every sector
 * range is checked against the capacity before a copy.
 */
#include "kernel/vdev/virtio_blk.h"

#include <errno.h>
#include <string.h>

#define HDR_TYPE   0
#define HDR_SECTOR 8

static void put_le(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		b[i] = (uint8_t)v;
}

static uint64_t get_le(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

int virtio_blk_init(struct virtio_blk *b, uint8_t *data, uint64_t size, bool read_only)
{
	if (!data || size < VIRTIO_BLK_SECTOR_SIZE)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->data = data;
	b->capacity = size / VIRTIO_BLK_SECTOR_SIZE;
	b->read_only = read_only;
	put_le(b->config + VIRTIO_BLK_CFG_CAPACITY, b->capacity, 8);
	put_le(b->config + VIRTIO_BLK_CFG_SIZE_MAX, VIRTIO_BLK_SIZE_MAX, 4);
	put_le(b->config + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX, 4);
	return 0;
}

static uint64_t blk_features(void *ctx)
{
	const struct virtio_blk *b = ctx;
	uint64_t f = 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
		     1ULL << VIRTIO_BLK_F_FLUSH;

	if (b->read_only)
		f |= 1ULL << VIRTIO_BLK_F_RO;
	return f;
}

static void blk_config_read(void *ctx, uint32_t offset, void *buf, uint32_t len)
{
	const struct virtio_blk *b = ctx;

	/* The transport keeps [offset, offset + len) inside config_size. */
	memcpy(buf, b->config + offset, len);
}

/*
 * The image bytes of [sector, sector + len/512), or NULL if that is not whole
 * sectors on the disk, or more than a request may carry.
 */
static uint8_t *blk_range(struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	uint64_t count = len / VIRTIO_BLK_SECTOR_SIZE;

	if (len % VIRTIO_BLK_SECTOR_SIZE || len > VIRTIO_BLK_MAX_TRANSFER || sector > b->capacity ||
	    count > b->capacity - sector)
		return NULL;
	return b->data + sector * VIRTIO_BLK_SECTOR_SIZE;
}

/* 5.2.6.1: the device writes data, then the status byte as the last writable byte. */
static int blk_handle(void *ctx, struct virtio_req *req, uint32_t *used_len)
{
	struct virtio_blk *b = ctx;
	uint8_t hdr[VIRTIO_BLK_HEADER_SIZE];
	uint8_t status = VIRTIO_BLK_S_OK;
	uint64_t written = 0;
	uint8_t *disk;
	int err;

	/* No header or no status byte: nothing to answer with. */
	if (req->out_len < VIRTIO_BLK_HEADER_SIZE || req->in_len < 1)
		return -EINVAL;
	err = virtio_req_read(req, 0, hdr, sizeof(hdr));
	if (err)
		return err;
	uint32_t type = (uint32_t)get_le(hdr + HDR_TYPE, 4);
	uint64_t sector = get_le(hdr + HDR_SECTOR, 8);
	uint64_t in_data = req->in_len - 1;
	uint64_t out_data = req->out_len - VIRTIO_BLK_HEADER_SIZE;

	switch (type) {
	case VIRTIO_BLK_T_IN:
		disk = blk_range(b, sector, in_data);
		if (!disk) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		err = virtio_req_write(req, 0, disk, in_data);
		if (err)
			return err;
		written = in_data;
		b->reads++;
		break;
	case VIRTIO_BLK_T_OUT:
		disk = blk_range(b, sector, out_data);
		if (!disk || b->read_only) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		err = virtio_req_read(req, VIRTIO_BLK_HEADER_SIZE, disk, out_data);
		if (err)
			return err;
		b->writes++;
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* Nothing is cached between the guest and the image. */
		b->flushes++;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint8_t id[VIRTIO_BLK_ID_BYTES] = VIRTIO_BLK_ID;
		written = MIN(in_data, sizeof(id));
		err = virtio_req_write(req, 0, id, written);
		if (err)
			return err;
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (status != VIRTIO_BLK_S_OK)
		b->errors++;
	err = virtio_req_write(req, req->in_len - 1, &status, sizeof(status));
	if (err)
		return err;
	*used_len = (uint32_t)MIN(written + 1, UINT32_MAX);
	return 0;
}

const struct virtio_backend virtio_blk_backend = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .num_queues = 1,
    .config_size = VIRTIO_BLK_CONFIG_SIZE,
    .features = blk_features,
    .config_read = blk_config_read,
    .handle = blk_handle,
    .reset = NULL,
};
