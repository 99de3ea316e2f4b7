/* unit-test-sources: kernel/emul/mmio_emulate.c kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c */
/*
 * MMIO emulation tests: instructions are given as bytes, decoded, and run
 * against a scripted device that logs every access. Arithmetic flags are
 * checked both by hand-worked cases and against the host CPU itself (the
 * same instruction run under inline assembly), for every size.
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

#define CF	     (1ULL << 0)
#define PF	     (1ULL << 2)
#define AF	     (1ULL << 4)
#define ZF	     (1ULL << 6)
#define SF	     (1ULL << 7)
#define DF	     (1ULL << 10)
#define OF	     (1ULL << 11)
#define IF	     (1ULL << 9)
#define ARITH	     (CF | PF | AF | ZF | SF | OF)
#define RFLAGS_FIXED (1ULL << 1)

#define REG_RAX 0
#define REG_RCX 1
#define REG_RSI 6
#define REG_RDI 7

/* --- scripted device ------------------------------------------------------ */

struct access_log {
	bool write;
	unsigned size;
	uint64_t value;
};

static struct {
	struct access_log log[8];
	unsigned count;
	uint64_t read_value;
	int fail_read, fail_write; /* error to return, 0 for none */
} dev;

static int dev_access(void *ctx, bool write, unsigned size, uint64_t *value)
{
	assert_ptr_equal(ctx, &dev);
	assert_true(dev.count < ARRAY_SIZE(dev.log));
	if (write && dev.fail_write)
		return dev.fail_write;
	if (!write && dev.fail_read)
		return dev.fail_read;
	if (!write)
		*value = dev.read_value;
	dev.log[dev.count++] = (struct access_log){write, size, *value};
	return 0;
}

static void dev_reset(uint64_t read_value)
{
	memset(&dev, 0, sizeof(dev));
	dev.read_value = read_value;
}

/* --- helpers ------------------------------------------------------------- */

static struct x86_insn decode(enum x86_mode mode, const uint8_t *bytes, unsigned n)
{
	struct x86_insn insn;

	assert_int_equal(x86_decode(bytes, n, mode, &insn), 0);
	assert_int_equal(insn.len, n);
	return insn;
}

#define DECODE(mode, ...)                                                                          \
	decode(mode, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

struct cpu {
	struct vcpu_regs regs;
	uint64_t rsp, rflags;
};

static void cpu_init(struct cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->rflags = RFLAGS_FIXED | IF;
}

static int run(struct cpu *c, const struct x86_insn *insn, bool *advance)
{
	return mmio_emulate(insn, &c->regs, &c->rsp, &c->rflags, dev_access, &dev, advance);
}

static void run_ok(struct cpu *c, const struct x86_insn *insn)
{
	bool advance = false;

	assert_int_equal(run(c, insn, &advance), 0);
	assert_true(advance);
}

static void expect_write(unsigned i, unsigned size, uint64_t value)
{
	assert_true(i < dev.count);
	assert_true(dev.log[i].write);
	assert_int_equal(dev.log[i].size, size);
	assert_int_equal(dev.log[i].value, value);
}

static void expect_read(unsigned i, unsigned size)
{
	assert_true(i < dev.count);
	assert_false(dev.log[i].write);
	assert_int_equal(dev.log[i].size, size);
}

/* --- MOV ----------------------------------------------------------------- */

static void test_mov_store(void **state)
{
	struct cpu c;
	struct x86_insn insn;

	cpu_init(&c);
	c.regs.rax = 0x1122334455667788ULL;
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x89, 0x07); /* mov %eax,(%rdi) */
	run_ok(&c, &insn);
	assert_int_equal(dev.count, 1);
	expect_write(0, 4, 0x55667788);
	assert_int_equal(c.regs.rax, 0x1122334455667788ULL);

	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x48, 0x89, 0x07); /* mov %rax,(%rdi) */
	run_ok(&c, &insn);
	expect_write(0, 8, 0x1122334455667788ULL);

	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x66, 0x89, 0x07);
	run_ok(&c, &insn);
	expect_write(0, 2, 0x7788);

	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x88, 0x27); /* mov %ah,(%rdi) */
	run_ok(&c, &insn);
	expect_write(0, 1, 0x77);

	dev_reset(0);
	c.regs.rbx = 0xaabb;
	insn = DECODE(X86_MODE_64, 0x88, 0x3f); /* mov %bh,(%rdi) */
	run_ok(&c, &insn);
	expect_write(0, 1, 0xaa);

	dev_reset(0);
	c.regs.r9 = 0x99;
	insn = DECODE(X86_MODE_64, 0x44, 0x88, 0x0f); /* mov %r9b,(%rdi) */
	run_ok(&c, &insn);
	expect_write(0, 1, 0x99);

	/* SPL: the guest RSP, passed separately. */
	dev_reset(0);
	c.rsp = 0xabcd;
	insn = DECODE(X86_MODE_64, 0x40, 0x88, 0x27); /* mov %spl,(%rdi) */
	run_ok(&c, &insn);
	expect_write(0, 1, 0xcd);

	/* Immediates, truncated to the operand. */
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff);
	run_ok(&c, &insn);
	expect_write(0, 8, ~0ULL);
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x66, 0xc7, 0x07, 0xef, 0xbe);
	run_ok(&c, &insn);
	expect_write(0, 2, 0xbeef);
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0xc6, 0x07, 0x5a);
	run_ok(&c, &insn);
	expect_write(0, 1, 0x5a);
	dev_reset(0);
	insn = DECODE(X86_MODE_32, 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00);
	run_ok(&c, &insn); /* movl $0,0xfee000b0: the LAPIC EOI */
	expect_write(0, 4, 0);

	/* moffs store in 32-bit mode. */
	dev_reset(0);
	c.regs.rax = 0xcafef00d;
	insn = DECODE(X86_MODE_32, 0xa3, 0x00, 0x00, 0xc0, 0xfe);
	run_ok(&c, &insn);
	expect_write(0, 4, 0xcafef00d);
}

