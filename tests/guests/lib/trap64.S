/*
 * Test guests (64-bit): exception entry stubs. Each pushes a dummy error code
 * where the CPU pushes none, then its vector, saves the GPRs and calls
 * trap_dispatch(frame); trap_dispatch may move frame->rip.
 */
	.code64
	.text

/* Vectors whose exceptions push an error code (SDM 3A 6.13). */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)

/* Stub v sits at trap_stubs_start + 16 * v: each is under 16 bytes and 16-aligned. */
	.p2align 4
	.globl trap_stubs_start
trap_stubs_start:
	.set vec, 0
	.rept 64
	.p2align 4
	.if HAS_ERROR(vec) == 0
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	/* CPU frame (+ error) 48 bytes from a 16-aligned RSP, vector 8, GPRs 120: aligned again. */
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
	cld
	call trap_dispatch
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
	addq $16, %rsp /* vector, error code */
	iretq

	.section .note.GNU-stack, "", @progbits
