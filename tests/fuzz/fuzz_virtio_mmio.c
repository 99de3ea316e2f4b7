/* fuzz-sources: kernel/vdev/virtio_mmio.c kernel/vdev/virtio_blk.c */
/*
 * libFuzzer: a virtio-blk disk behind the virtio-mmio transport, driven by
 * arbitrary register reads and writes, pokes into a small guest RAM (so
 * rings, descriptors and chains are whatever the input makes them), a
 * well-behaved bring-up with fuzzed queue placement, well-formed block
 * requests at fuzzed descriptor slots, notifies, ACKs and resets. Input:
 * 8-byte records (op, 7 argument bytes).
 *
 * Checked at every guest-memory access: the device goes through the
 * callbacks only, and touches only what the driver gave it: reads from the
 * descriptor table, the avail ring or a readable segment of the chain in
 * hand; writes to the used ring or a writable segment. Checked after every
 * step: the interrupt line is InterruptStatus != 0, only defined bits are
 * set, a ready queue has valid parameters, and a notify advances the used
 * idx by exactly the requests it completed (never more than the queue
 * size), publishing it in guest RAM. ASan/UBSan catch out-of-bounds on the
 * disk image and everything else.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/vdev/virtio_blk.h"
#include "kernel/vdev/virtio_mmio.h"

#define RAM_BASE     0x1000ULL
#define RAM_SIZE     0x2000ULL
#define DISK_SECTORS 8
#define RECORD	     8
#define ARGS	     7

enum fuzz_op {
	OP_WRITE_REG,
	OP_READ_REG,
	OP_POKE,
	OP_BRING_UP,
	OP_NOTIFY,
	OP_ACK,
	OP_BLK_REQUEST,
	OP_RESET,
	OP_COUNT,
};

static uint8_t ram[RAM_SIZE];
static uint8_t disk[DISK_SECTORS * VIRTIO_BLK_SECTOR_SIZE]; /* exactly the capacity */
static struct virtio_blk blk;
static struct virtio_mmio dev;
static bool in_notify;	  /* accesses are legal only while the device serves a notify */
static int published_idx; /* the last used idx the device wrote in this notify, or -1 */

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool in_ram(gpa_t gpa, size_t len)
{
	return gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE);
}

/* [gpa, gpa+len) inside [base, base+size), without wrapping. */
static bool within(gpa_t gpa, size_t len, gpa_t base, uint64_t size)
{
	return gpa >= base && gpa - base <= size && len <= size - (gpa - base);
}

static bool within_segs(gpa_t gpa, size_t len, unsigned first, unsigned nr)
{
	for (unsigned i = first; i < first + nr; i++)
		if (within(gpa, len, dev.req.seg[i].gpa, dev.req.seg[i].len))
			return true;
	return false;
}

/* The queue being served: notify only runs one at a time, for a ready queue. */
static const struct virtio_queue *serving;

static int mem_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	const struct virtio_queue *q = serving;
	check(in_notify && q);
	check(within(gpa, len, q->desc_gpa, (uint64_t)q->num * VIRTQ_DESC_SIZE) ||
	      within(gpa, len, q->avail_gpa, VIRTQ_RING_HEADER + 2ULL * q->num) ||
	      within_segs(gpa, len, 0, dev.req.nr_out));
	if (!in_ram(gpa, len))
		return -EFAULT;
	memcpy(buf, ram + (gpa - RAM_BASE), len);
	return 0;
}

static int mem_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	const struct virtio_queue *q = serving;
	check(in_notify && q);
	check(within(gpa, len, q->used_gpa, VIRTQ_RING_HEADER + 8ULL * q->num) ||
	      within_segs(gpa, len, dev.req.nr_out, dev.req.nr_in));
	if (!in_ram(gpa, len))
		return -EFAULT;
	memcpy(ram + (gpa - RAM_BASE), buf, len);
	if (gpa == q->used_gpa + 2 && len == 2)
		published_idx = ((const uint8_t *)buf)[0] | ((const uint8_t *)buf)[1] << 8;
	return 0;
}