static void test_mov_load_width_rules(void **state)
{
	struct cpu c;
	struct x86_insn insn;

	/* 32-bit destination: zero-extends (SDM 1 3.4.1.1). */
	cpu_init(&c);
	c.regs.rax = ~0ULL;
	dev_reset(0xdeadbeef);
	insn = DECODE(X86_MODE_64, 0x8b, 0x07);
	run_ok(&c, &insn);
	expect_read(0, 4);
	assert_int_equal(c.regs.rax, 0xdeadbeefULL);

	/* 16-bit: merges. */
	c.regs.rax = 0x1111111111111111ULL;
	dev_reset(0xbeef);
	insn = DECODE(X86_MODE_64, 0x66, 0x8b, 0x07);
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rax, 0x111111111111beefULL);

	/* 8-bit low and high. */
	c.regs.rax = 0x1111111111111111ULL;
	dev_reset(0xef);
	insn = DECODE(X86_MODE_64, 0x8a, 0x07);
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rax, 0x11111111111111efULL);
	c.regs.rax = 0x1111111111111111ULL;
	dev_reset(0xab);
	insn = DECODE(X86_MODE_64, 0x8a, 0x27); /* mov (%rdi),%ah */
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rax, 0x111111111111ab11ULL);

	/* 64-bit into r15. */
	dev_reset(0x0123456789abcdefULL);
	insn = DECODE(X86_MODE_64, 0x4c, 0x8b, 0x3f);
	run_ok(&c, &insn);
	assert_int_equal(c.regs.r15, 0x0123456789abcdefULL);

	/* A sloppy device returning high garbage is masked to the access size. */
	c.regs.rcx = 0;
	dev_reset(0xffffffffffffff12ULL);
	insn = DECODE(X86_MODE_64, 0x8a, 0x0f); /* mov (%rdi),%cl */
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rcx, 0x12);

	/* 32-bit mode load via moffs. */
	c.regs.rax = 0;
	dev_reset(0x5a);
	insn = DECODE(X86_MODE_32, 0xa0, 0x20, 0x00, 0xe0, 0xfe);
	run_ok(&c, &insn);
	expect_read(0, 1);
	assert_int_equal(c.regs.rax, 0x5a);

	/* Into RSP: only with the RSP pointer. */
	dev_reset(0x7000);
	insn = DECODE(X86_MODE_64, 0x48, 0x8b, 0x27); /* mov (%rdi),%rsp */
	run_ok(&c, &insn);
	assert_int_equal(c.rsp, 0x7000);
}

