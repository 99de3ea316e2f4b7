/*
 * VMX capability discovery. Every control is adjusted from its capability
 * MSR (SDM 3D A.3-A.5: bits 31:0 say which bits may be 0, bits 63:32 which
 * may be 1), using the TRUE_* MSRs when IA32_VMX_BASIC[55] offers them.
 * Nothing about the CPU is assumed that the MSRs do not report.
 */
#include "arch/x86/vmx/vmx_caps.h"

#include <errno.h>
#include <stdio.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/core/cmdline.h"
#include "kernel/core/log.h"

#define CPUID_1_ECX_VMX			  (1u << 5)
#define FEATURE_CONTROL_LOCK		  (1ULL << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1ULL << 2)
#define VMX_BASIC_REVISION_MASK		  0x7fffffffULL
#define VMX_BASIC_TRUE_CTLS		  (1ULL << 55)

struct vmx_caps vmx_caps;

/* Adjust `want` to what the MSR allows; `need` bits must survive or the probe fails. */
static int adjust(uint32_t msr, uint32_t want, uint32_t need, uint32_t *out, const char *what,
		  const char **why)
{
	static char reason[96];
	uint64_t cap = rdmsr(msr);
	uint32_t allowed0 = (uint32_t)cap, allowed1 = (uint32_t)(cap >> 32);
	uint32_t value = (want | allowed0) & allowed1;
	if ((value & need) != need) {
		snprintf(reason, sizeof(reason), "vmx: %s control bits 0x%x not supported", what,
			 (need & ~value));
		*why = reason;
		return -ENODEV;
	}
	*out = value;
	return 0;
}

static int enable_in_feature_control(const char **why)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
			*why =
			    "vmx: disabled by firmware (IA32_FEATURE_CONTROL locked with VMX off)";
			return -ENODEV;
		}
		return 0;
	}
	/* SDM 3C 23.7: firmware left it open; enable VMX outside SMX and lock it. */
	wrmsr(MSR_IA32_FEATURE_CONTROL,
	      fc | FEATURE_CONTROL_VMXON_OUTSIDE_SMX | FEATURE_CONTROL_LOCK);
	return 0;
}

