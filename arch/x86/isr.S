/*
 * Interrupt and exception entry stubs: one per vector, each pushes a dummy
 * error code where the CPU pushes none (SDM 3A 6.13), then its vector, and
 * joins isr_common, which saves the registers as struct trap_frame and calls
 * trap_dispatch(frame).
 */
	.text


	.balign 16
	.global isr_stub_table
isr_stub_table:
	.set vec, 0
	/* Vectors 8, 10-14, 17, 21, 29, 30 push an error code themselves. */
	.rept 256
	.balign 16
	.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	cld
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	/* Align the stack for C; the frame pointer chain starts at the faulting code. */
	movq %rsp, %rbx
	andq $-16, %rsp
	call trap_dispatch
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector and error code */
	iretq
