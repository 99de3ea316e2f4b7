/* fuzz-sources: kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c kernel/emul/mmio_emulate.c */
/*
 * libFuzzer: the MMIO emulator against a reference model of its own. Any
 * instruction the decoder accepts with a memory operand and the emulator
 * claims runs on a fake register file and a fake device. The MOV family
 * (MOV to and from memory, MOV imm, MOVZX, MOVSX/MOVSXD) is modelled
 * exactly, operand sizes and register numbers included, from the raw bytes;
 * the other forms are held to invariants: accesses of the operation size,
 * only the destination registers and the arithmetic flags change, 32-bit
 * register results zero-extend, and a failed access changes nothing.
 *
 * Input: byte 0 control (bits 0-1: mode, 2: no RSP pointer, 3: device reads
 * fail, 4: device writes fail), bytes 1-15 the instruction, then the
 * device's read value, RFLAGS, the 16 GPRs and RSP (8 bytes each, little
 * endian; missing bytes keep a fixed pattern).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/emul/mmio_emulate.h"
#include "kernel/emul/x86_decode.h"

#define CTL_NO_RSP     (1u << 2)
#define CTL_READ_FAIL  (1u << 3)
#define CTL_WRITE_FAIL (1u << 4)
#define DEV_ERR	       (-EIO)
#define RFLAGS_CF      (1ULL << 0)
#define RFLAGS_ARITH   0x8d5ULL /* CF PF AF ZF SF OF */
#define REG_SP	       4

struct cpu {
	uint64_t gpr[16]; /* gpr[4] unused: RSP lives in rsp, as in struct vcpu_regs */
	uint64_t rsp, rflags;
};

struct access {
	bool write;
	unsigned size;
	uint64_t value;
};

static struct {
	unsigned ctl;
	uint64_t read_value;
	unsigned count;
	struct access log[4];
} dev;

static int dev_access(void *ctx, bool write, unsigned size, uint64_t *value)
{
	if (dev.count == 4)
		abort(); /* no supported instruction makes more than two accesses */
	dev.log[dev.count++] = (struct access){write, size, write ? *value : 0};
	if (write ? dev.ctl & CTL_WRITE_FAIL : dev.ctl & CTL_READ_FAIL)
		return DEV_ERR;
	if (!write)
		*value = dev.read_value; /* unmasked: the emulator must mask */
	return 0;
}

static uint64_t mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t sext(uint64_t v, unsigned size)
{
	v &= mask(size);
	return v & (1ULL << (8 * size - 1)) ? v | ~mask(size) : v;
}

static uint64_t *slot(struct cpu *c, unsigned reg)
{
	return reg == REG_SP ? &c->rsp : &c->gpr[reg];
}

static uint64_t model_reg_read(struct cpu *c, unsigned reg, bool high8, unsigned size)
{
	if (high8)
		return (c->gpr[reg - 4] >> 8) & 0xff;
	return *slot(c, reg) & mask(size);
}

/* SDM 1 3.4.1.1: 32-bit results zero-extend, 8/16-bit ones merge. */
static void model_reg_write(struct cpu *c, unsigned reg, bool high8, unsigned size, uint64_t v)
{
	if (high8) {
		c->gpr[reg - 4] = (c->gpr[reg - 4] & ~0xff00ULL) | (v & 0xff) << 8;
		return;
	}
	uint64_t *s = slot(c, reg);
	*s = size == 4 ? v & mask(4) : (*s & ~mask(size)) | (v & mask(size));
}

/* What the bytes say about a MOV-family instruction, independently of the decoder. */
struct mov_form {
	unsigned op_size, mem_size, reg, imm_len;
	bool high8, moffs;
};

