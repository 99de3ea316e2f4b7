/*
 * Virtio over MMIO, version 2 (virtio spec v1.2, 4.2), split virtqueues
 * (2.7): owns one struct virtio_mmio, its registers, its queues' state and
 * the request scratch. It reads and writes guest memory only through the
 * owner's virtio_mem_ops and leaves the device type to a virtio_backend.
 *
 * Guest-controlled values are checked before use: queue parameters when the
 * queue is enabled (size a power of two up to QueueNumMax, areas aligned
 * and not wrapping), ring indexes against the queue size, the number of
 * pending entries, chain length (at most the queue size: longer is a loop),
 * descriptor order (readable before writable) and flags (no INDIRECT: not
 * offered). Any failure, including a ring outside guest RAM, puts the
 * device into DEVICE_NEEDS_RESET (2.1.2); it serves nothing until reset.
 */
#include "kernel/vdev/virtio_mmio.h"

#include <errno.h>
#include <string.h>

#define ALL_ONES	 (~0ULL)
#define REG_SIZE	 4  /* 4.2.2: registers are 32-bit, accessed aligned */
#define FEATURE_BITS	 32 /* DeviceFeatures/DriverFeatures show 32 bits per Sel value */
#define FEATURE_SEL_LOW	 0
#define FEATURE_SEL_HIGH 1
#define STATUS_MASK	 0xff

/* 2.7.6 / 2.7.8: offsets inside the driver area (avail) and the device area (used). */
#define RING_FLAGS	 0
#define RING_IDX	 2
#define RING_ENTRY_AVAIL 2 /* le16 descriptor head */
#define DESC_ADDR	 0
#define DESC_LEN	 8
#define DESC_FLAGS	 12
#define DESC_NEXT	 14

static uint64_t device_features(const struct virtio_mmio *m)
{
	uint64_t f = m->backend->features ? m->backend->features(m->backend_ctx) : 0;
	return f | (1ULL << VIRTIO_F_VERSION_1);
}

static struct virtio_queue *selected_queue(struct virtio_mmio *m)
{
	if (m->queue_sel >= m->backend->num_queues || m->queue_sel >= VIRTIO_MMIO_MAX_QUEUES)
		return NULL;
	return &m->queues[m->queue_sel];
}

void virtio_mmio_reset(struct virtio_mmio *m)
{
	m->status = 0;
	m->isr = 0;
	m->device_features_sel = 0;
	m->driver_features_sel = 0;
	m->driver_features = 0;
	m->queue_sel = 0;
	memset(m->queues, 0, sizeof(m->queues));
	if (m->backend->reset)
		m->backend->reset(m->backend_ctx);
}

void virtio_mmio_init(struct virtio_mmio *m, const struct virtio_backend *backend,
		      void *backend_ctx, const struct virtio_mem_ops *mem, void *mem_ctx)
{
	memset(m, 0, sizeof(*m));
	m->backend = backend;
	m->backend_ctx = backend_ctx;
	m->mem = mem;
	m->mem_ctx = mem_ctx;
	virtio_mmio_reset(m);
}

bool virtio_mmio_irq_line(const struct virtio_mmio *m)
{
	return m->isr != 0;
}

/*
 * 2.1.2: an error the device cannot report otherwise sets NEEDS_RESET and,
 * once the driver is live (DRIVER_OK), sends a configuration change
 * notification; before that the driver sees the bit when it reads Status.
 */
static void needs_reset(struct virtio_mmio *m)
{
	if (!(m->status & VIRTIO_STATUS_NEEDS_RESET))
		m->bad_rings++;
	m->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (m->status & VIRTIO_STATUS_DRIVER_OK)
		m->isr |= VIRTIO_MMIO_INT_CONFIG;
}

