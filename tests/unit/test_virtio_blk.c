/* unit-test-sources: kernel/vdev/virtio_blk.c kernel/vdev/virtio_mmio.c kernel/vdev/virtio_mmio_dev.c kernel/guest/vdev.c */
/*
 * The virtio block device behind the virtio-mmio transport, driven as
 * Linux's virtio_blk does: config (capacity, seg_max) and features (RO,
 * FLUSH), reads and writes split over several data descriptors with the
 * header and status in descriptors of their own, GET_ID, FLUSH, unknown
 * types, sectors past the end and partial sectors (IOERR), writes to a
 * read-only disk (IOERR, image untouched), and requests with no header or
 * no status byte, or data outside guest RAM (the device needs a reset).
 * Last, the vdev glue (virtio_mmio_dev.c) on a guest's MMIO bus: accesses
 * routed by vdev_access, guest RAM through a guest_ram_ptr() stub over the
 * same buffer, the level line reported on each change, reset, attach errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/vdev/virtio_blk.h"
#include "kernel/vdev/virtio_mmio.h"
#include "kernel/vdev/virtio_mmio_dev.h"

#define RAM_BASE	 0x100000ULL
#define RAM_SIZE	 0x20000ULL
#define DESC_OFF	 0x1000
#define AVAIL_OFF	 0x2000
#define USED_OFF	 0x3000
#define HDR_OFF		 0x4000
#define STATUS_OFF	 0x4100
#define DATA_OFF	 0x8000
#define QSIZE		 16
#define SECTOR		 VIRTIO_BLK_SECTOR_SIZE
#define DISK_SECTORS	 16
#define STATUS_UNTOUCHED 0xee

static uint8_t ram[RAM_SIZE];
static uint8_t disk[DISK_SECTORS * SECTOR + 100]; /* a partial sector at the end */
static unsigned bad_accesses;
static struct virtio_blk blk;
static struct virtio_mmio dev;
static uint16_t avail_idx;

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

/* --- stub for kernel/guest/guest_ram.c: guest RAM is the same buffer ------------- */

static struct guest guest;

void *guest_ram_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	assert_ptr_equal(g, &guest);
	if (!in_ram(gpa, len)) {
		bad_accesses++;
		return NULL;
	}
	return ram + (gpa - RAM_BASE);
}

/* Reads through the same fake: this test has no dirty log to tell them apart. */
const void *guest_ram_read_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	return guest_ram_ptr(g, gpa, len);
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)virtio_mmio_read(&dev, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	virtio_mmio_write(&dev, off, 4, v);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static void put_desc(unsigned i, gpa_t gpa, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = ram + DESC_OFF + 16 * i;
	put_le(d, gpa, 8);
	put_le(d + 8, len, 4);
	put_le(d + 12, flags, 2);
	put_le(d + 14, next, 2);
}

static uint16_t used_idx(void)
{
	return (uint16_t)get_le(ram + USED_OFF + 2, 2);
}

/* The used element of the last request served. */
static uint32_t last_used_len(void)
{
	return (uint32_t)get_le(ram + USED_OFF + 4 + 8 * ((used_idx() - 1) % QSIZE) + 4, 4);
}

static void fill_disk(void)
{
	for (size_t i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i * 7 + i / SECTOR);
}

/* Linux's probe: negotiate all offered features, one queue, DRIVER_OK. */
static void bring_up(bool read_only)
{
	memset(ram, 0, sizeof(ram));
	fill_disk();
	bad_accesses = 0;
	avail_idx = 0;
	assert_int_equal(virtio_blk_init(&blk, disk, sizeof(disk), read_only), 0);
	virtio_mmio_init(&dev, &virtio_blk_backend, &blk, &mem_ops, NULL);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (uint32_t sel = 0; sel < 2; sel++) {
		wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
		uint32_t f = rd(VIRTIO_MMIO_DEVICE_FEATURES);
		wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
		wr(VIRTIO_MMIO_DRIVER_FEATURES, f);
	}
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_BASE + DESC_OFF));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_BASE + AVAIL_OFF));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_BASE + USED_OFF));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

static int setup_rw(void **state)
{
	bring_up(false);
	return 0;
}

static int setup_ro(void **state)
{
	bring_up(true);
	return 0;
}

/*
 * Submit one request as Linux does: header (type, sector), data in nseg
 * descriptors of seg_len bytes each at DATA_OFF (device-writable for reads
 * and GET_ID), status byte. Returns the status byte the device wrote.
 */
