/*
 * Test guests: Shoji hypercalls (kernel/guest/hypercall_abi.h). The instruction,
 * VMCALL or VMMCALL, is the one CPUID 0x40000001 EBX names.
 */
#ifndef SHOJI_TESTS_GUESTS_LIB_HYPERCALL_H
#define SHOJI_TESTS_GUESTS_LIB_HYPERCALL_H

#include "kernel/guest/hypercall_abi.h"

/* True if CPUID 0x40000000 carries the "ShojiShoji" signature. */
int shoji_present(void);

/* SHOJI_HC_INSN_VMCALL, SHOJI_HC_INSN_VMMCALL, or 0 when not under Shoji. */
unsigned hypercall_insn(void);

/* RAX = nr, RDI, RSI, RDX = a0..a2; returns RAX. HC_ENOSYS without Shoji. */
long hypercall(long nr, long a0, long a1, long a2);

#endif