static const struct virtio_mem_ops mem_ops = {.read = mem_read, .write = mem_write};

static uint32_t arg32(const uint8_t *a)
{
	return (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint16_t ram16(gpa_t gpa)
{
	if (!in_ram(gpa, 2))
		return 0;
	return (uint16_t)(ram[gpa - RAM_BASE] | ram[gpa - RAM_BASE + 1] << 8);
}

static void ram_put(gpa_t gpa, uint64_t v, unsigned n)
{
	if (in_ram(gpa, n))
		put_le(ram + (gpa - RAM_BASE), v, n);
}

static void wr(uint64_t off, uint32_t v)
{
	virtio_mmio_write(&dev, off, 4, v);
}

static unsigned access_size(uint8_t a)
{
	static const unsigned sizes[4] = {1, 2, 4, 8};
	return sizes[a & 3];
}

/* Register offset from two argument bytes: mostly aligned registers, sometimes anything. */
static uint64_t reg_offset(const uint8_t *a)
{
	uint64_t off = (uint64_t)a[0] * 4;
	if (a[1] & 0x80)
		off += (a[1] >> 4) & 7;
	if (a[1] & 0x08)
		off |= 1ULL << 63;
	return off;
}

/* A RAM address for a ring, aligned for all three areas, sometimes just outside. */
static uint64_t ring_gpa(uint8_t a)
{
	return RAM_BASE - 0x100 + (uint64_t)a * 0x20;
}

static void bring_up(const uint8_t *a)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_BLK_F_FLUSH);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	check(dev.status & VIRTIO_STATUS_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 1u << (a[0] % 10)); /* 1..512: 512 is refused */
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)ring_gpa(a[1]));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)ring_gpa(a[2]));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)ring_gpa(a[3]));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, dev.status | VIRTIO_STATUS_DRIVER_OK);
}

/* A well-formed request: header, data, status at three fuzzed descriptor slots, offered. */
static void blk_request(const uint8_t *a)
{
	const struct virtio_queue *q = &dev.queues[0];
	if (!q->num || q->num > VIRTIO_MMIO_QUEUE_MAX)
		return;
	unsigned d0 = a[0] % q->num, d1 = a[1] % q->num, d2 = a[2] % q->num;
	gpa_t hdr = RAM_BASE + 0x1000, data = RAM_BASE + 0x1100, status = RAM_BASE + 0x1f00;
	uint32_t type = a[3] % 10, len = (uint32_t)(a[4] % 4) * 256;
	bool dev_writes = type != VIRTIO_BLK_T_OUT;

	ram_put(hdr, type, 4);
	ram_put(hdr + 8, a[5] % (DISK_SECTORS + 2), 8);
	gpa_t desc = q->desc_gpa;
	ram_put(desc + 16 * d0, hdr, 8);
	ram_put(desc + 16 * d0 + 8, VIRTIO_BLK_HEADER_SIZE, 4);
	ram_put(desc + 16 * d0 + 12, VIRTQ_DESC_F_NEXT, 2);
	ram_put(desc + 16 * d0 + 14, d1, 2);
	ram_put(desc + 16 * d1, data, 8);
	ram_put(desc + 16 * d1 + 8, len, 4);
	ram_put(desc + 16 * d1 + 12, VIRTQ_DESC_F_NEXT | (dev_writes ? VIRTQ_DESC_F_WRITE : 0), 2);
	ram_put(desc + 16 * d1 + 14, d2, 2);
	ram_put(desc + 16 * d2, status, 8);
	ram_put(desc + 16 * d2 + 8, 1, 4);
	ram_put(desc + 16 * d2 + 12, VIRTQ_DESC_F_WRITE, 2);
	uint16_t idx = ram16(q->avail_gpa + 2);
	ram_put(q->avail_gpa + VIRTQ_RING_HEADER + 2 * (idx % q->num), d0, 2);
	ram_put(q->avail_gpa + 2, (uint16_t)(idx + 1), 2);
}

