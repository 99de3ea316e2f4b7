/*
 * struct vcpu_regs (kernel/guest/vcpu.h) as the VM entry stubs see it: field
 * offsets and the macros that move the guest's GPRs between that struct
 * and the CPU. RAX and RDI are left to each stub (SVM keeps RAX in the VMCB;
 * RDI holds the struct's address until the very end).
 */
#ifndef SHOJI_ARCH_X86_VCPU_REGS_ASM_H
#define SHOJI_ARCH_X86_VCPU_REGS_ASM_H

#define VCPU_REGS_RAX 0
#define VCPU_REGS_RCX 8
#define VCPU_REGS_RDX 16
#define VCPU_REGS_RBX 24
#define VCPU_REGS_RBP 40
#define VCPU_REGS_RSI 48
#define VCPU_REGS_RDI 56
#define VCPU_REGS_R8  64
#define VCPU_REGS_R9  72
#define VCPU_REGS_R10 80
#define VCPU_REGS_R11 88
#define VCPU_REGS_R12 96
#define VCPU_REGS_R13 104
#define VCPU_REGS_R14 112
#define VCPU_REGS_R15 120

#ifdef __ASSEMBLY__
/* Load every GPR but RAX and RDI from the struct vcpu_regs at \base (a register). */
.macro load_guest_gprs base
	movq VCPU_REGS_RCX(\base), %rcx
	movq VCPU_REGS_RDX(\base), %rdx
	movq VCPU_REGS_RBX(\base), %rbx
	movq VCPU_REGS_RBP(\base), %rbp
	movq VCPU_REGS_RSI(\base), %rsi
	movq VCPU_REGS_R8(\base), %r8
	movq VCPU_REGS_R9(\base), %r9
	movq VCPU_REGS_R10(\base), %r10
	movq VCPU_REGS_R11(\base), %r11
	movq VCPU_REGS_R12(\base), %r12
	movq VCPU_REGS_R13(\base), %r13
	movq VCPU_REGS_R14(\base), %r14
	movq VCPU_REGS_R15(\base), %r15
.endm

/* Store every GPR but RAX and RDI into the struct vcpu_regs at \base. */
.macro save_guest_gprs base
	movq %rcx, VCPU_REGS_RCX(\base)
	movq %rdx, VCPU_REGS_RDX(\base)
	movq %rbx, VCPU_REGS_RBX(\base)
	movq %rbp, VCPU_REGS_RBP(\base)
	movq %rsi, VCPU_REGS_RSI(\base)
	movq %r8, VCPU_REGS_R8(\base)
	movq %r9, VCPU_REGS_R9(\base)
	movq %r10, VCPU_REGS_R10(\base)
	movq %r11, VCPU_REGS_R11(\base)
	movq %r12, VCPU_REGS_R12(\base)
	movq %r13, VCPU_REGS_R13(\base)
	movq %r14, VCPU_REGS_R14(\base)
	movq %r15, VCPU_REGS_R15(\base)
.endm
#else
#include <stddef.h>

#include "kernel/guest/vcpu.h"

_Static_assert(offsetof(struct vcpu_regs, rax) == VCPU_REGS_RAX, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, rcx) == VCPU_REGS_RCX, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, rdx) == VCPU_REGS_RDX, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, rbx) == VCPU_REGS_RBX, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, rbp) == VCPU_REGS_RBP, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, rsi) == VCPU_REGS_RSI, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, rdi) == VCPU_REGS_RDI, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, r8) == VCPU_REGS_R8, "vcpu_regs layout");
_Static_assert(offsetof(struct vcpu_regs, r15) == VCPU_REGS_R15, "vcpu_regs layout");
#endif

#endif
