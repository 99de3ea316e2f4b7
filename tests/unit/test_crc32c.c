/* unit-test-sources: kernel/ha/crc32c.c */
/*
 * CRC-32C, both ways (slice-by-8 tables, and the CRC32 instruction where the
 * host has it), against the definition computed bit by bit here: the
 * catalogue's check value, every length and start alignment around the
 * 8-byte stride, and pieces fed one after another giving the CRC of the
 * whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/ha/crc32c.h"

static struct crc32c_table table;
static uint8_t data[4096 + 64];

static uint32_t crc32_bitwise(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffU;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78U : crc >> 1;
	}
	return crc ^ 0xffffffffU;
}

static uint32_t crc32_once(const void *p, size_t len)
{
	return crc32c_end(crc32c_update(&table, crc32c_begin(), p, len));
}

static int setup_data(void)
{
	uint32_t seed = 12345;

	for (size_t i = 0; i < sizeof(data); i++) {
		seed = seed * 1103515245 + 12345;
		data[i] = (uint8_t)(seed >> 16);
	}
	return 0;
}

/* The tables, whatever the host has. */
static int setup_tables(void **state)
{
	crc32c_table_init(&table);
	table.insn = false;
	return setup_data();
}

/* The instruction: skipped (not passed) on a host without SSE4.2. */
static int setup_insn(void **state)
{
	crc32c_table_init(&table);
	return setup_data();
}

#define NEEDS_INSN()                                                                               \
	do {                                                                                       \
		if (!table.insn && *state == (void *)1)                                            \
			skip();                                                                    \
	} while (0)

static void test_check_value(void **state)
{
	NEEDS_INSN();
	/* CRC-32/ISCSI's published check: "123456789" gives 0xE3069283. */
	assert_int_equal(crc32_once("123456789", 9), 0xe3069283);
	assert_int_equal(crc32_bitwise((const uint8_t *)"123456789", 9), 0xe3069283);
	assert_int_equal(crc32_once(NULL, 0), 0);
}

static void test_every_length_and_alignment(void **state)
{
	NEEDS_INSN();
	for (size_t start = 0; start < 8; start++)
		for (size_t len = 0; len <= 80; len++)
			assert_int_equal(crc32_once(data + start, len),
					 crc32_bitwise(data + start, len));
	assert_int_equal(crc32_once(data, 4096), crc32_bitwise(data, 4096));
	assert_int_equal(crc32_once(data + 3, 4096 + 61), crc32_bitwise(data + 3, 4096 + 61));
}

static void test_pieces_make_the_whole(void **state)
{
	NEEDS_INSN();
	uint32_t whole = crc32_bitwise(data, 4096);

	for (size_t cut = 0; cut <= 4096; cut += 97) {
		uint32_t crc = crc32c_update(&table, crc32c_begin(), data, cut);
		crc = crc32c_update(&table, crc, data + cut, 4096 - cut);
		assert_int_equal(crc32c_end(crc), whole);
	}
	/* A byte at a time goes through the tail loop only. */
	uint32_t crc = crc32c_begin();
	for (size_t i = 0; i < 4096; i++)
		crc = crc32c_update(&table, crc, data + i, 1);
	assert_int_equal(crc32c_end(crc), whole);
}

static void test_any_changed_bit_changes_it(void **state)
{
	NEEDS_INSN();
	uint32_t base = crc32_once(data, 64);

	for (size_t bit = 0; bit < 64 * 8; bit++) {
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(crc32_once(data, 64), base);
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(crc32_once(data, 64), base);
}

int main(void)
{
#define BOTH(t)                                                                                    \
	{#t " (tables)", t, setup_tables, NULL, NULL},                                             \
	{                                                                                          \
#t " (instruction)", t, setup_insn, NULL, (void *)1                                \
	}
	const struct CMUnitTest tests[] = {
	    BOTH(test_check_value),
	    BOTH(test_every_length_and_alignment),
	    BOTH(test_pieces_make_the_whole),
	    BOTH(test_any_changed_bit_changes_it),
	};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
