/* Model-specific register numbers (SDM 4, chapter 2) and access. */
#ifndef SHOJI_ARCH_X86_MSR_H
#define SHOJI_ARCH_X86_MSR_H

#include "arch/x86/fault_fixup.h"

#include <stdint.h>

#define MSR_IA32_APIC_BASE	 0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC		 0x10
#define MSR_IA32_PAT		 0x277
#define MSR_IA32_TSC_DEADLINE	 0x6e0
#define MSR_X2APIC_BASE		 0x800 /* x2APIC registers: 0x800 + (xAPIC offset >> 4) */
#define MSR_EFER		 0xc0000080
#define MSR_FS_BASE		 0xc0000100
#define MSR_GS_BASE		 0xc0000101
#define MSR_KERNEL_GS_BASE	 0xc0000102

#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_X2APIC_ENABLE (1ULL << 10)
#define APIC_BASE_XAPIC_ENABLE	(1ULL << 11)

#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

/* WRMSR of a guest's value: 0, or -EFAULT if the CPU refused it (see fault_fixup.h). */
static inline int wrmsr_checked(uint32_t msr, uint64_t val)
{
	uint64_t rax = (uint32_t)val;
	__asm__ volatile("1: wrmsr\n\txor %%eax, %%eax\n2:\n\t" FAULT_FIXUP("1b", "2b")
			 : "+a"(rax)
			 : "c"(msr), "d"((uint32_t)(val >> 32))
			 : "memory");
	return (int)rax;
}

#endif
