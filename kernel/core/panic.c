/*
 * Stop the machine in a state worth reading: reason, registers, stack trace
 * on the console, every other CPU halted by NMI. With the test-exit switch
 * the run ends through the test-exit ports instead of hanging.
 */
#include "kernel/core/panic.h"

#include <stdarg.h>
#include <stdio.h>

#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "drivers/lapic.h"
#include "kernel/core/console.h"
#include "kernel/core/log.h"
#include "kernel/core/test_exit.h"

static volatile int panicking;

bool panic_in_progress(void)
{
	return panicking != 0;
}

void panic(const char *fmt, ...)
{
	irq_disable();
	/* A second panic (say, a fault while printing the first) only stops this CPU. */
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		cpu_halt_forever();

	/* What is buffered first, then the report straight to the UART. */
	console_sync();

	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	uint64_t rsp, rbp;
	__asm__ volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(rsp), "=r"(rbp));
	log_err("PANIC: %s", msg);
	log_err("  RSP=0x%016llx RBP=0x%016llx CR0=0x%llx CR3=0x%llx CR4=0x%llx RFLAGS=0x%llx",
		(unsigned long long)rsp, (unsigned long long)rbp, (unsigned long long)read_cr0(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4(),
		(unsigned long long)read_rflags());
	stacktrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), rbp);

	lapic_send_nmi_all_but_self();
	log_err("PANIC: all CPUs halted");
	test_exit(TEST_EXIT_PANIC);
	cpu_halt_forever();
}
