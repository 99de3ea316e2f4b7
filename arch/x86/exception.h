/* Reporting of CPU exceptions taken by the hypervisor itself. */
#ifndef SHOJI_ARCH_X86_EXCEPTION_H
#define SHOJI_ARCH_X86_EXCEPTION_H

#include "arch/x86/trap_frame.h"

/* Report vector, error code, RIP, CR2, registers and a stack trace, then panic. */
void exception_handle(struct trap_frame *frame);

/* Log the return addresses found by walking the frame-pointer chain from rbp. */
void stacktrace_print(uint64_t rip, uint64_t rbp);

#endif
