/* unit-test-sources: kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c kernel/emul/mmio_emulate.c */
/*
 * Instruction decoder tests. Encodings were cross-checked with GNU as and
 * objdump on the host (as --64/--32, .code16; objdump -d [-Mi8086]). Every
 * case is also decoded from every shorter prefix (must be -EINVAL) and from
 * an exact-size heap copy, so an overread fails under ASan. Garbage runs feed
 * random and exhaustive short byte strings to the decoder and the emulator.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/emul/mmio_emulate.h"
#include "kernel/emul/x86_decode.h"

#define M16  X86_MODE_16
#define M32  X86_MODE_32
#define M64  X86_MODE_64
#define NONE X86_REG_NONE

/* Case flags. */
#define H8    (1u << 0) /* reg_high8 */
#define DST   (1u << 1) /* reg_is_dst */
#define IMM   (1u << 2) /* has_imm */
#define REP   (1u << 3)
#define LOCK  (1u << 4)
#define NOMEM (1u << 5) /* mod=3 register form */
#define RIP   (1u << 6) /* RIP-relative */
#define SEGO  (1u << 7) /* segment override */

struct dcase {
	enum x86_mode mode;
	const char *hex;
	unsigned len;
	enum x86_op op;
	unsigned op_size, mem_size, addr_size, reg, flags;
	uint64_t imm, ea;
	enum x86_seg seg;
};

/* Register file for effective addresses: GPR n holds (n + 1) << 12; RSP is 0x5000. */
#define TEST_RSP 0x5000ULL
#define TEST_RIP 0x400000ULL

#define C(m, h, l, o, os, ms, as, r, f, i, e, s)                                                   \
	{                                                                                          \
		m, h, l, X86_OP_##o, os, ms, as, r, f, i, e, X86_SEG_##s                           \
	}

