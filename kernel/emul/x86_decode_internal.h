/*
 * What the decoder's two files share (x86_decode.c: prefixes, ModRM/SIB, operands;
 * x86_opcodes.c: what each opcode is): the encoding constants, the decoding state and
 * the opcode tables' interface. Private to kernel/emul/x86_decode*.c and x86_opcodes.c.
 */
#ifndef SHOJI_KERNEL_EMUL_X86_DECODE_INTERNAL_H
#define SHOJI_KERNEL_EMUL_X86_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/emul/x86_decode.h"

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

/* The operand shape of an opcode: SH_* bits. */
unsigned x86_opcode_shape(enum x86_map map, uint8_t opc);
/* SDM 2 LOCK: only read-modify-write forms with a memory destination, else #UD. */
bool x86_lock_allowed(const struct dec *d, const struct x86_insn *insn);
/* Name the instruction (insn->op and its string/port facts); -EILSEQ for #UD. */
int x86_classify_1byte(const struct dec *d, struct x86_insn *insn);
int x86_classify_0f(const struct dec *d, struct x86_insn *insn);
/* Byte-operand opcodes of the one-byte map. */
bool x86_opcode_is_byte(uint8_t opc);

#endif
