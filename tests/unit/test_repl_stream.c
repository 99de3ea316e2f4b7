/* unit-test-sources: kernel/ha/repl_stream.c kernel/ha/crc32.c */
/*
 * The replication stream through its header: the writer's bytes against an
 * encoding written out here independently (own CRC-32, own little-endian
 * packing), round trips of several epochs through a sink that keeps every
 * chunk (one epoch three chunks long), the chunking rule, the writer's
 * refusals and its sticky sink errors, and the reader refusing each thing a
 * hostile stream can get wrong, with the words it says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/ha/repl_stream.h"

#define PAGE 4096

/* --- an independent encoder ----------------------------------------------------------- */

/* CRC-32 bit by bit, the textbook way, to check the module's table-driven one. */
static uint32_t crc32_bitwise(uint32_t crc, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320U : crc >> 1;
	}
	return ~crc;
}

static void le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t from_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Recompute the CRC of the record at rec (after a test changed a field on purpose). */
static void reseal(uint8_t *rec)
{
	uint32_t len = (uint32_t)from_le(rec + 24, 4);
	uint8_t header[32];

	memcpy(header, rec, 32);
	le(header + 28, 0, 4);
	uint32_t crc = crc32_bitwise(0, header, 32);
	crc = crc32_bitwise(crc, rec + 32, len);
	le(rec + 28, crc, 4);
}

/* A stream built by hand, record by record. */
struct stream {
	uint8_t bytes[4 * 1024 * 1024];
	size_t len;
	size_t at[64]; /* offset of each record */
	size_t records;
};

static struct stream s;

static uint8_t *add(uint16_t type, uint64_t epoch, uint64_t arg, const void *payload, uint32_t len)
{
	uint8_t *rec = s.bytes + s.len;

	assert_true(s.len + 32 + len <= sizeof(s.bytes));
	le(rec + 0, 0x4c50524a, 4);
	le(rec + 4, type, 2);
	le(rec + 6, 1, 2);
	le(rec + 8, epoch, 8);
	le(rec + 16, arg, 8);
	le(rec + 24, len, 4);
	if (len)
		memcpy(rec + 32, payload, len);
	reseal(rec);
	if (s.records < 64)
		s.at[s.records++] = s.len;
	s.len += 32 + len;
	return rec;
}

static uint8_t *add_commit(uint64_t epoch, uint32_t count, uint32_t flags)
{
	uint8_t payload[8];
	le(payload, count, 4);
	le(payload + 4, flags, 4);
	return add(REPL_COMMIT, epoch, 0, payload, 8);
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* --- a sink that keeps every chunk ------------------------------------------------------ */

#define MAX_CHUNKS 64

struct collector {
	uint8_t *chunk[MAX_CHUNKS];
	size_t len[MAX_CHUNKS];
	size_t count;
	size_t calls;
	size_t fail_call; /* the write call (1-based) that fails, 0 for none */
	int fail_rc;
};

static struct collector sunk;

static int collect(void *ctx, const void *bytes, size_t len)
{
	struct collector *c = ctx;

	c->calls++;
	if (c->fail_call && c->calls >= c->fail_call)
		return c->fail_rc;
	assert_true(c->count < MAX_CHUNKS);
	c->chunk[c->count] = malloc(len);
	assert_non_null(c->chunk[c->count]);
	memcpy(c->chunk[c->count], bytes, len);
	c->len[c->count++] = len;
	return 0;
}

static void collector_reset(void)
{
	for (size_t i = 0; i < sunk.count; i++)
		free(sunk.chunk[i]);
	memset(&sunk, 0, sizeof(sunk));
}

static struct repl_sink sink(void)
{
	return (struct repl_sink){.write = collect, .ctx = &sunk};
}

/* --- a receiver that logs every callback ------------------------------------------------ */

struct event {
	int kind; /* a repl_type: BEGIN, PAGE, VCPU, DEVICES, COMMIT */
	uint64_t epoch_or_arg;
	uint32_t len;
	uint32_t crc; /* of the data handed over */
};

#define MAX_EVENTS 256

struct log {
	struct event ev[MAX_EVENTS];
	size_t count;
	int fail_kind; /* the callback kind that fails with fail_rc, 0 for none */
	int fail_rc;
};

static struct log rx, want;

static void log_event(struct log *l, int kind, uint64_t value, const void *data, uint32_t len)
{
	assert_true(l->count < MAX_EVENTS);
	l->ev[l->count++] = (struct event){
	    .kind = kind, .epoch_or_arg = value, .len = len, .crc = crc32_bitwise(0, data, len)};
}

static int on_begin(void *ctx, uint64_t epoch)
{
	log_event(ctx, REPL_BEGIN, epoch, NULL, 0);
	return ((struct log *)ctx)->fail_kind == REPL_BEGIN ? ((struct log *)ctx)->fail_rc : 0;
}

static int on_page(void *ctx, uint64_t gpa, const void *data)
{
	log_event(ctx, REPL_PAGE, gpa, data, PAGE);
	return ((struct log *)ctx)->fail_kind == REPL_PAGE ? ((struct log *)ctx)->fail_rc : 0;
}

static int on_blob(void *ctx, enum repl_type type, uint64_t arg, const void *data, uint32_t len)
{
	assert_true(type == REPL_VCPU || type == REPL_DEVICES);
	log_event(ctx, type, arg, data, len);
	return ((struct log *)ctx)->fail_kind == (int)type ? ((struct log *)ctx)->fail_rc : 0;
}

static int on_commit(void *ctx, uint64_t epoch)
{
	log_event(ctx, REPL_COMMIT, epoch, NULL, 0);
	return ((struct log *)ctx)->fail_kind == REPL_COMMIT ? ((struct log *)ctx)->fail_rc : 0;
}

static const struct repl_reader_ops ops = {
    .begin = on_begin, .page = on_page, .blob = on_blob, .commit = on_commit};

static struct repl_writer writer;
static struct repl_reader reader;

static int setup(void **state)
{
	collector_reset();
	memset(&rx, 0, sizeof(rx));
	memset(&want, 0, sizeof(want));
	memset(&s, 0, sizeof(s));
	repl_writer_init(&writer, sink());
	repl_reader_init(&reader, &ops, &rx);
	return 0;
}

static int teardown(void **state)
{
	collector_reset();
	return 0;
}

static size_t kinds(int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < rx.count; i++)
		n += rx.ev[i].kind == kind;
	return n;
}