static const struct dcase cases[] = {
    /* 64-bit mode: MOV store/load, REX.R/B, SIB, RIP-relative. */
    C(M64, "89 44 8b 10", 4, MOV_STORE, 4, 4, 8, 0, 0, 0, 0xc010, DS),
    C(M64, "4d 89 0c 24", 4, MOV_STORE, 8, 8, 8, 9, 0, 0, 0xd000, DS),
    C(M64, "45 89 55 00", 4, MOV_STORE, 4, 4, 8, 10, 0, 0, 0xe000, DS),
    C(M64, "8b 05 00 00 00 00", 6, MOV_LOAD, 4, 4, 8, 0, DST | RIP, 0, TEST_RIP + 6, DS),
    C(M64, "4c 8b 3d 78 56 34 12", 7, MOV_LOAD, 8, 8, 8, 15, DST | RIP, 0,
      TEST_RIP + 7 + 0x12345678, DS),
    C(M64, "8b 05 f0 ff ff ff", 6, MOV_LOAD, 4, 4, 8, 0, DST | RIP, 0, TEST_RIP + 6 - 0x10, DS),
    C(M64, "41 89 05 00 01 00 00", 7, MOV_STORE, 4, 4, 8, 0, RIP, 0, TEST_RIP + 7 + 0x100, DS),
    C(M64, "67 8b 05 00 00 00 00", 7, MOV_LOAD, 4, 4, 4, 0, DST | RIP, 0, TEST_RIP + 7, DS),
    C(M64, "88 27", 2, MOV_STORE, 1, 1, 8, 4, H8, 0, 0x8000, DS),
    C(M64, "40 88 37", 3, MOV_STORE, 1, 1, 8, 6, 0, 0, 0x8000, DS),
    C(M64, "40 88 20", 3, MOV_STORE, 1, 1, 8, 4, 0, 0, 0x1000, DS),
    C(M64, "8a 3e", 2, MOV_LOAD, 1, 1, 8, 7, H8 | DST, 0, 0x7000, DS),
    C(M64, "66 44 89 44 24 7f", 6, MOV_STORE, 2, 2, 8, 8, 0, 0, 0x507f, SS),
    C(M64, "c7 07 78 56 34 12", 6, MOV_STORE, 4, 4, 8, NONE, IMM, 0x12345678, 0x8000, DS),
    C(M64, "48 c7 45 08 ff ff ff ff", 8, MOV_STORE, 8, 8, 8, NONE, IMM, ~0ULL, 0x6008, SS),
    C(M64, "48 c7 00 00 00 00 80", 7, MOV_STORE, 8, 8, 8, NONE, IMM, 0xffffffff80000000ULL, 0x1000,
      DS),
    C(M64, "66 c7 00 ef be", 5, MOV_STORE, 2, 2, 8, NONE, IMM, 0xffffffffffffbeefULL, 0x1000, DS),
    C(M64, "c6 00 5a", 3, MOV_STORE, 1, 1, 8, NONE, IMM, 0x5a, 0x1000, DS),
    C(M64, "a1 88 77 66 55 44 33 22 11", 9, MOV_LOAD, 4, 4, 8, 0, DST, 0, 0x1122334455667788ULL,
      DS),
    C(M64, "a2 88 77 66 55 44 33 22 11", 9, MOV_STORE, 1, 1, 8, 0, 0, 0, 0x1122334455667788ULL, DS),
    C(M64, "48 a1 88 77 66 55 44 33 22 11", 10, MOV_LOAD, 8, 8, 8, 0, DST, 0, 0x1122334455667788ULL,
      DS),
    C(M64, "67 a3 00 00 e0 fe", 6, MOV_STORE, 4, 4, 4, 0, 0, 0, 0xfee00000, DS),
    C(M64, "0f b6 08", 3, MOVZX, 4, 1, 8, 1, DST, 0, 0x1000, DS),
    C(M64, "4c 0f b7 18", 4, MOVZX, 8, 2, 8, 11, DST, 0, 0x1000, DS),
    C(M64, "66 0f be 10", 4, MOVSX, 2, 1, 8, 2, DST, 0, 0x1000, DS),
    C(M64, "0f bf 30", 3, MOVSX, 4, 2, 8, 6, DST, 0, 0x1000, DS),
    C(M64, "4c 63 00", 3, MOVSX, 8, 4, 8, 8, DST, 0, 0x1000, DS),
    C(M64, "63 00", 2, MOVSX, 4, 4, 8, 0, DST, 0, 0x1000, DS),
    /* String instructions. */
    C(M64, "f3 ab", 2, STOS, 4, 4, 8, 0, REP, 0, 0x8000, ES),
    C(M64, "f3 48 ab", 3, STOS, 8, 8, 8, 0, REP, 0, 0x8000, ES),
    C(M64, "f2 aa", 2, STOS, 1, 1, 8, 0, REP, 0, 0x8000, ES),
    C(M64, "aa", 1, STOS, 1, 1, 8, 0, 0, 0, 0x8000, ES),
    C(M64, "64 aa", 2, STOS, 1, 1, 8, 0, 0, 0, 0x8000, ES), /* no override of ES:rDI */
    C(M64, "67 f3 ab", 3, STOS, 4, 4, 4, 0, REP, 0, 0x8000, ES),
    C(M64, "f3 a4", 2, MOVS, 1, 1, 8, 0, REP, 0, 0x7000, DS),
    C(M64, "66 ad", 2, LODS, 2, 2, 8, 0, DST, 0, 0x7000, DS),
    /* Read-modify-write and compare. */
    C(M64, "81 0f 80 00 00 00", 6, OR, 4, 4, 8, NONE, IMM, 0x80, 0x8000, DS),
    C(M64, "83 67 04 fe", 4, AND, 4, 4, 8, NONE, IMM, ~1ULL, 0x8004, DS),
    C(M64, "80 0f 01", 3, OR, 1, 1, 8, NONE, IMM, 1, 0x8000, DS),
    C(M64, "66 81 07 34 12", 5, ADD, 2, 2, 8, NONE, IMM, 0x1234, 0x8000, DS),
    C(M64, "48 81 2f 00 00 00 80", 7, SUB, 8, 8, 8, NONE, IMM, 0xffffffff80000000ULL, 0x8000, DS),
    C(M64, "f0 83 0f 01", 4, OR, 4, 4, 8, NONE, IMM | LOCK, 1, 0x8000, DS),
    C(M64, "85 07", 2, TEST, 4, 4, 8, 0, 0, 0, 0x8000, DS),
    C(M64, "f7 07 00 01 00 00", 6, TEST, 4, 4, 8, NONE, IMM, 0x100, 0x8000, DS),
    C(M64, "f6 07 01", 3, TEST, 1, 1, 8, NONE, IMM, 1, 0x8000, DS),
    C(M64, "87 07", 2, XCHG, 4, 4, 8, 0, LOCK, 0, 0x8000, DS),
    C(M64, "44 86 37", 3, XCHG, 1, 1, 8, 14, LOCK, 0, 0x8000, DS),
    C(M64, "39 0f", 2, CMP, 4, 4, 8, 1, 0, 0, 0x8000, DS),
    C(M64, "3b 0f", 2, CMP, 4, 4, 8, 1, DST, 0, 0x8000, DS),
    C(M64, "4c 2b 0f", 3, SUB, 8, 8, 8, 9, DST, 0, 0x8000, DS),
    C(M64, "30 17", 2, XOR, 1, 1, 8, 2, 0, 0, 0x8000, DS),
    C(M64, "11 07", 2, ADC, 4, 4, 8, 0, 0, 0, 0x8000, DS),
    C(M64, "1a 37", 2, SBB, 1, 1, 8, 6, H8 | DST, 0, 0x8000, DS),
    C(M64, "0f ba 27 05", 4, BT, 4, 4, 8, NONE, IMM, 5, 0x8000, DS),
    C(M64, "48 0f ba 2f 3f", 5, BTS, 8, 8, 8, NONE, IMM, 63, 0x8000, DS),
    C(M64, "0f ba 37 ff", 4, BTR, 4, 4, 8, NONE, IMM, 0xff, 0x8000, DS),
    C(M64, "f0 0f ba 3f 01", 5, BTC, 4, 4, 8, NONE, IMM | LOCK, 1, 0x8000, DS),
    C(M64, "ff 07", 2, INC, 4, 4, 8, NONE, 0, 0, 0x8000, DS),
    C(M64, "66 ff 0f", 3, DEC, 2, 2, 8, NONE, 0, 0, 0x8000, DS),
    C(M64, "f7 17", 2, NOT, 4, 4, 8, NONE, 0, 0, 0x8000, DS),
    C(M64, "f6 1f", 2, NEG, 1, 1, 8, NONE, 0, 0, 0x8000, DS),
    C(M64, "fe 07", 2, INC, 1, 1, 8, NONE, 0, 0, 0x8000, DS),
    /* Addressing forms. */
    C(M64, "64 89 04 25 20 00 00 00", 8, MOV_STORE, 4, 4, 8, 0, SEGO, 0, 0x20, FS),
    C(M64, "65 48 8b 04 25 28 00 00 00", 9, MOV_LOAD, 8, 8, 8, 0, SEGO | DST, 0, 0x28, GS),
    C(M64, "67 89 00", 3, MOV_STORE, 4, 4, 4, 0, 0, 0, 0x1000, DS),
    C(M64, "43 89 04 64", 4, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x27000, DS),
    C(M64, "89 04 cd 00 01 00 00", 7, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x10100, DS),
    C(M64, "41 89 45 00", 4, MOV_STORE, 4, 4, 8, 0, 0, 0, 0xe000, DS),
    C(M64, "89 04 25 78 56 34 12", 7, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x12345678, DS),
    C(M64, "89 04 24", 3, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x5000, SS),
    C(M64, "41 89 04 24", 4, MOV_STORE, 4, 4, 8, 0, 0, 0, 0xd000, DS), /* base r12 */
    C(M64, "89 04 20", 3, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x1000, DS),    /* index 4: none */
    C(M64, "4a 89 04 20", 4, MOV_STORE, 8, 8, 8, 0, 0, 0, 0xe000, DS), /* REX.X: r12 */
    C(M64, "42 89 04 25 00 10 00 00", 8, MOV_STORE, 4, 4, 8, 0, 0, 0, 0xe000, DS),
    C(M64, "41 89 04 25 00 10 00 00", 8, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x1000, DS), /* no base */
    C(M64, "89 44 24 f8", 4, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x4ff8, SS),
    C(M64, "89 84 b6 00 00 00 80", 7, MOV_STORE, 4, 4, 8, 0, 0, 0,
      0x7000 + 0x7000 * 4 - 0x80000000ULL, DS),
    C(M64, "67 89 84 b6 00 00 00 80", 8, MOV_STORE, 4, 4, 4, 0, 0, 0,
      (0x7000 + 0x7000 * 4 + 0x80000000ULL) & 0xffffffff, DS),
    /* Prefix rules: REX must be last; W beats 66; the last REX counts. */
    C(M64, "48 66 89 07", 4, MOV_STORE, 2, 2, 8, 0, 0, 0, 0x8000, DS),
    C(M64, "66 48 89 07", 4, MOV_STORE, 8, 8, 8, 0, 0, 0, 0x8000, DS),
    C(M64, "44 41 89 07", 4, MOV_STORE, 4, 4, 8, 0, 0, 0, 0x10000, DS),
    C(M64, "40 88 27", 3, MOV_STORE, 1, 1, 8, 4, 0, 0, 0x8000, DS), /* SPL, not AH */
    C(M64, "48 40 88 27", 4, MOV_STORE, 1, 1, 8, 4, 0, 0, 0x8000, DS),
    C(M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 89 07", 15, MOV_STORE, 2, 2, 8, 0, 0, 0, 0x8000,
      DS),
    /* mod=3: decoded, but no memory operand. */
    C(M64, "66 83 d8 03", 4, SBB, 2, 2, 8, NONE, IMM | NOMEM, 3, 0, DS),
    C(M64, "89 c8", 2, MOV_STORE, 4, 4, 8, 1, NOMEM, 0, 0, DS),

    /* 32-bit protected mode. */
    C(M32, "89 44 8b 10", 4, MOV_STORE, 4, 4, 4, 0, 0, 0, 0xc010, DS),
    C(M32, "a1 78 56 34 12", 5, MOV_LOAD, 4, 4, 4, 0, DST, 0, 0x12345678, DS),
    C(M32, "a3 b0 00 e0 fe", 5, MOV_STORE, 4, 4, 4, 0, 0, 0, 0xfee000b0, DS),
    C(M32, "a0 20 00 e0 fe", 5, MOV_LOAD, 1, 1, 4, 0, DST, 0, 0xfee00020, DS),
    C(M32, "67 a1 34 12", 4, MOV_LOAD, 4, 4, 2, 0, DST, 0, 0x1234, DS),
    C(M32, "88 27", 2, MOV_STORE, 1, 1, 4, 4, H8, 0, 0x8000, DS),
    C(M32, "66 89 45 00", 4, MOV_STORE, 2, 2, 4, 0, 0, 0, 0x6000, SS),
    C(M32, "89 04 24", 3, MOV_STORE, 4, 4, 4, 0, 0, 0, 0x5000, SS),
    C(M32, "89 45 fc", 3, MOV_STORE, 4, 4, 4, 0, 0, 0, 0x5ffc, SS),
    C(M32, "c7 82 00 03 00 00 ef be ad de", 10, MOV_STORE, 4, 4, 4, NONE, IMM,
      0xffffffffdeadbeefULL, 0x3300, DS),
    C(M32, "f3 ab", 2, STOS, 4, 4, 4, 0, REP, 0, 0x8000, ES),
    C(M32, "0f b6 08", 3, MOVZX, 4, 1, 4, 1, DST, 0, 0x1000, DS),
    C(M32, "67 89 00", 3, MOV_STORE, 4, 4, 2, 0, 0, 0, 0xb000, DS),
    C(M32, "0f be 56 10", 4, MOVSX, 4, 1, 4, 2, DST, 0, 0x7010, DS),
    C(M32, "3e 8b 45 00", 4, MOV_LOAD, 4, 4, 4, 0, DST | SEGO, 0, 0x6000, DS),
    C(M32, "26 8b 0b", 3, MOV_LOAD, 4, 4, 4, 1, DST | SEGO, 0, 0x4000, ES),
    C(M32, "89 05 00 10 00 00", 6, MOV_STORE, 4, 4, 4, 0, 0, 0, 0x1000, DS), /* not RIP-rel */
    C(M32, "82 0f 01", 3, OR, 1, 1, 4, NONE, IMM, 1, 0x8000, DS),
    C(M32, "f0 87 07", 3, XCHG, 4, 4, 4, 0, LOCK, 0, 0x8000, DS),

    /* 16-bit (real mode): the eight ModRM base/index forms and disp16. */
    C(M16, "89 00", 2, MOV_STORE, 2, 2, 2, 0, 0, 0, 0xb000, DS),
    C(M16, "89 01", 2, MOV_STORE, 2, 2, 2, 0, 0, 0, 0xc000, DS),
    C(M16, "89 02", 2, MOV_STORE, 2, 2, 2, 0, 0, 0, 0xd000, SS),
    C(M16, "89 03", 2, MOV_STORE, 2, 2, 2, 0, 0, 0, 0xe000, SS),
    C(M16, "89 04", 2, MOV_STORE, 2, 2, 2, 0, 0, 0, 0x7000, DS),
    C(M16, "89 05", 2, MOV_STORE, 2, 2, 2, 0, 0, 0, 0x8000, DS),
    C(M16, "89 06 34 12", 4, MOV_STORE, 2, 2, 2, 0, 0, 0, 0x1234, DS),
    C(M16, "89 07", 2, MOV_STORE, 2, 2, 2, 0, 0, 0, 0x4000, DS),
    C(M16, "a3 34 12", 3, MOV_STORE, 2, 2, 2, 0, 0, 0, 0x1234, DS),
    C(M16, "89 46 10", 3, MOV_STORE, 2, 2, 2, 0, 0, 0, 0x6010, SS),
    C(M16, "89 43 fe", 3, MOV_STORE, 2, 2, 2, 0, 0, 0, 0xdffe, SS),
    C(M16, "89 80 34 12", 4, MOV_STORE, 2, 2, 2, 0, 0, 0, 0xc234, DS),
    C(M16, "89 80 00 60", 4, MOV_STORE, 2, 2, 2, 0, 0, 0, 0x1000, DS), /* wraps at 64 KiB */
    C(M16, "66 89 07", 3, MOV_STORE, 4, 4, 2, 0, 0, 0, 0x4000, DS),
    C(M16, "67 66 89 03", 4, MOV_STORE, 4, 4, 4, 0, 0, 0, 0x4000, DS),
    C(M16, "c7 45 10 aa 55", 5, MOV_STORE, 2, 2, 2, NONE, IMM, 0x55aa, 0x8010, DS),
    C(M16, "a1 34 12", 3, MOV_LOAD, 2, 2, 2, 0, DST, 0, 0x1234, DS),
    C(M16, "f3 ab", 2, STOS, 2, 2, 2, 0, REP, 0, 0x8000, ES),
    C(M16, "66 f3 ab", 3, STOS, 4, 4, 2, 0, REP, 0, 0x8000, ES),
    C(M16, "67 f3 aa", 3, STOS, 1, 1, 4, 0, REP, 0, 0x8000, ES),
    C(M16, "0f b6 07", 3, MOVZX, 2, 1, 2, 0, DST, 0, 0x4000, DS),
    C(M16, "66 81 0f 00 00 00 80", 7, OR, 4, 4, 2, NONE, IMM, 0xffffffff80000000ULL, 0x4000, DS),
};

