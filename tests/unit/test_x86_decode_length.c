/* unit-test-sources: kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c */
/*
 * Instruction decoder tests, second part: lengths and the instructions an
 * intercept stops at (what SVM without NRIP-save or decode assists needs).
 * Encodings were produced by GNU as (--64, .code32, .code16) and checked
 * with objdump. Every case is also decoded from each shorter prefix of its
 * bytes (must be -EINVAL) and from an exact-size heap copy, so an overread
 * fails under ASan.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/emul/x86_decode.h"

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64

struct len_case {
	const char *what;
	enum x86_mode mode;
	uint8_t bytes[X86_MAX_INSN_LEN];
	unsigned len;
	enum x86_op kind;
	uint8_t cr, gpr;
	bool mem, rep;
};

static const struct len_case cases[] = {
    {.what = "cpuid", .mode = M64, .bytes = {0x0f, 0xa2}, .len = 2, .kind = X86_OP_CPUID},
    {.what = "rdmsr", .mode = M64, .bytes = {0x0f, 0x32}, .len = 2, .kind = X86_OP_RDMSR},
    {.what = "wrmsr", .mode = M32, .bytes = {0x0f, 0x30}, .len = 2, .kind = X86_OP_WRMSR},
    {.what = "in al, imm8", .mode = M64, .bytes = {0xe4, 0x60}, .len = 2, .kind = X86_OP_IN},
    {.what = "in eax, imm8", .mode = M64, .bytes = {0xe5, 0x60}, .len = 2, .kind = X86_OP_IN},
    {.what = "in ax, imm8 (32-bit)",
     .mode = M32,
     .bytes = {0x66, 0xe5, 0x60},
     .len = 3,
     .kind = X86_OP_IN},
    {.what = "in ax, dx", .mode = M64, .bytes = {0x66, 0xed}, .len = 2, .kind = X86_OP_IN},
    {.what = "in al, dx (real mode)", .mode = M16, .bytes = {0xec}, .len = 1, .kind = X86_OP_IN},
    {.what = "in eax, dx (16-bit, 66)",
     .mode = M16,
     .bytes = {0x66, 0xed},
     .len = 2,
     .kind = X86_OP_IN},
    {.what = "out dx, eax", .mode = M64, .bytes = {0xef}, .len = 1, .kind = X86_OP_OUT},
    {.what = "out dx, al with REX",
     .mode = M64,
     .bytes = {0x48, 0xee},
     .len = 2,
     .kind = X86_OP_OUT},
    {.what = "out imm8, al", .mode = M64, .bytes = {0xe6, 0xf4}, .len = 2, .kind = X86_OP_OUT},
    {.what = "out imm8, eax, 67 prefix",
     .mode = M32,
     .bytes = {0x67, 0xe7, 0x80},
     .len = 3,
     .kind = X86_OP_OUT},
    {.what = "rep outsb",
     .mode = M64,
     .bytes = {0xf3, 0x6e},
     .len = 2,
     .kind = X86_OP_OUTS,
     .rep = true},
    {.what = "rep insw",
     .mode = M64,
     .bytes = {0x66, 0xf3, 0x6d},
     .len = 3,
     .kind = X86_OP_INS,
     .rep = true},
    {.what = "insb", .mode = M16, .bytes = {0x6c}, .len = 1, .kind = X86_OP_INS},
    {.what = "outsd with segment override",
     .mode = M32,
     .bytes = {0x2e, 0x6f},
     .len = 2,
     .kind = X86_OP_OUTS},
    {.what = "hlt", .mode = M64, .bytes = {0xf4}, .len = 1, .kind = X86_OP_HLT},
    {.what = "hlt (real mode)", .mode = M16, .bytes = {0xf4}, .len = 1, .kind = X86_OP_HLT},
    {.what = "pause", .mode = M64, .bytes = {0xf3, 0x90}, .len = 2, .kind = X86_OP_PAUSE},
    {.what = "invd", .mode = M64, .bytes = {0x0f, 0x08}, .len = 2, .kind = X86_OP_INVD},
    {.what = "wbinvd", .mode = M32, .bytes = {0x0f, 0x09}, .len = 2, .kind = X86_OP_WBINVD},
    {.what = "xsetbv", .mode = M64, .bytes = {0x0f, 0x01, 0xd1}, .len = 3, .kind = X86_OP_XSETBV},
    {.what = "vmmcall", .mode = M64, .bytes = {0x0f, 0x01, 0xd9}, .len = 3, .kind = X86_OP_VMMCALL},
    {.what = "vmcall", .mode = M32, .bytes = {0x0f, 0x01, 0xc1}, .len = 3, .kind = X86_OP_VMCALL},
    {.what = "mov rax, cr0",
     .mode = M64,
     .bytes = {0x0f, 0x20, 0xc0},
     .len = 3,
     .kind = X86_OP_MOV_FROM_CR,
     .cr = 0,
     .gpr = 0},
    {.what = "mov cr4, rbx",
     .mode = M64,
     .bytes = {0x0f, 0x22, 0xe3},
     .len = 3,
     .kind = X86_OP_MOV_TO_CR,
     .cr = 4,
     .gpr = 3},
    {.what = "mov cr8, r9",
     .mode = M64,
     .bytes = {0x45, 0x0f, 0x22, 0xc1},
     .len = 4,
     .kind = X86_OP_MOV_TO_CR,
     .cr = 8,
     .gpr = 9},
    {.what = "mov r12, cr3",
     .mode = M64,
     .bytes = {0x41, 0x0f, 0x20, 0xdc},
     .len = 4,
     .kind = X86_OP_MOV_FROM_CR,
     .cr = 3,
     .gpr = 12},
    {.what = "mov cr0, eax (mod ignored)",
     .mode = M32,
     .bytes = {0x0f, 0x22, 0x00},
     .len = 3,
     .kind = X86_OP_MOV_TO_CR,
     .cr = 0,
     .gpr = 0},
    {.what = "mov cr0, eax (real mode)",
     .mode = M16,
     .bytes = {0x0f, 0x22, 0xc0},
     .len = 3,
     .kind = X86_OP_MOV_TO_CR,
     .cr = 0,
     .gpr = 0},
    {.what = "lock mov cr0 is cr8",
     .mode = M32,
     .bytes = {0xf0, 0x0f, 0x22, 0xc2},
     .len = 4,
     .kind = X86_OP_MOV_TO_CR,
     .cr = 8,
     .gpr = 2},
    {.what = "clts", .mode = M64, .bytes = {0x0f, 0x06}, .len = 2, .kind = X86_OP_CLTS},
    {.what = "lmsw ax",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0xf0},
     .len = 3,
     .kind = X86_OP_LMSW,
     .gpr = 0},
    {.what = "lmsw r10w",
     .mode = M64,
     .bytes = {0x41, 0x0f, 0x01, 0xf2},
     .len = 4,
     .kind = X86_OP_LMSW,
     .gpr = 10},
    {.what = "lmsw (rax)",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x30},
     .len = 3,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw 0x10(rsp)",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x74, 0x24, 0x10},
     .len = 5,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw rip-relative",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x35, 0x78, 0x56, 0x34, 0x12},
     .len = 7,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw sib+disp8",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x74, 0x98, 0x12},
     .len = 5,
     .kind = X86_OP_LMSW,
     .mem = true},
    {"lmsw sib no base disp32",
     M64,
     {0x0f, 0x01, 0x34, 0x5d, 0x78, 0x56, 0x34, 0x12},
     8,
     X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw (eax) addr32",
     .mode = M64,
     .bytes = {0x67, 0x0f, 0x01, 0x30},
     .len = 4,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw disp32(ebx)",
     .mode = M32,
     .bytes = {0x0f, 0x01, 0xb3, 0x34, 0x12, 0x00, 0x00},
     .len = 7,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw moffs32",
     .mode = M32,
     .bytes = {0x0f, 0x01, 0x35, 0x78, 0x56, 0x34, 0x12},
     .len = 7,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw (bx,si)",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0x30},
     .len = 3,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw 0x12(bp)",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0x76, 0x12},
     .len = 4,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw disp16",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0x36, 0x34, 0x12},
     .len = 5,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw 0x1234(bx)",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0xb7, 0x34, 0x12},
     .len = 5,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "lmsw addr32 in real mode",
     .mode = M16,
     .bytes = {0x67, 0x0f, 0x01, 0x74, 0x24, 0x10},
     .len = 6,
     .kind = X86_OP_LMSW,
     .mem = true},
    {.what = "rex before legacy prefix is ignored",
     .mode = M64,
     .bytes = {0x41, 0x66, 0xed},
     .len = 3,
     .kind = X86_OP_IN},
    {.what = "rex then lock mov cr",
     .mode = M64,
     .bytes = {0xf0, 0x44, 0x0f, 0x20, 0xc0},
     .len = 5,
     .kind = X86_OP_MOV_FROM_CR,
     .cr = 8,
     .gpr = 0},
};

static void check_case(const struct len_case *c, const uint8_t *bytes, unsigned valid)
{
	struct x86_insn info;
	int err = x86_decode(bytes, valid, c->mode, &info);
	if (err)
		fail_msg("%s: error %d", c->what, err);
	assert_int_equal(info.len, c->len);
	assert_int_equal(info.op, c->kind);
	if (c->kind == X86_OP_MOV_TO_CR || c->kind == X86_OP_MOV_FROM_CR) {
		assert_int_equal(info.cr, c->cr);
		assert_int_equal(info.rm, c->gpr);
		assert_false(info.mem);
	}
	if (c->kind == X86_OP_LMSW) {
		assert_int_equal(info.mem, c->mem);
		if (!c->mem)
			assert_int_equal(info.rm, c->gpr);
	}
	assert_int_equal(info.rep, c->rep);
}

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct len_case *c = &cases[i];
		/* With trailing bytes available: the length must not depend on them. */
		check_case(c, c->bytes, X86_MAX_INSN_LEN);
		uint8_t *exact = malloc(c->len);
		memcpy(exact, c->bytes, c->len);
		check_case(c, exact, c->len);
		for (unsigned short_len = 0; short_len < c->len; short_len++) {
			struct x86_insn info;
			int err = x86_decode(exact, short_len, c->mode, &info);
			if (err != -EINVAL)
				fail_msg("%s: %u of %u bytes gave %d, not -EINVAL", c->what,
					 short_len, c->len, err);
		}
		free(exact);
	}
}

