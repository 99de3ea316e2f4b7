/* Registers saved by the interrupt stubs (isr.S), in push order reversed. */
#ifndef SHOJI_ARCH_X86_TRAP_FRAME_H
#define SHOJI_ARCH_X86_TRAP_FRAME_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

#endif
