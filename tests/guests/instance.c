/*
 * instance: one of a config guest's instances (config `instances`, console
 * `scale`). It reads its instance number from Shoji's CPUID leaf 0x40000002
 * (EAX; 0 for a plain guest), says it, and halts until it is stopped: the
 * scale scenarios (tests/system/scale.py) check each instance's number.
 */
#include <stdint.h>

#include "kernel/guest/hypercall_abi.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/x86.h"

int main(void)
{
	struct cpuid_regs base = cpuid(SHOJI_CPUID_BASE, 0);
	if (base.ebx != SHOJI_CPUID_SIG_EBX || base.ecx != SHOJI_CPUID_SIG_ECX ||
	    base.edx != SHOJI_CPUID_SIG_EDX) {
		gprintf("instance: not under Shoji: FAIL\n");
		return GUEST_EXIT_FAIL;
	}
	uint32_t number = cpuid(SHOJI_CPUID_INSTANCE, 0).eax;
	gprintf("instance: number %u\n", (unsigned)number);
	gprintf("instance %u: PASS\n", (unsigned)number);
	for (;;)
		asm volatile("sti; hlt; cli" : : : "memory");
}
