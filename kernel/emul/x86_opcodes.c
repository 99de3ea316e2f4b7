/*
 * What each x86 opcode is, for the decoder (x86_decode.c): the operand shapes of the
 * one-byte and 0F maps, which forms take LOCK, and the names of the instructions the
 * hypervisor acts on. Tables and switches only: no byte is read here.
 */
#include <errno.h>

#include "kernel/emul/x86_decode_internal.h"

static const enum x86_op alu_ops[8] = {
    X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
};

static const uint16_t map1_shape[256] = {
    [0x00] = SH_ALU_ROW,
    [0x06 ... 0x07] = SH_INV64,
    [0x08] = SH_ALU_ROW,
    [0x0e] = SH_INV64,
    [0x10] = SH_ALU_ROW,
    [0x16 ... 0x17] = SH_INV64,
    [0x18] = SH_ALU_ROW,
    [0x1e ... 0x1f] = SH_INV64,
    [0x20] = SH_ALU_ROW,
    [0x27] = SH_INV64,
    [0x28] = SH_ALU_ROW,
    [0x2f] = SH_INV64,
    [0x30] = SH_ALU_ROW,
    [0x37] = SH_INV64,
    [0x38] = SH_ALU_ROW,
    [0x3f] = SH_INV64,
    [0x60 ... 0x61] = SH_INV64,
    [0x62] = SH_MODRM | SH_INV64, /* BOUND; EVEX is refused before the table */
    [0x63] = SH_MODRM,
    [0x68] = SH_IZ,
    [0x69] = SH_MODRM | SH_IZ,
    [0x6a] = SH_IB,
    [0x6b] = SH_MODRM | SH_IB,
    [0x70 ... 0x7f] = SH_IB,
    [0x80] = SH_MODRM | SH_IB,
    [0x81] = SH_MODRM | SH_IZ,
    [0x82] = SH_MODRM | SH_IB | SH_INV64,
    [0x83] = SH_MODRM | SH_IB,
    [0x84 ... 0x8f] = SH_MODRM,
    [0x9a] = SH_FAR | SH_INV64,
    [0xa0 ... 0xa3] = SH_MOFFS,
    [0xa8] = SH_IB,
    [0xa9] = SH_IZ,
    [0xb0 ... 0xb7] = SH_IB,
    [0xb8 ... 0xbf] = SH_IV,
    [0xc0 ... 0xc1] = SH_MODRM | SH_IB,
    [0xc2] = SH_IW,
    [0xc4 ... 0xc5] = SH_MODRM | SH_INV64, /* LES, LDS; VEX is recognised before the table */
    [0xc6] = SH_MODRM | SH_IB,
    [0xc7] = SH_MODRM | SH_IZ,
    [0xc8] = SH_IW | SH_IB,
    [0xca] = SH_IW,
    [0xcd] = SH_IB,
    [0xce] = SH_INV64,
    [0xd0 ... 0xd3] = SH_MODRM,
    [0xd4 ... 0xd5] = SH_IB | SH_INV64,
    [0xd6] = SH_INV64,
    [0xd8 ... 0xdf] = SH_MODRM,
    [0xe0 ... 0xe7] = SH_IB,
    [0xe8 ... 0xe9] = SH_IZ,
    [0xea] = SH_FAR | SH_INV64,
    [0xeb] = SH_IB,
    [0xf6 ... 0xf7] = SH_MODRM, /* /0 and /1 add an immediate */
    [0xfe ... 0xff] = SH_MODRM,
};

/* The 0F map: ModRM unless SH_NO_MODRM. 0F 38 and 0F 3A are escapes, handled before. */
static const uint16_t map2_shape[256] = {
    [0x04] = SH_UD,
    [0x05 ... 0x09] = SH_NO_MODRM,
    [0x0a] = SH_UD,
    [0x0b] = SH_NO_MODRM,
    [0x0c] = SH_UD,
    [0x0e] = SH_NO_MODRM,
    [0x0f] = SH_IB, /* 3DNow!: the opcode is a trailing byte */
    [0x20 ... 0x23] = SH_CRDR,
    [0x24 ... 0x27] = SH_UD,
    [0x30 ... 0x35] = SH_NO_MODRM,
    [0x36] = SH_UD,
    [0x37] = SH_NO_MODRM,
    [0x39] = SH_UD,
    [0x3b ... 0x3f] = SH_UD,
    [0x70 ... 0x73] = SH_IB,
    [0x77] = SH_NO_MODRM,
    [0x7a ... 0x7b] = SH_UD,
    [0x80 ... 0x8f] = SH_NO_MODRM | SH_IZ,
    [0xa0 ... 0xa2] = SH_NO_MODRM,
    [0xa4] = SH_IB,
    [0xa6 ... 0xa7] = SH_UD,
    [0xa8 ... 0xaa] = SH_NO_MODRM,
    [0xac] = SH_IB,
    [0xba] = SH_IB,
    [0xc2] = SH_IB,
    [0xc4 ... 0xc6] = SH_IB,
    [0xc8 ... 0xcf] = SH_NO_MODRM,
};

