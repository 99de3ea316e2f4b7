/*
 * VMX capabilities (SDM 3D appendix A): what this CPU's VMX offers, read
 * once from the capability MSRs, and the controls Shoji runs guests with.
 */
#ifndef SHOJI_ARCH_X86_VMX_VMX_CAPS_H
#define SHOJI_ARCH_X86_VMX_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_VMX_BASIC		 0x480
#define MSR_IA32_VMX_PINBASED_CTLS	 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS	 0x482
#define MSR_IA32_VMX_EXIT_CTLS		 0x483
#define MSR_IA32_VMX_ENTRY_CTLS		 0x484
#define MSR_IA32_VMX_MISC		 0x485
#define MSR_IA32_VMX_CR0_FIXED0		 0x486
#define MSR_IA32_VMX_CR0_FIXED1		 0x487
#define MSR_IA32_VMX_CR4_FIXED0		 0x488
#define MSR_IA32_VMX_CR4_FIXED1		 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2	 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP	 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	 0x490

/* Pin-based controls (SDM 3C 24.6.1) */
#define PIN_EXTINT_EXITING   (1u << 0)
#define PIN_NMI_EXITING	     (1u << 3)
#define PIN_VIRTUAL_NMIS     (1u << 5)
#define PIN_PREEMPTION_TIMER (1u << 6)

/* Primary processor-based controls (SDM 3C 24.6.2) */
#define PROC_INTR_WINDOW_EXITING (1u << 2)
#define PROC_USE_TSC_OFFSETTING	 (1u << 3)
#define PROC_HLT_EXITING	 (1u << 7)
#define PROC_INVLPG_EXITING	 (1u << 9)
#define PROC_MWAIT_EXITING	 (1u << 10)
#define PROC_RDPMC_EXITING	 (1u << 11)
#define PROC_RDTSC_EXITING	 (1u << 12)
#define PROC_CR3_LOAD_EXITING	 (1u << 15)
#define PROC_CR3_STORE_EXITING	 (1u << 16)
#define PROC_CR8_LOAD_EXITING	 (1u << 19)
#define PROC_CR8_STORE_EXITING	 (1u << 20)
#define PROC_USE_TPR_SHADOW	 (1u << 21)
#define PROC_NMI_WINDOW_EXITING	 (1u << 22)
#define PROC_MOV_DR_EXITING	 (1u << 23)
#define PROC_UNCOND_IO_EXITING	 (1u << 24)
#define PROC_USE_IO_BITMAPS	 (1u << 25)
#define PROC_MONITOR_EXITING	 (1u << 29)
#define PROC_USE_MSR_BITMAPS	 (1u << 28)
#define PROC_SECONDARY_CONTROLS	 (1u << 31)

/* Secondary processor-based controls */
#define PROC2_VIRT_APIC_ACCESS	 (1u << 0)
#define PROC2_ENABLE_EPT	 (1u << 1)
#define PROC2_ENABLE_RDTSCP	 (1u << 3)
#define PROC2_ENABLE_VPID	 (1u << 5)
#define PROC2_WBINVD_EXITING	 (1u << 6)
#define PROC2_UNRESTRICTED_GUEST (1u << 7)
#define PROC2_VIRT_INTR_DELIVERY (1u << 9)
#define PROC2_ENABLE_INVPCID	 (1u << 12)

/* VM-exit controls (SDM 3C 24.7.1) */
#define EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)
#define EXIT_ACK_INTERRUPT	  (1u << 15)
#define EXIT_SAVE_PAT		  (1u << 18)
#define EXIT_LOAD_PAT		  (1u << 19)
#define EXIT_SAVE_EFER		  (1u << 20)
#define EXIT_LOAD_EFER		  (1u << 21)
#define EXIT_SAVE_PREEMPT_TIMER	  (1u << 22)

/* VM-entry controls (SDM 3C 24.8.1) */
#define ENTRY_IA32E_MODE_GUEST (1u << 9)
#define ENTRY_LOAD_PAT	       (1u << 14)
#define ENTRY_LOAD_EFER	       (1u << 15)

/* IA32_VMX_EPT_VPID_CAP bits (SDM 3D A.10) */
#define EPT_CAP_WALK_4		(1ULL << 6)
#define EPT_CAP_WB		(1ULL << 14)
#define EPT_CAP_2M		(1ULL << 16)
#define EPT_CAP_1G		(1ULL << 17)
#define EPT_CAP_INVEPT		(1ULL << 20)
#define EPT_CAP_AD		(1ULL << 21)
#define EPT_CAP_INVEPT_SINGLE	(1ULL << 25)
#define EPT_CAP_INVEPT_ALL	(1ULL << 26)
#define VPID_CAP_INVVPID	(1ULL << 32)
#define VPID_CAP_INVVPID_SINGLE (1ULL << 41)
#define VPID_CAP_INVVPID_ALL	(1ULL << 42)

#define VMX_MISC_PREEMPT_RATE_MASK 0x1f

struct vmx_caps {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry; /* the controls Shoji runs guests with */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/*
	 * The CR0/CR4 guest/host masks of every VMCS: the fixed bits (CR0.PE
	 * and PG aside, unrestricted guest). Constant, so exits need not read them.
	 */
	uint64_t cr0_host_owned, cr4_host_owned;
	uint64_t ept_vpid;
	bool vpid, ept_1g, ept_2m, ept_ad, preemption_timer, save_preempt_timer;
	unsigned preempt_rate; /* timer ticks every 2^rate TSC cycles */
	/*
	 * TPR shadow, APIC-access virtualization and virtual-interrupt delivery
	 * may be set (per vCPU, vmx_apic.c); false also with `vmx-no-apic-accel`.
	 */
	bool apic_accel;
};

extern struct vmx_caps vmx_caps;

/*
 * Check CPUID and the capability MSRs, enable VMX in IA32_FEATURE_CONTROL
 * if the firmware left it unlocked, and choose every control. Returns 0, or
 * -ENODEV with *why naming exactly what is missing.
 */
int vmx_caps_probe(const char *cmdline, const char **why);

/* Log which VMX features are used and which were found absent. */
void vmx_caps_print(void);

#endif
