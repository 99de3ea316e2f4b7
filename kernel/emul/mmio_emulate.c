/*
 * MMIO instruction emulation. Owns instruction semantics for decoded
 * instructions: register reads and writes with x86-64 width rules, the
 * arithmetic flags, string-instruction pointer and count updates. It does
 * not decode, translate addresses or touch RIP: the caller advances RIP when
 * told to. Guest state changes only after every device access succeeded.
 */
#include "kernel/emul/mmio_emulate.h"

#include <errno.h>

/* RFLAGS bits (SDM 1 3.4.3). */
#define RFLAGS_CF    (1ULL << 0)
#define RFLAGS_PF    (1ULL << 2)
#define RFLAGS_AF    (1ULL << 4)
#define RFLAGS_ZF    (1ULL << 6)
#define RFLAGS_SF    (1ULL << 7)
#define RFLAGS_DF    (1ULL << 10)
#define RFLAGS_OF    (1ULL << 11)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

#define EMU_REG_AX	 0
#define EMU_REG_SI	 6
#define EMU_REG_DI	 7
#define EMU_NIBBLE_CARRY 0x10 /* AF: carry or borrow out of bit 3 */

static int reg_read(struct mmio_emu *e, unsigned reg, bool high8, unsigned size, uint64_t *val)
{
	uint64_t *slot;
	int ret;

	if (high8) {
		/* AH, CH, DH, BH: bits 15:8 of rAX..rBX (encodings 4-7). */
		*val = (*vcpu_gpr(e->regs, reg & 3) >> MMIO_EMU_HIGH8_SHIFT) & MMIO_EMU_BYTE_MASK;
		return 0;
	}
	ret = mmio_emu_gpr(e, reg, &slot);
	if (ret)
		return ret;
	*val = *slot & mmio_emu_size_mask(size);
	return 0;
}

static uint64_t sign_bit(unsigned size)
{
	return 1ULL << (8 * size - 1);
}

static uint64_t flags_szp(uint64_t res, unsigned size)
{
	uint64_t f = 0, p;

	res &= mmio_emu_size_mask(size);
	if (res == 0)
		f |= RFLAGS_ZF;
	if (res & sign_bit(size))
		f |= RFLAGS_SF;
	/* PF: even number of set bits in the low byte (folded; no libgcc popcount here). */
	p = res & MMIO_EMU_BYTE_MASK;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= RFLAGS_PF;
	return f;
}

/*
 * a op b (+/- carry) at `size`. Returns the result; *flags gets the new
 * CF/PF/AF/ZF/SF/OF per the SDM 2 pages of each instruction (AF is undefined
 * after logic ops; it is cleared, as hardware does).
 */
static uint64_t alu(enum x86_op op, uint64_t a, uint64_t b, bool carry_in, unsigned size,
		    uint64_t *flags)
{
	uint64_t m = mmio_emu_size_mask(size), res, f = 0;
	bool c;

	a &= m;
	b &= m;
	switch (op) {
	case X86_OP_ADD:
	case X86_OP_ADC:
	case X86_OP_INC:
		c = op == X86_OP_ADC && carry_in;
		res = (a + b + c) & m;
		if (c ? res <= a : res < a)
			f |= RFLAGS_CF;
		if ((a ^ res) & (b ^ res) & sign_bit(size))
			f |= RFLAGS_OF;
		if ((a ^ b ^ res) & EMU_NIBBLE_CARRY)
			f |= RFLAGS_AF;
		break;
	case X86_OP_SUB:
	case X86_OP_SBB:
	case X86_OP_CMP:
	case X86_OP_DEC:
	case X86_OP_NEG:
		c = op == X86_OP_SBB && carry_in;
		res = (a - b - c) & m;
		if (c ? a <= b : a < b)
			f |= RFLAGS_CF;
		if ((a ^ b) & (a ^ res) & sign_bit(size))
			f |= RFLAGS_OF;
		if ((a ^ b ^ res) & EMU_NIBBLE_CARRY)
			f |= RFLAGS_AF;
		break;
	case X86_OP_AND:
	case X86_OP_TEST:
		res = a & b;
		break;
	case X86_OP_OR:
		res = a | b;
		break;
	default: /* X86_OP_XOR */
		res = a ^ b;
		break;
	}
	*flags = f | flags_szp(res, size);
	return res;
}