static uint8_t submit(uint32_t type, uint64_t sector, unsigned nseg, uint32_t seg_len)
{
	bool device_writes = type != VIRTIO_BLK_T_OUT;
	unsigned d = 0;

	put_le(ram + HDR_OFF, type, 4);
	put_le(ram + HDR_OFF + 4, 0, 4);
	put_le(ram + HDR_OFF + 8, sector, 8);
	ram[STATUS_OFF] = STATUS_UNTOUCHED;
	put_desc(d, RAM_BASE + HDR_OFF, VIRTIO_BLK_HEADER_SIZE, VIRTQ_DESC_F_NEXT, d + 1);
	d++;
	for (unsigned i = 0; i < nseg; i++, d++)
		put_desc(d, RAM_BASE + DATA_OFF + (uint64_t)i * seg_len, seg_len,
			 VIRTQ_DESC_F_NEXT | (device_writes ? VIRTQ_DESC_F_WRITE : 0), d + 1);
	put_desc(d, RAM_BASE + STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0);
	put_le(ram + AVAIL_OFF + 4 + 2 * (avail_idx % QSIZE), 0, 2);
	avail_idx++;
	put_le(ram + AVAIL_OFF + 2, avail_idx, 2);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), avail_idx);
	assert_true(virtio_mmio_irq_line(&dev));
	wr(VIRTIO_MMIO_INTERRUPT_ACK, rd(VIRTIO_MMIO_INTERRUPT_STATUS));
	assert_false(virtio_mmio_irq_line(&dev));
	return ram[STATUS_OFF];
}

static void test_config_and_features(void **state)
{
	uint64_t cap = virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY, 8);
	assert_int_equal(cap, DISK_SECTORS); /* the partial last sector is not shown */
	/* Linux reads the le64 as two 32-bit halves. */
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG, 4), DISK_SECTORS);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + 4, 4), 0);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SEG_MAX, 4),
			 VIRTIO_MMIO_QUEUE_MAX - 2);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SIZE_MAX, 4),
			 4096);
	assert_int_equal(virtio_mmio_read(&dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_SIZE, 1),
			 ~0ULL);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t f = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	assert_true(f & 1u << VIRTIO_BLK_F_FLUSH);
	assert_true(f & 1u << VIRTIO_BLK_F_SEG_MAX);
	assert_true(f & 1u << VIRTIO_BLK_F_SIZE_MAX);
	assert_false(f & 1u << VIRTIO_BLK_F_RO);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1u << (VIRTIO_F_VERSION_1 - 32));
}

static void test_read_only_feature(void **state)
{
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(rd(VIRTIO_MMIO_DEVICE_FEATURES) & 1u << VIRTIO_BLK_F_RO);
}

static void test_read_sectors(void **state)
{
	/* Sectors 3-6 in four descriptors of one sector each. */
	assert_int_equal(submit(VIRTIO_BLK_T_IN, 3, 4, SECTOR), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, disk + 3 * SECTOR, 4 * SECTOR);
	assert_int_equal(last_used_len(), 4 * SECTOR + 1);
	/* The last sector, in two halves. */
	assert_int_equal(submit(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 2, SECTOR / 2), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, disk + (DISK_SECTORS - 1) * SECTOR, SECTOR);
	assert_int_equal(blk.reads, 2);
	assert_int_equal(bad_accesses, 0);
}

static void test_write_sectors(void **state)
{
	for (unsigned i = 0; i < 2 * SECTOR; i++)
		ram[DATA_OFF + i] = (uint8_t)(0xa5 ^ i);
	uint8_t before[sizeof(disk)];
	memcpy(before, disk, sizeof(disk));
	assert_int_equal(submit(VIRTIO_BLK_T_OUT, 5, 2, SECTOR), VIRTIO_BLK_S_OK);
	assert_int_equal(last_used_len(), 1);
	assert_memory_equal(disk + 5 * SECTOR, ram + DATA_OFF, 2 * SECTOR);
	/* Nothing else of the image changed. */
	assert_memory_equal(disk, before, 5 * SECTOR);
	assert_memory_equal(disk + 7 * SECTOR, before + 7 * SECTOR, sizeof(disk) - 7 * SECTOR);
	/* Read back through the device. */
	memset(ram + DATA_OFF, 0, 2 * SECTOR);
	assert_int_equal(submit(VIRTIO_BLK_T_IN, 5, 1, 2 * SECTOR), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, disk + 5 * SECTOR, 2 * SECTOR);
	assert_int_equal(blk.writes, 1);
}