/* --- the wire format -------------------------------------------------------------------- */

static void test_reference_crc_is_ieee(void **state)
{
	/* The check value of CRC-32/IEEE (the catalogue's "123456789" test). */
	assert_int_equal(crc32_bitwise(0, "123456789", 9), 0xcbf43926);
}

static void test_writer_bytes_are_the_wire_format(void **state)
{
	uint8_t page[PAGE], vcpu[5] = {1, 2, 3, 4, 5}, devices[300];

	fill(page, sizeof(page), 7);
	fill(devices, sizeof(devices), 8);
	assert_int_equal(repl_begin(&writer, 0x1122334455667788ULL), 0);
	assert_int_equal(repl_put(&writer, REPL_PAGE, 0xfedc0000, page, PAGE), 0);
	assert_int_equal(repl_put(&writer, REPL_VCPU, 3, vcpu, sizeof(vcpu)), 0);
	assert_int_equal(repl_put(&writer, REPL_DEVICES, 0, devices, sizeof(devices)), 0);
	assert_int_equal(sunk.count, 0); /* nothing leaves before COMMIT while it fits */
	assert_int_equal(repl_commit(&writer), 0);

	add(REPL_BEGIN, 0x1122334455667788ULL, 0, NULL, 0);
	add(REPL_PAGE, 0x1122334455667788ULL, 0xfedc0000, page, PAGE);
	add(REPL_VCPU, 0x1122334455667788ULL, 3, vcpu, sizeof(vcpu));
	add(REPL_DEVICES, 0x1122334455667788ULL, 0, devices, sizeof(devices));
	add_commit(0x1122334455667788ULL, 4, 0);

	assert_int_equal(sunk.count, 1);
	assert_int_equal(sunk.len[0], s.len);
	assert_memory_equal(sunk.chunk[0], s.bytes, s.len);
	assert_memory_equal(sunk.chunk[0], "JRPL", 4);
	assert_int_equal(repl_writer_bytes(&writer), s.len);
}

/* --- round trips ------------------------------------------------------------------------ */

/* The writer's rule, modelled here: whole records, a chunk goes out when the next does not fit. */
struct chunk_model {
	size_t lens[MAX_CHUNKS];
	size_t count;
	size_t open;
};

static void model_record(struct chunk_model *m, uint32_t payload)
{
	if (m->open + 32 + payload > REPL_CHUNK_BYTES) {
		m->lens[m->count++] = m->open;
		m->open = 0;
	}
	m->open += 32 + payload;
}