static void test_movzx_movsx(void **state)
{
	struct cpu c;
	struct x86_insn insn;

	cpu_init(&c);
	c.regs.rcx = ~0ULL;
	dev_reset(0x80);
	insn = DECODE(X86_MODE_64, 0x0f, 0xb6, 0x0f); /* movzbl (%rdi),%ecx */
	run_ok(&c, &insn);
	expect_read(0, 1);
	assert_int_equal(c.regs.rcx, 0x80);

	c.regs.rcx = ~0ULL;
	dev_reset(0x8000);
	insn = DECODE(X86_MODE_64, 0x48, 0x0f, 0xb7, 0x0f); /* movzwq */
	run_ok(&c, &insn);
	expect_read(0, 2);
	assert_int_equal(c.regs.rcx, 0x8000);

	c.regs.rcx = 0x1234567812345678ULL;
	dev_reset(0x80);
	insn = DECODE(X86_MODE_64, 0x66, 0x0f, 0xb6, 0x0f); /* movzbw: merges into CX */
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rcx, 0x1234567812340080ULL);

	c.regs.rcx = ~0ULL;
	dev_reset(0x80);
	insn = DECODE(X86_MODE_64, 0x0f, 0xbe, 0x0f); /* movsbl */
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rcx, 0xffffff80ULL);

	dev_reset(0x80);
	insn = DECODE(X86_MODE_64, 0x48, 0x0f, 0xbe, 0x0f); /* movsbq */
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rcx, 0xffffffffffffff80ULL);

	c.regs.rcx = 0x1234567812345678ULL;
	dev_reset(0x80);
	insn = DECODE(X86_MODE_64, 0x66, 0x0f, 0xbe, 0x0f); /* movsbw */
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rcx, 0x123456781234ff80ULL);

	dev_reset(0x8001);
	insn = DECODE(X86_MODE_64, 0x0f, 0xbf, 0x0f); /* movswl */
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rcx, 0xffff8001ULL);

	dev_reset(0x7fff);
	insn = DECODE(X86_MODE_64, 0x0f, 0xbf, 0x0f);
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rcx, 0x7fff);

	dev_reset(0x80000000);
	insn = DECODE(X86_MODE_64, 0x48, 0x63, 0x0f); /* movslq */
	run_ok(&c, &insn);
	expect_read(0, 4);
	assert_int_equal(c.regs.rcx, 0xffffffff80000000ULL);

	/* movzbl (%rdi),%eax in 16-bit mode with 66: EAX zero-extends. */
	c.regs.rax = ~0ULL;
	dev_reset(0xfe);
	insn = DECODE(X86_MODE_16, 0x66, 0x0f, 0xb6, 0x05);
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rax, 0xfe);
}

/* --- string instructions ------------------------------------------------- */

