/*
 * Exceptions in the hypervisor are bugs: report everything needed to find
 * them (one block of lines on the console) and panic. An NMI during a panic
 * is the panicking CPU asking this one to stop.
 */
#include "arch/x86/exception.h"

#include "arch/x86/cpu.h"
#include "arch/x86/fault_fixup.h"
#include "arch/x86/idt.h"
#include "arch/x86/smp.h"
#include "arch/x86/stacks.h"
#include "kernel/core/console.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"

#define STACKTRACE_MAX_FRAMES 16

static const char *const exception_names[32] = {
    [0] = "#DE divide error",
    [1] = "#DB debug",
    [2] = "NMI",
    [3] = "#BP breakpoint",
    [4] = "#OF overflow",
    [5] = "#BR bound range",
    [6] = "#UD invalid opcode",
    [7] = "#NM device not available",
    [8] = "#DF double fault",
    [9] = "coprocessor segment overrun",
    [10] = "#TS invalid TSS",
    [11] = "#NP segment not present",
    [12] = "#SS stack fault",
    [13] = "#GP general protection",
    [14] = "#PF page fault",
    [16] = "#MF x87 error",
    [17] = "#AC alignment check",
    [18] = "#MC machine check",
    [19] = "#XM SIMD error",
    [20] = "#VE virtualization",
    [21] = "#CP control protection",
    [28] = "#HV hypervisor injection",
    [29] = "#VC VMM communication",
    [30] = "#SX security",
};

void stacktrace_print(uint64_t rip, uint64_t rbp)
{
	log_err("  stack trace: 0x%016llx", (unsigned long long)rip);
	for (int i = 0; i < STACKTRACE_MAX_FRAMES && rbp; i++) {
		/* Follow only frames that lie on a kernel stack: a corrupt rbp must not fault here.
		 */
		if ((rbp & 7) || !(stack_contains(rbp, 16) || smp_stack_contains(rbp, 16)))
			break;
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		if (!frame[1])
			break;
		log_err("               0x%016llx", (unsigned long long)frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void exception_handle(struct trap_frame *f)
{
	unsigned v = f->vector;

	if (v == VECTOR_NMI && panic_in_progress())
		cpu_halt_forever();
	/* An instruction run with a guest's values, refused by the CPU: its caller copes. */
	if ((v == VECTOR_GP || v == VECTOR_UD) && fault_fixup(f))
		return;

	console_sync(); /* the report must reach the UART even if printing it faults */
	const char *name = (v < 32 && exception_names[v]) ? exception_names[v] : "reserved";
	log_err("EXCEPTION: %s (vector %u) error=0x%llx", name, v,
		(unsigned long long)f->error_code);
	log_err("  RIP=0x%016llx CS=0x%llx RFLAGS=0x%llx RSP=0x%016llx", (unsigned long long)f->rip,
		(unsigned long long)f->cs, (unsigned long long)f->rflags,
		(unsigned long long)f->rsp);
	log_err("  CR2=0x%016llx CR3=0x%016llx CR0=0x%llx CR4=0x%llx",
		(unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
		(unsigned long long)read_cr0(), (unsigned long long)read_cr4());
	log_err("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx", (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_err("  RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx", (unsigned long long)f->rsi,
		(unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
	log_err("  R9 =%016llx R10=%016llx R11=%016llx R12=%016llx", (unsigned long long)f->r9,
		(unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	log_err("  R13=%016llx R14=%016llx R15=%016llx", (unsigned long long)f->r13,
		(unsigned long long)f->r14, (unsigned long long)f->r15);
	stacktrace_print(f->rip, f->rbp);
	panic("unhandled exception %s at RIP 0x%llx", name, (unsigned long long)f->rip);
}