static void model_commit(struct chunk_model *m)
{
	model_record(m, 8);
	m->lens[m->count++] = m->open;
	m->open = 0;
}

static void send_page(struct chunk_model *m, uint64_t gpa, uint32_t seed)
{
	static uint8_t page[PAGE];

	fill(page, PAGE, seed);
	assert_int_equal(repl_put(&writer, REPL_PAGE, gpa, page, PAGE), 0);
	log_event(&want, REPL_PAGE, gpa, page, PAGE);
	model_record(m, PAGE);
}

static void send_blob(struct chunk_model *m, enum repl_type type, uint64_t arg, uint32_t len,
		      uint32_t seed)
{
	static uint8_t blob[REPL_BLOB_MAX];

	fill(blob, len, seed);
	assert_int_equal(repl_put(&writer, type, arg, blob, len), 0);
	log_event(&want, type, arg, blob, len);
	model_record(m, len);
}

static void send_begin(struct chunk_model *m, uint64_t epoch)
{
	assert_int_equal(repl_begin(&writer, epoch), 0);
	log_event(&want, REPL_BEGIN, epoch, NULL, 0);
	model_record(m, 0);
}

static void send_commit(struct chunk_model *m, uint64_t epoch)
{
	assert_int_equal(repl_commit(&writer), 0);
	log_event(&want, REPL_COMMIT, epoch, NULL, 0);
	model_commit(m);
}

static void test_round_trip_several_epochs(void **state)
{
	struct chunk_model m = {0};
	size_t chunks_before;

	/* Epoch 1: a few pages, both vCPUs, the devices. */
	send_begin(&m, 1);
	send_page(&m, 0, 1);
	send_page(&m, 0x7000, 2);
	send_blob(&m, REPL_VCPU, 0, 1000, 3);
	send_blob(&m, REPL_VCPU, 1, 1000, 4);
	send_blob(&m, REPL_DEVICES, 0, 2500, 5);
	send_commit(&m, 1);
	assert_int_equal(sunk.count, 1);

	/* Epoch 2: 40 pages, more than two chunks' worth, and the biggest blobs. */
	chunks_before = sunk.count;
	send_begin(&m, 2);
	for (uint32_t i = 0; i < 40; i++)
		send_page(&m, 0x100000 + (uint64_t)i * 2 * PAGE, 100 + i);
	send_blob(&m, REPL_VCPU, 0, REPL_BLOB_MAX, 6);
	send_blob(&m, REPL_VCPU, 1, 0, 7); /* an empty blob is a blob */
	send_blob(&m, REPL_DEVICES, 0, REPL_BLOB_MAX, 8);
	send_commit(&m, 2);
	assert_true(sunk.count - chunks_before >= 3);

	/* Epoch 9: numbers only have to increase. A page high in the address space. */
	send_begin(&m, 9);
	send_page(&m, 0xfffff000ULL << 12, 9);
	send_commit(&m, 9);

	/* The chunks are exactly the ones the rule makes, none over the limit. */
	assert_int_equal(sunk.count, m.count);
	uint64_t total = 0;
	for (size_t i = 0; i < sunk.count; i++) {
		assert_int_equal(sunk.len[i], m.lens[i]);
		assert_true(sunk.len[i] <= REPL_CHUNK_BYTES);
		total += sunk.len[i];
	}
	assert_int_equal(repl_writer_bytes(&writer), total);

	/* Fed chunk by chunk, the reader hands over exactly what was sent. */
	for (size_t i = 0; i < sunk.count; i++) {
		assert_int_equal(repl_reader_feed(&reader, sunk.chunk[i], sunk.len[i]), 0);
		assert_string_equal(reader.error, "");
	}
	assert_int_equal(rx.count, want.count);
	for (size_t i = 0; i < want.count; i++) {
		assert_int_equal(rx.ev[i].kind, want.ev[i].kind);
		assert_int_equal(rx.ev[i].epoch_or_arg, want.ev[i].epoch_or_arg);
		assert_int_equal(rx.ev[i].len, want.ev[i].len);
		assert_int_equal(rx.ev[i].crc, want.ev[i].crc);
	}
	assert_int_equal(kinds(REPL_COMMIT), 3);
}