static void test_stos(void **state)
{
	struct cpu c;
	struct x86_insn insn;
	bool advance;

	cpu_init(&c);
	c.regs.rax = 0x1122334455667755ULL;
	c.regs.rdi = 0x1000;
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0xaa); /* stosb */
	run_ok(&c, &insn);
	expect_write(0, 1, 0x55);
	assert_int_equal(c.regs.rdi, 0x1001);

	c.rflags |= DF;
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x48, 0xab); /* stosq, DF=1 */
	run_ok(&c, &insn);
	expect_write(0, 8, 0x1122334455667755ULL);
	assert_int_equal(c.regs.rdi, 0x1001 - 8);
	c.rflags &= ~DF;

	/* rep stosl with RCX=3: one iteration per call, RIP advances after the last. */
	c.regs.rdi = 0x2000;
	c.regs.rcx = 3;
	insn = DECODE(X86_MODE_64, 0xf3, 0xab);
	for (unsigned i = 0; i < 3; i++) {
		dev_reset(0);
		assert_int_equal(run(&c, &insn, &advance), 0);
		expect_write(0, 4, 0x55667755);
		assert_int_equal(c.regs.rcx, 2 - i);
		assert_int_equal(c.regs.rdi, 0x2000 + 4 * (i + 1));
		assert_int_equal(advance, i == 2);
	}

	/* RCX=0: nothing happens, RIP advances. */
	dev_reset(0);
	assert_int_equal(run(&c, &insn, &advance), 0);
	assert_true(advance);
	assert_int_equal(dev.count, 0);
	assert_int_equal(c.regs.rdi, 0x200c);

	/* 16-bit addressing: DI and CX wrap, the upper bits stay. */
	c.regs.rdi = 0x123400000000ffffULL;
	c.regs.rcx = 0xabcd000000000001ULL;
	c.regs.rax = 0xbeef;
	dev_reset(0);
	insn = DECODE(X86_MODE_16, 0xf3, 0xab); /* rep stosw */
	assert_int_equal(run(&c, &insn, &advance), 0);
	expect_write(0, 2, 0xbeef);
	assert_true(advance);
	assert_int_equal(c.regs.rdi, 0x1234000000000001ULL);
	assert_int_equal(c.regs.rcx, 0xabcd000000000000ULL);

	/* The count is CX only: a zero CX with high bits set does nothing. */
	c.regs.rcx = 0x10000;
	dev_reset(0);
	assert_int_equal(run(&c, &insn, &advance), 0);
	assert_true(advance);
	assert_int_equal(dev.count, 0);

	/* DF in 16-bit: DI=0 moves down to 0xfffe. */
	c.regs.rdi = 0;
	c.regs.rcx = 2;
	c.rflags |= DF;
	dev_reset(0);
	assert_int_equal(run(&c, &insn, &advance), 0);
	assert_false(advance);
	assert_int_equal(c.regs.rdi, 0xfffe);
	assert_int_equal(c.regs.rcx, 1);
	c.rflags &= ~DF;

	/* 32-bit addressing in 64-bit mode: EDI/ECX wrap and zero-extend. */
	c.regs.rdi = 0x1fffffffeULL;
	c.regs.rcx = 0xffffffff00000002ULL;
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x67, 0xf3, 0xab);
	assert_int_equal(run(&c, &insn, &advance), 0);
	assert_false(advance);
	assert_int_equal(c.regs.rdi, 0x2);
	assert_int_equal(c.regs.rcx, 0x1);

	/* A failed write leaves RDI and RCX alone. */
	c.regs.rdi = 0x3000;
	c.regs.rcx = 5;
	dev_reset(0);
	dev.fail_write = -EIO;
	insn = DECODE(X86_MODE_64, 0xf3, 0xab);
	assert_int_equal(run(&c, &insn, &advance), -EIO);
	assert_false(advance);
	assert_int_equal(c.regs.rdi, 0x3000);
	assert_int_equal(c.regs.rcx, 5);
}

static void test_lods_movs(void **state)
{
	struct cpu c;
	struct x86_insn insn;
	bool advance;

	cpu_init(&c);
	c.regs.rax = ~0ULL;
	c.regs.rsi = 0x100;
	dev_reset(0x12345678);
	insn = DECODE(X86_MODE_64, 0xad); /* lodsl */
	run_ok(&c, &insn);
	expect_read(0, 4);
	assert_int_equal(c.regs.rax, 0x12345678);
	assert_int_equal(c.regs.rsi, 0x104);

	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0xf3, 0xa4); /* rep movsb */
	assert_int_equal(run(&c, &insn, &advance), -ENOTSUP);
	assert_int_equal(dev.count, 0);
}

/* --- arithmetic: hand-worked flags ---------------------------------------- */

