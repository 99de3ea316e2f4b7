/*
 * Guest FPU/SSE/AVX state. The hypervisor itself never uses these registers
 * (-mgeneral-regs-only), so a guest's state stays in the CPU while the
 * hypervisor runs; it is saved and restored only when another vCPU takes
 * the CPU. XSAVE is used when the CPU has it (the area covers every feature
 * the CPU supports), FXSAVE otherwise.
 */
#ifndef SHOJI_ARCH_X86_FPU_H
#define SHOJI_ARCH_X86_FPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FPU_XCR0_DEFAULT 1ULL /* x87 only: the architectural reset value */

struct fpu_state {
	void *area;    /* FPU_AREA_ALIGN-aligned, fpu_area_size() bytes */
	uint64_t xcr0; /* the guest's XCR0 (XSETBV) */
};

#define FPU_AREA_ALIGN 64

/* Boot CPU, before the others start (they copy its CR4 and XCR0): enable FXSR/XSAVE. */
void fpu_init_boot_cpu(void);
size_t fpu_area_size(void);
bool fpu_has_xsave(void);

/* A fresh vCPU's state: reset values (FCW 0x37f, MXCSR 0x1f80), XCR0 = x87. */
int fpu_state_init(struct fpu_state *s);

/* Save the CPU's state into s (whose XCR0 is the one loaded), then load `next`'s. */
void fpu_switch(struct fpu_state *prev, struct fpu_state *next);

/*
 * Load a new XCR0 for the state that owns the CPU (a validated guest XSETBV):
 * -EINVAL, and XCR0 unchanged, if the CPU refuses it all the same.
 */
int fpu_set_xcr0(struct fpu_state *s, uint64_t xcr0);

#endif
