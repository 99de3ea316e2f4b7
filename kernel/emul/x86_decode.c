/*
 * x86 instruction decoder for MMIO emulation. Owns the encoding rules
 * (prefixes, REX, ModRM/SIB, displacements, immediates) for the supported
 * subset and nothing else: it does not touch guest state or memory, and the
 * semantics live in kernel/emul/mmio_emulate.c. Every byte read goes through
 * dec_byte(), which bounds it by both the valid length and the 15-byte
 * architectural limit, so any input terminates within 15 steps.
 */
#include "kernel/emul/x86_decode.h"

#include <errno.h>

/* Control and flag bits that select the default operand size. */
#define X86_CR0_PE    (1ULL << 0)
#define X86_RFLAGS_VM (1ULL << 17)
#define X86_EFER_LMA  (1ULL << 10)

/* Legacy prefixes (SDM 2 2.1.1). */
#define PFX_OPSIZE   0x66
#define PFX_ADDRSIZE 0x67
#define PFX_LOCK     0xf0
#define PFX_REPNE    0xf2
#define PFX_REP	     0xf3
#define PFX_ES	     0x26
#define PFX_CS	     0x2e
#define PFX_SS	     0x36
#define PFX_DS	     0x3e
#define PFX_FS	     0x64
#define PFX_GS	     0x65

/* REX (SDM 2 2.2.1): 0100WRXB. */
#define REX_MASK 0xf0
#define REX_BASE 0x40
#define REX_W	 0x08
#define REX_R	 0x04
#define REX_X	 0x02
#define REX_B	 0x01

#define OPC_TWO_BYTE 0x0f

/* One-byte opcodes. */
#define OPC_ALU_LAST	     0x3f /* 00-3F: ALU ops as (op << 3) | form, forms 0-3 take ModRM */
#define OPC_ALU_FORM_MASK    0x07
#define OPC_ALU_FORM_RM_LAST 0x03
#define OPC_ALU_BYTE_BIT     0x01 /* clear: 8-bit operands */
#define OPC_ALU_DIR_BIT	     0x02 /* set: the register is the destination */
#define OPC_ALU_OP_SHIFT     3
#define OPC_MOVSXD	     0x63
#define OPC_GRP1_EB_IB	     0x80
#define OPC_GRP1_EV_IZ	     0x81
#define OPC_GRP1_EB_IB_ALIAS 0x82 /* invalid in 64-bit mode */
#define OPC_GRP1_EV_IB	     0x83
#define OPC_TEST_EB_GB	     0x84
#define OPC_TEST_EV_GV	     0x85
#define OPC_XCHG_EB_GB	     0x86
#define OPC_XCHG_EV_GV	     0x87
#define OPC_MOV_EB_GB	     0x88
#define OPC_MOV_EV_GV	     0x89
#define OPC_MOV_GB_EB	     0x8a
#define OPC_MOV_GV_EV	     0x8b
#define OPC_MOV_AL_MOFFS     0xa0
#define OPC_MOV_AX_MOFFS     0xa1
#define OPC_MOV_MOFFS_AL     0xa2
#define OPC_MOV_MOFFS_AX     0xa3
#define OPC_MOVSB	     0xa4
#define OPC_MOVSW	     0xa5
#define OPC_STOSB	     0xaa
#define OPC_STOSW	     0xab
#define OPC_LODSB	     0xac
#define OPC_LODSW	     0xad
#define OPC_MOV_EB_IB	     0xc6
#define OPC_MOV_EV_IZ	     0xc7
#define OPC_GRP3_EB	     0xf6
#define OPC_GRP3_EV	     0xf7
#define OPC_GRP4_EB	     0xfe
#define OPC_GRP5_EV	     0xff

/* Two-byte opcodes (after 0F). */
#define OPC2_BT_GRP8 0xba
#define OPC2_MOVZX_B 0xb6
#define OPC2_MOVZX_W 0xb7
#define OPC2_MOVSX_B 0xbe
#define OPC2_MOVSX_W 0xbf