static void expect_error(const uint8_t *bytes, unsigned valid, enum x86_mode mode, int want)
{
	struct x86_insn info;
	assert_int_equal(x86_decode(bytes, valid, mode, &info), want);
}

static bool is_intercepted(enum x86_op op)
{
	return op >= X86_OP_CPUID && op <= X86_OP_LMSW;
}

/* Decoded with length len, and not one of the intercepted instructions. */
static void expect_not_intercepted(const uint8_t *bytes, unsigned valid, enum x86_mode mode,
				   unsigned len)
{
	struct x86_insn info;
	assert_int_equal(x86_decode(bytes, valid, mode, &info), 0);
	assert_int_equal(info.len, len);
	assert_false(is_intercepted(info.op));
}

/* MOV to/from DRn (0F 23 / 0F 21): the debug register and GPR from ModRM, REX.B extends the GPR. */
static void test_mov_dr(void **state)
{
	struct x86_insn info;
	const uint8_t to_dr0[] = {0x0f, 0x23, 0xc0};	     /* mov %rax,%db0 */
	const uint8_t from_dr7[] = {0x41, 0x0f, 0x21, 0xfa}; /* mov %db7,%r10 */
	assert_int_equal(x86_decode(to_dr0, sizeof(to_dr0), X86_MODE_64, &info), 0);
	assert_int_equal(info.op, X86_OP_MOV_TO_DR);
	assert_int_equal(info.len, 3);
	assert_int_equal(info.cr, 0);
	assert_int_equal(info.rm, 0);
	assert_int_equal(x86_decode(from_dr7, sizeof(from_dr7), X86_MODE_64, &info), 0);
	assert_int_equal(info.op, X86_OP_MOV_FROM_DR);
	assert_int_equal(info.len, 4);
	assert_int_equal(info.cr, 7);
	assert_int_equal(info.rm, 10);
	assert_int_equal(x86_decode(from_dr7, 3, X86_MODE_64, &info), -EINVAL); /* truncated */
}