static void test_chunk_filled_to_the_last_byte(void **state)
{
	struct chunk_model m = {0};
	uint32_t pages = (REPL_CHUNK_BYTES - 32) / (32 + PAGE);
	uint32_t rest = REPL_CHUNK_BYTES - 32 - pages * (32 + PAGE);

	/* BEGIN, pages, and a blob that makes the chunk exactly REPL_CHUNK_BYTES long. */
	assert_true(rest >= 32 && rest - 32 <= REPL_BLOB_MAX);
	send_begin(&m, 1);
	for (uint32_t i = 0; i < pages; i++)
		send_page(&m, (uint64_t)i * PAGE, i);
	send_blob(&m, REPL_DEVICES, 0, rest - 32, 1);
	assert_int_equal(sunk.count, 0); /* full, but everything fitted */
	send_blob(&m, REPL_VCPU, 0, 0, 2);
	assert_int_equal(sunk.count, 1);
	assert_int_equal(sunk.len[0], REPL_CHUNK_BYTES);
	send_commit(&m, 1);
	assert_int_equal(sunk.count, 2);
	assert_int_equal(sunk.len[1], 32 + 32 + 8);

	for (size_t i = 0; i < sunk.count; i++)
		assert_int_equal(repl_reader_feed(&reader, sunk.chunk[i], sunk.len[i]), 0);
	assert_int_equal(rx.count, want.count);
	assert_int_equal(kinds(REPL_COMMIT), 1);
}

static void test_commit_arrives_only_with_the_last_chunk(void **state)
{
	static uint8_t page[PAGE];

	assert_int_equal(repl_begin(&writer, 4), 0);
	for (uint64_t i = 0; i < 20; i++)
		assert_int_equal(repl_put(&writer, REPL_PAGE, i * PAGE, page, PAGE), 0);
	assert_int_equal(sunk.count, 1); /* the chunk filled and went out mid-epoch */
	assert_int_equal(repl_commit(&writer), 0);
	assert_int_equal(sunk.count, 2);

	assert_int_equal(repl_reader_feed(&reader, sunk.chunk[0], sunk.len[0]), 0);
	assert_int_equal(kinds(REPL_BEGIN), 1);
	assert_true(kinds(REPL_PAGE) > 0 && kinds(REPL_PAGE) < 20);
	assert_int_equal(kinds(REPL_COMMIT), 0); /* half an epoch is not committed */
	assert_int_equal(repl_reader_feed(&reader, sunk.chunk[1], sunk.len[1]), 0);
	assert_int_equal(kinds(REPL_PAGE), 20);
	assert_int_equal(kinds(REPL_COMMIT), 1);
	assert_int_equal(rx.ev[rx.count - 1].epoch_or_arg, 4);
}

/* --- the writer's refusals -------------------------------------------------------------- */

static void test_writer_refuses_misuse(void **state)
{
	static uint8_t page[PAGE], blob[REPL_BLOB_MAX + 1];

	assert_int_equal(repl_put(&writer, REPL_PAGE, 0, page, PAGE), -EPROTO);
	assert_int_equal(repl_commit(&writer), -EPROTO);
	assert_int_equal(repl_begin(&writer, 10), 0);
	assert_int_equal(repl_begin(&writer, 11), -EPROTO); /* one is open */
	assert_int_equal(repl_put(&writer, REPL_PAGE, 0x1800, page, PAGE), -EINVAL);
	assert_int_equal(repl_put(&writer, REPL_PAGE, 0x2000, page, PAGE - 1), -EINVAL);
	assert_int_equal(repl_put(&writer, REPL_PAGE, 0x2000, page, PAGE + 1), -EINVAL);
	assert_int_equal(repl_put(&writer, REPL_VCPU, 0, blob, REPL_BLOB_MAX + 1), -EINVAL);
	assert_int_equal(repl_put(&writer, REPL_DEVICES, 0, blob, REPL_BLOB_MAX + 1), -EINVAL);
	assert_int_equal(repl_put(&writer, REPL_DEVICES, 0, NULL, 1), -EINVAL);
	assert_int_equal(repl_put(&writer, REPL_BEGIN, 0, NULL, 0), -EINVAL);
	assert_int_equal(repl_put(&writer, REPL_COMMIT, 0, blob, 8), -EINVAL);
	assert_int_equal(repl_put(&writer, (enum repl_type)6, 0, blob, 8), -EINVAL);
	/* None of that sticks or reaches the stream. */
	assert_int_equal(repl_put(&writer, REPL_PAGE, 0x2000, page, PAGE), 0);
	assert_int_equal(repl_commit(&writer), 0);
	assert_int_equal(repl_begin(&writer, 10), -EPROTO); /* not after 10 */
	assert_int_equal(repl_begin(&writer, 3), -EPROTO);
	assert_int_equal(repl_begin(&writer, 12), 0);
	assert_int_equal(repl_commit(&writer), 0);

	for (size_t i = 0; i < sunk.count; i++)
		assert_int_equal(repl_reader_feed(&reader, sunk.chunk[i], sunk.len[i]), 0);
	assert_int_equal(kinds(REPL_PAGE), 1);
	assert_int_equal(kinds(REPL_COMMIT), 2);
}

static void test_sink_error_sticks(void **state)
{
	static uint8_t page[PAGE];

	sunk.fail_call = 2;
	sunk.fail_rc = -EIO;
	assert_int_equal(repl_begin(&writer, 1), 0);
	assert_int_equal(repl_commit(&writer), 0);
	uint64_t sent = repl_writer_bytes(&writer);
	assert_int_equal(sent, sunk.len[0]);

	assert_int_equal(repl_begin(&writer, 2), 0);
	assert_int_equal(repl_put(&writer, REPL_PAGE, 0, page, PAGE), 0);
	assert_int_equal(repl_commit(&writer), -EIO);
	assert_int_equal(sunk.calls, 2);
	/* Every later call returns the sink's error and the sink hears nothing more. */
	assert_int_equal(repl_begin(&writer, 3), -EIO);
	assert_int_equal(repl_put(&writer, REPL_PAGE, 0, page, PAGE), -EIO);
	assert_int_equal(repl_commit(&writer), -EIO);
	assert_int_equal(sunk.calls, 2);
	assert_int_equal(repl_writer_bytes(&writer), sent);

	/* A failure mid-epoch, when a full chunk goes out, comes back from repl_put. */
	collector_reset();
	sunk.fail_call = 1;
	sunk.fail_rc = -ENOSPC;
	repl_writer_init(&writer, sink());
	assert_int_equal(repl_writer_bytes(&writer), 0);
	assert_int_equal(repl_begin(&writer, 5), 0);
	int rc = 0;
	uint64_t i;
	for (i = 0; i < 100 && rc == 0; i++)
		rc = repl_put(&writer, REPL_PAGE, i * PAGE, page, PAGE);
	assert_int_equal(rc, -ENOSPC);
	assert_true(i > 1 && i < 100);
	assert_int_equal(repl_commit(&writer), -ENOSPC);
	assert_int_equal(sunk.calls, 1);

	/* Until the writer starts over. */
	sunk.fail_call = 0;
	repl_writer_init(&writer, sink());
	assert_int_equal(repl_begin(&writer, 5), 0);
	assert_int_equal(repl_commit(&writer), 0);
	assert_int_equal(sunk.count, 1);
	assert_int_equal(repl_reader_feed(&reader, sunk.chunk[0], sunk.len[0]), 0);
	assert_int_equal(kinds(REPL_COMMIT), 1);
}

/* --- the reader's refusals -------------------------------------------------------------- */

/* Feed the hand-built stream in one go to a fresh reader; it must fail with rc and text. */
static void expect_rejected(int rc, const char *text)
{
	repl_reader_init(&reader, &ops, &rx);
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(repl_reader_feed(&reader, s.bytes, s.len), rc);
	assert_string_equal(reader.error, text);
}

static uint8_t *record(size_t n)
{
	return s.bytes + s.at[n];
}

static void test_reader_accepts_the_hand_built_stream(void **state)
{
	uint8_t page[PAGE], blob[77];

	fill(page, PAGE, 1);
	fill(blob, sizeof(blob), 2);
	add(REPL_BEGIN, 3, 0, NULL, 0);
	add(REPL_PAGE, 3, 0x3000, page, PAGE);
	add(REPL_DEVICES, 3, 0, blob, sizeof(blob));
	add_commit(3, 3, 0);
	assert_int_equal(repl_reader_feed(&reader, s.bytes, s.len), 0);
	assert_int_equal(rx.count, 4);
	assert_int_equal(rx.ev[1].kind, REPL_PAGE);
	assert_int_equal(rx.ev[1].epoch_or_arg, 0x3000);
	assert_int_equal(rx.ev[1].crc, crc32_bitwise(0, page, PAGE));
	assert_int_equal(rx.ev[2].kind, REPL_DEVICES);
	assert_int_equal(rx.ev[2].crc, crc32_bitwise(0, blob, sizeof(blob)));
	assert_int_equal(rx.ev[3].kind, REPL_COMMIT);
	assert_int_equal(rx.ev[3].epoch_or_arg, 3);
}