static unsigned parse_hex(const char *hex, uint8_t *out, unsigned max)
{
	unsigned n = 0;

	while (*hex) {
		char *end;
		unsigned long v = strtoul(hex, &end, 16);

		assert_true(end != hex);
		assert_true(n < max);
		out[n++] = (uint8_t)v;
		hex = end;
		while (*hex == ' ')
			hex++;
	}
	return n;
}

static void fill_regs(struct vcpu_regs *r)
{
	for (unsigned i = 0; i < 16; i++)
		*vcpu_gpr(r, i) = (uint64_t)(i + 1) << 12;
}

/* Decode from a heap block of exactly n bytes: any overread is an ASan error. */
static int decode_exact(const uint8_t *bytes, unsigned n, enum x86_mode mode, struct x86_insn *insn)
{
	uint8_t *p = malloc(n ? n : 1);
	int ret;

	memcpy(p, bytes, n);
	ret = x86_decode(p, n, mode, insn);
	free(p);
	return ret;
}

static void check_case(const struct dcase *c)
{
	uint8_t bytes[32];
	unsigned n = parse_hex(c->hex, bytes, sizeof(bytes));
	struct x86_insn insn;
	struct vcpu_regs regs;
	uint64_t ea;
	int ret;

	print_message("  [%u] %s\n", c->mode == M16 ? 16 : c->mode == M32 ? 32 : 64, c->hex);
	assert_int_equal(n, c->len);
	ret = decode_exact(bytes, n, c->mode, &insn);
	assert_int_equal(ret, 0);
	assert_int_equal(insn.len, c->len);
	assert_int_equal(insn.op, c->op);
	assert_int_equal(insn.op_size, c->op_size);
	assert_int_equal(insn.mem_size, c->mem_size);
	assert_int_equal(insn.addr_size, c->addr_size);
	assert_int_equal(insn.reg, c->reg);
	assert_int_equal(insn.reg_high8, !!(c->flags & H8));
	assert_int_equal(insn.reg_is_dst, !!(c->flags & DST));
	assert_int_equal(insn.has_imm, !!(c->flags & IMM));
	if (c->flags & IMM)
		assert_int_equal(insn.imm, c->imm);
	assert_int_equal(insn.rep, !!(c->flags & REP));
	assert_int_equal(insn.lock, !!(c->flags & LOCK));
	assert_int_equal(insn.mem, !(c->flags & NOMEM));
	assert_int_equal(insn.rip_rel, !!(c->flags & RIP));
	assert_int_equal(insn.seg_override, !!(c->flags & SEGO));
	if (c->flags & NOMEM) {
		fill_regs(&regs);
		assert_int_equal(x86_insn_ea(&insn, &regs, TEST_RSP, TEST_RIP, &ea), -EINVAL);
		return;
	}
	assert_int_equal(insn.seg, c->seg);
	fill_regs(&regs);
	assert_int_equal(x86_insn_ea(&insn, &regs, TEST_RSP, TEST_RIP, &ea), 0);
	assert_int_equal(ea, c->ea);

	/* Same result with trailing bytes present. */
	memset(bytes + n, 0xcc, sizeof(bytes) - n);
	assert_int_equal(x86_decode(bytes, X86_MAX_INSN_LEN, c->mode, &insn), 0);
	assert_int_equal(insn.len, c->len);

	/* Every truncation is refused. */
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(decode_exact(bytes, k, c->mode, &insn), -EINVAL);
}

