/* Guest FPU state switching with XSAVE/XRSTOR or FXSAVE/FXRSTOR (see fpu.h). */
#include "arch/x86/fpu.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/fault_fixup.h"
#include "kernel/core/log.h"
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

/* XCR0 = v: 0, or -EFAULT if the CPU refused the value (see fault_fixup.h). */
static inline int xsetbv0(uint64_t v)
{
	uint64_t rax = (uint32_t)v;
	__asm__ volatile("1: xsetbv\n\txor %%eax, %%eax\n2:\n\t" FAULT_FIXUP("1b", "2b")
			 : "+a"(rax)
			 : "c"(0), "d"((uint32_t)(v >> 32))
			 : "memory");
	return (int)rax;
}

static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* XRSTOR of every component: 0, or -EFAULT if the CPU refused the image. */
static inline int xrstor_all(void *area)
{
	uint64_t rax = ~0u;
	__asm__ volatile("1: xrstor64 (%1)\n\txor %%eax, %%eax\n2:\n\t" FAULT_FIXUP("1b", "2b")
			 : "+a"(rax)
			 : "r"(area), "d"(~0u)
			 : "memory");
	return (int)rax;
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

/* Reset values in the area; an all-zero XSAVE header means "every component in its init state". */
static void reset_area(struct fpu_state *s)
{
	memset(s->area, 0, ALIGN_UP(area_size, FPU_AREA_ALIGN));
	*(uint16_t *)((uint8_t *)s->area + FXSAVE_FCW_OFFSET) = FCW_RESET;
	*(uint32_t *)((uint8_t *)s->area + FXSAVE_MXCSR_OFFSET) = MXCSR_RESET;
}

int fpu_state_init(struct fpu_state *s)
{
	size_t size = ALIGN_UP(area_size, FPU_AREA_ALIGN);
	s->area = memalign(FPU_AREA_ALIGN, size); /* nano-malloc has memalign, not aligned_alloc */
	if (!s->area)
		return -ENOMEM;
	reset_area(s);
	s->xcr0 = FPU_XCR0_DEFAULT;
	return 0;
}

/*
 * XSAVE/XRSTOR touch only the components XCR0 enables, but legacy SSE code
 * uses the XMM registers whatever the guest's XCR0 says (CR4.OSFXSR is
 * enough): around the switch XCR0 always includes x87 and SSE. XSETBV is
 * serialising and slow on hardware, so it runs only when XCR0 must change.
 * save() returns the XCR0 it leaves in the CPU.
 */
static uint64_t save(struct fpu_state *s)
{
	/*
	 * The CPU's XCR0 is the guest's: an emulator that does not honour the
	 * XSETBV intercept (QEMU 7.2's TCG SVM) lets the guest set it without
	 * an exit. Saving with a stale value would drop its AVX/PKRU state
	 * and restore it under an XCR0 its XRSTORs fault on.
	 */
	uint64_t live = xgetbv0();
	if (live != s->xcr0) {
		static bool told;
		if (!told)
			log_warn("fpu: a guest set XCR0 to 0x%llx without an XSETBV exit; "
				 "taken as its value",
				 (unsigned long long)live);
		told = true;
		s->xcr0 = live;
	}
	if ((live & XCR0_X87_SSE) != XCR0_X87_SSE)
		xsetbv0(live | XCR0_X87_SSE);
	__asm__ volatile("xsave64 (%0)" : : "r"(s->area), "a"(~0u), "d"(~0u) : "memory");
	return live | XCR0_X87_SSE;
}

static void restore(struct fpu_state *s, uint64_t live)
{
	uint64_t wide = s->xcr0 | XCR0_X87_SSE;
	if (live != wide)
		xsetbv0(wide);
	/* Components the image does not hold (XSTATE_BV clear) come back in their init state. */
	if (xrstor_all(s->area)) {
		/* Never seen: XSAVE wrote the image. Reset values, not a host panic. */
		log_warn("fpu: XRSTOR refused a saved state; the vCPU's FPU is reset");
		reset_area(s);
		xrstor_all(s->area);
	}
	if (s->xcr0 != wide)
		xsetbv0(s->xcr0);
}

void fpu_switch(struct fpu_state *prev, struct fpu_state *next)
{
	if (!have_xsave) {
		if (prev)
			__asm__ volatile("fxsave64 (%0)" : : "r"(prev->area) : "memory");
		__asm__ volatile("fxrstor64 (%0)" : : "r"(next->area) : "memory");
		return;
	}
	restore(next, prev ? save(prev) : xgetbv0());
}

int fpu_set_xcr0(struct fpu_state *s, uint64_t xcr0)
{
	if (have_xsave && xsetbv0(xcr0))
		return -EINVAL;
	s->xcr0 = xcr0;
	return 0;
}
