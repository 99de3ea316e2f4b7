/*
 * The x86 instruction decoder. Owns the encoding rules (prefixes, REX, VEX,
 * opcode maps, ModRM/SIB, displacements, immediates) and the naming of the
 * instructions the hypervisor acts on, nothing else: it does not touch guest
 * state or memory, and the semantics live with the callers
 * (kernel/emul/mmio_emulate.c, exit_io.c, arch/x86/svm/svm_exit.c). Every byte read goes through
 * dec_byte(), which bounds it by both the valid length and the 15-byte
 * architectural limit, so any input terminates within 15 steps. This file
 * reads the bytes (prefixes, REX/VEX, ModRM/SIB, operands); what each opcode
 * is comes from the tables in x86_opcodes.c.
 */
#include "kernel/emul/x86_decode.h"

#include <errno.h>

#include "kernel/emul/x86_decode_internal.h"


static inline __attribute__((always_inline)) int dec_byte(struct dec *d, uint8_t *out)
{
	if (d->pos >= X86_MAX_INSN_LEN)
		return -E2BIG;
	if (d->pos >= d->valid)
		return -EINVAL;
	*out = d->bytes[d->pos++];
	return 0;
}

/* Little-endian n-byte field, sign-extended to 64 bits. */
static int dec_signed(struct dec *d, unsigned n, int64_t *out)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		uint8_t b;
		int ret = dec_byte(d, &b);

		if (ret)
			return ret;
		v |= (uint64_t)b << (8 * i);
	}
	if (n < sizeof(v) && (v >> (8 * n - 1)) & 1)
		v |= ~0ULL << (8 * n);
	*out = (int64_t)v;
	return 0;
}

static int dec_unsigned(struct dec *d, unsigned n, uint64_t *out)
{
	int64_t v;
	int ret = dec_signed(d, n, &v);

	if (ret)
		return ret;
	*out = n < sizeof(v) ? (uint64_t)v & ((1ULL << (8 * n)) - 1) : (uint64_t)v;
	return 0;
}

/* SDM 2 table 2-1: the eight 16-bit addressing forms. */
static const uint8_t modrm16_base[8] = {REG_BX,	      REG_BX,	    REG_BP, REG_BP,
					X86_REG_NONE, X86_REG_NONE, REG_BP, REG_BX};
static const uint8_t modrm16_index[8] = {REG_SI, REG_DI, REG_SI,       REG_DI,
					 REG_SI, REG_DI, X86_REG_NONE, X86_REG_NONE};

static int dec_modrm16(struct dec *d, struct x86_insn *insn, uint8_t modrm)
{
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);

	if (mod == 0 && rm == RM16_DISP16) {
		insn->base = X86_REG_NONE;
		insn->index = X86_REG_NONE;
		return dec_signed(d, 2, &insn->disp);
	}
	insn->base = modrm16_base[rm];
	insn->index = modrm16_index[rm];
	if (mod == MOD_DISP8)
		return dec_signed(d, 1, &insn->disp);
	if (mod == MOD_DISP32)
		return dec_signed(d, 2, &insn->disp);
	return 0;
}

static inline __attribute__((always_inline)) int
dec_modrm32(struct dec *d, struct x86_insn *insn, uint8_t modrm, uint8_t rex, enum x86_mode mode)
{
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);
	bool disp32 = mod == MOD_DISP32;
	int ret;

	insn->index = X86_REG_NONE;
	if (rm == RM_SIB) {
		uint8_t sib;
		unsigned index, base;

		ret = dec_byte(d, &sib);
		if (ret)
			return ret;
		insn->scale = 1u << MODRM_MOD(sib);
		/* SDM 2 2.2.1.2: index 100b is "none" only without REX.X (r12 is a valid index). */
		index = MODRM_REG(sib) | (rex & REX_X ? 8 : 0);
		insn->index = index == SIB_NO_INDEX ? X86_REG_NONE : index;
		base = MODRM_RM(sib);
		/* The no-base form is decided on the low 3 bits: r13 with mod=0 is disp32 too. */
		if (base == SIB_NO_BASE && mod == 0) {
			insn->base = X86_REG_NONE;
			disp32 = true;
		} else {
			insn->base = base | (rex & REX_B ? 8 : 0);
		}
	} else if (rm == RM_DISP32 && mod == 0) {
		/* SDM 2 2.2.1.6: in 64-bit mode this form is RIP-relative. */
		insn->base = X86_REG_NONE;
		insn->rip_rel = mode == X86_MODE_64;
		disp32 = true;
	} else {
		insn->base = rm | (rex & REX_B ? 8 : 0);
	}
	if (mod == MOD_DISP8)
		return dec_signed(d, 1, &insn->disp);
	if (disp32)
		return dec_signed(d, 4, &insn->disp);
	return 0;
}