static bool mov_form(const uint8_t *b, unsigned len, enum x86_mode mode, struct mov_form *f)
{
	bool opsize = false, rex_w = false, rex_r = false, rex = false;
	unsigned i = 0;

	for (; i < len; i++) {
		uint8_t p = b[i];
		if (p == 0x66)
			opsize = true;
		else if (p == 0x67 || p == 0xf0 || p == 0xf2 || p == 0xf3 || p == 0x2e ||
			 p == 0x36 || p == 0x3e || p == 0x26 || p == 0x64 || p == 0x65)
			;
		else
			break;
	}
	/* SDM 2 2.2.1: REX counts only right before the opcode. */
	while (mode == X86_MODE_64 && i < len && (b[i] & 0xf0) == 0x40) {
		rex = true;
		rex_w = b[i] & 8;
		rex_r = b[i] & 4;
		i++;
	}
	if (i >= len)
		return false;
	unsigned osize = rex_w ? 8 : (mode == X86_MODE_16) != opsize ? 2 : 4;
	uint8_t op = b[i];
	uint8_t modrm = i + 1 < len ? b[i + 1] : 0;
	memset(f, 0, sizeof(*f));
	f->reg = ((modrm >> 3) & 7) | (rex_r ? 8 : 0);
	switch (op) {
	case 0x88:
	case 0x8a:
		f->op_size = f->mem_size = 1;
		break;
	case 0x89:
	case 0x8b:
		f->op_size = f->mem_size = osize;
		break;
	case 0xc6:
		f->op_size = f->mem_size = f->imm_len = 1;
		break;
	case 0xc7:
		f->op_size = f->mem_size = osize;
		f->imm_len = osize == 2 ? 2 : 4;
		break;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		f->op_size = f->mem_size = op & 1 ? osize : 1;
		f->reg = 0;
		f->moffs = true;
		break;
	case 0x63:
		if (!rex_w)
			return false; /* MOVSXD without REX.W: sizes by the book are murky */
		f->op_size = 8;
		f->mem_size = 4;
		break;
	case 0x0f:
		if (i + 2 >= len)
			return false;
		op = b[i + 1];
		modrm = b[i + 2];
		f->reg = ((modrm >> 3) & 7) | (rex_r ? 8 : 0);
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return false;
		f->op_size = osize;
		f->mem_size = op & 1 ? 2 : 1;
		break;
	default:
		return false;
	}
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM 2 3.1.1.1). */
	f->high8 = f->op_size == 1 && !rex && f->reg >= 4 && f->reg < 8 && !f->moffs;
	return true;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void run(const struct x86_insn *insn, struct cpu *c, bool with_rsp, int *ret,
		bool *advance)
{
	struct vcpu_regs regs;

	memcpy(&regs, c->gpr, sizeof(regs));
	*ret = mmio_emulate(insn, &regs, with_rsp ? &c->rsp : NULL, &c->rflags, dev_access, NULL,
			    advance);
	memcpy(c->gpr, &regs, sizeof(regs));
}

/* The MOV family, exactly: the result the model computes and the emulator's must agree. */
static void check_mov(const struct x86_insn *insn, const uint8_t *bytes, enum x86_mode mode,
		      const struct cpu *before, const struct cpu *after, int ret, bool advance,
		      bool with_rsp)
{
	struct mov_form f;
	struct cpu want = *before;
	bool load = insn->op != X86_OP_MOV_STORE;

	if (!mov_form(bytes, insn->len, mode, &f))
		return;
	if (f.op_size != insn->op_size || f.mem_size != insn->mem_size ||
	    (!insn->has_imm && (f.reg != insn->reg || f.high8 != insn->reg_high8)) ||
	    (insn->has_imm != (f.imm_len != 0)))
		abort(); /* the decoder disagrees with the bytes */
	if (f.imm_len &&
	    (insn->imm & mask(f.op_size)) !=
		(sext(le(bytes + insn->len - f.imm_len, f.imm_len), f.imm_len) & mask(f.op_size)))
		abort();

	int want_ret = 0;
	unsigned want_count = 1;
	struct access want_access = {!load, f.mem_size, 0};
	if (!f.imm_len && !f.high8 && f.reg == REG_SP && !with_rsp) {
		want_ret = -ENOTSUP;
		want_count = 0;
	} else if (load) {
		uint64_t v = dev.read_value & mask(f.mem_size);
		if (insn->op == X86_OP_MOVSX)
			v = sext(v, f.mem_size);
		if (dev.ctl & CTL_READ_FAIL)
			want_ret = DEV_ERR;
		else
			model_reg_write(&want, f.reg, f.high8, f.op_size, v);
	} else {
		want_access.value =
		    (f.imm_len ? insn->imm : model_reg_read(&want, f.reg, f.high8, f.op_size)) &
		    mask(f.mem_size);
		if (dev.ctl & CTL_WRITE_FAIL)
			want_ret = DEV_ERR;
	}
	if (ret != want_ret || advance != (want_ret == 0) || dev.count != want_count)
		abort();
	if (want_count &&
	    (dev.log[0].write != want_access.write || dev.log[0].size != want_access.size ||
	     dev.log[0].value != want_access.value))
		abort();
	if (memcmp(after, &want, sizeof(want)))
		abort();
}