static bool op_is_alu(enum x86_op op)
{
	switch (op) {
	case X86_OP_ADD:
	case X86_OP_OR:
	case X86_OP_ADC:
	case X86_OP_SBB:
	case X86_OP_AND:
	case X86_OP_SUB:
	case X86_OP_XOR:
	case X86_OP_CMP:
	case X86_OP_TEST:
		return true;
	default:
		return false;
	}
}

static int dev_write(mmio_access_fn access, void *ctx, unsigned size, uint64_t val)
{
	uint64_t v = val & mmio_emu_size_mask(size);

	return access(ctx, true, size, &v);
}

static void set_arith_flags(struct mmio_emu *e, uint64_t flags, uint64_t affected)
{
	*e->rflags = (*e->rflags & ~affected) | (flags & affected);
}

/* Two-operand ALU ops: "op r/m, r", "op r, r/m", "op r/m, imm", TEST, CMP. */
static int emu_alu(struct mmio_emu *e, const struct x86_insn *insn, mmio_access_fn access,
		   void *ctx)
{
	unsigned size = insn->op_size;
	bool carry = *e->rflags & RFLAGS_CF;
	bool writes = insn->op != X86_OP_CMP && insn->op != X86_OP_TEST;
	uint64_t mem, other = insn->imm, res, flags;
	int ret;

	if (!insn->has_imm) {
		ret = reg_read(e, insn->reg, insn->reg_high8, size, &other);
		if (ret)
			return ret;
	}
	ret = mmio_emu_dev_read(access, ctx, size, &mem);
	if (ret)
		return ret;
	if (insn->reg_is_dst && !insn->has_imm) {
		res = alu(insn->op, other, mem, carry, size, &flags);
		if (writes)
			mmio_emu_reg_write(e, insn->reg, insn->reg_high8, size, res);
	} else {
		res = alu(insn->op, mem, other, carry, size, &flags);
		if (writes) {
			ret = dev_write(access, ctx, size, res);
			if (ret)
				return ret;
		}
	}
	set_arith_flags(e, flags, RFLAGS_ARITH);
	return 0;
}

/* NOT, NEG, INC, DEC on memory. */
static int emu_unary(struct mmio_emu *e, const struct x86_insn *insn, mmio_access_fn access,
		     void *ctx)
{
	unsigned size = insn->op_size;
	uint64_t mem, res, flags = 0, affected = RFLAGS_ARITH;
	int ret = mmio_emu_dev_read(access, ctx, size, &mem);

	if (ret)
		return ret;
	switch (insn->op) {
	case X86_OP_NOT:
		res = ~mem;
		affected = 0; /* SDM 2 NOT: flags unaffected */
		break;
	case X86_OP_NEG:
		res = alu(X86_OP_NEG, 0, mem, false, size, &flags);
		break;
	case X86_OP_INC:
		res = alu(X86_OP_INC, mem, 1, false, size, &flags);
		affected &= ~RFLAGS_CF; /* SDM 2 INC/DEC: CF unaffected */
		break;
	default: /* X86_OP_DEC */
		res = alu(X86_OP_DEC, mem, 1, false, size, &flags);
		affected &= ~RFLAGS_CF;
		break;
	}
	ret = dev_write(access, ctx, size, res);
	if (ret)
		return ret;
	set_arith_flags(e, flags, affected);
	return 0;
}

/*
 * BT/BTS/BTR/BTC r/m, imm8: SDM 2 BT: the offset is taken modulo the operand
 * size, so the access stays inside the operand. Only CF is defined.
 */
static int emu_bit(struct mmio_emu *e, const struct x86_insn *insn, mmio_access_fn access,
		   void *ctx)
{
	unsigned size = insn->op_size;
	uint64_t bit = 1ULL << (insn->imm & (8 * size - 1)), mem, res;
	int ret = mmio_emu_dev_read(access, ctx, size, &mem);

	if (ret)
		return ret;
	if (insn->op != X86_OP_BT) {
		res = insn->op == X86_OP_BTS   ? mem | bit
		      : insn->op == X86_OP_BTR ? mem & ~bit
					       : mem ^ bit;
		ret = dev_write(access, ctx, size, res);
		if (ret)
			return ret;
	}
	set_arith_flags(e, (mem & bit) ? RFLAGS_CF : 0, RFLAGS_CF);
	return 0;
}

