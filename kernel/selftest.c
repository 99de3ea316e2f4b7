/* Deliberate faults that prove the exception path (see selftest.h). */
#include "kernel/selftest.h"

#include <string.h>

#include "arch/x86/stacks.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"

void selftest_run_from_cmdline(const char *cmdline)
{
	char what[32];
	if (!cmdline_get(cmdline, "test-fault", what, sizeof(what)))
		return;
	if (!strcmp(what, "pagefault")) {
		volatile uint8_t *guard = kernel_stacks[STACK_BOOT].guard;
		log_info("selftest: reading the boot stack guard page at 0x%llx",
			 (unsigned long long)(uintptr_t)guard);
		(void)*guard;
		log_err("selftest: the guard page was readable");
	} else if (!strcmp(what, "ud")) {
		log_info("selftest: executing ud2");
		__asm__ volatile("ud2");
	} else {
		log_warn("selftest: unknown test-fault=%s", what);
	}
}
