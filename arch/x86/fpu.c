/* Guest FPU state switching with XSAVE/XRSTOR or FXSAVE/FXRSTOR (see fpu.h). */
#include "arch/x86/fpu.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "kernel/core/types.h"

#define CPUID_1_ECX_XSAVE   (1u << 26)
#define CPUID_XSAVE_LEAF    0xd
#define CR4_OSFXSR_BIT	    (1ULL << 9)
#define CR4_OSXMMEXCPT_BIT  (1ULL << 10)
#define FXSAVE_AREA_SIZE    512
#define FXSAVE_FCW_OFFSET   0
#define FXSAVE_MXCSR_OFFSET 24
#define FCW_RESET	    0x037f
#define MXCSR_RESET	    0x1f80
#define XCR0_X87_SSE	    3ULL

static bool have_xsave;
static size_t area_size = FXSAVE_AREA_SIZE;

static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init_boot_cpu(void)
{
	/* SDM 3A 13.1: FXSAVE/FXRSTOR cover the XMM registers only with CR4.OSFXSR set. */
	uint64_t cr4 = read_cr4() | CR4_OSFXSR_BIT | CR4_OSXMMEXCPT_BIT;
	if (cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE) {
		have_xsave = true;
		write_cr4(cr4 | CR4_OSXSAVE);
		xsetbv0(FPU_XCR0_DEFAULT);
		/* ECX: the size of the area for every feature the CPU supports (SDM 1 13.2). */
		area_size = cpuid(CPUID_XSAVE_LEAF, 0).ecx;
	} else {
		write_cr4(cr4);
	}
}

size_t fpu_area_size(void)
{
	return area_size;
}

bool fpu_has_xsave(void)
{
	return have_xsave;
}

int fpu_state_init(struct fpu_state *s)
{
	size_t size = ALIGN_UP(area_size, FPU_AREA_ALIGN);
	s->area = memalign(FPU_AREA_ALIGN, size); /* nano-malloc has memalign, not aligned_alloc */
	if (!s->area)
		return -ENOMEM;
	/* An all-zero XSAVE header means "every component in its initial state". */
	memset(s->area, 0, size);
	*(uint16_t *)((uint8_t *)s->area + FXSAVE_FCW_OFFSET) = FCW_RESET;
	*(uint32_t *)((uint8_t *)s->area + FXSAVE_MXCSR_OFFSET) = MXCSR_RESET;
	s->xcr0 = FPU_XCR0_DEFAULT;
	return 0;
}

/*
 * XSAVE/XRSTOR touch only the components XCR0 enables, but legacy SSE code
 * uses the XMM registers whatever the guest's XCR0 says (CR4.OSFXSR is
 * enough): around the switch XCR0 always includes x87 and SSE.
 */
static void save(struct fpu_state *s)
{
	if (have_xsave) {
		xsetbv0(s->xcr0 | XCR0_X87_SSE);
		__asm__ volatile("xsave64 (%0)" : : "r"(s->area), "a"(~0u), "d"(~0u) : "memory");
	} else {
		__asm__ volatile("fxsave64 (%0)" : : "r"(s->area) : "memory");
	}
}

static void restore(struct fpu_state *s)
{
	if (have_xsave) {
		xsetbv0(s->xcr0 | XCR0_X87_SSE);
		/* Components the image does not hold (XSTATE_BV clear) come back in their init
		 * state. */
		__asm__ volatile("xrstor64 (%0)" : : "r"(s->area), "a"(~0u), "d"(~0u) : "memory");
		xsetbv0(s->xcr0);
	} else {
		__asm__ volatile("fxrstor64 (%0)" : : "r"(s->area) : "memory");
	}
}

void fpu_switch(struct fpu_state *prev, struct fpu_state *next)
{
	if (prev)
		save(prev);
	restore(next);
}

void fpu_set_xcr0(struct fpu_state *s, uint64_t xcr0)
{
	s->xcr0 = xcr0;
	if (have_xsave)
		xsetbv0(xcr0);
}