/*
 * ModRM and its SIB/displacement. d->reg_field gets ModRM.reg without REX.R
 * (groups use it as an opcode extension), d->modrm the whole byte.
 */
static inline __attribute__((always_inline)) int dec_modrm(struct dec *d, struct x86_insn *insn)
{
	uint8_t modrm;
	int ret = dec_byte(d, &modrm);

	if (ret)
		return ret;
	d->modrm = modrm;
	d->reg_field = MODRM_REG(modrm);
	insn->reg = MODRM_REG(modrm) | (d->rex & REX_R ? 8 : 0);
	insn->scale = 1;
	insn->seg = X86_SEG_DS;
	if (MODRM_MOD(modrm) == MOD_REG) {
		insn->mem = false;
		insn->rm = MODRM_RM(modrm) | (d->rex & REX_B ? 8 : 0);
		return 0;
	}
	insn->mem = true;
	if (insn->addr_size == 2)
		ret = dec_modrm16(d, insn, modrm);
	else
		ret = dec_modrm32(d, insn, modrm, d->rex, d->mode);
	if (ret)
		return ret;
	/* SDM 3A 3.7.4: BP/SP-based addressing defaults to SS. */
	if (insn->base == REG_BP || insn->base == REG_SP)
		insn->seg = X86_SEG_SS;
	return 0;
}

/* MOV CR/DR: SDM 2 MOV CR: ModRM.mod is ignored, the r/m operand is always a GPR. */
static int dec_modrm_crdr(struct dec *d, struct x86_insn *insn)
{
	uint8_t modrm;
	int ret = dec_byte(d, &modrm);

	if (ret)
		return ret;
	d->modrm = modrm;
	d->reg_field = MODRM_REG(modrm);
	insn->cr = MODRM_REG(modrm) | (d->rex & REX_R ? 8 : 0);
	insn->rm = MODRM_RM(modrm) | (d->rex & REX_B ? 8 : 0);
	insn->mem = false;
	return 0;
}


/* Little-endian immediate, sign-extended; only the first one is kept (ENTER's ib is not). */
static int dec_imm(struct dec *d, struct x86_insn *insn, unsigned n)
{
	int64_t v;
	int ret = dec_signed(d, n, &v);

	if (ret)
		return ret;
	if (!insn->has_imm) {
		insn->has_imm = true;
		insn->imm = (uint64_t)v;
	}
	return 0;
}

static int dec_operands(struct dec *d, struct x86_insn *insn, unsigned shape)
{
	unsigned osz = d->osz;
	int ret = 0;

	if (shape & SH_CRDR)
		ret = dec_modrm_crdr(d, insn);
	else if (shape & SH_MODRM)
		ret = dec_modrm(d, insn);
	if (ret)
		return ret;
	/* Group 3: TEST (/0, and the /1 alias) takes an immediate, the rest do not. */
	if (insn->map == X86_MAP_1BYTE &&
	    (insn->opcode == OPC_GRP3_EB || insn->opcode == OPC_GRP3_EV) && d->reg_field <= 1)
		shape |= insn->opcode == OPC_GRP3_EB ? SH_IB : SH_IZ;

	if (shape & SH_MOFFS) {
		uint64_t moffs;

		/* SDM 2 MOV: the offset is address-size wide, no ModRM. */
		insn->mem = true;
		insn->seg = X86_SEG_DS;
		ret = dec_unsigned(d, insn->addr_size, &moffs);
		if (ret)
			return ret;
		insn->disp = (int64_t)moffs;
	}
	if (shape & SH_FAR)
		ret = dec_imm(d, insn, osz == 2 ? 4 : 6);
	if (!ret && (shape & SH_IZ))
		ret = dec_imm(d, insn, osz == 2 ? 2 : 4);
	if (!ret && (shape & SH_IV))
		ret = dec_imm(d, insn, osz);
	if (!ret && (shape & SH_IW))
		ret = dec_imm(d, insn, 2);
	if (!ret && (shape & SH_IB))
		ret = dec_imm(d, insn, 1);
	return ret;
}


