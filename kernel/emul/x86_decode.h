/*
 * The x86 instruction decoder: length and operands of any instruction in the
 * one-byte, 0F, 0F38 and 0F3A maps, VEX-encoded ones included (length only).
 * It names what the hypervisor acts on: the instructions an OS uses on device
 * registers (MMIO emulation) and those an intercept can stop at (SVM without
 * NRIP-save or decode assists, string I/O). Pure function of the bytes and the
 * CPU mode; it never reads guest state, so a hostile byte stream can at worst
 * yield an error.
 */
#ifndef SHOJI_KERNEL_X86_DECODE_H
#define SHOJI_KERNEL_X86_DECODE_H

#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"

/* SDM 2 2.3.11: an instruction longer than 15 bytes raises #GP. */
#define X86_MAX_INSN_LEN 15
/* Buffers of instruction bytes: the longest instruction and a spare, two words to compare. */
#define X86_INSN_BUF_LEN 16

/* Default operand/address size of the code segment (SDM 3A 3.4.5, 5.2.1). */
enum x86_mode {
	X86_MODE_16, /* real mode, virtual-8086, or 16-bit protected mode (CS.D=0) */
	X86_MODE_32, /* 32-bit protected or compatibility mode (CS.D=1) */
	X86_MODE_64, /* 64-bit mode: EFER.LMA=1 and CS.L=1 */
};

enum x86_op {
	X86_OP_OTHER, /* decoded (length, ModRM, immediate) but none of the below */
	/* Emulated by kernel/emul/mmio_emulate.c (MOVS aside), X86_OP_MOV_STORE..X86_OP_MOVS. */
	X86_OP_MOV_STORE, /* 88, 89, C6 /0, C7 /0, A2, A3: register or immediate to memory */
	X86_OP_MOV_LOAD,  /* 8A, 8B, A0, A1: memory to register */
	X86_OP_MOVZX,	  /* 0F B6, 0F B7 */
	X86_OP_MOVSX,	  /* 0F BE, 0F BF, 63 (MOVSXD, 64-bit mode) */
	X86_OP_ADD,
	X86_OP_OR,
	X86_OP_ADC,
	X86_OP_SBB,
	X86_OP_AND,
	X86_OP_SUB,
	X86_OP_XOR,
	X86_OP_CMP,
	X86_OP_TEST,
	X86_OP_XCHG,
	X86_OP_NOT,
	X86_OP_NEG,
	X86_OP_INC,
	X86_OP_DEC,
	X86_OP_BT,   /* 0F BA /4 ib */
	X86_OP_BTS,  /* 0F BA /5 ib */
	X86_OP_BTR,  /* 0F BA /6 ib */
	X86_OP_BTC,  /* 0F BA /7 ib */
	X86_OP_STOS, /* AA, AB */
	X86_OP_LODS, /* AC, AD */
	X86_OP_MOVS, /* A4, A5: decoded, not emulated */
	/* Intercepted instructions (kernel/emul/exit.c via arch/x86/svm/svm_exit.c). */
	X86_OP_CPUID,	    /* 0F A2 */
	X86_OP_RDMSR,	    /* 0F 32 */
	X86_OP_WRMSR,	    /* 0F 30 */
	X86_OP_IN,	    /* E4, E5, EC, ED */
	X86_OP_OUT,	    /* E6, E7, EE, EF */
	X86_OP_INS,	    /* 6C, 6D */
	X86_OP_OUTS,	    /* 6E, 6F */
	X86_OP_HLT,	    /* F4 */
	X86_OP_PAUSE,	    /* F3 90 */
	X86_OP_INVD,	    /* 0F 08 */
	X86_OP_WBINVD,	    /* 0F 09 */
	X86_OP_XSETBV,	    /* 0F 01 D1 */
	X86_OP_VMCALL,	    /* 0F 01 C1 */
	X86_OP_VMMCALL,	    /* 0F 01 D9 */
	X86_OP_MOV_TO_CR,   /* 0F 22 /r */
	X86_OP_MOV_FROM_CR, /* 0F 20 /r */
	X86_OP_MOV_TO_DR,   /* 0F 23 /r */
	X86_OP_MOV_FROM_DR, /* 0F 21 /r */
	X86_OP_CLTS,	    /* 0F 06 */
	X86_OP_LMSW,	    /* 0F 01 /6 */
};

/* Opcode maps (SDM 2 2.1.2, 2.3.6.1: VEX.mmmmm uses the same numbers). */
enum x86_map { X86_MAP_1BYTE, X86_MAP_0F, X86_MAP_0F38, X86_MAP_0F3A };

/* Segment register numbers in their ModRM/SREG encoding order. */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS };

#define X86_REG_NONE 0xff /* x86_insn.base / .index: no such register */