static void test_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i]);
}

/* A device no emulation may reach. */
static int garbage_access_refused(void *ctx, bool write, unsigned size, uint64_t *value)
{
	fail_msg("device accessed by an instruction that is not emulated");
	return -EIO;
}

static void expect_ret(enum x86_mode mode, const char *hex, int want)
{
	uint8_t bytes[32];
	unsigned n = parse_hex(hex, bytes, sizeof(bytes));
	struct x86_insn insn;

	print_message("  expect %d: %s\n", want, hex);
	assert_int_equal(decode_exact(bytes, n, mode, &insn), want);
}

/* Decoded and sized, but nothing the MMIO emulator carries out. */
static void expect_not_emulated(enum x86_mode mode, const char *hex, unsigned len)
{
	uint8_t bytes[32];
	unsigned n = parse_hex(hex, bytes, sizeof(bytes));
	struct x86_insn insn;
	struct vcpu_regs regs = {0};
	uint64_t rsp = TEST_RSP, rflags = 0;
	bool adv;

	print_message("  not emulated: %s\n", hex);
	assert_int_equal(decode_exact(bytes, n, mode, &insn), 0);
	assert_int_equal(insn.len, len);
	assert_false(mmio_emulate_supports(&insn));
	assert_int_not_equal(
	    mmio_emulate(&insn, &regs, &rsp, &rflags, garbage_access_refused, NULL, &adv), 0);
}

