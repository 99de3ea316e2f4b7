/*
 * Kernel entry points. Both end in C with a struct boot_info:
 *  - mb2_entry32: GRUB's Multiboot2 hand-over (32-bit protected mode, paging
 *    off, EAX = magic, EBX = info). Enters long mode and calls
 *    mb2_main(magic, info).
 *  - kernel_entry64: the UEFI loader's hand-over (64-bit, firmware's
 *    identity map, RDI = struct boot_info *). Calls kernel_main(bi).
 * Both switch at once to boot_pml4, a static identity map of the low 4 GiB
 * in the kernel image: after ExitBootServices the firmware's page tables sit
 * in memory the kernel will reuse, so they must not stay live.
 * Both run on the boot stack (arch/x86/stacks.c), whose guard page paging unmaps.
 */
#include "arch/x86/stacks.h"

/* The boot stack is kernel_stacks[STACK_BOOT], the first entry. */
.set boot_stack_top, kernel_stacks + GUARDED_STACK_SIZE

#define CR0_PE (1 << 0)
#define CR0_ET (1 << 4)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define PTE_P (1 << 0)
#define PTE_W (1 << 1)
#define PTE_PS (1 << 7)
#define COM1 0x3f8

	.section .text.boot32, "ax"
	.code32
	.global mb2_entry32
mb2_entry32:
	/* The start-up meter (bench.py): the TSC right after saving GRUB's magic. */
	movl %eax, %edi		/* magic: first C argument */
	rdtsc
	movl %eax, boot_entry_tsc
	movl %edx, boot_entry_tsc + 4
	cli
	cld
	movl %ebx, %esi		/* info: second C argument */
	movl $boot_stack_top, %esp

	/* CPUID 0x80000001 EDX bit 29: long mode. Without it, say so and stop. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	/* GRUB leaves CD/NW set and NE clear (HARNESS.md): start from a clean CR0. */
	movl $(CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $mb2_entry64

no_long_mode:
	movl $msg_no_long_mode, %esi
3:	lodsb
	testb %al, %al
	jz 5f
	movb %al, %bl
	movw $(COM1 + 5), %dx
4:	inb %dx, %al
	testb $0x20, %al
	jz 4b
	movb %bl, %al
	movw $COM1, %dx
	outb %al, %dx
	jmp 3b
5:	hlt
	jmp 5b

	.code64
mb2_entry64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movl %edi, %edi		/* zero-extend: upper halves are undefined after the switch */
	movl %esi, %esi
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call mb2_main
6:	cli
	hlt
	jmp 6b

	.text
	.global kernel_entry64
kernel_entry64:
	rdtsc
	movl %eax, boot_entry_tsc(%rip)
	movl %edx, boot_entry_tsc + 4(%rip)
	cli
	cld
	movq $boot_pml4, %rax
	movq %rax, %cr3
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call kernel_main
7:	cli
	hlt
	jmp 7b

	.section .rodata
msg_no_long_mode:
	.asciz "shoji: error: this CPU has no 64-bit long mode; halting\r\n"

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .data
	.balign 8
	.global boot_entry_tsc
boot_entry_tsc:
	.quad 0

	/* Boot page tables: low 4 GiB identity-mapped with 2 MiB pages. */
	.balign 4096
boot_pml4:
	.quad boot_pdpt + (PTE_P | PTE_W)
	.fill 511, 8, 0
boot_pdpt:
	.quad boot_pd + (PTE_P | PTE_W)
	.quad boot_pd + 0x1000 + (PTE_P | PTE_W)
	.quad boot_pd + 0x2000 + (PTE_P | PTE_W)
	.quad boot_pd + 0x3000 + (PTE_P | PTE_W)
	.fill 508, 8, 0
boot_pd:
	.set frame, 0
	.rept 2048
	.quad frame + (PTE_P | PTE_W | PTE_PS)
	.set frame, frame + 0x200000
	.endr