struct x86_insn {
	uint8_t len; /* bytes, 1..X86_MAX_INSN_LEN */
	enum x86_op op;
	enum x86_map map;
	uint8_t opcode;	   /* the opcode byte within its map */
	bool vex;	   /* VEX-encoded (C4/C5) */
	uint8_t op_size;   /* operation size: 1, 2, 4 or 8 (destination size for MOVZX/MOVSX) */
	uint8_t mem_size;  /* bytes read or written in memory (source size for MOVZX/MOVSX) */
	uint8_t addr_size; /* 2, 4 or 8 */

	/*
	 * The register operand (ModRM.reg, or rAX for moffs and string forms),
	 * 0-15, or X86_REG_NONE where ModRM.reg is an opcode extension (immediate
	 * and unary forms); reg_high8 means AH/CH/DH/BH (8-bit operand, no REX).
	 */
	uint8_t reg;
	bool reg_high8;
	bool reg_is_dst; /* the result goes to the register (loads, "op r, r/m" forms) */

	bool has_imm;
	uint64_t imm; /* sign-extended to 64 bits where the instruction does (BT: zero-extended) */

	/*
	 * MOV CR/DR: the control or debug register (REX.R; LOCK means CR8 on AMD,
	 * APM 3 MOV CRn); the GPR is rm (ModRM.mod is ignored: SDM 2 MOV CR).
	 */
	uint8_t cr;

	/* The r/m operand. mem=false: a register (rm, rm_high8), nothing to emulate. */
	bool mem;
	uint8_t rm;
	bool rm_high8;

	/* Effective-address parts of a memory operand (see x86_insn_ea()). */
	uint8_t base;  /* register or X86_REG_NONE */
	uint8_t index; /* register or X86_REG_NONE */
	uint8_t scale; /* 1, 2, 4, 8 */
	bool rip_rel;
	int64_t disp; /* sign-extended; a moffs is stored here zero-extended */
	enum x86_seg
	    seg; /* override or default; 64-bit mode uses only FS/GS bases (SDM 3A 3.4.4) */
	bool seg_override;

	/* F3 (REP/REPE) or F2 (REPNE) on a string instruction (MOVS, STOS, LODS, INS, OUTS) */
	bool rep;
	bool lock;
	bool rex; /* a REX prefix was present */
};

/* Control and flag bits that select the default operand size. */
#define X86_CR0_PE    (1ULL << 0)
#define X86_RFLAGS_VM (1ULL << 17)
#define X86_EFER_LMA  (1ULL << 10)

/*
 * The decoder's mode for the vCPU's current state (CR0.PE, RFLAGS.VM,
 * EFER.LMA, CS.L/D). Inline: the instruction fetch works it out on every
 * MMIO exit.
 */
static inline enum x86_mode x86_cpu_mode(const struct vcpu_insn_state *st)
{
	/* SDM 3A 20.1: real and virtual-8086 mode are 16-bit whatever the descriptor says. */
	if (!(st->cr0 & X86_CR0_PE) || (st->rflags & X86_RFLAGS_VM))
		return X86_MODE_16;
	/* SDM 3A 5.2.1: CS.L selects 64-bit mode only with IA-32e active. */
	if ((st->efer & X86_EFER_LMA) && st->cs_l)
		return X86_MODE_64;
	return st->cs_db ? X86_MODE_32 : X86_MODE_16;
}

/*
 * Decode one instruction from bytes[0, valid). Returns 0 and fills *insn
 * (op X86_OP_OTHER for instructions it sizes but does not name), or -EINVAL
 * if the instruction needs more than `valid` bytes (truncated fetch), -E2BIG
 * if it would exceed X86_MAX_INSN_LEN, -ENOTSUP for encodings that raise #UD
 * (undefined opcodes and group members, a bad LOCK, prefixes before VEX) and
 * for EVEX and XOP, which it does not size.
 */
int x86_decode(const uint8_t *bytes, unsigned valid, enum x86_mode mode, struct x86_insn *insn);

/*
 * x86_decode() without its straight line for the common MOV forms: the same
 * answer, slower. For the unit tests, which hold the two to each other.
 */
int x86_decode_full(const uint8_t *bytes, unsigned valid, enum x86_mode mode,
		    struct x86_insn *insn);

/*
 * Effective address (segment offset, before adding the segment base) of the
 * memory operand, masked to the address size. rsp is the guest RSP (struct
 * vcpu_regs does not hold it); rip is the instruction's own address, and
 * RIP-relative operands use rip + insn->len. String instructions give rSI
 * (LODS, OUTS, MOVS source) or rDI (STOS, INS). -EINVAL if !insn->mem.
 */
int x86_insn_ea(const struct x86_insn *insn, struct vcpu_regs *regs, uint64_t rsp, uint64_t rip,
		uint64_t *ea);

#endif