static void test_bad_magic(void **state)
{
	add(REPL_BEGIN, 1, 0, NULL, 0);
	record(0)[3] = 'X';
	reseal(record(0));
	expect_rejected(-EINVAL, "record 0: bad magic");
	assert_int_equal(rx.count, 0);
}

static void test_bad_version(void **state)
{
	add(REPL_BEGIN, 1, 0, NULL, 0);
	le(record(0) + 6, 2, 2);
	reseal(record(0));
	expect_rejected(-EINVAL, "record 0: version 2, not 1");
}

static void test_bad_crc(void **state)
{
	uint8_t page[PAGE] = {0};

	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_PAGE, 1, 0x4000, page, PAGE);
	add_commit(1, 2, 0);

	record(1)[32 + 1234] ^= 0x10; /* one payload bit */
	expect_rejected(-EINVAL, "record 1: bad CRC");
	assert_int_equal(kinds(REPL_BEGIN), 1);
	assert_int_equal(kinds(REPL_PAGE), 0); /* the damaged page is never handed over */
	record(1)[32 + 1234] ^= 0x10;

	record(1)[17] ^= 0x01; /* a header field: the GPA */
	expect_rejected(-EINVAL, "record 1: bad CRC");
	record(1)[17] ^= 0x01;

	record(2)[28] ^= 0x80; /* the CRC itself */
	expect_rejected(-EINVAL, "record 2: bad CRC");
	assert_int_equal(kinds(REPL_COMMIT), 0);
	record(2)[28] ^= 0x80;

	expect_rejected(0, ""); /* all mended */
	assert_int_equal(kinds(REPL_COMMIT), 1);
}

static void test_page_unaligned(void **state)
{
	uint8_t page[PAGE] = {0};

	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_PAGE, 1, 0x1800, page, PAGE);
	expect_rejected(-EINVAL, "record 1: PAGE at GPA 0x1800, not 4 KiB aligned");
	assert_int_equal(kinds(REPL_PAGE), 0);
}

static void test_page_wrong_length(void **state)
{
	static uint8_t page[PAGE + 1];

	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_PAGE, 1, 0x1000, page, PAGE - 1);
	expect_rejected(-EINVAL, "record 1: PAGE length 4095, not 4096");

	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_PAGE, 1, 0x1000, page, PAGE + 1);
	expect_rejected(-EINVAL, "record 1: PAGE length 4097, not 4096");
	assert_int_equal(kinds(REPL_PAGE), 0);
}

static void test_other_lengths(void **state)
{
	uint8_t bytes[8] = {0};

	add(REPL_BEGIN, 1, 0, bytes, 8);
	expect_rejected(-EINVAL, "record 0: BEGIN length 8, not 0");

	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_COMMIT, 1, 0, bytes, 4);
	expect_rejected(-EINVAL, "record 1: COMMIT length 4, not 8");
	assert_int_equal(kinds(REPL_COMMIT), 0);
}

static void test_blob_too_large(void **state)
{
	static uint8_t blob[REPL_BLOB_MAX + 1];

	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_VCPU, 1, 0, blob, REPL_BLOB_MAX + 1);
	expect_rejected(-EINVAL, "record 1: VCPU length 16385 over 16384");
	assert_int_equal(kinds(REPL_VCPU), 0);

	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_DEVICES, 1, 0, blob, REPL_BLOB_MAX + 1);
	expect_rejected(-EINVAL, "record 1: DEVICES length 16385 over 16384");

	/* A length no chunk could hold is refused from the header alone. */
	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 1, 0, NULL, 0);
	le(add(REPL_DEVICES, 1, 0, blob, 16) + 24, 0xffffffff, 4);
	expect_rejected(-EINVAL, "record 1: DEVICES length 4294967295 over 16384");
}