unsigned x86_opcode_shape(enum x86_map map, uint8_t opc)
{
	unsigned shape;

	switch (map) {
	case X86_MAP_1BYTE:
		return map1_shape[opc];
	case X86_MAP_0F:
		shape = map2_shape[opc];
		return (shape & (SH_NO_MODRM | SH_CRDR)) ? shape : shape | SH_MODRM;
	case X86_MAP_0F38:
		return SH_MODRM;
	default:
		return SH_MODRM | SH_IB;
	}
}

/* SDM 2 LOCK: only read-modify-write forms with a memory destination, else #UD. */
bool x86_lock_allowed(const struct dec *d, const struct x86_insn *insn)
{
	uint8_t opc = insn->opcode;
	unsigned rf = d->reg_field;

	if (insn->vex)
		return false;
	if (insn->map == X86_MAP_0F && (opc == OPC2_MOV_FROM_CR || opc == OPC2_MOV_TO_CR))
		return true; /* APM 3 MOV CRn: LOCK selects CR8 (AltMovCr8) */
	if (!insn->mem)
		return false;
	if (insn->map == X86_MAP_0F) {
		switch (opc) {
		case OPC2_BTS:
		case OPC2_BTR:
		case OPC2_BTC:
		case OPC2_CMPXCHG_B:
		case OPC2_CMPXCHG_V:
		case OPC2_XADD_B:
		case OPC2_XADD_V:
			return true;
		case OPC2_BT_GRP8:
			return rf > GRP8_FIRST; /* BTS, BTR, BTC; not BT */
		case OPC2_GRP9:
			return rf == GRP9_CMPXCHG8B;
		default:
			return false;
		}
	}
	if (insn->map != X86_MAP_1BYTE)
		return false;
	/* ALU "r/m, r" forms (not "r, r/m"), except CMP. */
	if (opc <= OPC_ALU_LAST)
		return (opc & OPC_ALU_FORM_MASK) <= OPC_ALU_BYTE_BIT &&
		       alu_ops[opc >> OPC_ALU_OP_SHIFT] != X86_OP_CMP;
	switch (opc) {
	case OPC_GRP1_EB_IB:
	case OPC_GRP1_EV_IZ:
	case OPC_GRP1_EB_IB_ALIAS:
	case OPC_GRP1_EV_IB:
		return alu_ops[rf] != X86_OP_CMP;
	case OPC_XCHG_EB_GB:
	case OPC_XCHG_EV_GV:
		return true;
	case OPC_GRP3_EB:
	case OPC_GRP3_EV:
		return rf == GRP3_NOT || rf == GRP3_NEG;
	case OPC_GRP4_EB:
	case OPC_GRP5_EV:
		return rf == GRP45_INC || rf == GRP45_DEC;
	default:
		return false;
	}
}

/*
 * String instructions: the memory operand is rSI (DS, overridable) or
 * rDI (ES, fixed: SDM 2 STOS, INS). F2 and F3 both mean REP on them.
 */
static void set_string(struct x86_insn *insn, enum x86_op op, bool rep)
{
	insn->op = op;
	insn->mem = true;
	insn->index = X86_REG_NONE;
	insn->scale = 1;
	insn->rep = rep;
	if (op == X86_OP_STOS || op == X86_OP_INS) {
		insn->base = REG_DI;
		insn->seg = X86_SEG_ES;
	} else {
		insn->base = REG_SI;
		insn->seg = X86_SEG_DS;
	}
	/* STOS and LODS move rAX; INS and OUTS name no GPR (the port is DX). */
	insn->reg = (op == X86_OP_INS || op == X86_OP_OUTS) ? X86_REG_NONE : REG_AX;
	insn->reg_is_dst = op == X86_OP_LODS;
}

/* 0F opcodes without operands that are an instruction of their own. */
static const enum x86_op map2_plain_ops[256] = {
    [OPC2_CPUID] = X86_OP_CPUID, [OPC2_RDMSR] = X86_OP_RDMSR,	[OPC2_WRMSR] = X86_OP_WRMSR,
    [OPC2_INVD] = X86_OP_INVD,	 [OPC2_WBINVD] = X86_OP_WBINVD, [OPC2_CLTS] = X86_OP_CLTS,
};