/* Legacy prefixes and REX; returns the first byte after them in *opc. */
static int dec_prefixes(struct dec *d, uint8_t *opc)
{
	for (;;) {
		int ret = dec_byte(d, opc);

		if (ret)
			return ret;
		switch (*opc) {
		case PFX_OPSIZE:
			d->opsize_pfx = true;
			break;
		case PFX_ADDRSIZE:
			d->addrsize_pfx = true;
			break;
		case PFX_LOCK:
			d->lock = true;
			break;
		case PFX_REP:
		case PFX_REPNE:
			d->rep = true;
			d->last_rep = *opc;
			break;
		case PFX_ES:
		case PFX_CS:
		case PFX_SS:
		case PFX_DS:
		case PFX_FS:
		case PFX_GS:
			d->seg_override = true;
			d->seg = *opc == PFX_ES	  ? X86_SEG_ES
				 : *opc == PFX_CS ? X86_SEG_CS
				 : *opc == PFX_SS ? X86_SEG_SS
				 : *opc == PFX_DS ? X86_SEG_DS
				 : *opc == PFX_FS ? X86_SEG_FS
						  : X86_SEG_GS;
			break;
		default:
			/* SDM 2 2.2.1: REX exists only in 64-bit mode (else INC/DEC). */
			if (d->mode == X86_MODE_64 && (*opc & REX_MASK) == REX_BASE) {
				d->rex = *opc;
				continue;
			}
			return 0;
		}
		/* A REX followed by a legacy prefix is ignored (SDM 2 2.2.1). */
		d->rex = 0;
	}
}

/*
 * C4/C5: VEX outside 64-bit mode only when the next byte has mod=11 (else
 * LES/LDS); 62 with mod=11 (or any 62 in 64-bit mode) is EVEX, 8F with
 * ModRM.reg != 0 is XOP. SDM 2 2.3.5, 2.3.11; APM 3 1.9.
 */
static int dec_vex(struct dec *d, struct x86_insn *insn, uint8_t opc, bool *is_vex)
{
	uint8_t b1, b2 = 0; /* C5 has no W: 0 */
	int ret;

	*is_vex = false;
	if (opc != OPC_VEX3 && opc != OPC_VEX2 && opc != OPC_EVEX)
		return 0;
	if (d->mode != X86_MODE_64) {
		if (d->pos >= d->valid)
			return d->pos >= X86_MAX_INSN_LEN ? -E2BIG : -EINVAL;
		if (MODRM_MOD(d->bytes[d->pos]) != MOD_REG)
			return 0;
	}
	if (opc == OPC_EVEX)
		return -ENOTSUP;
	/* SDM 2 2.3.2: 66, F2, F3, LOCK or REX before VEX is #UD. */
	if (d->opsize_pfx || d->rep || d->lock || d->rex)
		return -ENOTSUP;
	ret = dec_byte(d, &b1);
	if (ret)
		return ret;
	if (opc == OPC_VEX3) {
		ret = dec_byte(d, &b2);
		if (ret)
			return ret;
		switch (b1 & VEX3_MAP_MASK) {
		case X86_MAP_0F:
		case X86_MAP_0F38:
		case X86_MAP_0F3A:
			insn->map = b1 & VEX3_MAP_MASK;
			break;
		default:
			return -ENOTSUP;
		}
	} else {
		insn->map = X86_MAP_0F;
		b1 |= VEX2_IMPLIED_XB; /* C5 has only R, where C4 has it; X and B are 0 */
	}
	/* VEX.R/X/B are inverted REX bits; outside 64-bit mode they are not used. */
	if (d->mode == X86_MODE_64)
		d->rex = REX_BASE | (b1 & VEX_NOT_R ? 0 : REX_R) | (b1 & VEX_NOT_X ? 0 : REX_X) |
			 (b1 & VEX_NOT_B ? 0 : REX_B) | (b2 & VEX_W ? REX_W : 0);
	*is_vex = true;
	return 0;
}

