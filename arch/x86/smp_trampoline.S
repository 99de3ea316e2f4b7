/*
 * Application processor start-up code (SDM 3A 9.4.4, 9.8.5). Position
 * independent: smp.c copies it to a page below 1 MiB, fills in the data
 * block (smp_trampoline.h) and sends INIT-SIPI-SIPI with that page as the
 * vector. A started AP runs real mode -> 32-bit protected mode -> long mode
 * on the kernel's page tables and jumps to ap_main(cpu_index) on its own
 * stack. It writes nothing but the cpu index slot, and that before paging.
 *
 * The AP claims the index the BSP posted by exchanging it for TRAMP_NO_CPU:
 * an AP that arrives late (after the BSP gave up on it and posted another
 * CPU's index, or took it back) finds TRAMP_NO_CPU and parks in real mode,
 * so two CPUs never share a stack.
 */
#include "arch/x86/smp_trampoline.h"

#define CR0_PE		1
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080

#define D(field)	(TRAMP_DATA + (field))

	.section .rodata.smp_trampoline, "a"
	.balign 16
	.global smp_trampoline_start
smp_trampoline_start:
	.code16
	/* CS = page >> 4, IP = 0. */
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movl $TRAMP_NO_CPU, %esi
	xchgl %esi, D(TD_CPU_INDEX)	/* XCHG with memory is locked */
	cmpl $TRAMP_NO_CPU, %esi
	je park

	xorl %ebx, %ebx			/* EBX = the page's linear address, kept to the end */
	movw %cs, %bx
	shll $4, %ebx

	lgdtl D(TD_GDT_PTR)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *D(TD_FAR32)

park:
	hlt
	jmp park

	.code32
	.global smp_trampoline_pm32
smp_trampoline_pm32:
	movw $TRAMP_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs

	/* SDM 3A 9.8.5: PAE, CR3, EFER.LME, then CR0.PG activates long mode. The
	 * BSP's other CR4 bits wait for long mode (PCIDE needs EFER.LMA). */
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl D(TD_CR3)(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl D(TD_EFER)(%ebx), %eax
	movl D(TD_EFER + 4)(%ebx), %edx
	wrmsr
	movl D(TD_CR0)(%ebx), %eax
	movl %eax, %cr0
	/* Paging is on: this page is mapped executable in the kernel tables meanwhile. */
	ljmpl *D(TD_FAR64)(%ebx)

	.code64
	.global smp_trampoline_lm64
smp_trampoline_lm64:
	xorl %eax, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl %ebx, %ebx			/* upper halves are undefined after the switch */
	movl %esi, %edi			/* ap_main's cpu_index */
	movq D(TD_CR4)(%rbx), %rax
	movq %rax, %cr4
	movq D(TD_STACKS)(%rbx), %rax
	movq (%rax,%rdi,8), %rsp
	xorl %ebp, %ebp
	pushq $0			/* no return address: ap_main never returns */
	movq D(TD_ENTRY)(%rbx), %rax
	jmp *%rax

	/* The data block: constants here, the rest filled in by smp.c. */
	.org TRAMP_DATA
	.global smp_trampoline_data
smp_trampoline_data:
	.quad 0				/* null */
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
	.org TRAMP_DATA + TD_GDT_PTR
	.word 4 * 8 - 1
	.long 0
	.org TRAMP_DATA + TD_FAR32
	.long 0
	.word TRAMP_SEL_CODE32
	.org TRAMP_DATA + TD_FAR64
	.long 0
	.word TRAMP_SEL_CODE64
	.org TRAMP_DATA + TD_SIZE
	.global smp_trampoline_end
smp_trampoline_end:
