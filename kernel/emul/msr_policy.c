/* Guest MSR allow-list and checks (see msr_policy.h). */
#include "kernel/emul/msr_policy.h"

#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NXE	(1ULL << 11)
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

#define APIC_BASE_DEFAULT	 0xfee00000ULL
#define APIC_BASE_ENABLE	 (1ULL << 11)
#define APIC_BASE_BSP		 (1ULL << 8)
#define MISC_ENABLE_FAST_STRINGS 1ULL
#define MTRR_DEF_TYPE_WB	 6ULL

enum msr_class msr_policy_classify(uint32_t msr)
{
	switch (msr) {
	case MSR_EFER_NUM:
	case MSR_PAT:
	case MSR_FS_BASE_NUM:
	case MSR_GS_BASE_NUM:
	case MSR_KERNEL_GS_BASE_NUM:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SFMASK:
	case MSR_SYSENTER_CS:
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		return MSR_VCPU;
	case MSR_TSC:
	case MSR_APIC_BASE:
	case MSR_MISC_ENABLE:
	case MSR_MTRRCAP:
	case MSR_MTRR_DEF_TYPE:
	case MSR_AMD_INT_PENDING:
	case MSR_BIOS_SIGN_ID:
		return MSR_EMULATED;
	default:
		return MSR_DENY;
	}
}

bool msr_policy_emulate(uint32_t msr, bool write, uint64_t *value, uint64_t tsc, unsigned vcpu_id,
			bool host_fast_strings)
{
	uint64_t fixed;
	switch (msr) {
	case MSR_TSC:
		fixed = tsc;
		/* Writing the TSC (resynchronizing it) is accepted and has no effect. */
		return write || (*value = fixed, true);
	case MSR_APIC_BASE:
		fixed = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (vcpu_id == 0 ? APIC_BASE_BSP : 0);
		break;
	case MSR_MISC_ENABLE:
		/* As the host has it: Linux picks its copy routines by this bit. */
		fixed = host_fast_strings ? MISC_ENABLE_FAST_STRINGS : 0;
		break;
	case MSR_MTRRCAP:
		fixed = 0; /* no variable or fixed MTRRs: EPT/NPT set the memory types */
		if (write)
			return false; /* read-only */
		break;
	case MSR_MTRR_DEF_TYPE:
		fixed = MTRR_DEF_TYPE_WB;
		break;
	case MSR_AMD_INT_PENDING:
		/* No C1E: Linux reads it unguarded on AMD to pick its idle routine. */
		fixed = 0;
		break;
	case MSR_BIOS_SIGN_ID:
		/*
		 * Linux writes 0, runs CPUID 1 and reads the microcode revision here,
		 * unguarded on Intel: no microcode update is visible to a guest.
		 */
		fixed = 0;
		break;
	default:
		return false;
	}
	if (write)
		return *value ==
		       fixed; /* these cannot be changed; rewriting the same value is fine */
	*value = fixed;
	return true;
}

bool msr_policy_efer_ok(uint64_t old_efer, uint64_t new_efer, bool paging)
{
	if (new_efer & ~EFER_GUEST_BITS)
		return false;
	/* LME may not change while paging is on (SDM 3A 9.8.5). */
	if (paging && ((old_efer ^ new_efer) & EFER_LME))
		return false;
	return true;
}

bool msr_policy_pat_ok(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t type = (pat >> (8 * i)) & 0xff;
		/* 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-; 2, 3 and >= 8 are reserved. */
		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

bool msr_policy_canonical(uint64_t addr)
{
	int64_t s = (int64_t)(addr << 16) >> 16;
	return (uint64_t)s == addr;
}