static void test_alu_flags(void **state)
{
	struct cpu c;
	struct x86_insn insn;

	/* add $1 to 0x7fffffff: OF, SF, AF; PF from the low byte 0x00. */
	cpu_init(&c);
	c.rflags |= CF;
	dev_reset(0x7fffffff);
	insn = DECODE(X86_MODE_64, 0x83, 0x07, 0x01);
	run_ok(&c, &insn);
	expect_read(0, 4);
	expect_write(1, 4, 0x80000000);
	assert_int_equal(c.rflags & ARITH, OF | SF | AF | PF);
	assert_true(c.rflags & IF); /* non-arithmetic flags survive */

	/* addb $1 to 0xff: CF, ZF, AF, PF. */
	dev_reset(0xff);
	insn = DECODE(X86_MODE_64, 0x80, 0x07, 0x01);
	run_ok(&c, &insn);
	expect_write(1, 1, 0);
	assert_int_equal(c.rflags & ARITH, CF | ZF | AF | PF);

	/* subl $1 from 0: borrow. */
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x83, 0x2f, 0x01);
	run_ok(&c, &insn);
	expect_write(1, 4, 0xffffffff);
	assert_int_equal(c.rflags & ARITH, CF | SF | AF | PF);

	/* sub (%rdi),%eax: the register is the destination, no device write. */
	c.regs.rax = 0xffffffff80000000ULL;
	dev_reset(1);
	insn = DECODE(X86_MODE_64, 0x2b, 0x07);
	run_ok(&c, &insn);
	assert_int_equal(dev.count, 1);
	assert_int_equal(c.regs.rax, 0x7fffffff);
	assert_int_equal(c.rflags & ARITH, OF | AF | PF);

	/* cmp %eax,(%rdi): read only. */
	c.regs.rax = 5;
	dev_reset(5);
	insn = DECODE(X86_MODE_64, 0x39, 0x07);
	run_ok(&c, &insn);
	assert_int_equal(dev.count, 1);
	assert_int_equal(c.rflags & ARITH, ZF | PF);
	assert_int_equal(c.regs.rax, 5);

	/* cmp (%rdi),%eax: eax - mem = 0xfffffffe (low byte odd parity). */
	c.regs.rax = 3;
	dev_reset(5);
	insn = DECODE(X86_MODE_64, 0x3b, 0x07);
	run_ok(&c, &insn);
	assert_int_equal(c.regs.rax, 3);
	assert_int_equal(c.rflags & ARITH, CF | SF | AF);

	/* andl $0xf0: clears CF/OF. */
	c.rflags |= CF | OF;
	dev_reset(0x0f);
	insn = DECODE(X86_MODE_64, 0x81, 0x27, 0xf0, 0x00, 0x00, 0x00);
	run_ok(&c, &insn);
	expect_write(1, 4, 0);
	assert_int_equal(c.rflags & ARITH, ZF | PF);

	/* or %eax,(%rdi) */
	c.regs.rax = 0x100;
	dev_reset(1);
	insn = DECODE(X86_MODE_64, 0x09, 0x07);
	run_ok(&c, &insn);
	expect_write(1, 4, 0x101);

	/* xor %ah,(%rdi) */
	c.regs.rax = 0xff00;
	dev_reset(0x0f);
	insn = DECODE(X86_MODE_64, 0x30, 0x27);
	run_ok(&c, &insn);
	expect_write(1, 1, 0xf0);
	assert_int_equal(c.rflags & ARITH, SF | PF);

	/* test: read only. */
	c.regs.rax = 0x80000000;
	dev_reset(0x80000001);
	insn = DECODE(X86_MODE_64, 0x85, 0x07);
	run_ok(&c, &insn);
	assert_int_equal(dev.count, 1);
	assert_int_equal(c.rflags & ARITH, SF | PF);
	dev_reset(2);
	insn = DECODE(X86_MODE_64, 0xf6, 0x07, 0x01);
	run_ok(&c, &insn);
	assert_int_equal(dev.count, 1);
	assert_int_equal(c.rflags & ARITH, ZF | PF);

	/* adc with CF=1: 0xffffffff + 0 + 1. */
	c.rflags |= CF;
	c.regs.rax = 0xffffffff;
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x11, 0x07);
	run_ok(&c, &insn);
	expect_write(1, 4, 0);
	assert_int_equal(c.rflags & ARITH, CF | ZF | AF | PF);

	/* sbb with CF=1: 0 - 0 - 1. */
	c.regs.rax = 0;
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x19, 0x07);
	run_ok(&c, &insn);
	expect_write(1, 4, 0xffffffff);
	assert_int_equal(c.rflags & ARITH, CF | SF | AF | PF);

	/* 64-bit add wraps. */
	c.regs.rax = 1;
	dev_reset(~0ULL);
	insn = DECODE(X86_MODE_64, 0x48, 0x01, 0x07);
	run_ok(&c, &insn);
	expect_write(1, 8, 0);
	assert_int_equal(c.rflags & ARITH, CF | ZF | AF | PF);

	/* 16-bit overflow in real mode: add %ax,(%bx). */
	c.regs.rax = 1;
	dev_reset(0x7fff);
	insn = DECODE(X86_MODE_16, 0x01, 0x07);
	run_ok(&c, &insn);
	expect_write(1, 2, 0x8000);
	assert_int_equal(c.rflags & ARITH, OF | SF | AF | PF);
}

static void test_unary_xchg_bt(void **state)
{
	struct cpu c;
	struct x86_insn insn;

	cpu_init(&c);
	/* not: flags unaffected. */
	c.rflags |= CF | ZF;
	dev_reset(0x0f0f0f0f);
	insn = DECODE(X86_MODE_64, 0xf7, 0x17);
	run_ok(&c, &insn);
	expect_write(1, 4, 0xf0f0f0f0);
	assert_int_equal(c.rflags & ARITH, CF | ZF);

	/* inc keeps CF. */
	c.rflags = RFLAGS_FIXED | CF;
	dev_reset(0xffffffff);
	insn = DECODE(X86_MODE_64, 0xff, 0x07);
	run_ok(&c, &insn);
	expect_write(1, 4, 0);
	assert_int_equal(c.rflags & ARITH, CF | ZF | AF | PF);
	c.rflags = RFLAGS_FIXED;
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x66, 0xff, 0x0f); /* decw */
	run_ok(&c, &insn);
	expect_write(1, 2, 0xffff);
	assert_int_equal(c.rflags & ARITH, SF | AF | PF);

	/* negb 0x80: overflow; CF since nonzero. */
	dev_reset(0x80);
	insn = DECODE(X86_MODE_64, 0xf6, 0x1f);
	run_ok(&c, &insn);
	expect_write(1, 1, 0x80);
	assert_int_equal(c.rflags & ARITH, CF | OF | SF);

	/* xchg: read, then write the register, register gets the old value. */
	c.regs.rax = 0x1111111111111111ULL;
	dev_reset(0x22);
	insn = DECODE(X86_MODE_64, 0x87, 0x07);
	run_ok(&c, &insn);
	expect_read(0, 4);
	expect_write(1, 4, 0x11111111);
	assert_int_equal(c.regs.rax, 0x22);
	c.regs.r14 = 0x1234;
	dev_reset(0x56);
	insn = DECODE(X86_MODE_64, 0x44, 0x86, 0x37); /* xchg %r14b,(%rdi) */
	run_ok(&c, &insn);
	expect_write(1, 1, 0x34);
	assert_int_equal(c.regs.r14, 0x1256);

	/* bt $5: CF only, no write. */
	c.rflags = RFLAGS_FIXED | ZF;
	dev_reset(0x20);
	insn = DECODE(X86_MODE_64, 0x0f, 0xba, 0x27, 0x05);
	run_ok(&c, &insn);
	assert_int_equal(dev.count, 1);
	assert_int_equal(c.rflags & ARITH, CF | ZF);
	/* bts $36 on 32 bits: bit 4. */
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x0f, 0xba, 0x2f, 0x24);
	run_ok(&c, &insn);
	expect_write(1, 4, 0x10);
	assert_int_equal(c.rflags & CF, 0);
	/* btr $63 on 64 bits. */
	dev_reset(~0ULL);
	insn = DECODE(X86_MODE_64, 0x48, 0x0f, 0xba, 0x37, 0x3f);
	run_ok(&c, &insn);
	expect_write(1, 8, ~0ULL >> 1);
	assert_int_equal(c.rflags & CF, CF);
	/* btc $0 on 16 bits. */
	dev_reset(0x1);
	insn = DECODE(X86_MODE_64, 0x66, 0x0f, 0xba, 0x3f, 0x00);
	run_ok(&c, &insn);
	expect_write(1, 2, 0);
}

