/* unit-test-sources: kernel/vdev/virtio_mmio.c */
/*
 * The virtio-mmio transport driven as Linux's virtio_mmio.c and virtio_ring.c
 * drive it: probe registers, the status and feature handshake, queue setup,
 * requests in a simulated guest RAM (a host buffer behind the mem callbacks),
 * the used ring, interrupt status and ACK, reset. Behind it an echo backend
 * that copies the readable part to the writable part. Then hostile rings:
 * loops, indexes past the queue, runaway avail idx, INDIRECT, writable before
 * readable, rings outside RAM, bad queue parameters: each must end in
 * DEVICE_NEEDS_RESET with a config interrupt and no access outside RAM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/vdev/virtio_mmio.h"

#define RAM_BASE	 0x100000ULL
#define RAM_SIZE	 0x10000ULL
#define DESC_OFF	 0x1000
#define AVAIL_OFF	 0x2000
#define USED_OFF	 0x3000
#define DATA_OFF	 0x8000
#define QSIZE		 8
#define ECHO_ID		 42
#define ECHO_FEATURE_BIT 3
#define ECHO_CONFIG_SIZE 8

static uint8_t ram[RAM_SIZE];
static unsigned bad_accesses; /* callbacks asked for bytes outside RAM */
static struct virtio_mmio dev;

/* The echo device: its state for the checks. */
static unsigned echo_requests, echo_resets;
static int echo_fail; /* handle returns this when nonzero */
static uint8_t echo_config[ECHO_CONFIG_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8};

static bool in_ram(gpa_t gpa, size_t len)
{
	return gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE);
}

static int mem_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	if (!in_ram(gpa, len)) {
		bad_accesses++;
		return -EFAULT;
	}
	memcpy(buf, ram + (gpa - RAM_BASE), len);
	return 0;
}

static int mem_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	if (!in_ram(gpa, len)) {
		bad_accesses++;
		return -EFAULT;
	}
	memcpy(ram + (gpa - RAM_BASE), buf, len);
	return 0;
}

static const struct virtio_mem_ops mem_ops = {.read = mem_read, .write = mem_write};

static uint64_t echo_features(void *ctx)
{
	return 1ULL << ECHO_FEATURE_BIT;
}

static void echo_config_read(void *ctx, uint32_t offset, void *buf, uint32_t len)
{
	assert_true(offset + len <= ECHO_CONFIG_SIZE);
	memcpy(buf, echo_config + offset, len);
}

static int echo_handle(void *ctx, struct virtio_req *req, uint32_t *used_len)
{
	uint8_t buf[256];
	uint64_t n = MIN(req->out_len, req->in_len);

	echo_requests++;
	if (echo_fail)
		return echo_fail;
	assert_true(n <= sizeof(buf));
	int err = virtio_req_read(req, 0, buf, n);
	if (err)
		return err;
	err = virtio_req_write(req, 0, buf, n);
	if (err)
		return err;
	/* Past the end of either part: refused, nothing copied. */
	assert_int_equal(virtio_req_read(req, req->out_len, buf, 1), -EINVAL);
	assert_int_equal(virtio_req_write(req, req->in_len, buf, 1), -EINVAL);
	*used_len = (uint32_t)n;
	return 0;
}

static void echo_reset(void *ctx)
{
	echo_resets++;
}

static const struct virtio_backend echo = {
    .name = "echo",
    .device_id = ECHO_ID,
    .num_queues = 1,
    .config_size = ECHO_CONFIG_SIZE,
    .features = echo_features,
    .config_read = echo_config_read,
    .handle = echo_handle,
    .reset = echo_reset,
};

/* ---- the driver's side ---- */

static uint32_t rd(uint64_t off)
{
	return (uint32_t)virtio_mmio_read(&dev, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	virtio_mmio_write(&dev, off, 4, v);
}

static void put16(uint64_t off, uint16_t v)
{
	ram[off] = (uint8_t)v;
	ram[off + 1] = (uint8_t)(v >> 8);
}

static uint16_t get16(uint64_t off)
{
	return (uint16_t)(ram[off] | ram[off + 1] << 8);
}

static uint32_t get32(uint64_t off)
{
	return (uint32_t)get16(off) | (uint32_t)get16(off + 2) << 16;
}

static void put_desc(unsigned i, gpa_t gpa, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = ram + DESC_OFF + 16 * i;
	for (unsigned b = 0; b < 8; b++)
		d[b] = (uint8_t)(gpa >> (8 * b));
	for (unsigned b = 0; b < 4; b++)
		d[8 + b] = (uint8_t)(len >> (8 * b));
	put16(DESC_OFF + 16 * i + 12, flags);
	put16(DESC_OFF + 16 * i + 14, next);
}

static uint16_t avail_idx;

/* Offer head in the avail ring and bump its idx (no notify). */
static void offer(uint16_t head)
{
	put16(AVAIL_OFF + 4 + 2 * (avail_idx % QSIZE), head);
	avail_idx++;
	put16(AVAIL_OFF + 2, avail_idx);
}

static uint16_t used_idx(void)
{
	return get16(USED_OFF + 2);
}

static void negotiate(void)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << ECHO_FEATURE_BIT);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(uint32_t num)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_MMIO_QUEUE_MAX);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_BASE + DESC_OFF));
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_BASE + AVAIL_OFF));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_BASE + USED_OFF));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