/* ModRM / SIB fields (SDM 2 2.1.5). */
#define MODRM_MOD(b) ((b) >> 6)
#define MODRM_REG(b) (((b) >> 3) & 7)
#define MODRM_RM(b)  ((b)&7)
#define MOD_REG	     3
#define MOD_DISP8    1
#define MOD_DISP32   2
#define RM_SIB	     4
#define RM_DISP32    5 /* with mod=0: disp32 (RIP-relative in 64-bit mode) */
#define RM16_DISP16  6
#define SIB_NO_INDEX 4
#define SIB_NO_BASE  5

/* Group ModRM.reg extensions. */
#define GRP3_TEST  0
#define GRP3_NOT   2
#define GRP3_NEG   3
#define GRP45_INC  0
#define GRP45_DEC  1
#define GRP8_FIRST 4 /* BT, BTS, BTR, BTC */
#define GRP11_MOV  0

#define REG_AX	    0
#define REG_SP	    4
#define REG_BP	    5
#define REG_SI	    6
#define REG_DI	    7
#define REG_BX	    3
#define HIGH8_FIRST 4 /* 8-bit encodings 4-7 without REX: AH, CH, DH, BH */

struct dec {
	const uint8_t *bytes;
	unsigned valid;
	unsigned pos;
};

static const enum x86_op alu_ops[8] = {
    X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
};

enum x86_mode x86_cpu_mode(const struct vcpu_sregs *sregs)
{
	/* SDM 3A 20.1: real and virtual-8086 mode are 16-bit whatever the descriptor says. */
	if (!(sregs->cr0 & X86_CR0_PE) || (sregs->rflags & X86_RFLAGS_VM))
		return X86_MODE_16;
	/* SDM 3A 5.2.1: CS.L selects 64-bit mode only with IA-32e active. */
	if ((sregs->efer & X86_EFER_LMA) && sregs->cs.l)
		return X86_MODE_64;
	return sregs->cs.db ? X86_MODE_32 : X86_MODE_16;
}

static int dec_byte(struct dec *d, uint8_t *out)
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

static int dec_modrm32(struct dec *d, struct x86_insn *insn, uint8_t modrm, uint8_t rex,
		       enum x86_mode mode)
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
 * ModRM and its SIB/displacement. *reg_field gets ModRM.reg (without REX.R:
 * groups use it as an opcode extension). reg_size/rm_size say which operands
 * are 8-bit, for the AH..BH rule (SDM 2 2.1.5 table 2-2 note, 2.2.1.2).
 */
static int dec_modrm(struct dec *d, struct x86_insn *insn, uint8_t rex, enum x86_mode mode,
		     unsigned *reg_field)
{
	uint8_t modrm;
	int ret = dec_byte(d, &modrm);

	if (ret)
		return ret;
	*reg_field = MODRM_REG(modrm);
	insn->reg = MODRM_REG(modrm) | (rex & REX_R ? 8 : 0);
	insn->scale = 1;
	insn->seg = X86_SEG_DS;
	if (MODRM_MOD(modrm) == MOD_REG) {
		insn->mem = false;
		insn->rm = MODRM_RM(modrm) | (rex & REX_B ? 8 : 0);
		insn->base = X86_REG_NONE;
		insn->index = X86_REG_NONE;
		return 0;
	}
	insn->mem = true;
	if (insn->addr_size == 2)
		ret = dec_modrm16(d, insn, modrm);
	else
		ret = dec_modrm32(d, insn, modrm, rex, mode);
	if (ret)
		return ret;
	/* SDM 3A 3.7.4: BP/SP-based addressing defaults to SS. */
	if (insn->base == REG_BP || insn->base == REG_SP)
		insn->seg = X86_SEG_SS;
	return 0;
}

/* Immediate of an instruction whose size follows the operand size (iz: 16 or 32 bits). */
static int dec_imm_z(struct dec *d, struct x86_insn *insn)
{
	int64_t v;
	int ret = dec_signed(d, insn->op_size == 2 ? 2 : 4, &v);

	if (ret)
		return ret;
	insn->has_imm = true;
	insn->imm = (uint64_t)v;
	return 0;
}

static int dec_imm_8(struct dec *d, struct x86_insn *insn)
{
	int64_t v;
	int ret = dec_signed(d, 1, &v);

	if (ret)
		return ret;
	insn->has_imm = true;
	insn->imm = (uint64_t)v;
	return 0;
}

