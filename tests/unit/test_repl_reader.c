/* unit-test-sources: tests/unit/repl_stream_fixture.c kernel/ha/repl_stream.c kernel/ha/crc32c.c */
/*
 * The replication stream's reader refusing each thing a hostile stream can
 * get wrong, with the words it says, and staying failed after; streams are
 * built by hand (repl_stream_fixture.c).
 */
#include "tests/unit/repl_stream_fixture.h"

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
	return cmocka_run_group_tests_name("repl_reader", tests, NULL, NULL);
}