static void driver_ok(void)
{
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

/* The whole Linux probe: negotiate, queue 0 of QSIZE, DRIVER_OK. */
static void bring_up(void)
{
	negotiate();
	setup_queue(QSIZE);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	driver_ok();
}

/* A two-descriptor echo request at head: readable "ping", writable 4 bytes. */
static void echo_chain(uint16_t head, uint16_t second)
{
	memcpy(ram + DATA_OFF, "ping", 4);
	memset(ram + DATA_OFF + 0x100, 0, 4);
	put_desc(head, RAM_BASE + DATA_OFF, 4, VIRTQ_DESC_F_NEXT, second);
	put_desc(second, RAM_BASE + DATA_OFF + 0x100, 4, VIRTQ_DESC_F_WRITE, 0);
}

static void assert_needs_reset(void)
{
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_true(virtio_mmio_irq_line(&dev));
}

static int setup(void **state)
{
	memset(ram, 0, sizeof(ram));
	bad_accesses = 0;
	echo_requests = echo_resets = 0;
	echo_fail = 0;
	avail_idx = 0;
	virtio_mmio_init(&dev, &echo, NULL, &mem_ops, NULL);
	return 0;
}

/* ---- tests ---- */

static void test_probe_registers(void **state)
{
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), ECHO_ID);
	assert_int_equal(rd(VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR_SHOJ);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_CONFIG_GENERATION), 0);
	assert_false(virtio_mmio_irq_line(&dev));
	/* Queue 0 exists, queue 1 does not: QueueNumMax 0 (4.2.2). */
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_MMIO_QUEUE_MAX);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1); /* ignored, no such queue */
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	/* Registers answer only aligned 32-bit reads; write-only ones read all ones. */
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_MAGIC_VALUE, 2), ~0ULL);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_MAGIC_VALUE + 1, 4), ~0ULL);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_MAGIC_VALUE, 8), ~0ULL);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NOTIFY), 0xffffffffu);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_DESC_LOW), 0xffffffffu);
	assert_int_equal(rd(0x0b0), 0xffffffffu); /* SHMLenLow: no region, -1 */
	/* Config space: any size inside, little-endian; outside all ones. */
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG, 1), 1);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + 1, 2), 0x0302);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + 4, 4), 0x08070605);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG, 8), 0x0807060504030201ULL);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + 7, 2), ~0ULL);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + 8, 1), ~0ULL);
	assert_int_equal(virtio_mmio_read(&dev, ~0ULL - 1, 4), ~0ULL);
	/* Writes to read-only registers and config change nothing. */
	wr(VIRTIO_MMIO_MAGIC_VALUE, 0);
	wr(VIRTIO_MMIO_INTERRUPT_STATUS, 3);
	virtio_mmio_write(&dev, VIRTIO_MMIO_CONFIG, 1, 0xff);
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG, 1), 1);
	assert_int_equal(bad_accesses, 0);
}

static void test_features(void **state)
{
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1u << ECHO_FEATURE_BIT);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);

	/* Without VERSION_1 (a legacy driver): FEATURES_OK does not stick. */
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << ECHO_FEATURE_BIT);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);

	/* A bit the device did not offer: refused too. */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32) | 1u << 5);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);

	/* The subset with VERSION_1: accepted; the driver features are then frozen. */
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	assert_int_equal(dev.driver_features,
			 (1ULL << VIRTIO_F_VERSION_1) | (1ULL << ECHO_FEATURE_BIT));
	/* Status bits do not clear except by reset; the driver cannot set NEEDS_RESET. */
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
						     VIRTIO_STATUS_FEATURES_OK);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(dev.driver_features, 0);
	assert_int_equal(echo_resets, 2); /* init and this reset */
}

