/* unit-test-sources: kernel/emul/x86_insn_len.c */
/*
 * Intercepted-instruction decoder tests. Encodings were produced by GNU as
 * (--64, .code32, .code16) and checked with objdump. Every case is also
 * decoded from each shorter prefix of its bytes (must be -EINVAL) and from
 * an exact-size heap copy, so an overread fails under ASan.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/emul/x86_insn_len.h"

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64

struct len_case {
	const char *what;
	enum x86_mode mode;
	uint8_t bytes[X86_MAX_INSN_LEN];
	unsigned len;
	enum x86_insn_kind kind;
	uint8_t cr, gpr;
	bool mem, rep;
};

static const struct len_case cases[] = {
    {.what = "cpuid", .mode = M64, .bytes = {0x0f, 0xa2}, .len = 2, .kind = X86_INSN_CPUID},
    {.what = "rdmsr", .mode = M64, .bytes = {0x0f, 0x32}, .len = 2, .kind = X86_INSN_RDMSR},
    {.what = "wrmsr", .mode = M32, .bytes = {0x0f, 0x30}, .len = 2, .kind = X86_INSN_WRMSR},
    {.what = "in al, imm8", .mode = M64, .bytes = {0xe4, 0x60}, .len = 2, .kind = X86_INSN_IN},
    {.what = "in eax, imm8", .mode = M64, .bytes = {0xe5, 0x60}, .len = 2, .kind = X86_INSN_IN},
    {.what = "in ax, imm8 (32-bit)",
     .mode = M32,
     .bytes = {0x66, 0xe5, 0x60},
     .len = 3,
     .kind = X86_INSN_IN},
    {.what = "in ax, dx", .mode = M64, .bytes = {0x66, 0xed}, .len = 2, .kind = X86_INSN_IN},
    {.what = "in al, dx (real mode)", .mode = M16, .bytes = {0xec}, .len = 1, .kind = X86_INSN_IN},
    {.what = "in eax, dx (16-bit, 66)",
     .mode = M16,
     .bytes = {0x66, 0xed},
     .len = 2,
     .kind = X86_INSN_IN},
    {.what = "out dx, eax", .mode = M64, .bytes = {0xef}, .len = 1, .kind = X86_INSN_OUT},
    {.what = "out dx, al with REX",
     .mode = M64,
     .bytes = {0x48, 0xee},
     .len = 2,
     .kind = X86_INSN_OUT},
    {.what = "out imm8, al", .mode = M64, .bytes = {0xe6, 0xf4}, .len = 2, .kind = X86_INSN_OUT},
    {.what = "out imm8, eax, 67 prefix",
     .mode = M32,
     .bytes = {0x67, 0xe7, 0x80},
     .len = 3,
     .kind = X86_INSN_OUT},
    {.what = "rep outsb",
     .mode = M64,
     .bytes = {0xf3, 0x6e},
     .len = 2,
     .kind = X86_INSN_OUTS,
     .rep = true},
    {.what = "rep insw",
     .mode = M64,
     .bytes = {0x66, 0xf3, 0x6d},
     .len = 3,
     .kind = X86_INSN_INS,
     .rep = true},
    {.what = "insb", .mode = M16, .bytes = {0x6c}, .len = 1, .kind = X86_INSN_INS},
    {.what = "outsd with segment override",
     .mode = M32,
     .bytes = {0x2e, 0x6f},
     .len = 2,
     .kind = X86_INSN_OUTS},
    {.what = "hlt", .mode = M64, .bytes = {0xf4}, .len = 1, .kind = X86_INSN_HLT},
    {.what = "hlt (real mode)", .mode = M16, .bytes = {0xf4}, .len = 1, .kind = X86_INSN_HLT},
    {.what = "pause", .mode = M64, .bytes = {0xf3, 0x90}, .len = 2, .kind = X86_INSN_PAUSE},
    {.what = "invd", .mode = M64, .bytes = {0x0f, 0x08}, .len = 2, .kind = X86_INSN_INVD},
    {.what = "wbinvd", .mode = M32, .bytes = {0x0f, 0x09}, .len = 2, .kind = X86_INSN_WBINVD},
    {.what = "xsetbv", .mode = M64, .bytes = {0x0f, 0x01, 0xd1}, .len = 3, .kind = X86_INSN_XSETBV},
    {.what = "vmmcall",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0xd9},
     .len = 3,
     .kind = X86_INSN_VMMCALL},
    {.what = "vmcall", .mode = M32, .bytes = {0x0f, 0x01, 0xc1}, .len = 3, .kind = X86_INSN_VMCALL},
    {.what = "mov rax, cr0",
     .mode = M64,
     .bytes = {0x0f, 0x20, 0xc0},
     .len = 3,
     .kind = X86_INSN_MOV_FROM_CR,
     .cr = 0,
     .gpr = 0},
    {.what = "mov cr4, rbx",
     .mode = M64,
     .bytes = {0x0f, 0x22, 0xe3},
     .len = 3,
     .kind = X86_INSN_MOV_TO_CR,
     .cr = 4,
     .gpr = 3},
    {.what = "mov cr8, r9",
     .mode = M64,
     .bytes = {0x45, 0x0f, 0x22, 0xc1},
     .len = 4,
     .kind = X86_INSN_MOV_TO_CR,
     .cr = 8,
     .gpr = 9},
    {.what = "mov r12, cr3",
     .mode = M64,
     .bytes = {0x41, 0x0f, 0x20, 0xdc},
     .len = 4,
     .kind = X86_INSN_MOV_FROM_CR,
     .cr = 3,
     .gpr = 12},
    {.what = "mov cr0, eax (mod ignored)",
     .mode = M32,
     .bytes = {0x0f, 0x22, 0x00},
     .len = 3,
     .kind = X86_INSN_MOV_TO_CR,
     .cr = 0,
     .gpr = 0},
    {.what = "mov cr0, eax (real mode)",
     .mode = M16,
     .bytes = {0x0f, 0x22, 0xc0},
     .len = 3,
     .kind = X86_INSN_MOV_TO_CR,
     .cr = 0,
     .gpr = 0},
    {.what = "lock mov cr0 is cr8",
     .mode = M32,
     .bytes = {0xf0, 0x0f, 0x22, 0xc2},
     .len = 4,
     .kind = X86_INSN_MOV_TO_CR,
     .cr = 8,
     .gpr = 2},
    {.what = "clts", .mode = M64, .bytes = {0x0f, 0x06}, .len = 2, .kind = X86_INSN_CLTS},
    {.what = "lmsw ax",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0xf0},
     .len = 3,
     .kind = X86_INSN_LMSW,
     .gpr = 0},
    {.what = "lmsw r10w",
     .mode = M64,
     .bytes = {0x41, 0x0f, 0x01, 0xf2},
     .len = 4,
     .kind = X86_INSN_LMSW,
     .gpr = 10},
    {.what = "lmsw (rax)",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x30},
     .len = 3,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw 0x10(rsp)",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x74, 0x24, 0x10},
     .len = 5,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw rip-relative",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x35, 0x78, 0x56, 0x34, 0x12},
     .len = 7,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw sib+disp8",
     .mode = M64,
     .bytes = {0x0f, 0x01, 0x74, 0x98, 0x12},
     .len = 5,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {"lmsw sib no base disp32",
     M64,
     {0x0f, 0x01, 0x34, 0x5d, 0x78, 0x56, 0x34, 0x12},
     8,
     X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw (eax) addr32",
     .mode = M64,
     .bytes = {0x67, 0x0f, 0x01, 0x30},
     .len = 4,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw disp32(ebx)",
     .mode = M32,
     .bytes = {0x0f, 0x01, 0xb3, 0x34, 0x12, 0x00, 0x00},
     .len = 7,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw moffs32",
     .mode = M32,
     .bytes = {0x0f, 0x01, 0x35, 0x78, 0x56, 0x34, 0x12},
     .len = 7,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw (bx,si)",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0x30},
     .len = 3,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw 0x12(bp)",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0x76, 0x12},
     .len = 4,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw disp16",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0x36, 0x34, 0x12},
     .len = 5,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw 0x1234(bx)",
     .mode = M16,
     .bytes = {0x0f, 0x01, 0xb7, 0x34, 0x12},
     .len = 5,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "lmsw addr32 in real mode",
     .mode = M16,
     .bytes = {0x67, 0x0f, 0x01, 0x74, 0x24, 0x10},
     .len = 6,
     .kind = X86_INSN_LMSW,
     .mem = true},
    {.what = "rex before legacy prefix is ignored",
     .mode = M64,
     .bytes = {0x41, 0x66, 0xed},
     .len = 3,
     .kind = X86_INSN_IN},
    {.what = "rex then lock mov cr",
     .mode = M64,
     .bytes = {0xf0, 0x44, 0x0f, 0x20, 0xc0},
     .len = 5,
     .kind = X86_INSN_MOV_FROM_CR,
     .cr = 8,
     .gpr = 0},
};

static void check_case(const struct len_case *c, const uint8_t *bytes, unsigned valid)
{
	struct x86_insn_info info;
	int err = x86_insn_len(bytes, valid, c->mode, &info);
	if (err)
		fail_msg("%s: error %d", c->what, err);
	assert_int_equal(info.len, c->len);
	assert_int_equal(info.kind, c->kind);
	if (c->kind == X86_INSN_MOV_TO_CR || c->kind == X86_INSN_MOV_FROM_CR) {
		assert_int_equal(info.cr, c->cr);
		assert_int_equal(info.gpr, c->gpr);
	}
	if (c->kind == X86_INSN_LMSW) {
		assert_int_equal(info.mem, c->mem);
		if (!c->mem)
			assert_int_equal(info.gpr, c->gpr);
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
			struct x86_insn_info info;
			int err = x86_insn_len(exact, short_len, c->mode, &info);
			if (err != -EINVAL)
				fail_msg("%s: %u of %u bytes gave %d, not -EINVAL", c->what,
					 short_len, c->len, err);
		}
		free(exact);
	}
}

static void expect_error(const uint8_t *bytes, unsigned valid, enum x86_mode mode, int want)
{
	struct x86_insn_info info;
	assert_int_equal(x86_insn_len(bytes, valid, mode, &info), want);
}

/* MOV to/from DRn (0F 23 / 0F 21): the debug register and GPR from ModRM, REX.B extends the GPR. */
static void test_mov_dr(void **state)
{
	struct x86_insn_info info;
	const uint8_t to_dr0[] = {0x0f, 0x23, 0xc0};	      /* mov %rax,%db0 */
	const uint8_t from_dr7[] = {0x41, 0x0f, 0x21, 0xfa}; /* mov %db7,%r10 */
	assert_int_equal(x86_insn_len(to_dr0, sizeof(to_dr0), X86_MODE_64, &info), 0);
	assert_int_equal(info.kind, X86_INSN_MOV_TO_DR);
	assert_int_equal(info.len, 3);
	assert_int_equal(info.cr, 0);
	assert_int_equal(info.gpr, 0);
	assert_int_equal(x86_insn_len(from_dr7, sizeof(from_dr7), X86_MODE_64, &info), 0);
	assert_int_equal(info.kind, X86_INSN_MOV_FROM_DR);
	assert_int_equal(info.len, 4);
	assert_int_equal(info.cr, 7);
	assert_int_equal(info.gpr, 10);
	assert_int_equal(x86_insn_len(from_dr7, 3, X86_MODE_64, &info), -EINVAL); /* truncated */
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
	expect_error(nop, sizeof(nop), M64, -ENOTSUP);
	expect_error(xchg_r8, sizeof(xchg_r8), M64, -ENOTSUP);
	expect_error(mov_load, sizeof(mov_load), M64, -ENOTSUP);
	expect_error(sgdt, sizeof(sgdt), M64, -ENOTSUP);
	expect_error(vmrun, sizeof(vmrun), M64, -ENOTSUP);
	expect_error(rdtsc, sizeof(rdtsc), M64, -ENOTSUP);
	expect_error(rex_in_32bit, sizeof(rex_in_32bit), M32, -ENOTSUP);
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
	struct x86_insn_info info;
	assert_int_equal(x86_insn_len(bytes + 1, 15, M64, &info), 0);
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
			struct x86_insn_info info;
			int err = x86_insn_len(b, 2, modes[m], &info);
			assert_true(err == 0 || err == -EINVAL || err == -ENOTSUP);
			if (!err)
				assert_true(info.len >= 1 && info.len <= 2);
			free(b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_mov_dr),
	    cmocka_unit_test(test_not_intercepted),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_exhaustive_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
