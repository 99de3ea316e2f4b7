/*
 * Instructions the hypervisor executes with a guest's values (XSETBV,
 * XRSTOR of guest state, WRMSR of guest MSRs) are checked first; should the
 * CPU refuse one anyway, its #GP or #UD must not be a hypervisor panic. Such
 * an instruction is listed with FAULT_FIXUP(insn label, resume label): a
 * fault at it resumes at the resume label with RAX = -EFAULT.
 */
#ifndef SHOJI_ARCH_X86_FAULT_FIXUP_H
#define SHOJI_ARCH_X86_FAULT_FIXUP_H

#include <stdbool.h>

#include "arch/x86/trap_frame.h"

/* In inline asm: one table entry (the section is collected by linker.ld). */
#define FAULT_FIXUP(insn, resume)                                                                  \
	".pushsection .fault_fixup, \"a\"\n\t.balign 8\n\t.quad " insn ", " resume                \
	"\n\t.popsection\n\t"

/* If f's RIP is a listed instruction: move it to the resume point, RAX = -EFAULT; true. */
bool fault_fixup(struct trap_frame *f);

#endif
