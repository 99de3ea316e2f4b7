/*
 * Length and identity of the instructions a hypervisor intercepts (CPUID,
 * RDMSR/WRMSR, IN/OUT/INS/OUTS, HLT, PAUSE, INVD, WBINVD, XSETBV, VMCALL,
 * VMMCALL, MOV to/from CR, CLTS, LMSW), for CPUs that do not report the
 * length of an intercepted instruction (AMD SVM without NRIP-save, APM 2
 * 15.7.1) or its operands (without decode assists, APM 2 15.33). Pure
 * function of the bytes and the CPU mode, like kernel/emul/x86_decode.c.
 */
#ifndef SHOJI_KERNEL_X86_INSN_LEN_H
#define SHOJI_KERNEL_X86_INSN_LEN_H

#include "kernel/core/types.h"
#include "kernel/emul/x86_decode.h"

enum x86_insn_kind {
	X86_INSN_CPUID,	      /* 0F A2 */
	X86_INSN_RDMSR,	      /* 0F 32 */
	X86_INSN_WRMSR,	      /* 0F 30 */
	X86_INSN_IN,	      /* E4, E5, EC, ED */
	X86_INSN_OUT,	      /* E6, E7, EE, EF */
	X86_INSN_INS,	      /* 6C, 6D */
	X86_INSN_OUTS,	      /* 6E, 6F */
	X86_INSN_HLT,	      /* F4 */
	X86_INSN_PAUSE,	      /* F3 90 */
	X86_INSN_INVD,	      /* 0F 08 */
	X86_INSN_WBINVD,      /* 0F 09 */
	X86_INSN_XSETBV,      /* 0F 01 D1 */
	X86_INSN_VMCALL,      /* 0F 01 C1 */
	X86_INSN_VMMCALL,     /* 0F 01 D9 */
	X86_INSN_MOV_TO_CR,   /* 0F 22 /r */
	X86_INSN_MOV_FROM_CR, /* 0F 20 /r */
	X86_INSN_MOV_TO_DR,   /* 0F 23 /r */
	X86_INSN_MOV_FROM_DR, /* 0F 21 /r */
	X86_INSN_CLTS,	      /* 0F 06 */
	X86_INSN_LMSW,	      /* 0F 01 /6 */
};

struct x86_insn_info {
	uint8_t len; /* bytes, prefixes included */
	enum x86_insn_kind kind;
	/*
	 * MOV CR / MOV DR: the control or debug register (REX.R; LOCK means CR8 on
	 * AMD: APM 3 MOV CRn) and the GPR.
	 */
	uint8_t cr;
	uint8_t gpr; /* MOV CR's GPR (REX.B), or LMSW's register when !mem */
	bool mem;    /* LMSW with a memory operand */
	bool rep;    /* F3 on INS/OUTS */
};

/*
 * Identify the instruction in bytes[0, valid). 0 with *out filled; -EINVAL
 * if it needs more than `valid` bytes, -E2BIG past X86_MAX_INSN_LEN,
 * -ENOTSUP if it is not one of the instructions above.
 */
int x86_insn_len(const uint8_t *bytes, unsigned valid, enum x86_mode mode,
		 struct x86_insn_info *out);

#endif