static void test_write_read_only(void **state)
{
	uint8_t before[sizeof(disk)];
	memcpy(before, disk, sizeof(disk));
	memset(ram + DATA_OFF, 0x5a, SECTOR);
	assert_int_equal(submit(VIRTIO_BLK_T_OUT, 0, 1, SECTOR), VIRTIO_BLK_S_IOERR);
	assert_memory_equal(disk, before, sizeof(disk));
	/* Reads still work. */
	assert_int_equal(submit(VIRTIO_BLK_T_IN, 0, 1, SECTOR), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, disk, SECTOR);
}

static void test_out_of_range(void **state)
{
	uint8_t before[sizeof(disk)];
	memcpy(before, disk, sizeof(disk));
	memset(ram + DATA_OFF, 0x33, 2 * SECTOR);
	/* One sector past the end; a transfer straddling the end; a huge sector. */
	assert_int_equal(submit(VIRTIO_BLK_T_IN, DISK_SECTORS, 1, SECTOR), VIRTIO_BLK_S_IOERR);
	assert_int_equal(last_used_len(), 1);
	assert_int_equal(submit(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 2, SECTOR), VIRTIO_BLK_S_IOERR);
	assert_int_equal(submit(VIRTIO_BLK_T_IN, ~0ULL, 1, SECTOR), VIRTIO_BLK_S_IOERR);
	assert_int_equal(submit(VIRTIO_BLK_T_OUT, ~0ULL / SECTOR, 1, SECTOR), VIRTIO_BLK_S_IOERR);
	assert_int_equal(submit(VIRTIO_BLK_T_OUT, DISK_SECTORS, 1, SECTOR), VIRTIO_BLK_S_IOERR);
	/* Not whole sectors. */
	assert_int_equal(submit(VIRTIO_BLK_T_IN, 0, 1, 100), VIRTIO_BLK_S_IOERR);
	assert_int_equal(submit(VIRTIO_BLK_T_OUT, 0, 1, SECTOR + 1), VIRTIO_BLK_S_IOERR);
	/* Nothing was read into the guest, nothing written to the image. */
	for (unsigned i = 0; i < 2 * SECTOR; i++)
		assert_int_equal(ram[DATA_OFF + i], 0x33);
	assert_memory_equal(disk, before, sizeof(disk));
	assert_int_equal(blk.errors, 7);
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_get_id_flush_unsupported(void **state)
{
	uint8_t id[VIRTIO_BLK_ID_BYTES] = "shoji-virtio-blk";

	memset(ram + DATA_OFF, 0xff, 64);
	assert_int_equal(submit(VIRTIO_BLK_T_GET_ID, 0, 1, VIRTIO_BLK_ID_BYTES), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, id, VIRTIO_BLK_ID_BYTES);
	assert_int_equal(last_used_len(), VIRTIO_BLK_ID_BYTES + 1);
	/* A short buffer gets what fits, nothing past it. */
	memset(ram + DATA_OFF, 0xff, 64);
	assert_int_equal(submit(VIRTIO_BLK_T_GET_ID, 0, 1, 5), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, "shoji", 5);
	assert_int_equal(ram[DATA_OFF + 5], 0xff);
	assert_int_equal(last_used_len(), 6);

	assert_int_equal(submit(VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(last_used_len(), 1);
	assert_int_equal(blk.flushes, 1);
	/* DISCARD (11), WRITE_ZEROES (13), garbage: UNSUPP. */
	assert_int_equal(submit(11, 0, 0, 0), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(submit(13, 0, 0, 0), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(submit(0xdeadbeef, 0, 1, SECTOR), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(last_used_len(), 1);
}

/* Offer a hand-made chain at descriptor 0 and expect the device to need a reset. */
static void expect_broken(void)
{
	put_le(ram + AVAIL_OFF + 4 + 2 * (avail_idx % QSIZE), 0, 2);
	avail_idx++;
	put_le(ram + AVAIL_OFF + 2, avail_idx, 2);
	uint16_t used = used_idx();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), used);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
}

static void test_malformed_requests(void **state)
{
	/* Header only, no status byte. */
	put_le(ram + HDR_OFF, VIRTIO_BLK_T_IN, 4);
	put_desc(0, RAM_BASE + HDR_OFF, VIRTIO_BLK_HEADER_SIZE, 0, 0);
	expect_broken();

	/* A header shorter than 16 bytes. */
	bring_up(false);
	put_desc(0, RAM_BASE + HDR_OFF, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(1, RAM_BASE + STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0);
	ram[STATUS_OFF] = STATUS_UNTOUCHED;
	expect_broken();
	assert_int_equal(ram[STATUS_OFF], STATUS_UNTOUCHED);

	/* A read whose data buffer leaves guest RAM: the callback refuses it. */
	bring_up(false);
	put_le(ram + HDR_OFF, VIRTIO_BLK_T_IN, 4);
	put_le(ram + HDR_OFF + 8, 0, 8);
	put_desc(0, RAM_BASE + HDR_OFF, VIRTIO_BLK_HEADER_SIZE, VIRTQ_DESC_F_NEXT, 1);
	put_desc(1, RAM_BASE + RAM_SIZE - SECTOR / 2, SECTOR,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	put_desc(2, RAM_BASE + STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0);
	expect_broken();
	assert_int_equal(bad_accesses, 1);

	/* A write whose data comes from outside RAM: the image stays as it was. */
	bring_up(false);
	uint8_t before[sizeof(disk)];
	memcpy(before, disk, sizeof(disk));
	put_le(ram + HDR_OFF, VIRTIO_BLK_T_OUT, 4);
	put_desc(0, RAM_BASE + HDR_OFF, VIRTIO_BLK_HEADER_SIZE, VIRTQ_DESC_F_NEXT, 1);
	put_desc(1, 0x10, SECTOR, VIRTQ_DESC_F_NEXT, 2);
	put_desc(2, RAM_BASE + STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0);
	expect_broken();
	assert_memory_equal(disk, before, sizeof(disk));
}

/*
 * A request larger than seg_max * size_max: IOERR before any byte moves, even
 * on a disk big enough for it; the largest allowed one is served.
 */
static void test_transfer_cap(void **state)
{
	static uint8_t big[2 * 1024 * 1024];
	uint32_t cap = VIRTIO_BLK_MAX_TRANSFER;

	assert_int_equal(cap, 254 * 4096);
	assert_int_equal(virtio_blk_init(&blk, big, sizeof(big), false), 0);
	virtio_mmio_init(&dev, &virtio_blk_backend, &blk, &mem_ops, NULL);
	memset(ram, 0, sizeof(ram));
	avail_idx = 0;
	bad_accesses = 0;
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_BASE + DESC_OFF));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_BASE + AVAIL_OFF));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_BASE + USED_OFF));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	/* The data descriptor points past the test's RAM: only the cap can stop it safely. */
	memset(big, 0x77, sizeof(big));
	assert_int_equal(submit(VIRTIO_BLK_T_OUT, 0, 1, cap + SECTOR), VIRTIO_BLK_S_IOERR);
	assert_int_equal(submit(VIRTIO_BLK_T_IN, 0, 1, cap + SECTOR), VIRTIO_BLK_S_IOERR);
	assert_int_equal(bad_accesses, 0);
	for (size_t i = 0; i < sizeof(big); i++)
		assert_int_equal(big[i], 0x77);
	/* 32 sectors in 8 descriptors of 4 KiB is fine. */
	assert_int_equal(submit(VIRTIO_BLK_T_IN, 10, 8, 4096), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, big + 10 * SECTOR, 8 * 4096);
}