/* Little-endian fields of guest memory (the rings are little-endian in 1.x, 2.4). */
static int mem_read16(struct virtio_mmio *m, gpa_t gpa, uint16_t *v)
{
	uint8_t b[2];
	int err = m->mem->read(m->mem_ctx, gpa, b, sizeof(b));
	if (err)
		return err;
	*v = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

static uint64_t le_bytes(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static void put_le(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		b[i] = (uint8_t)v;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* [gpa, gpa + len) does not wrap past the top of the address space. */
static bool range_ok(gpa_t gpa, uint64_t len)
{
	return len == 0 || gpa + (len - 1) >= gpa;
}

/* 2.7: what the driver must have set before QueueReady = 1 (2.7.2 sizes and alignment). */
static bool queue_valid(const struct virtio_queue *q)
{
	uint64_t n = q->num;

	if (!is_pow2(q->num) || q->num > VIRTIO_MMIO_QUEUE_MAX)
		return false;
	if (!IS_ALIGNED(q->desc_gpa, VIRTQ_DESC_ALIGN) ||
	    !IS_ALIGNED(q->avail_gpa, VIRTQ_AVAIL_ALIGN) ||
	    !IS_ALIGNED(q->used_gpa, VIRTQ_USED_ALIGN))
		return false;
	/* 2.7.6 / 2.7.8: header, ring, and the trailing event word we never use. */
	return range_ok(q->desc_gpa, n * VIRTQ_DESC_SIZE) &&
	       range_ok(q->avail_gpa, VIRTQ_RING_HEADER + n * RING_ENTRY_AVAIL + 2) &&
	       range_ok(q->used_gpa, VIRTQ_RING_HEADER + n * VIRTQ_USED_ELEM_SIZE + 2);
}

/*
 * Walk the chain at head into m->req. -EINVAL for a chain the device must
 * not follow, -EFAULT for a descriptor table outside RAM.
 */
static int walk_chain(struct virtio_mmio *m, unsigned qi, uint16_t head)
{
	struct virtio_queue *q = &m->queues[qi];
	struct virtio_req *req = &m->req;
	uint16_t idx = head;
	unsigned count = 0;

	req->dev = m;
	req->queue = qi;
	req->head = head;
	req->nr_out = req->nr_in = 0;
	req->out_len = req->in_len = 0;
	for (;;) {
		uint8_t d[VIRTQ_DESC_SIZE];

		/* 2.7.5.3.1: a chain is never longer than the queue; longer means a loop. */
		if (count == q->num || idx >= q->num)
			return -EINVAL;
		int err = m->mem->read(m->mem_ctx, q->desc_gpa + (uint64_t)idx * VIRTQ_DESC_SIZE, d,
				       sizeof(d));
		if (err)
			return err;
		uint16_t flags = (uint16_t)le_bytes(d + DESC_FLAGS, 2);
		struct virtio_seg seg = {.gpa = le_bytes(d + DESC_ADDR, 8),
					 .len = (uint32_t)le_bytes(d + DESC_LEN, 4)};
		/* VIRTIO_F_INDIRECT_DESC not offered: 2.7.5.3.1 forbids the flag. */
		if (flags & VIRTQ_DESC_F_INDIRECT)
			return -EINVAL;
		if (!range_ok(seg.gpa, seg.len))
			return -EINVAL;
		if (flags & VIRTQ_DESC_F_WRITE) {
			req->nr_in++;
			req->in_len += seg.len;
		} else {
			/* 2.7.4.2: device-readable descriptors come before writable ones. */
			if (req->nr_in)
				return -EINVAL;
			req->nr_out++;
			req->out_len += seg.len;
		}
		req->seg[count++] = seg;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 0;
		idx = (uint16_t)le_bytes(d + DESC_NEXT, 2);
	}
}

/* Publish one used element and the new used idx (2.7.8, 2.7.10). */
static int put_used(struct virtio_mmio *m, struct virtio_queue *q, uint16_t head, uint32_t len)
{
	uint8_t elem[VIRTQ_USED_ELEM_SIZE], idx[2];
	gpa_t slot = q->used_gpa + VIRTQ_RING_HEADER +
		     (uint64_t)(q->used_idx % q->num) * VIRTQ_USED_ELEM_SIZE;

	put_le(elem, head, 4);
	put_le(elem + 4, len, 4);
	int err = m->mem->write(m->mem_ctx, slot, elem, sizeof(elem));
	if (err)
		return err;
	put_le(idx, (uint16_t)(q->used_idx + 1), 2);
	err = m->mem->write(m->mem_ctx, q->used_gpa + RING_IDX, idx, sizeof(idx));
	if (err)
		return err;
	q->used_idx++;
	return 0;
}

/* Serve what the driver made available on queue qi (a QueueNotify). */
static void process_queue(struct virtio_mmio *m, unsigned qi)
{
	struct virtio_queue *q = &m->queues[qi];
	uint16_t avail_idx, flags;
	unsigned done = 0;

	if (mem_read16(m, q->avail_gpa + RING_IDX, &avail_idx))
		goto bad;
	/* 2.7.13.3: the driver never has more than the queue size outstanding. */
	if ((uint16_t)(avail_idx - q->last_avail) > q->num)
		goto bad;
	while (q->last_avail != avail_idx) {
		uint16_t head;
		uint32_t used_len = 0;
		gpa_t entry = q->avail_gpa + VIRTQ_RING_HEADER +
			      (uint64_t)(q->last_avail % q->num) * RING_ENTRY_AVAIL;

		if (mem_read16(m, entry, &head) || walk_chain(m, qi, head))
			goto bad;
		if (m->backend->handle(m->backend_ctx, &m->req, &used_len))
			goto bad;
		if (used_len > m->req.in_len)
			used_len = (uint32_t)MIN(m->req.in_len, UINT32_MAX);
		if (put_used(m, q, head, used_len))
			goto bad;
		q->last_avail++;
		m->completed++;
		done++;
	}
	if (!done)
		return;
	/* 2.7.7: VIRTQ_AVAIL_F_NO_INTERRUPT asks us not to interrupt (no event index offered). */
	if (mem_read16(m, q->avail_gpa + RING_FLAGS, &flags) ||
	    !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT))
		m->isr |= VIRTIO_MMIO_INT_VRING;
	return;
bad:
	if (done)
		m->isr |= VIRTIO_MMIO_INT_VRING;
	needs_reset(m);
}

static void notify(struct virtio_mmio *m, uint32_t qi)
{
	/*
	 * 2.1.2: nothing is consumed before DRIVER_OK, nor after NEEDS_RESET
	 * until reset; 3.1.1: nor without FEATURES_OK (features not agreed).
	 */
	const uint32_t live = VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK;
	if ((m->status & (live | VIRTIO_STATUS_NEEDS_RESET)) != live)
		return;
	if (qi >= m->backend->num_queues || qi >= VIRTIO_MMIO_MAX_QUEUES || !m->queues[qi].ready)
		return;
	process_queue(m, qi);
}

/*
 * 3.1.1 / 2.2.2: FEATURES_OK sticks only if the driver accepted a subset of
 * what is offered including VERSION_1 (this transport has no legacy mode).
 * The driver never clears a status bit except by writing 0 (2.1.1), so bits
 * written otherwise only accumulate; NEEDS_RESET is the device's.
 */
static void write_status(struct virtio_mmio *m, uint32_t value)
{
	if (value == 0) {
		virtio_mmio_reset(m);
		return;
	}
	value &= STATUS_MASK & ~VIRTIO_STATUS_NEEDS_RESET;
	if ((value & VIRTIO_STATUS_FEATURES_OK) && !(m->status & VIRTIO_STATUS_FEATURES_OK)) {
		uint64_t offered = device_features(m);
		if ((m->driver_features & ~offered) ||
		    !(m->driver_features & (1ULL << VIRTIO_F_VERSION_1)))
			value &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	m->status |= value;
}

static void write_queue_ready(struct virtio_mmio *m, struct virtio_queue *q, uint32_t value)
{
	if (!value) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	if (!queue_valid(q)) {
		needs_reset(m);
		return;
	}
	q->ready = true;
	q->last_avail = 0;
	q->used_idx = 0;
}

static void set_half(gpa_t *gpa, bool high, uint32_t value)
{
	if (high)
		*gpa = (*gpa & 0xffffffffULL) | (uint64_t)value << 32;
	else
		*gpa = (*gpa & ~0xffffffffULL) | value;
}

static uint64_t read_config(struct virtio_mmio *m, uint64_t offset, unsigned size)
{
	uint64_t off = offset - VIRTIO_MMIO_CONFIG;
	uint8_t buf[sizeof(uint64_t)] = {0};

	if (size == 0 || size > sizeof(buf) || off >= m->backend->config_size ||
	    size > m->backend->config_size - off || !m->backend->config_read)
		return ALL_ONES;
	m->backend->config_read(m->backend_ctx, (uint32_t)off, buf, size);
	return le_bytes(buf, size);
}

uint64_t virtio_mmio_read(struct virtio_mmio *m, uint64_t offset, unsigned size)
{
	struct virtio_queue *q = selected_queue(m);
	uint64_t features;

	if (offset >= VIRTIO_MMIO_CONFIG)
		return read_config(m, offset, size);
	if (size != REG_SIZE || !IS_ALIGNED(offset, REG_SIZE))
		return ALL_ONES;
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:
		return m->backend->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR_SHOJ;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		features = device_features(m);
		if (m->device_features_sel == FEATURE_SEL_LOW)
			return (uint32_t)features;
		if (m->device_features_sel == FEATURE_SEL_HIGH)
			return (uint32_t)(features >> FEATURE_BITS);
		return 0; /* no feature bits past 63 */
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		/* 4.2.2: 0 for a queue that is not available. */
		return q ? VIRTIO_MMIO_QUEUE_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return m->isr;
	case VIRTIO_MMIO_STATUS:
		return m->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return m->config_generation; /* the config never changes under the driver */
	default:
		/* Write-only and reserved registers, absent shared memory (SHMLen -1). */
		return (uint32_t)ALL_ONES;
	}
}

void virtio_mmio_write(struct virtio_mmio *m, uint64_t offset, unsigned size, uint64_t value64)
{
	struct virtio_queue *q = selected_queue(m);
	uint32_t value = (uint32_t)value64;
	/* 4.2.2: queue parameters are written only while the queue is not ready. */
	struct virtio_queue *setup = q && !q->ready ? q : NULL;

	/* Config space: the block device has no writable field we offer; others too. */
	if (offset >= VIRTIO_MMIO_CONFIG || size != REG_SIZE || !IS_ALIGNED(offset, REG_SIZE))
		return;
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		m->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* 3.1.1: features are fixed once FEATURES_OK is set. */
		if (m->status & VIRTIO_STATUS_FEATURES_OK)
			break;
		if (m->driver_features_sel == FEATURE_SEL_LOW)
			m->driver_features = (m->driver_features & ~0xffffffffULL) | value;
		else if (m->driver_features_sel == FEATURE_SEL_HIGH)
			m->driver_features =
			    (m->driver_features & 0xffffffffULL) | (uint64_t)value << FEATURE_BITS;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		m->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		m->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (setup)
			setup->num = value;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			write_queue_ready(m, q, value);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		notify(m, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		m->isr &= ~value;
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(m, value);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (setup)
			set_half(&setup->desc_gpa, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (setup)
			set_half(&setup->avail_gpa, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (setup)
			set_half(&setup->used_gpa, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
		break;
	default: /* read-only and reserved registers */
		break;
	}
}

/* Copy between buf and the segments [first, first + nr) of req, from byte offset on. */
static int req_copy(const struct virtio_req *req, unsigned first, unsigned nr, uint64_t total,
		    uint64_t offset, void *rbuf, const void *wbuf, uint64_t len)
{
	const struct virtio_mmio *m = req->dev;
	uint64_t done = 0;

	if (offset > total || len > total - offset)
		return -EINVAL;
	for (unsigned i = first; i < first + nr && done < len; i++) {
		const struct virtio_seg *s = &req->seg[i];
		if (offset >= s->len) {
			offset -= s->len;
			continue;
		}
		uint64_t n = MIN(s->len - offset, len - done);
		int err = rbuf
			      ? m->mem->read(m->mem_ctx, s->gpa + offset, (uint8_t *)rbuf + done, n)
			      : m->mem->write(m->mem_ctx, s->gpa + offset,
					      (const uint8_t *)wbuf + done, n);
		if (err)
			return err;
		done += n;
		offset = 0;
	}
	return 0;
}

int virtio_req_read(const struct virtio_req *req, uint64_t offset, void *buf, uint64_t len)
{
	return req_copy(req, 0, req->nr_out, req->out_len, offset, buf, NULL, len);
}

int virtio_req_write(const struct virtio_req *req, uint64_t offset, const void *buf, uint64_t len)
{
	return req_copy(req, req->nr_out, req->nr_in, req->in_len, offset, NULL, buf, len);
}