static void test_record_before_begin(void **state)
{
	uint8_t page[PAGE] = {0}, blob[4] = {0};

	add(REPL_PAGE, 1, 0, page, PAGE);
	expect_rejected(-EPROTO, "record 0: PAGE before BEGIN");
	assert_int_equal(rx.count, 0);

	memset(&s, 0, sizeof(s));
	add_commit(1, 1, 0);
	expect_rejected(-EPROTO, "record 0: COMMIT before BEGIN");

	/* Between epochs is before the next BEGIN. */
	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 1, 0, NULL, 0);
	add_commit(1, 1, 0);
	add(REPL_VCPU, 1, 0, blob, sizeof(blob));
	expect_rejected(-EPROTO, "record 2: VCPU before BEGIN");
	assert_int_equal(kinds(REPL_COMMIT), 1);
	assert_int_equal(kinds(REPL_VCPU), 0);
}

static void test_epoch_going_backwards(void **state)
{
	add(REPL_BEGIN, 5, 0, NULL, 0);
	add_commit(5, 1, 0);
	add(REPL_BEGIN, 4, 0, NULL, 0);
	expect_rejected(-EPROTO, "record 2: BEGIN of epoch 4 not after 5");
	assert_int_equal(kinds(REPL_BEGIN), 1);

	le(record(2) + 8, 5, 8); /* the same number again is no better */
	reseal(record(2));
	expect_rejected(-EPROTO, "record 2: BEGIN of epoch 5 not after 5");

	/* Remembered across feeds. */
	repl_reader_init(&reader, &ops, &rx);
	assert_int_equal(repl_reader_feed(&reader, s.bytes, s.at[2]), 0);
	assert_int_equal(repl_reader_feed(&reader, record(2), s.len - s.at[2]), -EPROTO);
	assert_string_equal(reader.error, "record 2: BEGIN of epoch 5 not after 5");
}

static void test_epoch_changing_inside_an_epoch(void **state)
{
	uint8_t page[PAGE] = {0};

	add(REPL_BEGIN, 5, 0, NULL, 0);
	add(REPL_PAGE, 6, 0, page, PAGE);
	expect_rejected(-EPROTO, "record 1: PAGE of epoch 6 inside epoch 5");

	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 5, 0, NULL, 0);
	add_commit(4, 1, 0);
	expect_rejected(-EPROTO, "record 1: COMMIT of epoch 4 inside epoch 5");
	assert_int_equal(kinds(REPL_COMMIT), 0);

	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 5, 0, NULL, 0);
	add(REPL_BEGIN, 6, 0, NULL, 0);
	expect_rejected(-EPROTO, "record 1: BEGIN while epoch 5 has no COMMIT");
}

static void test_commit_count_wrong(void **state)
{
	uint8_t page[PAGE] = {0};

	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_PAGE, 1, 0, page, PAGE);
	add_commit(1, 3, 0);
	expect_rejected(-EPROTO, "record 2: COMMIT counts 3 records, epoch has 2");
	assert_int_equal(kinds(REPL_COMMIT), 0);

	le(record(2) + 32, 1, 4); /* too few: a record was not meant to be there */
	reseal(record(2));
	expect_rejected(-EPROTO, "record 2: COMMIT counts 1 records, epoch has 2");

	le(record(2) + 32, 2, 4);
	le(record(2) + 36, 1, 4);
	reseal(record(2));
	expect_rejected(-EINVAL, "record 2: COMMIT flags 0x1, not 0");
}

static void test_partial_record(void **state)
{
	uint8_t page[PAGE] = {0};

	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_PAGE, 1, 0, page, PAGE);
	s.len = s.at[1] + 32 + 100;
	expect_rejected(-EINVAL, "record 1: PAGE cut short, 100 of 4096 payload bytes");
	assert_int_equal(kinds(REPL_PAGE), 0);

	/* Short by less than a header: the bytes past the chunk are the right ones, still no. */
	s.len = s.at[1] + 32 + PAGE - 10;
	expect_rejected(-EINVAL, "record 1: PAGE cut short, 4086 of 4096 payload bytes");

	s.len = s.at[1] + 10;
	expect_rejected(-EINVAL, "record 1: partial header, 10 bytes left");

	s.len = 31;
	expect_rejected(-EINVAL, "record 0: partial header, 31 bytes left");
	assert_int_equal(rx.count, 0);
}

static void test_unknown_type(void **state)
{
	static const uint16_t types[] = {0, 6, 0xffff};
	char text[REPL_ERROR_TEXT];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&s, 0, sizeof(s));
		add(REPL_BEGIN, 1, 0, NULL, 0);
		add(types[i], 1, 0, NULL, 0);
		snprintf(text, sizeof(text), "record 1: unknown type %u", types[i]);
		expect_rejected(-EINVAL, text);
		assert_int_equal(rx.count, 1);
	}
}