static void test_not_intercepted(void **state)
{
	static const uint8_t nop[] = {0x90};
	static const uint8_t xchg_r8[] = {0xf3, 0x41, 0x90};
	static const uint8_t mov_load[] = {0x8b, 0x00};
	static const uint8_t sgdt[] = {0x0f, 0x01, 0x00};
	static const uint8_t vmrun[] = {0x0f, 0x01, 0xd8};
	static const uint8_t rdtsc[] = {0x0f, 0x31};
	static const uint8_t rex_in_32bit[] = {0x48, 0xee}; /* DEC EAX in 32-bit mode */
	expect_not_intercepted(nop, sizeof(nop), M64, 1);
	expect_not_intercepted(xchg_r8, sizeof(xchg_r8), M64, 3);
	expect_not_intercepted(mov_load, sizeof(mov_load), M64, 2);
	expect_not_intercepted(sgdt, sizeof(sgdt), M64, 3);
	expect_not_intercepted(vmrun, sizeof(vmrun), M64, 3);
	expect_not_intercepted(rdtsc, sizeof(rdtsc), M64, 2);
	expect_not_intercepted(rex_in_32bit, sizeof(rex_in_32bit), M32, 1);
	/* LOCK on MOV DR is #UD (only MOV CR has the AMD CR8 alias). */
	static const uint8_t lock_mov_dr[] = {0xf0, 0x0f, 0x23, 0xc0};
	expect_error(lock_mov_dr, sizeof(lock_mov_dr), M64, -ENOTSUP);
}