static void test_request_and_interrupt(void **state)
{
	bring_up();
	echo_chain(3, 5);
	offer(3);
	assert_int_equal(used_idx(), 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(echo_requests, 1);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(get32(USED_OFF + 4), 3); /* id: the head */
	assert_int_equal(get32(USED_OFF + 8), 4); /* len: bytes written */
	assert_memory_equal(ram + DATA_OFF + 0x100, "ping", 4);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_true(virtio_mmio_irq_line(&dev));
	/* A notify with nothing new: nothing served, nothing raised twice. */
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_false(virtio_mmio_irq_line(&dev));
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(echo_requests, 1);
	assert_false(virtio_mmio_irq_line(&dev));
	/* A notify for a queue that does not exist: ignored. */
	offer(3);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	assert_int_equal(echo_requests, 1);
	assert_int_equal(bad_accesses, 0);
}

static void test_batch_and_no_interrupt(void **state)
{
	bring_up();
	echo_chain(0, 1);
	echo_chain(2, 3);
	offer(0);
	offer(2);
	put16(AVAIL_OFF, VIRTQ_AVAIL_F_NO_INTERRUPT);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), 2);
	assert_int_equal(get32(USED_OFF + 4), 0);
	assert_int_equal(get32(USED_OFF + 12), 2);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(virtio_mmio_irq_line(&dev));
	assert_int_equal(dev.completed, 2);
}

static void test_index_wraparound(void **state)
{
	/* 70000 requests on a 2-entry queue: both 16-bit indexes wrap. */
	negotiate();
	setup_queue(2);
	driver_ok();
	echo_chain(0, 1);
	for (unsigned i = 0; i < 70000; i++) {
		put16(AVAIL_OFF + 4 + 2 * (i % 2), 0);
		put16(AVAIL_OFF + 2, (uint16_t)(i + 1));
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		assert_int_equal(used_idx(), (uint16_t)(i + 1));
		assert_int_equal(get32(USED_OFF + 4 + 8 * (i % 2)), 0);
	}
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(echo_requests, 70000);
}

static void test_notify_before_driver_ok(void **state)
{
	negotiate();
	setup_queue(QSIZE);
	echo_chain(0, 1);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(echo_requests, 0);
	assert_int_equal(used_idx(), 0);
	/* After DRIVER_OK the same notify is served. */
	driver_ok();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), 1);
}

static void test_driver_ok_without_features_ok(void **state)
{
	/* A driver that skips the feature handshake (3.1.1) gets nothing served. */
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	setup_queue(QSIZE);
	driver_ok();
	echo_chain(0, 1);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(echo_requests, 0);
	assert_int_equal(used_idx(), 0);
	assert_false(virtio_mmio_irq_line(&dev));
}

static void test_queue_registers_frozen_while_ready(void **state)
{
	bring_up();
	wr(VIRTIO_MMIO_QUEUE_NUM, 2);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0);
	assert_int_equal(dev.queues[0].num, QSIZE);
	assert_int_equal(dev.queues[0].desc_gpa, RAM_BASE + DESC_OFF);
	assert_int_equal(dev.queues[0].used_gpa, RAM_BASE + USED_OFF);
	/* Linux's vm_del_vq: QueueReady 0, read back 0; then it may be set up again. */
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 4);
	assert_int_equal(dev.queues[0].num, 4);
}

static void bad_queue_param(uint32_t num, uint32_t desc_low, uint32_t desc_high)
{
	setup(NULL);
	negotiate();
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, desc_low);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, desc_high);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_BASE + AVAIL_OFF));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_BASE + USED_OFF));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	/* Before DRIVER_OK the driver learns it from Status, with no interrupt (2.1.2). */
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_false(virtio_mmio_irq_line(&dev));
	/* DRIVER_OK afterwards serves nothing. */
	driver_ok();
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(echo_requests, 0);
}

static void test_bad_queue_parameters(void **state)
{
	bad_queue_param(0, (uint32_t)(RAM_BASE + DESC_OFF), 0);
	bad_queue_param(3, (uint32_t)(RAM_BASE + DESC_OFF), 0);
	bad_queue_param(VIRTIO_MMIO_QUEUE_MAX * 2, (uint32_t)(RAM_BASE + DESC_OFF), 0);
	bad_queue_param(QSIZE, (uint32_t)(RAM_BASE + DESC_OFF + 8), 0); /* misaligned */
	bad_queue_param(QSIZE, 0xfffffff0u, 0xffffffffu);		/* wraps at 2^64 */
	assert_int_equal(bad_accesses, 0);
}

