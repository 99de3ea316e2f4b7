/*
 * Virtio 1.x over MMIO (virtio spec v1.2, 4.2 "Virtio Over MMIO", version 2
 * register layout) with split virtqueues (2.7): the transport registers, the
 * device status and feature handshake, and the walk of the rings a driver
 * builds in guest memory.
 *
 * A pure model: it touches guest memory only through the owner's
 * struct virtio_mem_ops, raises no interrupt itself (the owner samples
 * virtio_mmio_irq_line() after each access and drives its line), and knows
 * the device type only through a struct virtio_backend (virtio_blk.c is one).
 * It does no locking; its owner serialises calls.
 *
 * Everything in guest memory is hostile: ring indexes, descriptor addresses,
 * lengths, flags and chains. A ring the device cannot follow puts it into
 * DEVICE_NEEDS_RESET with a configuration-change interrupt (2.1.2);
 * it then ignores notifications until the driver resets it.
 *
 * Offered: VIRTIO_F_VERSION_1 plus what the backend offers. Not offered
 * (so never honoured): indirect descriptors, event index, packed rings,
 * notification data, ring reset, shared memory regions.
 */
#ifndef SHOJI_KERNEL_VDEV_VIRTIO_MMIO_H
#define SHOJI_KERNEL_VDEV_VIRTIO_MMIO_H

#include "kernel/core/types.h"

/* 4.2.2 "MMIO Device Register Layout", version 2. */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_MMIO_MAGIC	0x74726976 /* "virt" little-endian */
#define VIRTIO_MMIO_VERSION_2	2	   /* virtio 1.x (version 1 is the legacy layout) */
#define VIRTIO_MMIO_VENDOR_SHOJ 0x4a4f4853 /* "SHOJ" little-endian; drivers ignore it */
/* What a guest maps: registers plus config space; the glue claims this much. */
#define VIRTIO_MMIO_SIZE 0x200

/* 2.1 "Device Status Field". */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER	  0x02
#define VIRTIO_STATUS_DRIVER_OK	  0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED	  0x80

/* 4.2.2: InterruptStatus bits. */
#define VIRTIO_MMIO_INT_VRING  0x1 /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG 0x2 /* configuration change notification */

/* 6 "Reserved Feature Bits". */
#define VIRTIO_F_VERSION_1 32

/* 2.7.5 / 2.7.6 / 2.7.8: split virtqueue layout. */
#define VIRTQ_DESC_F_NEXT	   0x1
#define VIRTQ_DESC_F_WRITE	   0x2
#define VIRTQ_DESC_F_INDIRECT	   0x4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 0x1
#define VIRTQ_DESC_SIZE		   16 /* le64 addr, le32 len, le16 flags, le16 next */
#define VIRTQ_USED_ELEM_SIZE	   8  /* le32 id, le32 len */
#define VIRTQ_RING_HEADER	   4  /* le16 flags, le16 idx before the ring entries */
/* 2.7: alignment of the descriptor table, driver area, device area. */
#define VIRTQ_DESC_ALIGN  16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN  4

/* Largest queue offered (QueueNumMax); a chain is at most this long (2.7.5.3.1). */
#define VIRTIO_MMIO_QUEUE_MAX  256
#define VIRTIO_MMIO_MAX_QUEUES 2

/*
 * Guest memory as the owner lets the device see it. Each returns 0, or
 * -EFAULT if any of [gpa, gpa+len) is not guest RAM (nothing is copied then).
 */
struct virtio_mem_ops {
	int (*read)(void *ctx, gpa_t gpa, void *buf, size_t len);
	int (*write)(void *ctx, gpa_t gpa, const void *buf, size_t len);
};

/* One descriptor of a chain, as validated. */
struct virtio_seg {
	gpa_t gpa;
	uint32_t len;
};

struct virtio_mmio;

/*
 * One request: a descriptor chain, device-readable segments first
 * (seg[0, nr_out)), then device-writable ones (seg[nr_out, nr_out + nr_in)).
 * Backends reach its bytes through virtio_req_read/virtio_req_write only.
 */
struct virtio_req {
	struct virtio_mmio *dev;
	unsigned queue;
	uint16_t head;
	unsigned nr_out, nr_in;
	uint64_t out_len, in_len; /* sums of the segments' lengths */
	struct virtio_seg seg[VIRTIO_MMIO_QUEUE_MAX];
};

/* A device type behind the transport. */
struct virtio_backend {
	const char *name;
	uint32_t device_id;  /* 5 "Device Types": 2 block, 3 console, ... */
	unsigned num_queues; /* at most VIRTIO_MMIO_MAX_QUEUES */
	uint32_t config_size;
	/* Device feature bits (VIRTIO_F_VERSION_1 is added by the transport). */
	uint64_t (*features)(void *ctx);
	/* Copy config bytes [offset, offset+len), inside config_size, into buf (little-endian). */
	void (*config_read)(void *ctx, uint32_t offset, void *buf, uint32_t len);
	/*
	 * Serve one request. 0 with *used_len = bytes written to the writable
	 * part (what the used ring reports); negative: the request is
	 * malformed beyond an error status, the device needs a reset.
	 */
	int (*handle)(void *ctx, struct virtio_req *req, uint32_t *used_len);
	/* Device reset (status 0 written); may be NULL. */
	void (*reset)(void *ctx);
};

/* Per virtqueue, as the driver set it up and as far as the device got. */
struct virtio_queue {
	uint32_t num; /* QueueNum */
	bool ready;   /* QueueReady */
	gpa_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail; /* next avail ring entry to take */
	uint16_t used_idx;   /* the used idx this device last published */
};

struct virtio_mmio {
	const struct virtio_mem_ops *mem;
	void *mem_ctx;
	const struct virtio_backend *backend;
	void *backend_ctx;

	uint32_t status;
	uint32_t isr; /* InterruptStatus */
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t config_generation;
	struct virtio_queue queues[VIRTIO_MMIO_MAX_QUEUES];

	uint64_t completed;    /* requests put in a used ring since init */
	uint64_t bad_rings;    /* times the device entered NEEDS_RESET */
	struct virtio_req req; /* scratch for the request in flight (too big for a stack) */
};

/* Set up m for backend (its ctx) with guest memory through mem (its ctx); reset state. */
void virtio_mmio_init(struct virtio_mmio *m, const struct virtio_backend *backend,
		      void *backend_ctx, const struct virtio_mem_ops *mem, void *mem_ctx);

/* Device reset, as a status write of 0 or a platform reset does. */
void virtio_mmio_reset(struct virtio_mmio *m);

/*
 * A guest read of `size` (1, 2, 4, 8) bytes at `offset` in the register
 * window. Registers answer aligned 32-bit reads (4.2.2); config space any
 * size inside it. Anything else reads as all ones.
 */
uint64_t virtio_mmio_read(struct virtio_mmio *m, uint64_t offset, unsigned size);

/* A guest write; same rules, others ignored. QueueNotify processes the queue here. */
void virtio_mmio_write(struct virtio_mmio *m, uint64_t offset, unsigned size, uint64_t value);

/* The device's interrupt line, level triggered: high while InterruptStatus != 0. */
bool virtio_mmio_irq_line(const struct virtio_mmio *m);

/*
 * Copy len bytes at offset in the request's readable (resp. writable) part
 * from (resp. to) guest memory. 0, -EINVAL if the part is shorter,
 * -EFAULT if the guest memory is not RAM.
 */
int virtio_req_read(const struct virtio_req *req, uint64_t offset, void *buf, uint64_t len);
int virtio_req_write(const struct virtio_req *req, uint64_t offset, const void *buf, uint64_t len);

#endif
