/*
 * Which MSRs a guest may touch, and the value checks the architecture
 * makes on writes. Everything not on the allow-list gets #GP (and is
 * counted); nothing is passed through to the real MSR unchecked.
 */
#ifndef SHOJI_KERNEL_MSR_POLICY_H
#define SHOJI_KERNEL_MSR_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_TSC		       0x10
#define MSR_APIC_BASE	       0x1b
#define MSR_MTRRCAP	       0xfe
#define MSR_SYSENTER_CS	       0x174
#define MSR_SYSENTER_ESP       0x175
#define MSR_SYSENTER_EIP       0x176
#define MSR_MISC_ENABLE	       0x1a0
#define MSR_PAT		       0x277
#define MSR_MTRR_DEF_TYPE      0x2ff
#define MSR_AMD_INT_PENDING    0xc0010055 /* C1E control on AMD family 0x10+: reads 0 */
#define MSR_BIOS_SIGN_ID       0x8b	  /* Intel microcode revision: reads 0 */
#define MSR_EFER_NUM	       0xc0000080
#define MSR_STAR	       0xc0000081
#define MSR_LSTAR	       0xc0000082
#define MSR_CSTAR	       0xc0000083
#define MSR_SFMASK	       0xc0000084
#define MSR_FS_BASE_NUM	       0xc0000100
#define MSR_GS_BASE_NUM	       0xc0000101
#define MSR_KERNEL_GS_BASE_NUM 0xc0000102
#define MSR_TSC_AUX	       0xc0000103

enum msr_class {
	MSR_DENY,     /* #GP */
	MSR_VCPU,     /* guest state the backend keeps (virt_ops.vcpu_msr) */
	MSR_EMULATED, /* answered by msr_policy_emulate */
};

enum msr_class msr_policy_classify(uint32_t msr);

/* Fixed answers for emulated MSRs. Returns false if the access must #GP. */
bool msr_policy_emulate(uint32_t msr, bool write, uint64_t *value, uint64_t tsc, unsigned vcpu_id,
			bool host_fast_strings);

/* SDM 3A 2.2.1 / APM 2 3.1.7: may EFER change from old to new given CR0.PG? */
bool msr_policy_efer_ok(uint64_t old_efer, uint64_t new_efer, bool paging);
/* SDM 3A 11.12.2: every PAT entry must be a defined memory type. */
bool msr_policy_pat_ok(uint64_t pat);
/* SDM 3A 4.1.4: canonical 48-bit address (FS/GS base, LSTAR...). */
bool msr_policy_canonical(uint64_t addr);

#endif
