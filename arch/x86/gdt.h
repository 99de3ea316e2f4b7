/*
 * GDT and TSS of one CPU. The TSS carries the IST stacks that NMI, #DF and
 * #MC switch to, so that these still run when the normal stack is gone.
 */
#ifndef SHOJI_ARCH_X86_GDT_H
#define SHOJI_ARCH_X86_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS	      0x18

#define IST_NMI 1
#define IST_DF	2
#define IST_MC	3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct cpu_tables {
	uint64_t gdt[5]; /* null, code, data, TSS (two slots) */
	struct tss tss;
} __attribute__((aligned(16)));

/* Fill and load this CPU's GDT and TSS; the IST tops are the given stacks. */
void gdt_load(struct cpu_tables *t, uint64_t ist_nmi, uint64_t ist_df, uint64_t ist_mc);

#endif