static int classify_0f01(const struct dec *d, struct x86_insn *insn)
{
	switch (d->modrm) {
	case MODRM_VMCALL:
		insn->op = X86_OP_VMCALL;
		return 0;
	case MODRM_XSETBV:
		insn->op = X86_OP_XSETBV;
		return 0;
	case MODRM_VMMCALL:
		insn->op = X86_OP_VMMCALL;
		return 0;
	}
	if (d->reg_field == GRP7_LMSW) {
		insn->op = X86_OP_LMSW;
		insn->reg = X86_REG_NONE;
	}
	return 0;
}

int x86_classify_0f(const struct dec *d, struct x86_insn *insn)
{
	uint8_t opc = insn->opcode;
	unsigned rf = d->reg_field;

	switch (opc) {
	case OPC2_MOVZX_B:
	case OPC2_MOVZX_W:
	case OPC2_MOVSX_B:
	case OPC2_MOVSX_W:
		insn->op =
		    (opc == OPC2_MOVZX_B || opc == OPC2_MOVZX_W) ? X86_OP_MOVZX : X86_OP_MOVSX;
		insn->mem_size = (opc == OPC2_MOVZX_B || opc == OPC2_MOVSX_B) ? 1 : 2;
		insn->reg_is_dst = true;
		return 0;
	case OPC2_BT_GRP8:
		insn->reg = X86_REG_NONE;
		if (rf < GRP8_FIRST)
			return -ENOTSUP;
		insn->op = X86_OP_BT + (rf - GRP8_FIRST);
		/* The bit offset is an unsigned imm8, taken modulo the operand size. */
		insn->imm &= BYTE_MASK;
		return 0;
	case OPC2_GRP7:
		return classify_0f01(d, insn);
	case OPC2_MOV_FROM_CR:
	case OPC2_MOV_TO_CR:
	case OPC2_MOV_FROM_DR:
	case OPC2_MOV_TO_DR:
		insn->op = opc == OPC2_MOV_FROM_CR   ? X86_OP_MOV_FROM_CR
			   : opc == OPC2_MOV_TO_CR   ? X86_OP_MOV_TO_CR
			   : opc == OPC2_MOV_FROM_DR ? X86_OP_MOV_FROM_DR
						     : X86_OP_MOV_TO_DR;
		insn->reg = X86_REG_NONE;
		/* The operand is 64 bits in 64-bit mode, else 32: 66 and REX.W do not count. */
		insn->op_size = d->mode == X86_MODE_64 ? 8 : 4;
		if (d->lock)
			insn->cr |= 8; /* APM 3 MOV CRn: LOCK MOV CR0 is CR8 */
		return 0;
	default:
		insn->op = map2_plain_ops[opc];
		return 0;
	}
}

