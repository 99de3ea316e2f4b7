/* unit-test-sources: tests/unit/repl_stream_fixture.c kernel/ha/repl_stream.c kernel/ha/crc32c.c */
/*
 * The replication stream's writer through its header: its bytes against an
 * encoding written out independently (own CRC-32C, own little-endian
 * packing), round trips of several epochs through a sink that keeps every
 * chunk (one epoch three chunks long), the chunking rule, the writer's
 * refusals and its sticky sink errors. The reader's refusals:
 * test_repl_reader.c.
 */
#include "tests/unit/repl_stream_fixture.h"

static void test_reference_crc_is_ieee(void **state)
{
	/* The check value of CRC-32C (the catalogue's "123456789" test). */
	assert_int_equal(crc32_bitwise(0, "123456789", 9), 0xe3069283);
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
	};
#undef T
	return cmocka_run_group_tests_name("repl_stream", tests, NULL, NULL);
}
