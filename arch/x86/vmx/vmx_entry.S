/*
 * VM entry and exit (SDM 3C 26, 27). vmx_enter loads the guest's GPRs from
 * struct vcpu_regs and executes VMLAUNCH or VMRESUME; the CPU comes back at
 * vmx_exit_point (the VMCS host RIP) with RSP = the VMCS's HOST_RSP, where
 * the guest's GPRs are saved and the callee-saved host registers restored.
 * RSP, RIP and RFLAGS of the guest live in the VMCS.
 *
 * int vmx_enter(struct vcpu_regs *regs, struct vmx_vcpu *x): 0 after a VM
 * exit, 1 if the entry itself failed (VMfailValid / VMfailInvalid).
 * HOST_RSP is written only when this stack position differs from the one
 * the VMCS holds (x->host_rsp): the run loop enters from the same frame.
 * x->launched is set before the entry: a failed VMLAUNCH leaves the guest
 * stopped, and vmx_vcpu_run clears the VMCS again after any failure.
 */
#define VMCS_HOST_RSP 0x6c14

#include "arch/x86/vcpu_regs_asm.h"
#include "arch/x86/vmx/vmx_asm.h"

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
	cmpq %rsp, VMX_VCPU_HOST_RSP(%rsi)
	je 1f
	movq %rsp, VMX_VCPU_HOST_RSP(%rsi)
	movq $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
1:
	cmpb $0, VMX_VCPU_LAUNCHED(%rsi)	/* MOVs below leave the flags alone */
	movb $1, VMX_VCPU_LAUNCHED(%rsi)
	movq VCPU_REGS_RAX(%rdi), %rax
	load_guest_gprs %rdi
	movq VCPU_REGS_RDI(%rdi), %rdi
	jne 2f
	vmlaunch
	jmp 3f
2:	vmresume
3:	/* Entry failed: the guest's values sit in the registers; nothing to save. */
	popq %rdi
	movl $1, %eax
	jmp 4f

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
4:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .note.GNU-stack, "", @progbits