/* Bring up, let `corrupt` spoil the ring, notify, expect NEEDS_RESET and no echo. */
static void hostile(void (*corrupt)(void), unsigned expect_requests, unsigned expect_bad)
{
	setup(NULL);
	bring_up();
	echo_chain(0, 1);
	offer(0);
	corrupt();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(echo_requests, expect_requests);
	assert_int_equal(used_idx(), 0);
	assert_needs_reset();
	assert_int_equal(bad_accesses, expect_bad);
	assert_int_equal(dev.bad_rings, 1);
	/* Broken until reset: further notifies are ignored. */
	echo_chain(0, 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(echo_requests, expect_requests);
	echo_fail = 0;
	/* Reset, set up again: it works. */
	memset(ram, 0, sizeof(ram));
	avail_idx = 0;
	bring_up();
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_false(virtio_mmio_irq_line(&dev));
	echo_chain(0, 1);
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), 1);
}

static void loop_chain(void)
{
	put_desc(1, RAM_BASE + DATA_OFF, 4, VIRTQ_DESC_F_NEXT, 0); /* 0 -> 1 -> 0 */
}

static void self_loop(void)
{
	put_desc(0, RAM_BASE + DATA_OFF, 4, VIRTQ_DESC_F_NEXT, 0);
}

static void next_past_queue(void)
{
	put_desc(0, RAM_BASE + DATA_OFF, 4, VIRTQ_DESC_F_NEXT, QSIZE);
}

static void head_past_queue(void)
{
	put16(AVAIL_OFF + 4, 0xffff);
}

static void runaway_avail_idx(void)
{
	put16(AVAIL_OFF + 2, QSIZE + 1);
}

static void indirect(void)
{
	put_desc(0, RAM_BASE + DATA_OFF, 16, VIRTQ_DESC_F_INDIRECT, 0);
}

static void write_before_read(void)
{
	put_desc(0, RAM_BASE + DATA_OFF, 4, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	put_desc(1, RAM_BASE + DATA_OFF, 4, 0, 0);
}

static void descriptor_wraps(void)
{
	put_desc(0, ~0ULL - 1, 4, VIRTQ_DESC_F_NEXT, 1);
}

static void data_outside_ram(void)
{
	put_desc(1, RAM_BASE + RAM_SIZE - 2, 4, VIRTQ_DESC_F_WRITE, 0);
}

static void backend_fails(void)
{
	echo_fail = -EINVAL;
}

static void test_hostile_rings(void **state)
{
	hostile(loop_chain, 0, 0);
	hostile(self_loop, 0, 0);
	hostile(next_past_queue, 0, 0);
	hostile(head_past_queue, 0, 0);
	hostile(runaway_avail_idx, 0, 0);
	hostile(indirect, 0, 0);
	hostile(write_before_read, 0, 0);
	hostile(descriptor_wraps, 0, 0);
	/* The echo backend copies into a buffer that leaves RAM: -EFAULT from the callback. */
	hostile(data_outside_ram, 1, 1);
	hostile(backend_fails, 1, 0);
}

static void test_rings_outside_ram(void **state)
{
	/* A queue whose rings are not RAM: the device cannot even read avail idx. */
	negotiate();
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x10);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, 0x1000);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0x2000);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	driver_ok();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_needs_reset();
	assert_int_equal(echo_requests, 0);
	assert_int_equal(dev.bad_rings, 1);
}

static void test_interrupt_ack_and_reset(void **state)
{
	bring_up();
	echo_chain(0, 1);
	offer(0);
	runaway_avail_idx();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	/* ACK clears only the bits written; NEEDS_RESET itself stays. */
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_true(virtio_mmio_irq_line(&dev));
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_false(virtio_mmio_irq_line(&dev));
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* Reset: status, queues, interrupt status all back to power-on. */
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(dev.queues[0].num, 0);
	assert_int_equal(dev.queues[0].desc_gpa, 0);
	/* virtio_mmio_reset (a platform reset) drops a pending interrupt too. */
	bring_up();
	echo_chain(0, 1);
	avail_idx = 0;
	offer(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(virtio_mmio_irq_line(&dev));
	virtio_mmio_reset(&dev);
	assert_false(virtio_mmio_irq_line(&dev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_probe_registers, setup),
	    cmocka_unit_test_setup(test_features, setup),
	    cmocka_unit_test_setup(test_request_and_interrupt, setup),
	    cmocka_unit_test_setup(test_batch_and_no_interrupt, setup),
	    cmocka_unit_test_setup(test_index_wraparound, setup),
	    cmocka_unit_test_setup(test_notify_before_driver_ok, setup),
	    cmocka_unit_test_setup(test_driver_ok_without_features_ok, setup),
	    cmocka_unit_test_setup(test_queue_registers_frozen_while_ready, setup),
	    cmocka_unit_test_setup(test_bad_queue_parameters, setup),
	    cmocka_unit_test_setup(test_hostile_rings, setup),
	    cmocka_unit_test_setup(test_rings_outside_ram, setup),
	    cmocka_unit_test_setup(test_interrupt_ack_and_reset, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
