/* unit-test-sources: kernel/emul/x86_decode_memo.c kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c */
/*
 * Decode memo tests: every answer equals x86_decode()'s; a remembered entry
 * is used only for the same mode and the same bytes over the instruction's
 * length, all of them fetched; failed decodes are not remembered. A hit is
 * told from a miss by a mark left in the remembered instruction.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/emul/x86_decode_memo.h"

#define MARK_CR 0xee /* x86_insn.cr of a remembered MOV: no decode writes it */

/* The fields a decode fills, compared one by one (padding is not part of the answer). */
static void assert_same_insn(const struct x86_insn *a, const struct x86_insn *b)
{
	assert_int_equal(a->len, b->len);
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->map, b->map);
	assert_int_equal(a->opcode, b->opcode);
	assert_int_equal(a->vex, b->vex);
	assert_int_equal(a->op_size, b->op_size);
	assert_int_equal(a->mem_size, b->mem_size);
	assert_int_equal(a->addr_size, b->addr_size);
	assert_int_equal(a->reg, b->reg);
	assert_int_equal(a->reg_high8, b->reg_high8);
	assert_int_equal(a->reg_is_dst, b->reg_is_dst);
	assert_int_equal(a->has_imm, b->has_imm);
	assert_int_equal(a->imm, b->imm);
	assert_int_equal(a->mem, b->mem);
	assert_int_equal(a->rm, b->rm);
	assert_int_equal(a->rm_high8, b->rm_high8);
	assert_int_equal(a->base, b->base);
	assert_int_equal(a->index, b->index);
	assert_int_equal(a->scale, b->scale);
	assert_int_equal(a->rip_rel, b->rip_rel);
	assert_int_equal(a->disp, b->disp);
	assert_int_equal(a->seg, b->seg);
	assert_int_equal(a->seg_override, b->seg_override);
	assert_int_equal(a->rep, b->rep);
	assert_int_equal(a->lock, b->lock);
	assert_int_equal(a->rex, b->rex);
}

/*
 * Through the memo, checked against a fresh decode (want_ret: the return
 * value both must give, or ANY_RET); true if the memo answered.
 */
#define ANY_RET 1

static bool memo_decode(struct x86_decode_memo *m, const uint8_t *bytes, unsigned valid,
			enum x86_mode mode, int want_ret)
{
	const struct x86_insn *got = NULL;
	struct x86_insn fresh;
	int ret = x86_decode_memo(m, bytes, valid, mode, &got);

	assert_int_equal(ret, x86_decode(bytes, valid, mode, &fresh));
	if (want_ret != ANY_RET)
		assert_int_equal(ret, want_ret);
	if (ret)
		return false;
	assert_ptr_equal(got, &m->insn);
	bool hit = got->cr == MARK_CR;
	fresh.cr = got->cr;
	assert_same_insn(got, &fresh);
	m->insn.cr = MARK_CR;
	return hit;
}

/* mov 0x10(%rbx,%rcx,4),%eax: 4 bytes, then filler the decode never reads. */
static const uint8_t mov_load[X86_INSN_BUF_LEN] = {0x8b, 0x44, 0x8b, 0x10, 0xaa, 0xbb, 0xcc, 0xdd,
						   0xee, 0xff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};

static void test_hit_needs_same_bytes_and_mode(void **state)
{
	struct x86_decode_memo m = {0};
	uint8_t b[X86_INSN_BUF_LEN];

	memcpy(b, mov_load, sizeof(b));
	assert_false(memo_decode(&m, b, 15, X86_MODE_64, 0));
	assert_true(memo_decode(&m, b, 15, X86_MODE_64, 0));
	/* Bytes past the instruction do not count, nor does how many more were fetched. */
	b[4] ^= 0xff;
	b[15] ^= 0xff;
	assert_true(memo_decode(&m, b, 4, X86_MODE_64, 0));
	/* Any changed byte within it does. */
	for (unsigned i = 0; i < 4; i++) {
		memcpy(b, mov_load, sizeof(b));
		memo_decode(&m, b, 15, X86_MODE_64, 0);
		assert_true(memo_decode(&m, b, 15, X86_MODE_64, 0));
		b[i] ^= 0x01;
		assert_false(memo_decode(&m, b, 15, X86_MODE_64, 0));
	}
	/* The same bytes in another mode are another instruction (16-bit: mov 0x10(%bp,%di),%ax).
	 */
	memcpy(b, mov_load, sizeof(b));
	assert_false(memo_decode(&m, b, 15, X86_MODE_64, 0));
	assert_false(memo_decode(&m, b, 15, X86_MODE_32, 0));
	assert_false(memo_decode(&m, b, 15, X86_MODE_16, 0));
	assert_int_equal(m.insn.len, 3);
	assert_false(memo_decode(&m, b, 15, X86_MODE_64, 0));
}