/* SDM 2 XCHG: the register gets the old memory value, memory gets the register. */
static int emu_xchg(struct mmio_emu *e, const struct x86_insn *insn, mmio_access_fn access,
		    void *ctx)
{
	unsigned size = insn->op_size;
	uint64_t mem, val;
	int ret = reg_read(e, insn->reg, insn->reg_high8, size, &val);

	if (ret)
		return ret;
	ret = mmio_emu_dev_read(access, ctx, size, &mem);
	if (ret)
		return ret;
	ret = dev_write(access, ctx, size, val);
	if (ret)
		return ret;
	mmio_emu_reg_write(e, insn->reg, insn->reg_high8, size, mem);
	return 0;
}

/* Write an address-size register (rSI, rDI, rCX) as the string instructions do. */
static void reg_write_addr(struct mmio_emu *e, unsigned reg, unsigned addr_size, uint64_t val)
{
	mmio_emu_reg_write(e, reg, false, addr_size, val);
}

/*
 * STOS and LODS, one iteration. SDM 2 REP: the count is rCX of the address
 * size; with a zero count nothing is accessed. The pointer moves by the
 * operand size, down when RFLAGS.DF is set.
 */
static int emu_string(struct mmio_emu *e, const struct x86_insn *insn, mmio_access_fn access,
		      void *ctx, bool *advance_rip)
{
	unsigned size = insn->op_size, asz = insn->addr_size;
	unsigned ptr_reg = insn->op == X86_OP_STOS ? EMU_REG_DI : EMU_REG_SI;
	uint64_t amask = mmio_emu_size_mask(asz), count = 0, val, ptr;
	int ret;

	if (insn->rep) {
		count = *vcpu_gpr(e->regs, 1) & amask;
		if (count == 0) {
			*advance_rip = true;
			return 0;
		}
	}
	if (insn->op == X86_OP_STOS) {
		ret = reg_read(e, EMU_REG_AX, false, size, &val);
		if (!ret)
			ret = dev_write(access, ctx, size, val);
	} else {
		ret = mmio_emu_dev_read(access, ctx, size, &val);
		if (!ret)
			mmio_emu_reg_write(e, EMU_REG_AX, false, size, val);
	}
	if (ret)
		return ret;

	ptr = *vcpu_gpr(e->regs, ptr_reg);
	ptr = (*e->rflags & RFLAGS_DF) ? ptr - size : ptr + size;
	reg_write_addr(e, ptr_reg, asz, ptr & amask);
	if (insn->rep) {
		count--;
		reg_write_addr(e, 1, asz, count);
		*advance_rip = count == 0;
	} else {
		*advance_rip = true;
	}
	return 0;
}

/* Everything but the loads: read-modify-write, stores, exchanges, bits and strings. */
int mmio_emulate_other(const struct x86_insn *insn, struct vcpu_regs *regs, uint64_t *rsp,
		       uint64_t *rflags, mmio_access_fn access, void *ctx, bool *advance_rip)
{
	struct mmio_emu emu = {.regs = regs, .rsp = rsp, .rflags = rflags}, *e = &emu;
	unsigned size = insn->op_size;
	uint64_t val;
	int ret;

	if (op_is_alu(insn->op)) {
		ret = emu_alu(e, insn, access, ctx);
	} else {
		switch (insn->op) {
		case X86_OP_MOV_STORE:
			if (insn->has_imm) {
				val = insn->imm;
			} else {
				ret = reg_read(e, insn->reg, insn->reg_high8, size, &val);
				if (ret)
					return ret;
			}
			ret = dev_write(access, ctx, insn->mem_size, val);
			break;
		case X86_OP_XCHG:
			ret = emu_xchg(e, insn, access, ctx);
			break;
		case X86_OP_NOT:
		case X86_OP_NEG:
		case X86_OP_INC:
		case X86_OP_DEC:
			ret = emu_unary(e, insn, access, ctx);
			break;
		case X86_OP_BT:
		case X86_OP_BTS:
		case X86_OP_BTR:
		case X86_OP_BTC:
			ret = emu_bit(e, insn, access, ctx);
			break;
		case X86_OP_STOS:
		case X86_OP_LODS:
			return emu_string(e, insn, access, ctx, advance_rip);
		default: /* MOVS: both sides are memory, one callback cannot serve them */
			return -ENOTSUP;
		}
	}
	if (ret)
		return ret;
	*advance_rip = true;
	return 0;
}
