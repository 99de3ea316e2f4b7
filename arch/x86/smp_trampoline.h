/*
 * Layout shared by the AP start-up trampoline (smp_trampoline.S) and the
 * code that installs it (smp.c). The blob is copied to a page below 1 MiB;
 * its data block sits at a fixed offset, which the BSP fills in before the
 * first SIPI. Private to arch/x86/smp*.
 */
#ifndef SHOJI_ARCH_X86_SMP_TRAMPOLINE_H
#define SHOJI_ARCH_X86_SMP_TRAMPOLINE_H

#define TRAMP_DATA 0x800 /* offset of the data block in the page */

/* Offsets inside the data block. */
#define TD_GDT	     0x00 /* 4 descriptors: null, code32, data, code64 */
#define TD_GDT_PTR   0x20 /* limit (16), base (32): base is filled in */
#define TD_FAR32     0x28 /* far pointer (offset 32, selector 16) to the 32-bit stage */
#define TD_FAR64     0x30 /* far pointer to the 64-bit stage */
#define TD_CR3	     0x38 /* 64-bit field; the root is below 4 GiB */
#define TD_CR4	     0x40 /* the BSP's CR4 (minus VMXE), loaded in long mode */
#define TD_CR0	     0x48 /* the BSP's CR0 (PE and PG set) */
#define TD_EFER	     0x50 /* LME, plus NXE when the BSP has it */
#define TD_ENTRY     0x58 /* 64-bit C entry: void ap_main(unsigned cpu_index) */
#define TD_STACKS    0x60 /* address of uint64_t stack_tops[MAX_CPUS] */
#define TD_CPU_INDEX 0x68 /* 32 bits: index the next AP takes, TRAMP_NO_CPU once taken */
#define TD_SIZE	     0x70

#define TRAMP_NO_CPU	 0xffffffff
#define TRAMP_SEL_CODE32 0x08
#define TRAMP_SEL_DATA	 0x10
#define TRAMP_SEL_CODE64 0x18

#endif
