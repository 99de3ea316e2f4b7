/*
 * The x86 instruction decoder. Owns the encoding rules (prefixes, REX, VEX,
 * opcode maps, ModRM/SIB, displacements, immediates) and the naming of the
 * instructions the hypervisor acts on, nothing else: it does not touch guest
 * state or memory, and the semantics live with the callers
 * (kernel/emul/mmio_emulate.c, exit_io.c, arch/x86/svm/svm_exit.c). Every byte read goes through
 * dec_byte(), which bounds it by both the valid length and the 15-byte
 * architectural limit, so any input terminates within 15 steps.
 */
#include "kernel/emul/x86_decode.h"

#include <errno.h>

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
#define OPC2_BT_GRP8	 0xba
#define OPC2_MOVZX_B	 0xb6
#define OPC2_MOVZX_W	 0xb7
#define OPC2_MOVSX_B	 0xbe
#define OPC2_MOVSX_W	 0xbf
#define OPC2_GRP7	 0x01 /* LMSW /6; VMCALL, XSETBV, VMMCALL by ModRM */
#define OPC2_CLTS	 0x06
#define OPC2_INVD	 0x08
#define OPC2_WBINVD	 0x09
#define OPC2_MOV_FROM_CR 0x20
#define OPC2_MOV_FROM_DR 0x21
#define OPC2_MOV_TO_CR	 0x22
#define OPC2_MOV_TO_DR	 0x23
#define OPC2_WRMSR	 0x30
#define OPC2_RDMSR	 0x32
#define OPC2_ESC_38	 0x38
#define OPC2_ESC_3A	 0x3a
#define OPC2_CPUID	 0xa2
#define OPC2_BTS	 0xab
#define OPC2_CMPXCHG_B	 0xb0
#define OPC2_CMPXCHG_V	 0xb1
#define OPC2_BTR	 0xb3
#define OPC2_BTC	 0xbb
#define OPC2_XADD_B	 0xc0
#define OPC2_XADD_V	 0xc1
#define OPC2_GRP9	 0xc7

/* One-byte opcodes outside the MMIO set. */
#define OPC_EVEX      0x62 /* BOUND outside 64-bit mode unless mod=11 */
#define OPC_INSB      0x6c
#define OPC_INSW      0x6d
#define OPC_OUTSB     0x6e
#define OPC_OUTSW     0x6f
#define OPC_POP_GRP1A 0x8f
#define OPC_NOP	      0x90
#define OPC_VEX3      0xc4 /* LES outside 64-bit mode unless mod=11 */
#define OPC_VEX2      0xc5 /* LDS likewise */
#define OPC_IN_AL_IB  0xe4
#define OPC_IN_AX_IB  0xe5
#define OPC_OUT_IB_AL 0xe6
#define OPC_OUT_IB_AX 0xe7
#define OPC_IN_AL_DX  0xec
#define OPC_IN_AX_DX  0xed
#define OPC_OUT_DX_AL 0xee
#define OPC_OUT_DX_AX 0xef
#define OPC_HLT	      0xf4

/* Whole ModRM bytes that name an instruction. */
#define MODRM_VMCALL	    0xc1
#define MODRM_XSETBV	    0xd1
#define MODRM_VMMCALL	    0xd9
#define MODRM_XABORT_XBEGIN 0xf8

/* VEX (SDM 2 2.3.5): R, X, B inverted; C4 byte 1 holds the map, byte 2 W. */
#define VEX_NOT_R	0x80
#define VEX_NOT_X	0x40
#define VEX_NOT_B	0x20
#define VEX3_MAP_MASK	0x1f
#define VEX_W		0x80
#define VEX2_IMPLIED_XB (VEX_NOT_X | VEX_NOT_B)
#define BYTE_MASK	0xff

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
#define GRP3_TEST      0
#define GRP3_NOT       2
#define GRP3_NEG       3
#define GRP45_INC      0
#define GRP45_DEC      1
#define GRP8_FIRST     4 /* BT, BTS, BTR, BTC */
#define GRP5_UNDEFINED 7
#define GRP7_LMSW      6
#define GRP9_CMPXCHG8B 1
#define GRP11_MOV      0

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
	enum x86_mode mode;
	uint8_t rex; /* REX, or what VEX says in its place (64-bit mode) */
	bool opsize_pfx, addrsize_pfx, lock, rep, seg_override;
	uint8_t last_rep; /* the last of F2/F3: PAUSE is F3 90 */
	enum x86_seg seg;
	unsigned osz; /* operand size before byte forms: 2, 4 or 8 */
	uint8_t modrm;
	unsigned reg_field; /* ModRM.reg without REX.R */
};

static const enum x86_op alu_ops[8] = {
    X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
};

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

/*
 * Operand shapes: what follows the opcode byte (SDM 2 appendix A.3, tables
 * APM 3 appendix A). Immediates are read in the order listed
 * (ENTER: iw, then ib).
 */
#define SH_MODRM    (1u << 0)
#define SH_IZ	    (1u << 1) /* 16 or 32 bits by operand size */
#define SH_IV	    (1u << 2) /* 16, 32 or 64 bits by operand size: MOV r, imm */
#define SH_IW	    (1u << 3)
#define SH_IB	    (1u << 4)
#define SH_MOFFS    (1u << 5)  /* address-size offset, no ModRM */
#define SH_FAR	    (1u << 6)  /* ptr16:16 or ptr16:32 */
#define SH_UD	    (1u << 7)  /* undefined opcode: #UD */
#define SH_INV64    (1u << 8)  /* #UD in 64-bit mode */
#define SH_CRDR	    (1u << 9)  /* MOV CR/DR: ModRM without SIB or displacement */
#define SH_NO_MODRM (1u << 10) /* 0F map: the exceptions to "has ModRM" */

#define SH_ALU_ROW SH_MODRM, SH_MODRM, SH_MODRM, SH_MODRM, SH_IB, SH_IZ

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

static unsigned opcode_shape(enum x86_map map, uint8_t opc)
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

/* SDM 2 LOCK: only read-modify-write forms with a memory destination, else #UD. */
static bool lock_allowed(const struct dec *d, const struct x86_insn *insn)
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

static int classify_0f(const struct dec *d, struct x86_insn *insn)
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

static int classify_1byte(const struct dec *d, struct x86_insn *insn)
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
	shape = opcode_shape(insn->map, opc);
	if ((shape & SH_UD) || ((shape & SH_INV64) && d->mode == X86_MODE_64))
		return -ENOTSUP;
	ret = dec_operands(d, insn, shape);
	if (ret)
		return ret;

	if (insn->vex)
		ret = 0; /* sized, not named */
	else if (insn->map == X86_MAP_1BYTE) {
		if (opcode_is_byte(opc))
			insn->op_size = 1;
		ret = classify_1byte(d, insn);
	} else if (insn->map == X86_MAP_0F) {
		ret = classify_0f(d, insn);
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
	if (d->lock && !lock_allowed(d, insn))
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