static void test_truncated_fetch_misses(void **state)
{
	struct x86_decode_memo m = {0};

	assert_false(memo_decode(&m, mov_load, 15, X86_MODE_64, 0));
	/* One byte short of the remembered instruction: the decoder's -EINVAL, not the memo. */
	assert_false(memo_decode(&m, mov_load, 3, X86_MODE_64, -EINVAL));
	assert_false(memo_decode(&m, mov_load, 4, X86_MODE_64, 0));
	assert_true(memo_decode(&m, mov_load, 4, X86_MODE_64, 0));
}

static void test_failures_are_not_remembered(void **state)
{
	struct x86_decode_memo m = {0};
	const uint8_t ud[X86_INSN_BUF_LEN] = {0x0f, 0x0b}; /* UD2 is sized; FE /7 is #UD */
	const uint8_t bad[X86_INSN_BUF_LEN] = {0xfe, 0x38};

	assert_false(memo_decode(&m, ud, 15, X86_MODE_64, 0));
	assert_false(memo_decode(&m, bad, 15, X86_MODE_64, -ENOTSUP));
	assert_int_equal(m.insn.len, 0);
	assert_false(memo_decode(&m, bad, 15, X86_MODE_64, -ENOTSUP));
	assert_false(memo_decode(&m, ud, 15, X86_MODE_64, 0));
}

/* A memo that holds nothing matches nothing, not even bytes that are all zero. */
static void test_empty_memo_misses(void **state)
{
	struct x86_decode_memo m = {0};
	const uint8_t zeros[X86_INSN_BUF_LEN] = {0};

	assert_false(memo_decode(&m, zeros, 15, X86_MODE_16, 0));
	assert_int_equal(m.insn.len, 2); /* add %al,(%bx,%si) */
	assert_true(memo_decode(&m, zeros, 15, X86_MODE_16, 0));
}

/* Every length from 1 to 15 (a 15-byte instruction fills both key words). */
static void test_every_length(void **state)
{
	static const char *const hex[] = {
	    "c3",
	    "8b 00",
	    "8b 40 08",
	    "8b 44 8b 10",
	    "b8 78 56 34 12",
	    "8b 05 00 00 00 00",
	    "4c 8b 3d 78 56 34 12",
	    "c7 44 24 08 78 56 34 12",
	    "48 a1 88 77 66 55 44 33 22 11",
	    "48 c7 84 24 00 01 00 00 ff ff ff 7f",
	    "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90",
	};
	struct x86_decode_memo m = {0};

	for (unsigned i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		uint8_t b[X86_INSN_BUF_LEN] = {0};
		unsigned n = 0;

		for (const char *p = hex[i]; *p; p += p[2] ? 3 : 2)
			b[n++] = (uint8_t)strtoul(p, NULL, 16);
		assert_false(memo_decode(&m, b, 15, X86_MODE_64, 0));
		assert_int_equal(m.insn.len, n);
		assert_true(memo_decode(&m, b, 15, X86_MODE_64, 0));
		b[n - 1] ^= 0x80;
		assert_false(memo_decode(&m, b, 15, X86_MODE_64, ANY_RET));
		b[n - 1] ^= 0x80;
		assert_false(memo_decode(&m, b, 15, X86_MODE_64, 0));
	}
}

/* Random byte strings, modes and lengths: the memo's answer is always the decoder's. */
static void test_random_matches_decoder(void **state)
{
	struct x86_decode_memo m = {0};
	uint8_t b[X86_INSN_BUF_LEN];

	srand(8);
	for (unsigned i = 0; i < 200000; i++) {
		/* Mostly small changes to the last bytes, so that hits and near misses both occur.
		 */
		if (i % 64 == 0)
			for (unsigned j = 0; j < sizeof(b); j++)
				b[j] = (uint8_t)rand();
		else
			b[rand() % 4] ^= (uint8_t)(1u << (rand() % 8)) * (rand() % 2);
		enum x86_mode mode = (i / 1024) % 3;
		unsigned valid = 1 + rand() % X86_MAX_INSN_LEN;

		memo_decode(&m, b, valid, mode, ANY_RET);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hit_needs_same_bytes_and_mode),
	    cmocka_unit_test(test_truncated_fetch_misses),
	    cmocka_unit_test(test_failures_are_not_remembered),
	    cmocka_unit_test(test_empty_memo_misses),
	    cmocka_unit_test(test_every_length),
	    cmocka_unit_test(test_random_matches_decoder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
