/* Test guests: the hypercall wrapper and Shoji detection. */
#include "tests/guests/lib/hypercall.h"

#include "tests/guests/lib/x86.h"

static unsigned hc_insn;
static int hc_probed;

int shoji_present(void)
{
	struct cpuid_regs r = cpuid(SHOJI_CPUID_BASE, 0);

	return r.eax >= SHOJI_CPUID_ABI && r.ebx == SHOJI_CPUID_SIG_EBX &&
	       r.ecx == SHOJI_CPUID_SIG_ECX && r.edx == SHOJI_CPUID_SIG_EDX;
}

unsigned hypercall_insn(void)
{
	if (!hc_probed) {
		hc_probed = 1;
		if (shoji_present()) {
			unsigned insn = cpuid(SHOJI_CPUID_ABI, 0).ebx;
			if (insn == SHOJI_HC_INSN_VMCALL || insn == SHOJI_HC_INSN_VMMCALL)
				hc_insn = insn;
		}
	}
	return hc_insn;
}

long hypercall(long nr, long a0, long a1, long a2)
{
	long ret = nr;

	switch (hypercall_insn()) {
	case SHOJI_HC_INSN_VMCALL:
		asm volatile("vmcall" : "+a"(ret) : "D"(a0), "S"(a1), "d"(a2) : "memory");
		return ret;
	case SHOJI_HC_INSN_VMMCALL:
		asm volatile("vmmcall" : "+a"(ret) : "D"(a0), "S"(a1), "d"(a2) : "memory");
		return ret;
	default:
		return HC_ENOSYS;
	}
}
