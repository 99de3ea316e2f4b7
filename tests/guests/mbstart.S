/*
 * Multiboot test kernels: the header and the entry. Built three ways:
 *   MB_VERSION=1            Multiboot 1 header in an ELF32 file (mb1.elf)
 *   MB_VERSION=1 MB_AOUT    the same with the a.out-kludge address fields, as a
 *                           flat binary (mb1aout.bin)
 *   MB_VERSION=2            Multiboot 2 header with an information request, an
 *                           entry address tag, an optional framebuffer tag and a
 *                           module alignment tag (mb2.elf)
 * The entry keeps what the loader handed over (EAX, EBX, EFLAGS, CR0, the
 * segment selectors) in .data before touching anything, takes its own stack
 * (ESP is undefined at a Multiboot entry), zeroes .bss and runs main().
 */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS_ELF  0x00000003 /* page-aligned modules, memory information */
#define MB1_FLAGS_AOUT 0x00010003 /* ... and the address fields (bit 16) */
#define MB2_MAGIC 0xe85250d6

	.code32
	.section .text.start, "ax"
#if MB_VERSION == 1
	.p2align 2
mb1_header:
#ifdef MB_AOUT
	.long MB1_MAGIC, MB1_FLAGS_AOUT, 0x100000000 - (MB1_MAGIC + MB1_FLAGS_AOUT)
	.long mb1_header	/* header_addr */
	.long _mb_load_start	/* load_addr: the file's first byte */
	.long _mb_data_end	/* load_end_addr */
	.long __bss_end		/* bss_end_addr */
	.long _start		/* entry_addr */
#else
	.long MB1_MAGIC, MB1_FLAGS_ELF, 0x100000000 - (MB1_MAGIC + MB1_FLAGS_ELF)
#endif
#else
	.p2align 3
mb2_header:
	.long MB2_MAGIC, 0, mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + (mb2_header_end - mb2_header))
	/* information request, required: cmdline, loader name, modules, meminfo, mmap */
	.short 1, 0
	.long 8 + 5 * 4
	.long 1, 2, 3, 4, 6
	.p2align 3
	.short 3, 0		/* entry address */
	.long 12, _start
	.p2align 3
	.short 5, 1		/* framebuffer, optional: a preference Shoji may ignore */
	.long 20, 0, 0, 32
	.p2align 3
	.short 6, 0		/* module alignment */
	.long 8
	.short 0, 0		/* end */
	.long 8
mb2_header_end:
#endif

	.globl _start
_start:
	movl %eax, mb_entry_eax
	movl %ebx, mb_entry_ebx
	movl $mb_stack_top, %esp
	pushfl
	popl mb_entry_eflags
	movl %cr0, %eax
	movl %eax, mb_entry_cr0
	movw %cs, mb_entry_sel + 0
	movw %ds, mb_entry_sel + 2
	movw %es, mb_entry_sel + 4
	movw %fs, mb_entry_sel + 6
	movw %gs, mb_entry_sel + 8
	movw %ss, mb_entry_sel + 10
	cld
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	call main
	pushl %eax
	call debug_exit
1:	hlt
	jmp 1b

	.data
	.p2align 2
	.globl mb_entry_eax, mb_entry_ebx, mb_entry_eflags, mb_entry_cr0, mb_entry_sel
mb_entry_eax:	 .long 0xdeadbeef
mb_entry_ebx:	 .long 0xdeadbeef
mb_entry_eflags: .long 0xdeadbeef
mb_entry_cr0:	 .long 0xdeadbeef
mb_entry_sel:	 .short 1, 1, 1, 1, 1, 1 /* cs ds es fs gs ss */

	.bss
	.p2align 4
	.space 8192
mb_stack_top:

	.section .note.GNU-stack, "", @progbits