static void test_errors_leave_state(void **state)
{
	struct cpu c, before;
	struct x86_insn insn;
	bool advance = true;

	cpu_init(&c);
	c.regs.rax = 0x1234;
	before = c;

	/* Read failure on a load: register untouched. */
	dev_reset(0);
	dev.fail_read = -EIO;
	insn = DECODE(X86_MODE_64, 0x8b, 0x07);
	assert_int_equal(run(&c, &insn, &advance), -EIO);
	assert_false(advance);
	assert_memory_equal(&c, &before, sizeof(c));

	/* Write failure in a read-modify-write: flags untouched. */
	dev_reset(0x7fffffff);
	dev.fail_write = -ENXIO;
	insn = DECODE(X86_MODE_64, 0x83, 0x07, 0x01);
	assert_int_equal(run(&c, &insn, &advance), -ENXIO);
	assert_memory_equal(&c, &before, sizeof(c));

	/* Write failure in xchg: register untouched. */
	dev_reset(0x55);
	dev.fail_write = -ENXIO;
	insn = DECODE(X86_MODE_64, 0x87, 0x07);
	assert_int_equal(run(&c, &insn, &advance), -ENXIO);
	assert_memory_equal(&c, &before, sizeof(c));

	/* Register forms have nothing to emulate. */
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x89, 0xc8);
	assert_int_equal(run(&c, &insn, &advance), -EINVAL);
	assert_int_equal(dev.count, 0);

	/* RSP operand without the RSP pointer: refused before any access. */
	dev_reset(0);
	insn = DECODE(X86_MODE_64, 0x48, 0x89, 0x27); /* mov %rsp,(%rdi) */
	assert_int_equal(mmio_emulate(&insn, &c.regs, NULL, &c.rflags, dev_access, &dev, &advance),
			 -ENOTSUP);
	insn = DECODE(X86_MODE_64, 0x48, 0x8b, 0x27); /* mov (%rdi),%rsp */
	assert_int_equal(mmio_emulate(&insn, &c.regs, NULL, &c.rflags, dev_access, &dev, &advance),
			 -ENOTSUP);
	assert_int_equal(dev.count, 0);
	/* AH is not RSP, even without the pointer. */
	insn = DECODE(X86_MODE_64, 0x88, 0x27);
	assert_int_equal(mmio_emulate(&insn, &c.regs, NULL, &c.rflags, dev_access, &dev, &advance),
			 0);
}

/* --- arithmetic flags against the host CPU ------------------------------- */

/*
 * Run "insn src, dst" on the host with the given input flags. The stack
 * pointer steps over the red zone before push/pop.
 */
