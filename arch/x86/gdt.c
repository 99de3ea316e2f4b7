/* GDT/TSS set-up (SDM 3A 3.4.5, 8.7: 64-bit TSS descriptor is 16 bytes). */
#include "arch/x86/gdt.h"

#include <string.h>

#define SEG_CODE64	  0x00af9a000000ffffULL /* present, DPL0, exec/read, L=1 */
#define SEG_DATA	  0x00cf92000000ffffULL /* present, DPL0, read/write */
#define SEG_TSS_AVAILABLE 0x89ULL

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void gdt_load(struct cpu_tables *t, uint64_t ist_nmi, uint64_t ist_df, uint64_t ist_mc)
{
	uint64_t base = (uint64_t)(uintptr_t)&t->tss;
	uint64_t limit = sizeof(t->tss) - 1;

	memset(&t->tss, 0, sizeof(t->tss));
	t->tss.ist[IST_NMI - 1] = ist_nmi;
	t->tss.ist[IST_DF - 1] = ist_df;
	t->tss.ist[IST_MC - 1] = ist_mc;
	t->tss.iomap_base = sizeof(t->tss); /* no I/O permission bitmap */

	t->gdt[0] = 0;
	t->gdt[1] = SEG_CODE64;
	t->gdt[2] = SEG_DATA;
	t->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (SEG_TSS_AVAILABLE << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[4] = base >> 32;

	struct gdt_ptr ptr = {.limit = sizeof(t->gdt) - 1, .base = (uint64_t)(uintptr_t)t->gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(ptr), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
			 : "rax", "memory");
}