/* Registers an instruction may write: ALU "op r, r/m" destinations, XCHG, strings. */
static void writable_regs(const struct x86_insn *insn, bool may[16])
{
	memset(may, 0, 16 * sizeof(bool));
	unsigned reg = insn->reg_high8 ? insn->reg - 4 : insn->reg;
	switch (insn->op) {
	case X86_OP_XCHG:
		may[reg & 15] = true;
		break;
	case X86_OP_STOS:
		may[7] = may[1] = true;
		break;
	case X86_OP_LODS:
		may[0] = may[6] = may[1] = true;
		break;
	case X86_OP_NOT:
	case X86_OP_NEG:
	case X86_OP_INC:
	case X86_OP_DEC:
	case X86_OP_BT:
	case X86_OP_BTS:
	case X86_OP_BTR:
	case X86_OP_BTC:
	case X86_OP_MOVS:
		break;
	default:
		if (insn->reg_is_dst && !insn->has_imm && insn->op != X86_OP_CMP &&
		    insn->op != X86_OP_TEST)
			may[reg & 15] = true;
	}
}

static void check_other(const struct x86_insn *insn, const struct cpu *before,
			const struct cpu *after, int ret, bool advance)
{
	bool may[16];
	uint64_t flags_ok = insn->op == X86_OP_BT || insn->op == X86_OP_BTS ||
				    insn->op == X86_OP_BTR || insn->op == X86_OP_BTC
				? RFLAGS_CF
			    : insn->op == X86_OP_NOT || insn->op == X86_OP_XCHG ||
				    insn->op == X86_OP_STOS || insn->op == X86_OP_LODS
				? 0
				: RFLAGS_ARITH;

	if (ret != 0 && ret != -ENOTSUP && ret != DEV_ERR)
		abort();
	if (ret != 0 && (advance || memcmp(before, after, sizeof(*before))))
		abort(); /* a failed emulation leaves the guest as it was */
	if (ret == -ENOTSUP && dev.count)
		abort();
	for (unsigned i = 0; i < dev.count; i++)
		if (dev.log[i].size != insn->op_size ||
		    (dev.log[i].write && (dev.log[i].value & ~mask(insn->op_size))))
			abort();
	if ((before->rflags ^ after->rflags) & ~flags_ok)
		abort();
	writable_regs(insn, may);
	for (unsigned r = 0; r < 16; r++) {
		uint64_t b = r == REG_SP ? before->rsp : before->gpr[r];
		uint64_t a = r == REG_SP ? after->rsp : after->gpr[r];

		if (a == b)
			continue;
		if (!may[r])
			abort();
		/* Strings write rSI/rDI/rCX at the address size, others at the operand size. */
		bool string = insn->op == X86_OP_STOS || insn->op == X86_OP_LODS;
		unsigned size = string && r != 0 ? insn->addr_size : insn->op_size;
		uint64_t changed = a ^ b;
		if (insn->reg_high8 && !string)
			changed >>= 8;
		if (size == 4 && !insn->reg_high8 && (a >> 32))
			abort(); /* SDM 1 3.4.1.1: a 32-bit result zero-extends */
		if (size < 4 && (changed & ~mask(size)))
			abort();
	}
	(void)advance;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[1 + X86_MAX_INSN_LEN + 8 + 8 + 17 * 8];
	struct cpu before, after;
	struct x86_insn insn;

	/* Missing state keeps a pattern with every byte distinct from its neighbours. */
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	if (!size)
		return 0;

	enum x86_mode mode = (enum x86_mode)(in[0] % 3);
	uint8_t *bytes = malloc(X86_MAX_INSN_LEN); /* exact size for ASan */
	memcpy(bytes, in + 1, X86_MAX_INSN_LEN);
	if (x86_decode(bytes, X86_MAX_INSN_LEN, mode, &insn) || !insn.mem ||
	    !mmio_emulate_supports(&insn))
		goto out;
	if (insn.op_size > 8 || !((MMIO_EMU_SIZES_OK >> insn.op_size) & 1) ||
	    insn.mem_size > 8 || !((MMIO_EMU_SIZES_OK >> insn.mem_size) & 1))
		abort();

	const uint8_t *st = in + 1 + X86_MAX_INSN_LEN;
	memset(&dev, 0, sizeof(dev));
	dev.ctl = in[0];
	dev.read_value = le(st, 8);
	before.rflags = le(st + 8, 8);
	for (unsigned r = 0; r < 16; r++)
		before.gpr[r] = le(st + 16 + 8 * r, 8);
	before.gpr[REG_SP] = 0; /* not a field the emulator may use */
	before.rsp = le(st + 16 + 8 * 16, 8);
	after = before;

	bool with_rsp = !(in[0] & CTL_NO_RSP), advance = false;
	int ret;
	run(&insn, &after, with_rsp, &ret, &advance);
	if (after.gpr[REG_SP] != 0)
		abort();
	if (insn.op >= X86_OP_MOV_STORE && insn.op <= X86_OP_MOVSX)
		check_mov(&insn, bytes, mode, &before, &after, ret, advance, with_rsp);
	else
		check_other(&insn, &before, &after, ret, advance);
out:
	free(bytes);
	return 0;
}
