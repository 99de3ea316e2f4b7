/*
 * Multiboot2 header (Multiboot2 spec 3.1). The kernel ELF is 64-bit, so GRUB
 * is told where the 32-bit entry is through the entry-address tag; the UEFI
 * loader uses the ELF entry (kernel_entry64) instead. No framebuffer tag:
 * the kernel uses a framebuffer when GRUB reports one (gfxpayload), but
 * does not ask for a mode change (the console is COM1 first).
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_TAG_END 0
#define MB2_TAG_ENTRY_ADDRESS 3

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	.balign 8
	.word MB2_TAG_ENTRY_ADDRESS, 0
	.long 12
	.long mb2_entry32

	.balign 8
	.word MB2_TAG_END, 0
	.long 8
mb2_header_end:
