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
#include "arch/x86/vcpu_regs_asm.h"

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
	load_guest_gprs %rdi
	movq VCPU_REGS_RDI(%rdi), %rdi
	vmload
	sti
	vmrun
	vmsave

	pushq %rdi			/* guest RDI; 8(%rsp) is the regs pointer */
	movq 8(%rsp), %rdi
	save_guest_gprs %rdi
	popq %rax
	movq %rax, VCPU_REGS_RDI(%rdi)
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
