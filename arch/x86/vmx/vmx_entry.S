/*
 * VM entry and exit (SDM 3C 26, 27). vmx_enter loads the guest's GPRs from
 * struct vcpu_regs and executes VMLAUNCH or VMRESUME; the CPU comes back at
 * vmx_exit_point (the VMCS host RIP) with RSP = the host RSP written here,
 * where the guest's GPRs are saved and the callee-saved host registers
 * restored. RSP, RIP and RFLAGS of the guest live in the VMCS.
 *
 * int vmx_enter(struct vcpu_regs *regs, int launched): 0 after a VM exit,
 * 1 if the entry itself failed (VMfailValid / VMfailInvalid).
 */
#define VMCS_HOST_RSP 0x6c14

#include "arch/x86/vcpu_regs_asm.h"

	.text
	.global vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* the regs pointer, found again at exit */
	movq $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax

	testl %esi, %esi		/* MOVs below leave the flags alone */
	movq VCPU_REGS_RAX(%rdi), %rax
	load_guest_gprs %rdi
	movq VCPU_REGS_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Entry failed: the guest's values sit in the registers; nothing to save. */
	popq %rdi
	movl $1, %eax
	jmp 3f

	.global vmx_exit_point
vmx_exit_point:
	pushq %rdi			/* guest RDI; 8(%rsp) is the regs pointer */
	movq 8(%rsp), %rdi
	movq %rax, VCPU_REGS_RAX(%rdi)
	save_guest_gprs %rdi
	popq %rax
	movq %rax, VCPU_REGS_RDI(%rdi)
	popq %rdi
	xorl %eax, %eax
3:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .note.GNU-stack, "", @progbits
