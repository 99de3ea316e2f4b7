/* CPU instructions the hypervisor uses directly: CPUID, control registers, TSC. */
#ifndef SHOJI_ARCH_X86_CPU_H
#define SHOJI_ARCH_X86_CPU_H

#include <stddef.h>
#include <stdint.h>

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_NE (1ULL << 5)
#define CR0_ET (1ULL << 4)
#define CR0_WP (1ULL << 16)
#define CR0_AM (1ULL << 18)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)

#define CR4_PAE	    (1ULL << 5)
#define CR4_PGE	    (1ULL << 7)
#define CR4_OSFXSR  (1ULL << 9)
#define CR4_VMXE    (1ULL << 13)
#define CR4_OSXSAVE (1ULL << 18)

#define RFLAGS_RESERVED_ONE (1ULL << 1)
#define RFLAGS_IF	    (1ULL << 9)
#define RFLAGS_DF	    (1ULL << 10)
#define RFLAGS_AC	    (1ULL << 18)

/* CPUID feature bits used by the core. */
#define CPUID_1_ECX_X2APIC		 (1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE	 (1U << 24)
#define CPUID_1_ECX_HYPERVISOR		 (1U << 31)
#define CPUID_1_EDX_APIC		 (1U << 9)
#define CPUID_1_EDX_TSC			 (1U << 4)
#define CPUID_80000001_EDX_NX		 (1U << 20)
#define CPUID_80000001_EDX_PAGE1GB	 (1U << 26)
#define CPUID_80000007_EDX_INVARIANT_TSC (1U << 8)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint32_t cpuid_max_leaf(uint32_t base)
{
	return cpuid(base, 0).eax;
}

#define DEFINE_CR_ACCESSORS(n)                                                                     \
	static inline uint64_t read_cr##n(void)                                                    \
	{                                                                                          \
		uint64_t v;                                                                        \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                  \
		return v;                                                                          \
	}                                                                                          \
	static inline void write_cr##n(uint64_t v)                                                 \
	{                                                                                          \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                         \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/*
 * Zero count 8-byte words. REP STOSQ: the cheapest way without vector
 * registers (newlib's memset loops over MOVNTI, ~20% more instructions;
 * under Bochs each costs one emulated instruction per iteration either way).
 */
static inline void zero_qwords(void *dst, size_t count)
{
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(count) : "a"(0ULL) : "memory");
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Stop this CPU for good: interrupts off, then HLT forever (NMIs wake it, it halts again). */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
