/* The MSR exits (see exit_msr.h). */
#include "kernel/emul/exit_msr.h"

#include <errno.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/core/log.h"
#include "kernel/emul/exit.h"
#include "kernel/emul/msr_policy.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/virq.h"
#include "kernel/guest/virt.h"

#define VECTOR_GP    13
#define PAT_POWER_ON 0x0007040600070406ULL /* SDM 3A 11.12.4 */

/* Where the guest's value of a kept MSR lives, or NULL if it is not one of them. */
static uint64_t *kept_msr(struct vcpu *v, uint32_t msr)
{
	switch (msr) {
	case MSR_PAT:
		return &v->msrs.pat;
	case MSR_SYSENTER_CS:
		return &v->msrs.sysenter_cs;
	case MSR_SYSENTER_ESP:
		return &v->msrs.sysenter_esp;
	case MSR_SYSENTER_EIP:
		return &v->msrs.sysenter_eip;
	case MSR_STAR:
		return &v->msrs.star;
	case MSR_LSTAR:
		return &v->msrs.lstar;
	case MSR_CSTAR:
		return &v->msrs.cstar;
	case MSR_SFMASK:
		return &v->msrs.sfmask;
	default:
		return NULL;
	}
}

int exit_msr_load(struct vcpu *v, const struct vcpu_msrs *msrs, uint64_t kernel_gs_base)
{
	static const uint32_t kept[] = {MSR_PAT,  MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
					MSR_SYSENTER_EIP, MSR_STAR,	   MSR_LSTAR,
					MSR_CSTAR,	  MSR_SFMASK};
	v->msrs = *msrs;
	for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		int err = virt->vcpu_msr(v, kept[i], true, kept_msr(v, kept[i]));
		if (err)
			return err;
	}
	/* Not kept (SWAPGS changes it without an exit), but loaded all the same. */
	return virt->vcpu_msr(v, MSR_KERNEL_GS_BASE_NUM, true, &kernel_gs_base);
}

int exit_msr_reset(struct vcpu *v)
{
	return exit_msr_load(v, &(struct vcpu_msrs){.pat = PAT_POWER_ON}, 0);
}

static bool write_ok(struct vcpu *v, uint32_t msr, uint64_t value)
{
	uint64_t old;
	switch (msr) {
	case MSR_EFER_NUM:
		virt->vcpu_msr(v, msr, false, &old);
		return msr_policy_efer_ok(old, value, virt->vcpu_read_cr(v, 0) & CR0_PG);
	case MSR_PAT:
		return msr_policy_pat_ok(value);
	case MSR_SFMASK:
		return !(value >> 32); /* SDM 2 SYSCALL: bits 63:32 of IA32_FMASK are reserved */
	case MSR_FS_BASE_NUM:
	case MSR_GS_BASE_NUM:
	case MSR_KERNEL_GS_BASE_NUM:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		return msr_policy_canonical(value);
	default:
		return true;
	}
}

/* A write to a vCPU MSR: checked, handed to the backend, kept if it is a kept one. */
static bool write_vcpu_msr(struct vcpu *v, uint32_t msr, uint64_t value)
{
	if (msr == MSR_EFER_NUM) {
		/* LMA is the CPU's to set; keep the current value. */
		uint64_t old;
		virt->vcpu_msr(v, msr, false, &old);
		value = (value & ~EFER_LMA) | (old & EFER_LMA);
	}
	if (!write_ok(v, msr, value) || virt->vcpu_msr(v, msr, true, &value))
		return false;
	uint64_t *kept = kept_msr(v, msr);
	if (kept)
		*kept = value;
	return true;
}

/*
 * Whether the host runs with fast strings (IA32_MISC_ENABLE bit 0, an Intel
 * MSR; AMD has them always): the guest's MISC_ENABLE says the same, so its
 * kernel copies memory with the routines the machine would give it natively.
 */
static bool host_fast_strings(void)
{
	static int known = -1; /* every CPU finds the same: a race is harmless */
	int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
	if (v < 0) {
		struct cpuid_regs id = cpuid(0, 0);
		bool intel = id.ebx == 0x756e6547 && id.edx == 0x49656e69 && id.ecx == 0x6c65746e;
		v = intel ? (int)(rdmsr(MSR_MISC_ENABLE) & 1) : 1;
		__atomic_store_n(&known, v, __ATOMIC_RELAXED);
	}
	return v;
}

/*
 * One MSR access by the rules: the vCPU's interrupt controller first (the
 * APIC's MSRs are its), then the allow-list. False: #GP.
 */
static bool msr_access(struct vcpu *v, uint32_t msr, bool write, uint64_t *value)
{
	struct virq_chip *chip = v->irq_chip;
	int chip_err = chip && chip->msr ? chip->msr(chip, msr, write, value) : -ENOENT;
	if (chip_err != -ENOENT)
		return chip_err == 0;
	switch (msr_policy_classify(msr)) {
	case MSR_VCPU:
		return write ? write_vcpu_msr(v, msr, *value)
			     : virt->vcpu_msr(v, msr, false, value) == 0;
	case MSR_EMULATED:
		return msr_policy_emulate(msr, write, value, rdtsc(), v->id,
					  msr == MSR_MISC_ENABLE && host_fast_strings());
	case MSR_DENY:
		break;
	}
	return false;
}

/* Everything but a read of a kept MSR. */
static __attribute__((noinline)) void msr_slow(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &v->regs;
	uint32_t msr = e->msr.index;
	bool write = e->kind == VEXIT_MSR_WRITE;
	uint64_t value = write ? ((r->rdx << 32) | (uint32_t)r->rax) : 0;
	bool ok = msr_access(v, msr, write, &value);

	if (!ok) {
		v->guest->msr_gp++;
		log_debug("guest %s: %s of MSR 0x%x refused (#GP)", v->guest->name,
			  write ? "write" : "read", msr);
		exit_inject_exception(v, VECTOR_GP, true, 0);
		return;
	}
	if (!write) {
		r->rax = (uint32_t)value;
		r->rdx = value >> 32;
	}
	virt->vcpu_advance_rip(v, e->insn_len);
}

void exit_msr(struct vcpu *v, const struct vcpu_exit *e)
{
	const uint64_t *kept = kept_msr(v, e->msr.index);
	if (!kept || e->kind != VEXIT_MSR_READ) {
		msr_slow(v, e);
		return;
	}
	v->regs.rax = (uint32_t)*kept;
	v->regs.rdx = *kept >> 32;
	virt->vcpu_advance_rip(v, e->insn_len);
}
