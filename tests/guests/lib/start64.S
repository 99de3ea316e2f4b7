/*
 * Test guests (64-bit): entry. Shoji starts us in long mode on its identity
 * map with flat segments and interrupts off; we still load our own GDT (so
 * IRETQ from an exception finds known descriptors), our own stack (so no
 * assumption about RSP), zero .bss, and run main(). Its return value is the
 * exit code written to the debug-exit port.
 */
	.set GDT_CODE64, 0x08 /* selectors of gdt below; trap.c uses 0x08 too */
	.set GDT_DATA, 0x10

	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	rdtsc			/* first: the start-up meter's guest side (tools/bench.py) */
	movl %eax, guest_entry_tsc
	movl %edx, guest_entry_tsc + 4
	cli
	cld
	movq $__bss_start, %rdi
	movq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	movq $guest_stack_top, %rsp
	lgdt gdt_desc
	pushq $GDT_CODE64
	pushq $1f
	lretq
1:	movl $GDT_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	call main
	movl %eax, %edi
	call debug_exit
2:	hlt
	jmp 2b

	.data
	.p2align 3
	.globl guest_entry_tsc
guest_entry_tsc:
	.quad 0

	.section .rodata
	.p2align 3
gdt:
	.quad 0
	.quad 0x00af9b000000ffff /* 0x08: 64-bit code, DPL 0, accessed */
	.quad 0x00cf93000000ffff /* 0x10: flat data, writable, accessed */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.bss
	.p2align 4
	.space 16384
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