static void test_failed_reader_stays_failed(void **state)
{
	uint8_t page[PAGE] = {0};

	add(REPL_PAGE, 1, 0, page, PAGE);
	expect_rejected(-EPROTO, "record 0: PAGE before BEGIN");

	memset(&s, 0, sizeof(s));
	add(REPL_BEGIN, 1, 0, NULL, 0);
	add_commit(1, 1, 0);
	assert_int_equal(repl_reader_feed(&reader, s.bytes, s.len), -EPROTO);
	assert_string_equal(reader.error, "record 0: PAGE before BEGIN");
	assert_int_equal(rx.count, 0);
	assert_int_equal(repl_reader_feed(&reader, NULL, 0), -EPROTO);

	repl_reader_init(&reader, &ops, &rx);
	assert_string_equal(reader.error, "");
	assert_int_equal(repl_reader_feed(&reader, s.bytes, s.len), 0);
	assert_int_equal(kinds(REPL_COMMIT), 1);
}

static void test_callback_error_stops_the_reader(void **state)
{
	static const int kinds_to_fail[] = {REPL_BEGIN, REPL_PAGE, REPL_VCPU, REPL_COMMIT};
	static const char *const names[] = {"begin", "page", "blob", "commit"};
	uint8_t page[PAGE] = {0}, blob[16] = {0};
	char text[REPL_ERROR_TEXT];

	add(REPL_BEGIN, 1, 0, NULL, 0);
	add(REPL_PAGE, 1, 0, page, PAGE);
	add(REPL_VCPU, 1, 0, blob, sizeof(blob));
	add_commit(1, 3, 0);
	for (size_t i = 0; i < 4; i++) {
		repl_reader_init(&reader, &ops, &rx);
		memset(&rx, 0, sizeof(rx));
		rx.fail_kind = kinds_to_fail[i];
		rx.fail_rc = -ENOMEM;
		assert_int_equal(repl_reader_feed(&reader, s.bytes, s.len), -ENOMEM);
		snprintf(text, sizeof(text), "record %zu: %s callback failed: -%d", i, names[i],
			 ENOMEM);
		assert_string_equal(reader.error, text);
		assert_int_equal(rx.count, i + 1); /* nothing after the one that failed */
		assert_int_equal(repl_reader_feed(&reader, s.bytes, s.len), -ENOMEM);
		assert_int_equal(rx.count, i + 1);
	}
}

static void test_epoch_without_commit_is_not_committed(void **state)
{
	uint8_t page[PAGE] = {0};

	add(REPL_BEGIN, 8, 0, NULL, 0);
	add(REPL_PAGE, 8, 0, page, PAGE);
	add_commit(8, 2, 0);
	/* The stream stops after the page: applied, but the caller never hears commit. */
	assert_int_equal(repl_reader_feed(&reader, s.bytes, s.at[2]), 0);
	assert_int_equal(kinds(REPL_BEGIN), 1);
	assert_int_equal(kinds(REPL_PAGE), 1);
	assert_int_equal(kinds(REPL_COMMIT), 0);
	/* The COMMIT in a later chunk still counts the records of the earlier one. */
	assert_int_equal(repl_reader_feed(&reader, record(2), s.len - s.at[2]), 0);
	assert_int_equal(kinds(REPL_COMMIT), 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_reference_crc_is_ieee),
	    T(test_writer_bytes_are_the_wire_format),
	    T(test_round_trip_several_epochs),
	    T(test_chunk_filled_to_the_last_byte),
	    T(test_commit_arrives_only_with_the_last_chunk),
	    T(test_writer_refuses_misuse),
	    T(test_sink_error_sticks),
	    T(test_reader_accepts_the_hand_built_stream),
	    T(test_bad_magic),
	    T(test_bad_version),
	    T(test_bad_crc),
	    T(test_page_unaligned),
	    T(test_page_wrong_length),
	    T(test_other_lengths),
	    T(test_blob_too_large),
	    T(test_record_before_begin),
	    T(test_epoch_going_backwards),
	    T(test_epoch_changing_inside_an_epoch),
	    T(test_commit_count_wrong),
	    T(test_partial_record),
	    T(test_unknown_type),
	    T(test_failed_reader_stays_failed),
	    T(test_callback_error_stops_the_reader),
	    T(test_epoch_without_commit_is_not_committed),
	};
#undef T
	return cmocka_run_group_tests_name("repl_stream", tests, NULL, NULL);
}
