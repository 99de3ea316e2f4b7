/*
 * Test guests (32-bit): entry. Shoji starts us in flat 32-bit protected mode,
 * paging off, interrupts off. We take our own stack, zero .bss and run
 * main(); its return value is the exit code written to the debug-exit port.
 * No GDT or IDT of our own: a 32-bit guest here only prints and exits.
 */
	.code32
	.section .text.start, "ax"
	.globl _start
_start:
	cli
	cld
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl $guest_stack_top, %esp
	call main
	pushl %eax
	call debug_exit
1:	hlt
	jmp 1b

	.bss
	.p2align 4
	.space 8192
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