static void notify(uint32_t qi)
{
	const struct virtio_queue *q = qi < VIRTIO_MMIO_MAX_QUEUES ? &dev.queues[qi] : NULL;
	uint16_t used_before = q ? q->used_idx : 0;
	uint64_t completed_before = dev.completed;

	serving = q && q->ready ? q : NULL;
	published_idx = -1;
	in_notify = true;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, qi);
	in_notify = false;
	uint64_t done = dev.completed - completed_before;
	check(done <= VIRTIO_MMIO_QUEUE_MAX);
	if (!q) {
		check(done == 0);
		return;
	}
	check(done <= q->num);
	check((uint16_t)(q->used_idx - used_before) == done);
	/*
	 * Published in guest RAM; a later write to a writable segment the
	 * driver laid over its own used ring may overwrite it, which is the
	 * driver's doing, so the check is on what the device wrote.
	 */
	if (done)
		check(published_idx == q->used_idx);
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static void check_state(void)
{
	check(virtio_mmio_irq_line(&dev) == (dev.isr != 0));
	check(!(dev.isr & ~(uint32_t)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)));
	check(!(dev.status & ~0xffu));
	check(!(dev.status & VIRTIO_STATUS_NEEDS_RESET) || dev.bad_rings > 0);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		const struct virtio_queue *q = &dev.queues[i];
		if (!q->ready)
			continue;
		check(i < virtio_blk_backend.num_queues);
		check(is_pow2(q->num) && q->num <= VIRTIO_MMIO_QUEUE_MAX);
		check(IS_ALIGNED(q->desc_gpa, VIRTQ_DESC_ALIGN));
		check(IS_ALIGNED(q->avail_gpa, VIRTQ_AVAIL_ALIGN));
		check(IS_ALIGNED(q->used_gpa, VIRTQ_USED_ALIGN));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	memset(ram, 0, sizeof(ram));
	memset(disk, 0x5a, sizeof(disk));
	check(virtio_blk_init(&blk, disk, sizeof(disk), data[0] & 1) == 0);
	virtio_mmio_init(&dev, &virtio_blk_backend, &blk, &mem_ops, NULL);
	serving = NULL;
	in_notify = false;

	for (size_t i = 1; i + RECORD <= size; i += RECORD) {
		const uint8_t *a = data + i + 1;
		uint64_t v;

		switch (data[i] % OP_COUNT) {
		case OP_WRITE_REG:
			/* Notify goes through notify() so that its accesses are allowed. */
			if (reg_offset(a) == VIRTIO_MMIO_QUEUE_NOTIFY && access_size(a[1]) == 4)
				notify(arg32(a + 2));
			else
				virtio_mmio_write(&dev, reg_offset(a), access_size(a[1]),
						  arg32(a + 2));
			break;
		case OP_READ_REG:
			v = virtio_mmio_read(&dev, reg_offset(a), access_size(a[1]));
			if (reg_offset(a) == VIRTIO_MMIO_MAGIC_VALUE && access_size(a[1]) == 4)
				check(v == VIRTIO_MMIO_MAGIC);
			if (reg_offset(a) == VIRTIO_MMIO_INTERRUPT_STATUS && access_size(a[1]) == 4)
				check(v == dev.isr);
			if (reg_offset(a) >= VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_SIZE)
				check(v == ~0ULL);
			if (access_size(a[1]) < 8)
				check(v >> (8 * access_size(a[1])) == 0 || v == ~0ULL);
			break;
		case OP_POKE: {
			uint64_t off = (a[0] | (uint64_t)a[1] << 8) % (RAM_SIZE - 4);
			memcpy(ram + off, a + 2, 4);
			break;
		}
		case OP_BRING_UP:
			bring_up(a);
			break;
		case OP_NOTIFY:
			notify(a[0] & 1);
			break;
		case OP_ACK:
			wr(VIRTIO_MMIO_INTERRUPT_ACK, a[0]);
			break;
		case OP_BLK_REQUEST:
			blk_request(a);
			if (a[6] & 1)
				notify(0);
			break;
		case OP_RESET:
			virtio_mmio_reset(&dev);
			break;
		}
		check_state();
	}
	return 0;
}