/* Operand and address size from the mode, 66, 67 and REX.W (SDM 2 2.2.1.2, 3A 3.6). */
static inline __attribute__((always_inline)) void dec_sizes(struct dec *d, struct x86_insn *insn)
{
	if (d->mode == X86_MODE_64) {
		/* SDM 2 2.2.1.2: REX.W takes precedence over 66. */
		d->osz = (d->rex & REX_W) ? 8 : d->opsize_pfx ? 2 : 4;
		insn->addr_size = d->addrsize_pfx ? 4 : 8;
	} else {
		d->osz = ((d->mode == X86_MODE_32) != d->opsize_pfx) ? 4 : 2;
		insn->addr_size = ((d->mode == X86_MODE_32) != d->addrsize_pfx) ? 4 : 2;
	}
	insn->op_size = d->osz;
}

static void dec_start(struct dec *d, struct x86_insn *insn, const uint8_t *bytes, unsigned valid,
		      enum x86_mode mode)
{
	*d = (struct dec){.bytes = bytes, .valid = MIN(valid, X86_MAX_INSN_LEN), .mode = mode};
	*insn = (struct x86_insn){.reg = X86_REG_NONE,
				  .base = X86_REG_NONE,
				  .index = X86_REG_NONE,
				  .scale = 1,
				  .seg = X86_SEG_DS};
}

/* Without any REX, 8-bit register encodings 4-7 are AH, CH, DH, BH. */
static void dec_high8(const struct dec *d, struct x86_insn *insn)
{
	if (d->rex)
		return;
	if (insn->op_size == 1 && insn->reg >= HIGH8_FIRST && insn->reg < 8 &&
	    insn->op != X86_OP_STOS && insn->op != X86_OP_LODS && insn->op != X86_OP_MOVS)
		insn->reg_high8 = true;
	if (!insn->mem && insn->mem_size == 1 && insn->rm >= HIGH8_FIRST && insn->rm < 8)
		insn->rm_high8 = true;
}

/*
 * The forms MMIO exits nearly always meet, in a straight line: MOV between
 * a register and memory (88-8B), MOV of an immediate to memory (C6/C7 /0)
 * and MOVZX (0F B6/B7), with no prefix but one REX. It shares the ModRM,
 * immediate and size code with the full decoder and must give exactly its
 * answer (tests/unit/test_x86_decode.c compares the two); -EAGAIN leaves
 * anything else, a register operand or an error to the full decoder.
 */
static int dec_common_mov(struct dec *d, struct x86_insn *insn)
{
	uint8_t opc;
	int ret = dec_byte(d, &opc);

	if (!ret && d->mode == X86_MODE_64 && (opc & REX_MASK) == REX_BASE) {
		d->rex = opc;
		insn->rex = true;
		ret = dec_byte(d, &opc);
	}
	if (ret)
		return -EAGAIN;
	dec_sizes(d, insn);
	insn->opcode = opc;
	switch (opc) {
	case OPC_MOV_EB_GB:
	case OPC_MOV_EV_GV:
		insn->op = X86_OP_MOV_STORE;
		break;
	case OPC_MOV_GB_EB:
	case OPC_MOV_GV_EV:
		insn->op = X86_OP_MOV_LOAD;
		insn->reg_is_dst = true;
		break;
	case OPC_MOV_EB_IB:
	case OPC_MOV_EV_IZ:
		insn->op = X86_OP_MOV_STORE;
		break;
	case OPC_TWO_BYTE:
		if (dec_byte(d, &opc) || (opc != OPC2_MOVZX_B && opc != OPC2_MOVZX_W))
			return -EAGAIN;
		insn->map = X86_MAP_0F;
		insn->opcode = opc;
		insn->op = X86_OP_MOVZX;
		insn->mem_size = opc == OPC2_MOVZX_B ? 1 : 2;
		insn->reg_is_dst = true;
		break;
	default:
		return -EAGAIN;
	}
	if (dec_modrm(d, insn) || !insn->mem)
		return -EAGAIN;
	if (opc == OPC_MOV_EB_IB || opc == OPC_MOV_EV_IZ) {
		if (d->reg_field != GRP11_MOV || dec_imm(d, insn,
							 opc == OPC_MOV_EB_IB ? 1
							 : d->osz == 2	      ? 2
									      : 4))
			return -EAGAIN;
		insn->reg = X86_REG_NONE;
	}
	if (insn->map == X86_MAP_1BYTE && !(opc & OPC_ALU_BYTE_BIT))
		insn->op_size = 1;
	if (insn->mem_size == 0)
		insn->mem_size = insn->op_size;
	dec_high8(d, insn);
	insn->len = d->pos;
	return 0;
}

/*
 * The full decoder: every prefix, map and shape. x86_decode() tries the
 * straight line for the common MOVs (dec_common_mov) first.
 */