static bool lock_allowed(const struct x86_insn *insn)
{
	/* SDM 2 LOCK: only read-modify-write forms with a memory destination, else #UD. */
	if (!insn->mem || insn->reg_is_dst)
		return false;
	switch (insn->op) {
	case X86_OP_ADD:
	case X86_OP_OR:
	case X86_OP_ADC:
	case X86_OP_SBB:
	case X86_OP_AND:
	case X86_OP_SUB:
	case X86_OP_XOR:
	case X86_OP_XCHG:
	case X86_OP_NOT:
	case X86_OP_NEG:
	case X86_OP_INC:
	case X86_OP_DEC:
	case X86_OP_BTS:
	case X86_OP_BTR:
	case X86_OP_BTC:
		return true;
	default:
		return false;
	}
}

static int dec_two_byte(struct dec *d, struct x86_insn *insn, uint8_t rex, enum x86_mode mode)
{
	unsigned reg_field;
	uint8_t opc;
	uint64_t imm;
	int ret = dec_byte(d, &opc);

	if (ret)
		return ret;
	switch (opc) {
	case OPC2_MOVZX_B:
	case OPC2_MOVZX_W:
	case OPC2_MOVSX_B:
	case OPC2_MOVSX_W:
		insn->op =
		    (opc == OPC2_MOVZX_B || opc == OPC2_MOVZX_W) ? X86_OP_MOVZX : X86_OP_MOVSX;
		insn->mem_size = (opc == OPC2_MOVZX_B || opc == OPC2_MOVSX_B) ? 1 : 2;
		insn->reg_is_dst = true;
		return dec_modrm(d, insn, rex, mode, &reg_field);
	case OPC2_BT_GRP8:
		ret = dec_modrm(d, insn, rex, mode, &reg_field);
		if (ret)
			return ret;
		insn->reg = X86_REG_NONE;
		if (reg_field < GRP8_FIRST)
			return -ENOTSUP;
		insn->op = X86_OP_BT + (reg_field - GRP8_FIRST);
		/* The bit offset is an unsigned imm8, taken modulo the operand size. */
		ret = dec_unsigned(d, 1, &imm);
		if (ret)
			return ret;
		insn->has_imm = true;
		insn->imm = imm;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static int dec_string(struct x86_insn *insn, uint8_t opc, bool rep)
{
	insn->seg = X86_SEG_DS; /* the rSI side; overridable */
	switch (opc & ~OPC_ALU_BYTE_BIT) {
	case OPC_STOSB:
		insn->op = X86_OP_STOS;
		insn->base = REG_DI;
		/* SDM 2 STOS: the destination is always ES:rDI, no override. */
		insn->seg = X86_SEG_ES;
		insn->seg_override = false;
		break;
	case OPC_LODSB:
		insn->op = X86_OP_LODS;
		insn->reg_is_dst = true;
		insn->base = REG_SI;
		break;
	default:
		insn->op = X86_OP_MOVS;
		insn->base = REG_SI;
		break;
	}
	insn->mem = true;
	insn->reg = REG_AX;
	insn->index = X86_REG_NONE;
	insn->scale = 1;
	/* F2 and F3 both mean REP on STOS/LODS/MOVS. */
	insn->rep = rep;
	return 0;
}

static int dec_one_byte(struct dec *d, struct x86_insn *insn, uint8_t opc, uint8_t rex,
			enum x86_mode mode, bool rep)
{
	unsigned reg_field;
	int ret;

	if (opc <= OPC_ALU_LAST && (opc & OPC_ALU_FORM_MASK) <= OPC_ALU_FORM_RM_LAST) {
		insn->op = alu_ops[opc >> OPC_ALU_OP_SHIFT];
		insn->reg_is_dst = opc & OPC_ALU_DIR_BIT;
		return dec_modrm(d, insn, rex, mode, &reg_field);
	}

	switch (opc) {
	case OPC_GRP1_EB_IB_ALIAS:
		if (mode == X86_MODE_64)
			return -ENOTSUP;
		/* fall through */
	case OPC_GRP1_EB_IB:
	case OPC_GRP1_EV_IZ:
	case OPC_GRP1_EV_IB:
		ret = dec_modrm(d, insn, rex, mode, &reg_field);
		if (ret)
			return ret;
		insn->op = alu_ops[reg_field];
		insn->reg = X86_REG_NONE;
		/* 83: imm8 sign-extended to the operand size. */
		return opc == OPC_GRP1_EV_IZ ? dec_imm_z(d, insn) : dec_imm_8(d, insn);
	case OPC_TEST_EB_GB:
	case OPC_TEST_EV_GV:
		insn->op = X86_OP_TEST;
		return dec_modrm(d, insn, rex, mode, &reg_field);
	case OPC_XCHG_EB_GB:
	case OPC_XCHG_EV_GV:
		insn->op = X86_OP_XCHG;
		return dec_modrm(d, insn, rex, mode, &reg_field);
	case OPC_MOV_EB_GB:
	case OPC_MOV_EV_GV:
		insn->op = X86_OP_MOV_STORE;
		return dec_modrm(d, insn, rex, mode, &reg_field);
	case OPC_MOV_GB_EB:
	case OPC_MOV_GV_EV:
		insn->op = X86_OP_MOV_LOAD;
		insn->reg_is_dst = true;
		return dec_modrm(d, insn, rex, mode, &reg_field);
	case OPC_MOVSXD:
		/* In legacy modes 63 is ARPL. */
		if (mode != X86_MODE_64)
			return -ENOTSUP;
		insn->op = X86_OP_MOVSX;
		insn->mem_size = insn->op_size == 2 ? 2 : 4;
		insn->reg_is_dst = true;
		return dec_modrm(d, insn, rex, mode, &reg_field);
	case OPC_MOV_AL_MOFFS:
	case OPC_MOV_AX_MOFFS:
	case OPC_MOV_MOFFS_AL:
	case OPC_MOV_MOFFS_AX: {
		uint64_t moffs;

		/* SDM 2 MOV: the offset is address-size wide, no ModRM. */
		insn->op = opc <= OPC_MOV_AX_MOFFS ? X86_OP_MOV_LOAD : X86_OP_MOV_STORE;
		insn->reg_is_dst = opc <= OPC_MOV_AX_MOFFS;
		insn->reg = REG_AX;
		insn->mem = true;
		insn->base = X86_REG_NONE;
		insn->index = X86_REG_NONE;
		insn->scale = 1;
		insn->seg = X86_SEG_DS;
		ret = dec_unsigned(d, insn->addr_size, &moffs);
		if (ret)
			return ret;
		insn->disp = (int64_t)moffs;
		return 0;
	}
	case OPC_MOVSB:
	case OPC_MOVSW:
	case OPC_STOSB:
	case OPC_STOSW:
	case OPC_LODSB:
	case OPC_LODSW:
		return dec_string(insn, opc, rep);
	case OPC_MOV_EB_IB:
	case OPC_MOV_EV_IZ:
		ret = dec_modrm(d, insn, rex, mode, &reg_field);
		if (ret)
			return ret;
		/* C6/C7 with reg != 0 are other instructions (XABORT, XBEGIN) or #UD. */
		if (reg_field != GRP11_MOV)
			return -ENOTSUP;
		insn->op = X86_OP_MOV_STORE;
		insn->reg = X86_REG_NONE;
		return opc == OPC_MOV_EV_IZ ? dec_imm_z(d, insn) : dec_imm_8(d, insn);
	case OPC_GRP3_EB:
	case OPC_GRP3_EV:
		ret = dec_modrm(d, insn, rex, mode, &reg_field);
		if (ret)
			return ret;
		insn->reg = X86_REG_NONE;
		if (reg_field == GRP3_TEST) {
			insn->op = X86_OP_TEST;
			return opc == OPC_GRP3_EV ? dec_imm_z(d, insn) : dec_imm_8(d, insn);
		}
		if (reg_field == GRP3_NOT || reg_field == GRP3_NEG) {
			insn->op = reg_field == GRP3_NOT ? X86_OP_NOT : X86_OP_NEG;
			return 0;
		}
		return -ENOTSUP; /* MUL, IMUL, DIV, IDIV */
	case OPC_GRP4_EB:
	case OPC_GRP5_EV:
		ret = dec_modrm(d, insn, rex, mode, &reg_field);
		if (ret)
			return ret;
		insn->reg = X86_REG_NONE;
		if (reg_field != GRP45_INC && reg_field != GRP45_DEC)
			return -ENOTSUP; /* CALL, JMP, PUSH */
		insn->op = reg_field == GRP45_INC ? X86_OP_INC : X86_OP_DEC;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* Byte-operand opcodes: bit 0 clear in the ALU/TEST/XCHG/MOV/string/group families. */
static bool opcode_is_byte(uint8_t opc)
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
	case OPC_MOV_EB_IB:
	case OPC_GRP3_EB:
	case OPC_GRP4_EB:
		return true;
	default:
		return false;
	}
}

int x86_decode(const uint8_t *bytes, unsigned valid, enum x86_mode mode, struct x86_insn *insn)
{
	struct dec d = {.bytes = bytes, .valid = MIN(valid, X86_MAX_INSN_LEN)};
	bool opsize_pfx = false, addrsize_pfx = false, rep = false, lock = false;
	bool seg_override = false;
	enum x86_seg seg = X86_SEG_DS;
	uint8_t rex = 0, opc;
	int ret;

	*insn = (struct x86_insn){0};
	if (mode != X86_MODE_16 && mode != X86_MODE_32 && mode != X86_MODE_64)
		return -EINVAL;

	for (;;) {
		ret = dec_byte(&d, &opc);
		if (ret)
			return ret;
		switch (opc) {
		case PFX_OPSIZE:
			opsize_pfx = true;
			break;
		case PFX_ADDRSIZE:
			addrsize_pfx = true;
			break;
		case PFX_LOCK:
			lock = true;
			break;
		case PFX_REP:
		case PFX_REPNE:
			rep = true;
			break;
		case PFX_ES:
		case PFX_CS:
		case PFX_SS:
		case PFX_DS:
		case PFX_FS:
		case PFX_GS:
			seg_override = true;
			seg = opc == PFX_ES   ? X86_SEG_ES
			      : opc == PFX_CS ? X86_SEG_CS
			      : opc == PFX_SS ? X86_SEG_SS
			      : opc == PFX_DS ? X86_SEG_DS
			      : opc == PFX_FS ? X86_SEG_FS
					      : X86_SEG_GS;
			break;
		default:
			/* SDM 2 2.2.1: REX exists only in 64-bit mode (else INC/DEC). */
			if (mode == X86_MODE_64 && (opc & REX_MASK) == REX_BASE) {
				rex = opc;
				continue;
			}
			goto opcode;
		}
		/* A REX followed by a legacy prefix is ignored (SDM 2 2.2.1). */
		rex = 0;
	}

opcode:
	insn->rex = rex != 0;
	if (mode == X86_MODE_64) {
		/* SDM 2 2.2.1.2: REX.W takes precedence over 66. */
		insn->op_size = (rex & REX_W) ? 8 : opsize_pfx ? 2 : 4;
		insn->addr_size = addrsize_pfx ? 4 : 8;
	} else {
		bool big = (mode == X86_MODE_32) != opsize_pfx;

		insn->op_size = big ? 4 : 2;
		insn->addr_size = ((mode == X86_MODE_32) != addrsize_pfx) ? 4 : 2;
	}

	if (opc == OPC_TWO_BYTE) {
		ret = dec_two_byte(&d, insn, rex, mode);
	} else {
		if (opcode_is_byte(opc))
			insn->op_size = 1;
		ret = dec_one_byte(&d, insn, opc, rex, mode, rep);
	}
	if (ret)
		return ret;

	if (insn->mem_size == 0)
		insn->mem_size = insn->op_size;
	/* Without any REX, 8-bit register encodings 4-7 are AH, CH, DH, BH. */
	if (!rex) {
		if (insn->op_size == 1 && insn->reg >= HIGH8_FIRST && insn->reg < 8 &&
		    insn->op != X86_OP_STOS && insn->op != X86_OP_LODS && insn->op != X86_OP_MOVS) {
			insn->reg_high8 = true;
		}
		if (!insn->mem && insn->mem_size == 1 && insn->rm >= HIGH8_FIRST && insn->rm < 8)
			insn->rm_high8 = true;
	}
	if (seg_override && insn->op != X86_OP_STOS) {
		insn->seg = seg;
		insn->seg_override = true;
	}
	if (lock && !lock_allowed(insn))
		return -ENOTSUP;
	insn->lock = lock || (insn->op == X86_OP_XCHG && insn->mem); /* XCHG locks implicitly */
	insn->len = d.pos;
	return 0;
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