static void test_unsupported(void **state)
{
	/* Encodings that raise #UD: refused by the decoder itself. */
	static const char *const undefined[] = {
	    "0f ba 07 01", /* 0F BA /0: undefined */
	    "f0 89 07",	   /* lock mov: #UD */
	    "f0 39 07",	   /* lock cmp: #UD */
	    "f0 85 07",	   /* lock test: #UD */
	    "f0 03 07",	   /* lock with register destination: #UD */
	    "f0 01 c0",	   /* lock with mod=3: #UD */
	    "f0 aa",	   /* lock stos */
	    "fe 17",	   /* FE /2: undefined */
	    "c6 0f 01",	   /* C6 /1: undefined */
	    "ff 3f",	   /* FF /7: undefined */
	    "8f 0f",	   /* 8F /1: not POP (XOP on AMD, not decoded) */
	};
	/* Valid instructions the emulator does not carry out: sized, then refused. */
	static const struct {
		const char *hex;
		unsigned len;
	} other[] = {
	    {"90", 1},		/* nop */
	    {"c3", 1},		/* ret */
	    {"0f 0b", 2},	/* ud2 */
	    {"ff 17", 2},	/* call *(%rdi) */
	    {"ff 37", 2},	/* push (%rdi) */
	    {"c6 f8 00", 3},	/* xabort */
	    {"f6 37", 2},	/* div */
	    {"f7 27", 2},	/* mul */
	    {"8c 07", 2},	/* mov %es,(%rdi) */
	    {"8e 07", 2},	/* mov (%rdi),%es */
	    {"0f a3 07", 3},	/* bt %eax,(%rdi): bit offset reaches outside the operand */
	    {"0f b0 0f", 3},	/* cmpxchg */
	    {"0f c1 07", 3},	/* xadd */
	    {"d1 27", 2},	/* shl */
	    {"04 01", 2},	/* add $1,%al: no ModRM */
	    {"f6 0f 01", 3},	/* F6 /1: undocumented TEST alias, not emulated */
	    {"8d 07", 2},	/* lea: no access */
	    {"f0 0f b1 0f", 4}, /* lock cmpxchg: LOCK is fine, emulation is not */
	};

	for (size_t i = 0; i < ARRAY_SIZE(undefined); i++) {
		expect_ret(M64, undefined[i], -ENOTSUP);
		expect_ret(M32, undefined[i], -ENOTSUP);
		expect_ret(M16, undefined[i], -ENOTSUP);
	}
	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		expect_not_emulated(M64, other[i].hex, other[i].len);
		expect_not_emulated(M32, other[i].hex, other[i].len);
		expect_not_emulated(M16, other[i].hex, other[i].len);
	}
	/* Mode-specific encodings. */
	expect_not_emulated(M32, "40", 1);	 /* inc %eax, not REX */
	expect_not_emulated(M32, "48 89 07", 1); /* dec %eax; then a mov */
	expect_not_emulated(M32, "63 07", 2);	 /* arpl */
	expect_not_emulated(M16, "63 07", 2);
	expect_ret(M64, "82 07 01", -ENOTSUP); /* invalid in 64-bit mode */
	expect_ret(M64, "48", -EINVAL);	       /* lone REX: truncated */
}