int x86_classify_1byte(const struct dec *d, struct x86_insn *insn)
{
	uint8_t opc = insn->opcode;
	unsigned rf = d->reg_field;

	if (opc <= OPC_ALU_LAST && (opc & OPC_ALU_FORM_MASK) <= OPC_ALU_FORM_RM_LAST) {
		insn->op = alu_ops[opc >> OPC_ALU_OP_SHIFT];
		insn->reg_is_dst = opc & OPC_ALU_DIR_BIT;
		return 0;
	}

	switch (opc) {
	case OPC_GRP1_EB_IB:
	case OPC_GRP1_EV_IZ:
	case OPC_GRP1_EB_IB_ALIAS: /* refused in 64-bit mode by its shape */
	case OPC_GRP1_EV_IB:
		insn->op = alu_ops[rf];
		insn->reg = X86_REG_NONE;
		return 0;
	case OPC_TEST_EB_GB:
	case OPC_TEST_EV_GV:
		insn->op = X86_OP_TEST;
		return 0;
	case OPC_XCHG_EB_GB:
	case OPC_XCHG_EV_GV:
		insn->op = X86_OP_XCHG;
		return 0;
	case OPC_MOV_EB_GB:
	case OPC_MOV_EV_GV:
		insn->op = X86_OP_MOV_STORE;
		return 0;
	case OPC_MOV_GB_EB:
	case OPC_MOV_GV_EV:
		insn->op = X86_OP_MOV_LOAD;
		insn->reg_is_dst = true;
		return 0;
	case OPC_MOVSXD:
		/* In legacy modes 63 is ARPL. */
		if (d->mode != X86_MODE_64)
			return 0;
		insn->op = X86_OP_MOVSX;
		insn->mem_size = insn->op_size == 2 ? 2 : 4;
		insn->reg_is_dst = true;
		return 0;
	case OPC_POP_GRP1A:
		return rf == 0 ? 0 : -ENOTSUP; /* 8F /1-/7: XOP on AMD, not decoded */
	case OPC_MOV_AL_MOFFS:
	case OPC_MOV_AX_MOFFS:
	case OPC_MOV_MOFFS_AL:
	case OPC_MOV_MOFFS_AX:
		insn->op = opc <= OPC_MOV_AX_MOFFS ? X86_OP_MOV_LOAD : X86_OP_MOV_STORE;
		insn->reg_is_dst = opc <= OPC_MOV_AX_MOFFS;
		insn->reg = REG_AX;
		return 0;
	case OPC_MOVSB:
	case OPC_MOVSW:
		set_string(insn, X86_OP_MOVS, d->rep);
		return 0;
	case OPC_STOSB:
	case OPC_STOSW:
		set_string(insn, X86_OP_STOS, d->rep);
		return 0;
	case OPC_LODSB:
	case OPC_LODSW:
		set_string(insn, X86_OP_LODS, d->rep);
		return 0;
	case OPC_INSB:
	case OPC_INSW:
		set_string(insn, X86_OP_INS, d->rep);
		return 0;
	case OPC_OUTSB:
	case OPC_OUTSW:
		set_string(insn, X86_OP_OUTS, d->rep);
		return 0;
	case OPC_IN_AL_IB:
	case OPC_IN_AX_IB:
	case OPC_IN_AL_DX:
	case OPC_IN_AX_DX:
		insn->op = X86_OP_IN;
		return 0;
	case OPC_OUT_IB_AL:
	case OPC_OUT_IB_AX:
	case OPC_OUT_DX_AL:
	case OPC_OUT_DX_AX:
		insn->op = X86_OP_OUT;
		return 0;
	case OPC_HLT:
		insn->op = X86_OP_HLT;
		return 0;
	case OPC_NOP:
		/* F3 90 is PAUSE; with REX.B, 90 is XCHG r8, rAX. */
		if (d->last_rep == PFX_REP && !(d->rex & REX_B))
			insn->op = X86_OP_PAUSE;
		return 0;
	case OPC_MOV_EB_IB:
	case OPC_MOV_EV_IZ:
		/* C6/C7 /7 with ModRM F8 are XABORT/XBEGIN; the other /1-/7 are #UD. */
		if (rf != GRP11_MOV)
			return d->modrm == MODRM_XABORT_XBEGIN ? 0 : -ENOTSUP;
		insn->op = X86_OP_MOV_STORE;
		insn->reg = X86_REG_NONE;
		return 0;
	case OPC_GRP3_EB:
	case OPC_GRP3_EV:
		insn->reg = X86_REG_NONE;
		if (rf == GRP3_TEST)
			insn->op = X86_OP_TEST;
		else if (rf == GRP3_NOT || rf == GRP3_NEG)
			insn->op = rf == GRP3_NOT ? X86_OP_NOT : X86_OP_NEG;
		return 0; /* the /1 TEST alias, MUL, IMUL, DIV, IDIV: not named */
	case OPC_GRP4_EB:
	case OPC_GRP5_EV:
		insn->reg = X86_REG_NONE;
		if (rf == GRP45_INC || rf == GRP45_DEC)
			insn->op = rf == GRP45_INC ? X86_OP_INC : X86_OP_DEC;
		else if (opc == OPC_GRP4_EB || rf == GRP5_UNDEFINED)
			return -ENOTSUP; /* FE /2-/7, FF /7 */
		return 0;		 /* CALL, JMP, PUSH */
	default:
		return 0;
	}
}

/* Byte-operand opcodes: bit 0 clear in the ALU/TEST/XCHG/MOV/string/group/port families. */
bool x86_opcode_is_byte(uint8_t opc)
{
	if (opc <= OPC_ALU_LAST)
		return !(opc & OPC_ALU_BYTE_BIT);
	switch (opc) {
	case OPC_GRP1_EB_IB:
	case OPC_GRP1_EB_IB_ALIAS:
	case OPC_TEST_EB_GB:
	case OPC_XCHG_EB_GB:
	case OPC_MOV_EB_GB:
	case OPC_MOV_GB_EB:
	case OPC_MOV_AL_MOFFS:
	case OPC_MOV_MOFFS_AL:
	case OPC_MOVSB:
	case OPC_STOSB:
	case OPC_LODSB:
	case OPC_INSB:
	case OPC_OUTSB:
	case OPC_IN_AL_IB:
	case OPC_IN_AL_DX:
	case OPC_OUT_IB_AL:
	case OPC_OUT_DX_AL:
	case OPC_MOV_EB_IB:
	case OPC_GRP3_EB:
	case OPC_GRP4_EB:
		return true;
	default:
		return false;
	}
}
