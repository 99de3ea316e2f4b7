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

#define R_RAX 0
#define R_RCX 8
#define R_RDX 16
#define R_RBX 24
#define R_RBP 40
#define R_RSI 48
#define R_RDI 56
#define R_R8 64
#define R_R9 72
#define R_R10 80
#define R_R11 88
#define R_R12 96
#define R_R13 104
#define R_R14 112
#define R_R15 120

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
	movq R_RAX(%rdi), %rax
	movq R_RCX(%rdi), %rcx
	movq R_RDX(%rdi), %rdx
	movq R_RBX(%rdi), %rbx
	movq R_RBP(%rdi), %rbp
	movq R_RSI(%rdi), %rsi
	movq R_R8(%rdi), %r8
	movq R_R9(%rdi), %r9
	movq R_R10(%rdi), %r10
	movq R_R11(%rdi), %r11
	movq R_R12(%rdi), %r12
	movq R_R13(%rdi), %r13
	movq R_R14(%rdi), %r14
	movq R_R15(%rdi), %r15
	movq R_RDI(%rdi), %rdi
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
	movq %rax, R_RAX(%rdi)
	movq %rcx, R_RCX(%rdi)
	movq %rdx, R_RDX(%rdi)
	movq %rbx, R_RBX(%rdi)
	movq %rbp, R_RBP(%rdi)
	movq %rsi, R_RSI(%rdi)
	movq %r8, R_R8(%rdi)
	movq %r9, R_R9(%rdi)
	movq %r10, R_R10(%rdi)
	movq %r11, R_R11(%rdi)
	movq %r12, R_R12(%rdi)
	movq %r13, R_R13(%rdi)
	movq %r14, R_R14(%rdi)
	movq %r15, R_R15(%rdi)
	popq %rax
	movq %rax, R_RDI(%rdi)
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