static void test_length_limit(void **state)
{
	/* 14 prefixes + opcode + ModRM = 16 bytes: #GP on hardware. */
	expect_ret(M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 07", -E2BIG);
	expect_ret(M64, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e", -E2BIG);
	/* 11 prefixes + mov $imm32 with SIB and disp32 = 18 bytes. */
	expect_ret(M32, "3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e c7 84 24 00 00 00 00 01 02 03 04",
		   -E2BIG);
	/* More valid bytes than 15 do not let the decoder run on. */
	{
		uint8_t bytes[64];
		struct x86_insn insn;

		memset(bytes, 0x66, sizeof(bytes));
		assert_int_equal(x86_decode(bytes, sizeof(bytes), M64, &insn), -E2BIG);
		assert_int_equal(x86_decode(bytes, 5, M64, &insn), -EINVAL);
		assert_int_equal(x86_decode(bytes, 0, M64, &insn), -EINVAL);
	}
	/* An invalid mode value is refused. */
	{
		uint8_t b[2] = {0x89, 0x07};
		struct x86_insn insn;

		assert_int_equal(x86_decode(b, 2, (enum x86_mode)7, &insn), -EINVAL);
	}
}

static void test_segment_overrides(void **state)
{
	static const struct {
		const char *hex;
		enum x86_seg seg;
	} ovr[] = {
	    {"26 89 07", X86_SEG_ES},	 {"2e 89 07", X86_SEG_CS}, {"36 89 07", X86_SEG_SS},
	    {"3e 89 07", X86_SEG_DS},	 {"64 89 07", X86_SEG_FS}, {"65 89 07", X86_SEG_GS},
	    {"64 65 89 07", X86_SEG_GS}, /* last one wins */
	    {"65 89 45 00", X86_SEG_GS}, /* beats the SS default of rBP */
	};
	struct x86_insn insn;
	uint8_t b[8];

	for (size_t i = 0; i < ARRAY_SIZE(ovr); i++) {
		unsigned n = parse_hex(ovr[i].hex, b, sizeof(b));

		assert_int_equal(decode_exact(b, n, M32, &insn), 0);
		assert_int_equal(insn.seg, ovr[i].seg);
		assert_true(insn.seg_override);
		assert_int_equal(insn.len, n);
	}
}

/* High-byte registers: all four, and their absence with any REX. */
static void test_high8_registers(void **state)
{
	struct x86_insn insn;
	uint8_t b[4];

	for (unsigned reg = 0; reg < 8; reg++) {
		b[0] = 0x88;
		b[1] = (uint8_t)(reg << 3 | 7); /* mov %reg8,(%rdi) */
		assert_int_equal(x86_decode(b, 2, M64, &insn), 0);
		assert_int_equal(insn.reg, reg);
		assert_int_equal(insn.reg_high8, reg >= 4);
		b[0] = 0x40;
		b[1] = 0x88;
		b[2] = (uint8_t)(reg << 3 | 7);
		assert_int_equal(x86_decode(b, 3, M64, &insn), 0);
		assert_int_equal(insn.reg, reg);
		assert_false(insn.reg_high8);
	}
	/* mov %ah,%bh style mod=3: rm high8 too. */
	b[0] = 0x88;
	b[1] = 0xe7; /* mov %ah,%bh */
	assert_int_equal(x86_decode(b, 2, M64, &insn), 0);
	assert_false(insn.mem);
	assert_true(insn.reg_high8);
	assert_int_equal(insn.rm, 7);
	assert_true(insn.rm_high8);
	/* movzbl %ah,%eax (0f b6 c4): the source is AH, the destination is not high8. */
	b[0] = 0x0f;
	b[1] = 0xb6;
	b[2] = 0xc4;
	assert_int_equal(x86_decode(b, 3, M64, &insn), 0);
	assert_false(insn.reg_high8);
	assert_true(insn.rm_high8);
	/* REX.B on mod=3 selects r8-r15. */
	b[0] = 0x49;
	b[1] = 0x89;
	b[2] = 0xc7; /* mov %rax,%r15 */
	assert_int_equal(x86_decode(b, 3, M64, &insn), 0);
	assert_int_equal(insn.rm, 15);
	assert_int_equal(insn.reg, 0);
}

/* Cheap deterministic generator (xorshift64*), so failures are reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A device that answers reads with random data and accepts writes of the right size. */
static int garbage_access(void *ctx, bool write, unsigned size, uint64_t *value)
{
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	if (!write)
		*value = rng();
	else if (size < 8)
		assert_true((*value >> (8 * size)) == 0);
	return 0;
}

static void check_garbage(const uint8_t *p, unsigned n, enum x86_mode mode)
{
	struct x86_insn insn;
	int ret = x86_decode(p, n, mode, &insn);

	if (ret) {
		assert_true(ret == -EINVAL || ret == -E2BIG || ret == -ENOTSUP);
		return;
	}
	assert_true(insn.len >= 1 && insn.len <= n && insn.len <= X86_MAX_INSN_LEN);
	assert_true(insn.op_size == 1 || insn.op_size == 2 || insn.op_size == 4 ||
		    insn.op_size == 8);
	assert_true(insn.mem_size == 1 || insn.mem_size == 2 || insn.mem_size == 4 ||
		    insn.mem_size == 8);
	assert_true(insn.mem_size <= insn.op_size);
	assert_true(insn.addr_size == 2 || insn.addr_size == 4 || insn.addr_size == 8);
	assert_true(insn.reg < 16 || insn.reg == X86_REG_NONE);
	assert_true(mode == M64 || insn.reg < 8 || insn.reg == X86_REG_NONE);

	/* The emulator must cope with anything the decoder accepts. */
	{
		struct vcpu_regs regs;
		uint64_t rsp = rng(), rflags = rng(), ea;
		bool adv;

		for (unsigned i = 0; i < 16; i++)
			*vcpu_gpr(&regs, i) = rng();
		ret = mmio_emulate(&insn, &regs, (rng() & 1) ? &rsp : NULL, &rflags, garbage_access,
				   NULL, &adv);
		assert_true(ret == 0 || ret == -EINVAL || ret == -ENOTSUP);
		(void)x86_insn_ea(&insn, &regs, rsp, rng(), &ea);
	}
}

static void test_garbage_random(void **state)
{
	static const enum x86_mode modes[] = {M16, M32, M64};
	unsigned accepted = 0;

	for (unsigned iter = 0; iter < 300000; iter++) {
		unsigned n = rng() % (X86_MAX_INSN_LEN + 2);
		uint8_t *p = malloc(n ? n : 1);
		struct x86_insn insn;

		for (unsigned i = 0; i < n; i++) {
			uint64_t r = rng();
			/* Bias towards interesting bytes: prefixes, REX, supported opcodes. */
			static const uint8_t hot[] = {
			    0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x64, 0x48, 0x41, 0x4f, 0x0f, 0x88,
			    0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0x80, 0x81, 0x83, 0xf6, 0xf7, 0xaa, 0xab,
			    0xa1, 0xa3, 0x63, 0xba, 0xb6, 0xbf, 0x04, 0x05, 0x24, 0x25, 0x84};
			p[i] = (r & 3) ? (uint8_t)(r >> 8) : hot[(r >> 8) % sizeof(hot)];
		}
		enum x86_mode mode = modes[rng() % 3];
		check_garbage(p, n, mode);
		if (x86_decode(p, n, mode, &insn) == 0)
			accepted++;
		free(p);
	}
	print_message("  accepted %u of 300000 random strings\n", accepted);
	assert_true(accepted > 1000);
}

static void test_garbage_exhaustive_short(void **state)
{
	static const enum x86_mode modes[] = {M16, M32, M64};

	/* Every 1- and 2-byte string, and every 3-byte string starting with 0F or a prefix. */
	for (unsigned m = 0; m < 3; m++) {
		for (unsigned a = 0; a < 256; a++) {
			uint8_t *p = malloc(1);

			p[0] = (uint8_t)a;
			check_garbage(p, 1, modes[m]);
			free(p);
			for (unsigned b = 0; b < 256; b++) {
				uint8_t *q = malloc(2);

				q[0] = (uint8_t)a;
				q[1] = (uint8_t)b;
				check_garbage(q, 2, modes[m]);
				free(q);
			}
		}
		static const uint8_t firsts[] = {0x0f, 0x66, 0x67, 0x48, 0x41};
		for (size_t f = 0; f < sizeof(firsts); f++) {
			for (unsigned a = 0; a < 256; a++) {
				for (unsigned b = 0; b < 256; b++) {
					uint8_t *p = malloc(3);

					p[0] = firsts[f];
					p[1] = (uint8_t)a;
					p[2] = (uint8_t)b;
					check_garbage(p, 3, modes[m]);
					free(p);
				}
			}
		}
	}
}

/* Field by field: the two decoders build their structs separately (padding may differ). */
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
	assert_int_equal(a->cr, b->cr);
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

static void expect_same_decode(const uint8_t *bytes, unsigned valid, enum x86_mode mode)
{
	struct x86_insn fast, full;
	int ret = x86_decode(bytes, valid, mode, &fast);

	assert_int_equal(ret, x86_decode_full(bytes, valid, mode, &full));
	if (ret == 0)
		assert_same_insn(&fast, &full);
}

/*
 * The straight-line path for the common MOVs gives the full decoder's answer:
 * every mode, REX, opcode of the set (and its neighbours), ModRM and the SIB
 * forms that change the layout, whole and truncated at every length.
 */
static void test_common_mov_matches_full(void **state)
{
	static const uint8_t opcodes[][2] = {
	    {0x88},	  {0x89},	{0x8a}, {0x8b}, {0xc6},	      {0xc7}, {0x0f, 0xb6},
	    {0x0f, 0xb7}, {0x0f, 0xbe}, {0x8c}, {0xc5}, {0x0f, 0xb5}, {0x87}, {0x63},
	};
	static const uint8_t sibs[] = {0x00, 0x24, 0x25, 0x65, 0xe5, 0x20, 0x4c, 0xdd};
	static const enum x86_mode modes[] = {M16, M32, M64};

	for (unsigned m = 0; m < 3; m++) {
		for (unsigned rex = 0x3f; rex <= 0x4f; rex++) {
			for (unsigned o = 0; o < sizeof(opcodes) / sizeof(opcodes[0]); o++) {
				for (unsigned modrm = 0; modrm < 256; modrm++) {
					for (unsigned si = 0; si < sizeof(sibs); si++) {
						uint8_t b[X86_MAX_INSN_LEN];
						unsigned n = 0;

						if (rex != 0x3f)
							b[n++] = rex; /* 0x3f: no REX */
						b[n++] = opcodes[o][0];
						if (opcodes[o][1])
							b[n++] = opcodes[o][1];
						b[n++] = modrm;
						b[n++] = sibs[si];
						for (uint8_t fill = 0x81; n < sizeof(b);
						     fill += 0x11)
							b[n++] = fill;
						for (unsigned valid = 0; valid <= sizeof(b);
						     valid++)
							expect_same_decode(b, valid, modes[m]);
					}
				}
			}
		}
	}
}

static void test_cpu_mode(void **state)
{
	struct vcpu_insn_state s = {0};

	assert_int_equal(x86_cpu_mode(&s), M16); /* real mode */
	s.cs_db = true;
	assert_int_equal(x86_cpu_mode(&s), M16); /* real mode ignores CS.D */
	s.cr0 = 1;				 /* PE */
	assert_int_equal(x86_cpu_mode(&s), M32);
	s.cs_db = false;
	assert_int_equal(x86_cpu_mode(&s), M16);
	s.cs_db = true;
	s.rflags = 1ULL << 17; /* virtual-8086 */
	assert_int_equal(x86_cpu_mode(&s), M16);
	s.rflags = 0;
	s.cs_l = true; /* L without LMA: not 64-bit */
	assert_int_equal(x86_cpu_mode(&s), M32);
	s.efer = 1ULL << 10; /* LMA */
	s.cs_db = false;
	assert_int_equal(x86_cpu_mode(&s), M64);
	s.cs_l = false; /* compatibility mode */
	s.cs_db = true;
	assert_int_equal(x86_cpu_mode(&s), M32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_unsupported),
	    cmocka_unit_test(test_length_limit),
	    cmocka_unit_test(test_segment_overrides),
	    cmocka_unit_test(test_high8_registers),
	    cmocka_unit_test(test_cpu_mode),
	    cmocka_unit_test(test_common_mov_matches_full),
	    cmocka_unit_test(test_garbage_random),
	    cmocka_unit_test(test_garbage_exhaustive_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