static void test_too_long(void **state)
{
	uint8_t bytes[X86_MAX_INSN_LEN + 4];
	/* 14 prefixes + CPUID = 16 bytes: #GP on hardware, never a valid length. */
	memset(bytes, 0x66, 14);
	bytes[14] = 0x0f;
	bytes[15] = 0xa2;
	expect_error(bytes, sizeof(bytes), M64, -E2BIG);
	/* 13 prefixes + CPUID = 15 bytes: the longest legal instruction. */
	struct x86_insn info;
	assert_int_equal(x86_decode(bytes + 1, 15, M64, &info), 0);
	assert_int_equal(info.len, 15);
	/* 15 prefixes: runs out of the 15-byte budget before an opcode. */
	memset(bytes, 0xf3, sizeof(bytes));
	expect_error(bytes, sizeof(bytes), M64, -E2BIG);
}

/* Every short byte string must give an answer without reading past `valid`. */
static void test_exhaustive_short(void **state)
{
	static const enum x86_mode modes[] = {M16, M32, M64};
	for (unsigned m = 0; m < 3; m++) {
		for (unsigned v = 0; v < 0x10000; v++) {
			uint8_t *b = malloc(2);
			b[0] = v & 0xff;
			b[1] = v >> 8;
			struct x86_insn info;
			int err = x86_decode(b, 2, modes[m], &info);
			assert_true(err == 0 || err == -EINVAL || err == -ENOTSUP);
			if (!err)
				assert_true(info.len >= 1 && info.len <= 2);
			free(b);
		}
	}
}

/*
 * Lengths across the opcode maps, VEX included (as --64/--32, objdump -d;
 * the 16-bit ones by hand from SDM 2). Each is also refused when truncated.
 */
