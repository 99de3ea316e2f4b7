/*
 * Test guests: one-instruction wrappers (port I/O, CPUID, MSRs, control
 * registers, TSC). Usable from 32-bit and 64-bit guests; nothing here traps
 * on its own account: the *_try forms live in trap.h.
 */
#ifndef SHOJI_TESTS_GUESTS_LIB_X86_H
#define SHOJI_TESTS_GUESTS_LIB_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;
	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(unsigned long v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;
	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;
	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(unsigned long v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* LFENCE keeps earlier instructions from drifting past the timestamp. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline void hlt(void)
{
	asm volatile("hlt" : : : "memory");
}

#define CR0_MP	       (1ul << 1)
#define CR4_OSXMMEXCPT (1ul << 10)

#define MSR_IA32_TSC		 0x10u
#define MSR_IA32_APIC_BASE	 0x1bu
#define MSR_IA32_FEATURE_CONTROL 0x3au
#define MSR_IA32_SYSENTER_CS	 0x174u
#define MSR_IA32_PAT		 0x277u
#define MSR_IA32_VMX_BASIC	 0x480u
#define MSR_EFER		 0xc0000080u
#define MSR_LSTAR		 0xc0000082u
#define MSR_FS_BASE		 0xc0000100u

#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define CPUID1_ECX_VMX	      (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID80000001_ECX_SVM (1u << 2)

#endif
