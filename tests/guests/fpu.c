/*
 * fpu: keeps its own values in XMM0 and in CR2 while it yields the CPU
 * again and again. Two instances sharing one CPU prove that each vCPU's
 * FPU/SSE registers and CR2 (which VT-x does not switch) are saved and
 * restored: without that they read each other's values.
 */
#include <stdint.h>

#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/x86.h"

#define CR0_EM	       (1ul << 2)
#define CR0_MP	       (1ul << 1)
#define CR4_OSFXSR     (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define ROUNDS	       300
#define GOLDEN	       0x9e3779b97f4a7c15ul

static inline void set_xmm0(uint64_t v)
{
	asm volatile("movq %0, %%xmm0" : : "r"(v));
}

static inline void set_cr2(uint64_t v)
{
	asm volatile("mov %0, %%cr2" : : "r"(v));
}

static inline uint64_t get_xmm0(void)
{
	uint64_t v;
	asm volatile("movq %%xmm0, %0" : "=r"(v));
	return v;
}

int main(void)
{
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	uint64_t value = (rdtsc() * GOLDEN) | 1; /* differs between instances */
	gprintf("fpu: holding a value in xmm0 across %u yields\n", ROUNDS);
	for (unsigned i = 0; i < ROUNDS; i++) {
		set_xmm0(value);
		set_cr2(~value);
		hypercall(HC_YIELD, 0, 0, 0);
		uint64_t got = get_xmm0(), cr2 = read_cr2();
		if (got != value) {
			gprintf("fpu: FAIL xmm0 changed after yield %u: 0x%lx, expected 0x%lx\n", i,
				got, value);
			return 1;
		}
		if (cr2 != ~value) {
			gprintf("fpu: FAIL cr2 changed after yield %u: 0x%lx, expected 0x%lx\n", i,
				cr2, ~value);
			return 1;
		}
		value = (value << 1) | (value >> 63);
	}
	gprintf("fpu: PASS\n");
	return 0;
}