static void test_lengths(void **state)
{
	static const struct {
		enum x86_mode mode;
		uint8_t bytes[X86_MAX_INSN_LEN];
		unsigned len;
		enum x86_map map;
		bool vex;
	} cases[] = {
	    {M64, {0xc5, 0xf8, 0x77}, 3, X86_MAP_0F, true},			/* vzeroupper */
	    {M64, {0xc5, 0xf9, 0x6f, 0x07}, 4, X86_MAP_0F, true},		/* vmovdqa (%rdi) */
	    {M64, {0xc4, 0xe2, 0x79, 0x18, 0x07}, 5, X86_MAP_0F38, true},	/* vbroadcastss */
	    {M64, {0xc4, 0xe3, 0x79, 0x0f, 0xc1, 0x08}, 6, X86_MAP_0F3A, true}, /* vpalignr */
	    {M64,
	     {0xc4, 0x21, 0x7e, 0x6f, 0xa4, 0x88, 0x78, 0x56, 0x34, 0x12},
	     10,
	     X86_MAP_0F,
	     true},							   /* vmovdqu sib+disp32 */
	    {M32, {0xc5, 0xf8, 0x77}, 3, X86_MAP_0F, true},		   /* vzeroupper */
	    {M64, {0x66, 0x0f, 0x38, 0x00, 0xc1}, 5, X86_MAP_0F38, false}, /* pshufb */
	    {M64, {0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08}, 6, X86_MAP_0F3A, false}, /* palignr */
	    {M64,
	     {0x66, 0x0f, 0x3a, 0x16, 0x44, 0x24, 0x10, 0x01},
	     8,
	     X86_MAP_0F3A,
	     false},							       /* pextrd */
	    {M64, {0x0f, 0x84, 0xfa, 0x00, 0x00, 0x00}, 6, X86_MAP_0F, false}, /* je rel32 */
	    {M16, {0x0f, 0x84, 0xfc, 0x00}, 4, X86_MAP_0F, false},	       /* je rel16 */
	    {M64, {0xe8, 0xfb, 0x00, 0x00, 0x00}, 5, X86_MAP_1BYTE, false},    /* call rel32 */
	    {M16, {0xe8, 0xfd, 0x00}, 3, X86_MAP_1BYTE, false},		       /* call rel16 */
	    {M64, {0xc8, 0x10, 0x00, 0x01}, 4, X86_MAP_1BYTE, false},	       /* enter */
	    {M64,
	     {0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11},
	     10,
	     X86_MAP_1BYTE,
	     false},								  /* movabs */
	    {M64, {0x41, 0xb9, 0x78, 0x56, 0x34, 0x12}, 6, X86_MAP_1BYTE, false}, /* mov r9d */
	    {M64, {0xc2, 0x08, 0x00}, 3, X86_MAP_1BYTE, false},			  /* ret $8 */
	    {M64, {0x0f, 0xa4, 0x07, 0x03}, 4, X86_MAP_0F, false},		  /* shld */
	    {M64, {0x66, 0x0f, 0x70, 0x08, 0x1b}, 5, X86_MAP_0F, false},	  /* pshufd */
	    {M64, {0x48, 0x0f, 0xc7, 0x0f}, 4, X86_MAP_0F, false},		  /* cmpxchg16b */
	    {M64, {0xf0, 0x0f, 0xc7, 0x0f}, 4, X86_MAP_0F, false},	    /* lock cmpxchg8b */
	    {M64, {0xdb, 0x6c, 0x24, 0x08}, 4, X86_MAP_1BYTE, false},	    /* fldt */
	    {M64, {0xcd, 0x80}, 2, X86_MAP_1BYTE, false},		    /* int $0x80 */
	    {M64, {0x68, 0x78, 0x56, 0x34, 0x12}, 5, X86_MAP_1BYTE, false}, /* push imm32 */
	    {M16, {0x68, 0x34, 0x12}, 3, X86_MAP_1BYTE, false},		    /* push imm16 */
	    {M64, {0x69, 0xd0, 0x34, 0x12, 0x00, 0x00}, 6, X86_MAP_1BYTE, false},	/* imul */
	    {M64, {0x0f, 0x01, 0xf9}, 3, X86_MAP_0F, false},				/* rdtscp */
	    {M32, {0xea, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00}, 7, X86_MAP_1BYTE, false}, /* ljmp */
	    {M16, {0xea, 0x5b, 0xe0, 0x00, 0xf0}, 5, X86_MAP_1BYTE, false},		/* ljmp */
	    {M32, {0xc4, 0x07}, 2, X86_MAP_1BYTE, false},	/* les (%edi) */
	    {M32, {0xc5, 0x4b, 0x10}, 3, X86_MAP_1BYTE, false}, /* lds 0x10(%ebx) */
	    {M32, {0x62, 0x01}, 2, X86_MAP_1BYTE, false},	/* bound */
	    {M32, {0xd4, 0x0a}, 2, X86_MAP_1BYTE, false},	/* aam */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct x86_insn info;
		unsigned len = cases[i].len;
		uint8_t *exact = malloc(len);

		memcpy(exact, cases[i].bytes, len);
		if (x86_decode(cases[i].bytes, X86_MAX_INSN_LEN, cases[i].mode, &info))
			fail_msg("length case %zu refused", i);
		assert_int_equal(info.len, len);
		assert_int_equal(info.map, cases[i].map);
		assert_int_equal(info.vex, cases[i].vex);
		assert_int_equal(x86_decode(exact, len, cases[i].mode, &info), 0);
		for (unsigned k = 0; k < len; k++)
			if (x86_decode(exact, k, cases[i].mode, &info) != -EINVAL)
				fail_msg("length case %zu: %u bytes not -EINVAL", i, k);
		free(exact);
	}

	/* Refused: #UD in 64-bit mode, prefixes before VEX, EVEX, an undefined VEX map. */
	static const uint8_t ljmp64[] = {0xea, 0, 0, 0, 0, 8, 0};
	static const uint8_t rep_vex[] = {0xf3, 0xc5, 0xf8, 0x77};
	static const uint8_t rex_vex[] = {0x48, 0xc5, 0xf8, 0x77};
	static const uint8_t evex[] = {0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07};
	static const uint8_t vex_map4[] = {0xc4, 0xe4, 0x79, 0x18, 0x07};
	static const uint8_t push_es64[] = {0x06};
	expect_error(ljmp64, sizeof(ljmp64), M64, -ENOTSUP);
	expect_error(rep_vex, sizeof(rep_vex), M64, -ENOTSUP);
	expect_error(rex_vex, sizeof(rex_vex), M64, -ENOTSUP);
	expect_error(evex, sizeof(evex), M64, -ENOTSUP);
	expect_error(evex, sizeof(evex), M32, -ENOTSUP);
	expect_error(vex_map4, sizeof(vex_map4), M64, -ENOTSUP);
	expect_error(push_es64, sizeof(push_es64), M64, -ENOTSUP);
	expect_not_intercepted(push_es64, sizeof(push_es64), M32, 1);
}

