/*
 * VMRUN and #VMEXIT (APM 2 15.5, 15.6, 15.17).
 *
 * void svm_enter(struct vcpu_regs *regs, hpa_t guest_vmcb, hpa_t host_vmcb)
 *
 * VMRUN switches only part of the state (APM 2 15.5.1): FS, GS, TR, LDTR
 * with their hidden parts, KernelGsBase, STAR/LSTAR/CSTAR/SFMASK and
 * SYSENTER_* are switched here with VMSAVE/VMLOAD, the host's into a
 * per-CPU host VMCB page. GIF is clear from before the guest's state is
 * loaded until the host's is back, so no interrupt or NMI handler ever
 * runs with the guest's GS base. IF is set around VMRUN so that, with
 * V_INTR_MASKING, physical interrupts exit the guest (host IF is the
 * physical mask, APM 2 15.21.1); GIF=0 holds them until STGI, by which
 * time IF is clear again and they stay pending for the host.
 *
 * The guest's RAX, RSP, RIP and RFLAGS live in the VMCB; the caller copies
 * RAX between struct vcpu_regs and the VMCB. #VMEXIT restores the host's
 * RSP and RAX (= guest VMCB address) from the host save area.
 */
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
	.global svm_enter
svm_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx			/* host VMCB */
	pushq %rdi			/* the regs pointer, found again at exit */

	clgi
	movq %rdx, %rax
	vmsave				/* host FS/GS/TR/LDTR and syscall MSRs */
	movq %rsi, %rax			/* guest VMCB for VMLOAD/VMRUN/VMSAVE */
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
	vmload
	sti
	vmrun
	vmsave

	pushq %rdi			/* guest RDI; 8(%rsp) is the regs pointer */
	movq 8(%rsp), %rdi
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
	popq %rax			/* host VMCB */
	vmload
	cli
	stgi

	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .note.GNU-stack, "", @progbits