#define HOST_BINOP(fn, mnem, type)                                                                 \
	static uint64_t fn(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout)                   \
	{                                                                                          \
		type x = (type)a, y = (type)b;                                                     \
		uint64_t f;                                                                        \
		__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopf\n\t" mnem           \
				 " %[y], %[x]\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"       \
				 : [x] "+r"(x), [f] "=&r"(f)                                       \
				 : [y] "r"(y), [fi] "r"(fin)                                       \
				 : "cc", "memory");                                                \
		*fout = f;                                                                         \
		return (uint64_t)x;                                                                \
	}
#define HOST_UNOP(fn, mnem, type)                                                                  \
	static uint64_t fn(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout)                   \
	{                                                                                          \
		type x = (type)a;                                                                  \
		uint64_t f;                                                                        \
		(void)b;                                                                           \
		__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopf\n\t" mnem           \
				 " %[x]\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"             \
				 : [x] "+r"(x), [f] "=&r"(f)                                       \
				 : [fi] "r"(fin)                                                   \
				 : "cc", "memory");                                                \
		*fout = f;                                                                         \
		return (uint64_t)x;                                                                \
	}
#define HOST_SIZES(kind, name, mnem)                                                               \
	kind(host_##name##1, mnem, uint8_t) kind(host_##name##2, mnem, uint16_t)                   \
	    kind(host_##name##4, mnem, uint32_t) kind(host_##name##8, mnem, uint64_t)

HOST_SIZES(HOST_BINOP, add, "add")
HOST_SIZES(HOST_BINOP, adc, "adc")
HOST_SIZES(HOST_BINOP, sub, "sub")
HOST_SIZES(HOST_BINOP, sbb, "sbb")
HOST_SIZES(HOST_BINOP, and, "and")
HOST_SIZES(HOST_BINOP, or, "or")
HOST_SIZES(HOST_BINOP, xor, "xor")
HOST_SIZES(HOST_BINOP, cmp, "cmp")
HOST_SIZES(HOST_BINOP, test, "test")
HOST_SIZES(HOST_UNOP, inc, "inc")
HOST_SIZES(HOST_UNOP, dec, "dec")
HOST_SIZES(HOST_UNOP, neg, "neg")

typedef uint64_t (*host_fn)(uint64_t, uint64_t, uint64_t, uint64_t *);

struct ref_op {
	const char *name;
	host_fn host[4];  /* sizes 1, 2, 4, 8 */
	uint8_t opcode;	  /* byte form; +1 for the others */
	int8_t modrm_reg; /* -1: "op r/m, r" with %eax as source; else a group extension */
	bool writes, logic;
};

#define HOSTS(n)                                                                                   \
	{                                                                                          \
		host_##n##1, host_##n##2, host_##n##4, host_##n##8                                 \
	}

static const struct ref_op ref_ops[] = {
    {"add", HOSTS(add), 0x00, -1, true, false},	  {"adc", HOSTS(adc), 0x10, -1, true, false},
    {"sub", HOSTS(sub), 0x28, -1, true, false},	  {"sbb", HOSTS(sbb), 0x18, -1, true, false},
    {"and", HOSTS(and), 0x20, -1, true, true},	  {"or", HOSTS(or), 0x08, -1, true, true},
    {"xor", HOSTS(xor), 0x30, -1, true, true},	  {"cmp", HOSTS(cmp), 0x38, -1, false, false},
    {"test", HOSTS(test), 0x84, -1, false, true}, {"inc", HOSTS(inc), 0xfe, 0, true, false},
    {"dec", HOSTS(dec), 0xfe, 1, true, false},	  {"neg", HOSTS(neg), 0xf6, 3, true, false},
};

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Operands that hit the edges: 0, 1, sign boundaries, all ones, random. */
static uint64_t interesting(void)
{
	static const uint64_t edge[] = {0,
					1,
					0x7f,
					0x80,
					0xff,
					0x7fff,
					0x8000,
					0xffff,
					0x7fffffff,
					0x80000000,
					0xffffffff,
					0x7fffffffffffffffULL,
					0x8000000000000000ULL,
					~0ULL,
					0xf,
					0x10};
	uint64_t r = rng();

	return (r & 1) ? edge[(r >> 1) % ARRAY_SIZE(edge)] : rng();
}

static void test_flags_match_host(void **state)
{
	static const unsigned sizes[] = {1, 2, 4, 8};

	for (size_t o = 0; o < ARRAY_SIZE(ref_ops); o++) {
		const struct ref_op *op = &ref_ops[o];

		for (unsigned s = 0; s < 4; s++) {
			unsigned size = sizes[s];
			uint8_t bytes[4];
			unsigned n = 0;
			struct x86_insn insn;

			/* op %eax-sized,(%rdi) or group op (%rdi) */
			if (size == 2)
				bytes[n++] = 0x66;
			if (size == 8)
				bytes[n++] = 0x48;
			bytes[n++] = op->opcode + (size > 1);
			bytes[n++] = op->modrm_reg < 0 ? 0x07 : (uint8_t)(op->modrm_reg << 3 | 7);
			insn = decode(X86_MODE_64, bytes, n);

			for (unsigned iter = 0; iter < 3000; iter++) {
				uint64_t a = interesting(), b = interesting();
				uint64_t fin = RFLAGS_FIXED | (rng() & ARITH), fhost, want;
				uint64_t mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
				uint64_t cmp_mask = op->logic ? ARITH & ~AF : ARITH;
				struct cpu c;

				want = op->host[s](a, b, fin, &fhost) & mask;
				cpu_init(&c);
				c.rflags = fin;
				c.regs.rax = b;
				dev_reset(a);
				run_ok(&c, &insn);
				if ((c.rflags & cmp_mask) != (fhost & cmp_mask) ||
				    (op->writes && dev.log[1].value != want)) {
					print_message(
					    "%s size %u a=%#lx b=%#lx fin=%#lx: emu %#lx/%#lx, "
					    "host %#lx/%#lx\n",
					    op->name, size, (unsigned long)a, (unsigned long)b,
					    (unsigned long)fin,
					    (unsigned long)(op->writes ? dev.log[1].value : 0),
					    (unsigned long)c.rflags, (unsigned long)want,
					    (unsigned long)fhost);
					fail();
				}
				assert_int_equal(dev.count, op->writes ? 2 : 1);
				assert_int_equal(c.rflags & ~ARITH, fin & ~ARITH);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mov_store),	     cmocka_unit_test(test_mov_load_width_rules),
	    cmocka_unit_test(test_movzx_movsx),	     cmocka_unit_test(test_stos),
	    cmocka_unit_test(test_lods_movs),	     cmocka_unit_test(test_alu_flags),
	    cmocka_unit_test(test_unary_xchg_bt),    cmocka_unit_test(test_errors_leave_state),
	    cmocka_unit_test(test_flags_match_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