static int dec_full(struct dec *d, struct x86_insn *insn)
{
	uint8_t opc;
	unsigned shape;
	int ret;

	ret = dec_prefixes(d, &opc);
	if (!ret)
		ret = dec_vex(d, insn, opc, &insn->vex);
	if (ret)
		return ret;
	insn->rex = d->rex != 0 && !insn->vex;
	dec_sizes(d, insn);

	if (insn->vex) {
		ret = dec_byte(d, &opc);
	} else if (opc == OPC_TWO_BYTE) {
		insn->map = X86_MAP_0F;
		ret = dec_byte(d, &opc);
		if (!ret && (opc == OPC2_ESC_38 || opc == OPC2_ESC_3A)) {
			insn->map = opc == OPC2_ESC_38 ? X86_MAP_0F38 : X86_MAP_0F3A;
			ret = dec_byte(d, &opc);
		}
	}
	if (ret)
		return ret;
	insn->opcode = opc;
	shape = x86_opcode_shape(insn->map, opc);
	if ((shape & SH_UD) || ((shape & SH_INV64) && d->mode == X86_MODE_64))
		return -ENOTSUP;
	ret = dec_operands(d, insn, shape);
	if (ret)
		return ret;

	if (insn->vex)
		ret = 0; /* sized, not named */
	else if (insn->map == X86_MAP_1BYTE) {
		if (x86_opcode_is_byte(opc))
			insn->op_size = 1;
		ret = x86_classify_1byte(d, insn);
	} else if (insn->map == X86_MAP_0F) {
		ret = x86_classify_0f(d, insn);
	}
	if (ret)
		return ret;

	/* Port I/O has no 64-bit form: REX.W leaves it at 32 bits. */
	if (insn->op >= X86_OP_IN && insn->op <= X86_OP_OUTS && insn->op_size == 8)
		insn->op_size = 4;
	if (insn->mem_size == 0)
		insn->mem_size = insn->op_size;
	dec_high8(d, insn);
	if (d->seg_override && insn->op != X86_OP_STOS && insn->op != X86_OP_INS) {
		insn->seg = d->seg;
		insn->seg_override = true;
	}
	if (d->lock && !x86_lock_allowed(d, insn))
		return -ENOTSUP;
	insn->lock = d->lock || (insn->op == X86_OP_XCHG && insn->mem); /* XCHG locks implicitly */
	insn->len = d->pos;
	return 0;
}

static int decode(const uint8_t *bytes, unsigned valid, enum x86_mode mode, struct x86_insn *insn,
		  bool try_common_mov)
{
	struct dec d;

	dec_start(&d, insn, bytes, valid, mode);
	if (mode != X86_MODE_16 && mode != X86_MODE_32 && mode != X86_MODE_64)
		return -EINVAL;
	if (try_common_mov) {
		if (dec_common_mov(&d, insn) == 0)
			return 0;
		dec_start(&d, insn, bytes, valid, mode);
	}
	return dec_full(&d, insn);
}

int x86_decode(const uint8_t *bytes, unsigned valid, enum x86_mode mode, struct x86_insn *insn)
{
	return decode(bytes, valid, mode, insn, true);
}

int x86_decode_full(const uint8_t *bytes, unsigned valid, enum x86_mode mode, struct x86_insn *insn)
{
	return decode(bytes, valid, mode, insn, false);
}

static uint64_t addr_mask(unsigned addr_size)
{
	return addr_size >= sizeof(uint64_t) ? ~0ULL : (1ULL << (8 * addr_size)) - 1;
}

static uint64_t ea_reg(struct vcpu_regs *regs, uint64_t rsp, uint8_t reg)
{
	if (reg == X86_REG_NONE)
		return 0;
	return reg == REG_SP ? rsp : *vcpu_gpr(regs, reg);
}

int x86_insn_ea(const struct x86_insn *insn, struct vcpu_regs *regs, uint64_t rsp, uint64_t rip,
		uint64_t *ea)
{
	uint64_t v;

	if (!insn->mem)
		return -EINVAL;
	v = ea_reg(regs, rsp, insn->base) + ea_reg(regs, rsp, insn->index) * insn->scale +
	    (uint64_t)insn->disp;
	if (insn->rip_rel)
		v += rip + insn->len;
	*ea = v & addr_mask(insn->addr_size);
	return 0;
}