int vmx_caps_probe(const char *cmdline, const char **why)
{
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX)) {
		*why = "vmx: CPUID.1:ECX.VMX is 0";
		return -ENODEV;
	}
	if (enable_in_feature_control(why))
		return -ENODEV;

	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	vmx_caps.revision = basic & VMX_BASIC_REVISION_MASK;

	uint32_t proc_want = PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
			     PROC_SECONDARY_CONTROLS | PROC_MWAIT_EXITING | PROC_MONITOR_EXITING |
			     PROC_RDPMC_EXITING | PROC_MOV_DR_EXITING | PROC_CR8_LOAD_EXITING |
			     PROC_CR8_STORE_EXITING;
	/*
	 * Required: without CR8 exiting (and no TPR shadow) a guest's MOV to CR8
	 * sets the real TPR (SDM 3C 25.3), masking the host's own interrupts.
	 */
	uint32_t proc_need = PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
			     PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_RDPMC_EXITING |
			     PROC_MWAIT_EXITING | PROC_MONITOR_EXITING;
	if (adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
		   proc_want, proc_need,
		   &vmx_caps.proc, "processor-based", why))
		return -ENODEV;
	if (!(vmx_caps.proc & PROC_SECONDARY_CONTROLS)) {
		*why = "vmx: no secondary processor-based controls (so no EPT)";
		return -ENODEV;
	}
	uint64_t proc2_cap = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	uint32_t proc2_allowed = proc2_cap >> 32;
	if (!(proc2_allowed & PROC2_ENABLE_EPT)) {
		*why = "vmx: CPU lacks EPT (extended page tables)";
		return -ENODEV;
	}
	if (!(proc2_allowed & PROC2_UNRESTRICTED_GUEST)) {
		*why = "vmx: CPU lacks unrestricted guest";
		return -ENODEV;
	}
	vmx_caps.ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(vmx_caps.ept_vpid & EPT_CAP_WALK_4) || !(vmx_caps.ept_vpid & EPT_CAP_WB)) {
		*why = "vmx: EPT lacks 4-level walks or write-back EPT structures";
		return -ENODEV;
	}
	if (!(vmx_caps.ept_vpid & EPT_CAP_INVEPT) ||
	    !(vmx_caps.ept_vpid & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
		*why = "vmx: CPU lacks INVEPT";
		return -ENODEV;
	}
	uint32_t proc2_want = PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_VPID |
			      PROC2_WBINVD_EXITING | PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID;
	/* VPID only with a usable INVVPID, else stale translations could survive a remap. */
	if (!(vmx_caps.ept_vpid & VPID_CAP_INVVPID) ||
	    !(vmx_caps.ept_vpid & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL)))
		proc2_want &= ~PROC2_ENABLE_VPID;
	if (adjust(MSR_IA32_VMX_PROCBASED_CTLS2, proc2_want,
		   PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST, &vmx_caps.proc2, "secondary", why))
		return -ENODEV;
	/* Offered, not set: vmx_apic.c turns them on for a vCPU whose xAPIC it may accelerate. */
	uint32_t proc_allowed =
	    rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS) >> 32;
	uint32_t apic_proc2 = PROC2_VIRT_APIC_ACCESS | PROC2_VIRT_INTR_DELIVERY;
	vmx_caps.apic_accel = (proc_allowed & PROC_USE_TPR_SHADOW) &&
			      (proc2_allowed & apic_proc2) == apic_proc2 &&
			      !cmdline_has_flag(cmdline, "vmx-no-apic-accel");

	if (adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
		   PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
		   PIN_EXTINT_EXITING | PIN_NMI_EXITING, &vmx_caps.pin, "pin-based", why))
		return -ENODEV;
	/*
	 * No "acknowledge interrupt on exit": a host interrupt stays pending and
	 * is taken through the IDT right after the exit (vmx_vcpu_run), as on SVM.
	 */
	uint32_t exit_want = EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
			     EXIT_SAVE_EFER | EXIT_LOAD_EFER;
	if (adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS, exit_want,
		   EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER, &vmx_caps.exit,
		   "VM-exit", why))
		return -ENODEV;
	if (adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
		   ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, ENTRY_LOAD_EFER, &vmx_caps.entry, "VM-entry",
		   why))
		return -ENODEV;
	/* IA-32e mode guest is set per guest; make sure it may be. */
	if (!((rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS) >> 32) &
	      ENTRY_IA32E_MODE_GUEST)) {
		*why = "vmx: VM-entry cannot enter IA-32e mode guests";
		return -ENODEV;
	}

	uint64_t pin_cap =
	    rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	vmx_caps.preemption_timer = (pin_cap >> 32) & PIN_PREEMPTION_TIMER;
	vmx_caps.preempt_rate = rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_PREEMPT_RATE_MASK;
	/* Set in the VMCS only while the timer is active (SDM 3C 26.2.1.2). */
	vmx_caps.save_preempt_timer =
	    vmx_caps.preemption_timer &&
	    ((rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS) >> 32) &
	     EXIT_SAVE_PREEMPT_TIMER);
	vmx_caps.vpid = vmx_caps.proc2 & PROC2_ENABLE_VPID;
	vmx_caps.ept_2m = vmx_caps.ept_vpid & EPT_CAP_2M;
	vmx_caps.ept_1g = vmx_caps.ept_vpid & EPT_CAP_1G;
	vmx_caps.ept_ad = vmx_caps.ept_vpid & EPT_CAP_AD;
	vmx_caps.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	vmx_caps.cr0_host_owned = (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG)) | ~vmx_caps.cr0_fixed1;
	vmx_caps.cr4_host_owned = vmx_caps.cr4_fixed0 | ~vmx_caps.cr4_fixed1;
	return 0;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void vmx_caps_print(void)
{
	log_info("vmx: VMCS revision 0x%x, EPT (4-level, WB) yes, unrestricted guest yes",
		 vmx_caps.revision);
	log_info("vmx: EPT 2M pages %s, 1G pages %s, A/D bits %s, VPID %s, preemption timer %s "
		 "(rate 2^%u, value saved at exit %s), virtual NMIs %s, WBINVD exiting %s",
		 yes_no(vmx_caps.ept_2m), yes_no(vmx_caps.ept_1g), yes_no(vmx_caps.ept_ad),
		 yes_no(vmx_caps.vpid), yes_no(vmx_caps.preemption_timer), vmx_caps.preempt_rate,
		 yes_no(vmx_caps.save_preempt_timer), yes_no(vmx_caps.pin & PIN_VIRTUAL_NMIS),
		 yes_no(vmx_caps.proc2 & PROC2_WBINVD_EXITING));
	log_info("vmx: APIC virtualization (EOI exits without a decode) %s",
		 yes_no(vmx_caps.apic_accel));
	log_info("vmx: controls pin 0x%08x proc 0x%08x proc2 0x%08x exit 0x%08x entry 0x%08x",
		 vmx_caps.pin, vmx_caps.proc, vmx_caps.proc2, vmx_caps.exit, vmx_caps.entry);
}