/* --- the vdev glue ---------------------------------------------------------- */

static struct virtio_mmio_dev vdev_blk;
static bool line_levels[16];
static unsigned line_calls;

static void record_line(void *ctx, bool level)
{
	assert_ptr_equal(ctx, &vdev_blk);
	assert_true(line_calls < ARRAY_SIZE(line_levels));
	line_levels[line_calls++] = level;
}

static uint32_t bus_rd(uint64_t off)
{
	uint64_t v = 0;
	assert_true(vdev_access(&guest, VDEV_MMIO, VIRTIO_MMIO_DEV_GPA + off, 4, false, &v));
	return (uint32_t)v;
}

static void bus_wr(uint64_t off, uint32_t v)
{
	uint64_t value = v;
	assert_true(vdev_access(&guest, VDEV_MMIO, VIRTIO_MMIO_DEV_GPA + off, 4, true, &value));
}

static void test_vdev_glue(void **state)
{
	memset(&guest, 0, sizeof(guest));
	strcpy(guest.name, "t");
	memset(ram, 0, sizeof(ram));
	fill_disk();
	bad_accesses = 0;
	line_calls = 0;
	assert_int_equal(virtio_mmio_dev_attach_blk(&guest, &vdev_blk, VIRTIO_MMIO_DEV_GPA, disk,
						    sizeof(disk), false, record_line, &vdev_blk),
			 0);
	/* The window is 0x200 bytes: an access straddling its end is not claimed. */
	uint64_t v;
	assert_false(vdev_access(&guest, VDEV_MMIO, VIRTIO_MMIO_DEV_GPA + VIRTIO_MMIO_SIZE - 2, 4,
				 false, &v));
	assert_int_equal(bus_rd(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	assert_int_equal(bus_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_int_equal(bus_rd(VIRTIO_MMIO_CONFIG), DISK_SECTORS);

	/* Linux's probe, then one read of sector 2. */
	bus_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	bus_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	bus_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	bus_wr(VIRTIO_MMIO_STATUS,
	       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	bus_wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	bus_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_BASE + DESC_OFF));
	bus_wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_BASE + AVAIL_OFF));
	bus_wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_BASE + USED_OFF));
	bus_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	bus_wr(VIRTIO_MMIO_STATUS, bus_rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	put_le(ram + HDR_OFF, VIRTIO_BLK_T_IN, 4);
	put_le(ram + HDR_OFF + 8, 2, 8);
	put_desc(0, RAM_BASE + HDR_OFF, VIRTIO_BLK_HEADER_SIZE, VIRTQ_DESC_F_NEXT, 1);
	put_desc(1, RAM_BASE + DATA_OFF, SECTOR, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	put_desc(2, RAM_BASE + STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0);
	put_le(ram + AVAIL_OFF + 4, 0, 2);
	put_le(ram + AVAIL_OFF + 2, 1, 2);
	assert_int_equal(line_calls, 0);
	bus_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, disk + 2 * SECTOR, SECTOR);
	/* The line rose once; the handler's status read does not move it; ACK lowers it. */
	assert_int_equal(line_calls, 1);
	assert_true(line_levels[0]);
	assert_int_equal(bus_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_int_equal(line_calls, 1);
	bus_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(line_calls, 2);
	assert_false(line_levels[1]);
	/* A write that changes nothing reports nothing. */
	bus_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(line_calls, 2);

	/* A broken ring: NEEDS_RESET raises the line (config change); a platform reset drops it. */
	put_le(ram + AVAIL_OFF + 2, 1 + QSIZE + 1, 2);
	bus_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(bus_rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(line_calls, 3);
	assert_true(line_levels[2]);
	virtio_mmio_dev_reset(&vdev_blk);
	assert_int_equal(line_calls, 4);
	assert_false(line_levels[3]);
	assert_int_equal(bus_rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(bad_accesses, 0);

	/* A second device on the same range is refused; an image under a sector too. */
	static struct virtio_mmio_dev other;
	assert_int_equal(virtio_mmio_dev_attach_blk(&guest, &other, VIRTIO_MMIO_DEV_GPA + 0x100,
						    disk, sizeof(disk), true, NULL, NULL),
			 -EBUSY);
	assert_int_equal(virtio_mmio_dev_attach_blk(&guest, &other, VIRTIO_MMIO_DEV_GPA + 0x1000,
						    disk, 100, true, NULL, NULL),
			 -EINVAL);
}

static void test_init_errors(void **state)
{
	struct virtio_blk b;
	assert_int_equal(virtio_blk_init(&b, NULL, SECTOR, false), -EINVAL);
	assert_int_equal(virtio_blk_init(&b, disk, SECTOR - 1, false), -EINVAL);
	assert_int_equal(virtio_blk_init(&b, disk, SECTOR, true), 0);
	assert_int_equal(b.capacity, 1);
	assert_true(b.read_only);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_config_and_features, setup_rw),
	    cmocka_unit_test_setup(test_read_only_feature, setup_ro),
	    cmocka_unit_test_setup(test_read_sectors, setup_rw),
	    cmocka_unit_test_setup(test_write_sectors, setup_rw),
	    cmocka_unit_test_setup(test_write_read_only, setup_ro),
	    cmocka_unit_test_setup(test_out_of_range, setup_rw),
	    cmocka_unit_test_setup(test_get_id_flush_unsupported, setup_rw),
	    cmocka_unit_test_setup(test_malformed_requests, setup_rw),
	    cmocka_unit_test(test_transfer_cap),
	    cmocka_unit_test(test_vdev_glue),
	    cmocka_unit_test(test_init_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