/* String I/O attributes: address size, segment override (OUTS only), REP. */
static void test_string_io(void **state)
{
	static const uint8_t outs_fs_a32[] = {0x67, 0x64, 0xf3, 0x6e}; /* rep outsb %fs:(%esi) */
	static const uint8_t ins_es_a16[] = {0x67, 0x26, 0x6d};	       /* insl, 16-bit address */
	struct x86_insn info;

	assert_int_equal(x86_decode(outs_fs_a32, sizeof(outs_fs_a32), M64, &info), 0);
	assert_int_equal(info.op, X86_OP_OUTS);
	assert_int_equal(info.addr_size, 4);
	assert_int_equal(info.op_size, 1);
	assert_true(info.seg_override);
	assert_int_equal(info.seg, X86_SEG_FS);
	assert_true(info.rep);
	assert_int_equal(x86_decode(ins_es_a16, sizeof(ins_es_a16), M32, &info), 0);
	assert_int_equal(info.op, X86_OP_INS);
	assert_int_equal(info.addr_size, 2);
	assert_int_equal(info.op_size, 4);
	assert_false(info.seg_override); /* INS writes ES:rDI whatever the prefix */
	assert_int_equal(info.seg, X86_SEG_ES);
	assert_false(info.rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_mov_dr),
	    cmocka_unit_test(test_not_intercepted),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_exhaustive_short),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_string_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
