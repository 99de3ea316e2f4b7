/* The VT-x backend's internal interface (arch/x86/vmx only). */
#ifndef SHOJI_ARCH_X86_VMX_VMX_H
#define SHOJI_ARCH_X86_VMX_VMX_H

#include "arch/x86/vmx/vmx_asm.h"
#include "kernel/core/pcpu.h"
#include "kernel/guest/vcpu.h"
#include "kernel/guest/virt.h"

/* Per-vCPU VMX state (vcpu->arch). The entry stub uses the first three fields. */
struct vmx_vcpu {
	hpa_t vmcs;
	uint64_t host_rsp;	 /* the VMCS's HOST_RSP, written only when the entry stack moves */
	bool launched;		 /* VMRESUME, not VMLAUNCH */
	uint64_t timer_deadline; /* TSC; non-zero: the VMX-preemption timer is on */
	bool timer_per_entry;	 /* on, and not saved at exits: every entry writes it */
	uint16_t vpid;
	int cpu; /* whose host state the VMCS holds; -1 after vmx_vcpu_unload */
	/*
	 * State the VMCS does not switch, loaded into the CPU when this vCPU
	 * comes back (with STAR, LSTAR, CSTAR and SFMASK from v->msrs).
	 */
	uint64_t kernel_gs_base;
	uint64_t cr2;
	uint8_t tpr; /* the guest's CR8 (bits 3:0): never the CPU's */
	/* APIC virtualization (vmx_apic.c): the virtual-APIC page while it is on, else NULL. */
	uint32_t *vapic;
	hpa_t vapic_hpa;      /* allocated at the first use, kept until the vCPU goes */
	bool apic_exits;      /* the guest's APIC-access page is set up in this VMCS */
	uint16_t intr_status; /* the guest interrupt status as last written (SVI, RVI) */
};

/* The virtual-APIC page's TPR (offset 0x80) as an index of 32-bit registers; CR8 = its 7:4. */
#define VMX_VAPIC_TPR 0x20

extern const struct virt_ops vmx_ops;

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch;
}

/* The vCPU whose VMCS is current on each CPU (NULL: none of ours). */
extern struct vcpu *vmx_loaded_vcpu[MAX_CPUS];
int vmx_load_vmcs_slow(struct vcpu *v);

/*
 * Make v's VMCS current on this CPU (VMPTRLD only when it is not already).
 * -EIO if the CPU refuses it: then no VMCS is current here and v never runs again.
 * The test inline: every seam that reads or writes the VMCS asks it first.
 */
static inline int vmx_load_vmcs(struct vcpu *v)
{
	return vmx_loaded_vcpu[this_pcpu()->index] == v ? 0 : vmx_load_vmcs_slow(v);
}
/* Back to the clear launch state (SDM 3C 24.11.3), current again: the next entry is a VMLAUNCH. */
void vmx_vcpu_relaunch(struct vcpu *v);

/*
 * virt_ops.vcpu_load: make v's VMCS current on this CPU (VMPTRLD only when it
 * is not already) and load the MSRs and CR2 VMX does not switch.
 */
void vmx_vcpu_load(struct vcpu *v);
/* vmx_vcpu.c and vmx_run.c: the vCPU half of struct virt_ops */
int vmx_vcpu_create(struct vcpu *v);
void vmx_vcpu_destroy(struct vcpu *v);
void vmx_vcpu_get_sregs(struct vcpu *v, struct vcpu_sregs *s);
void vmx_vcpu_get_insn_state(struct vcpu *v, struct vcpu_insn_state *s);
int vmx_vcpu_set_sregs(struct vcpu *v, const struct vcpu_sregs *s);
uint64_t vmx_vcpu_get_rip(struct vcpu *v);
void vmx_vcpu_advance_rip(struct vcpu *v, unsigned len);
uint64_t vmx_vcpu_read_cr(struct vcpu *v, unsigned cr);
int vmx_vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value);
int vmx_vcpu_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *value);
void vmx_vcpu_put(struct vcpu *v);
/* virt_ops.vcpu_unload: this CPU lets go of v before v moves to another. */
void vmx_vcpu_unload(struct vcpu *v);
int vmx_vcpu_run(struct vcpu *v, struct vcpu_exit *exit);
int vmx_vcpu_set_timer(struct vcpu *v, uint64_t deadline);
bool vmx_vcpu_interruptible(struct vcpu *v);
void vmx_vcpu_intr_window(struct vcpu *v, bool on);

/* vmx_apic.c: APIC virtualization (virt_ops.vcpu_apic_*) and its exits. */
uint32_t *vmx_vcpu_apic_accel(struct vcpu *v, gpa_t apic_gpa, bool on);
bool vmx_vcpu_apic_taken(struct vcpu *v);
void vmx_vcpu_apic_sync(struct vcpu *v, int highest_isr);
/* An APIC-access, EOI-induced or APIC-write exit (basic reason) decoded into exit. */
void vmx_apic_decode_exit(struct vcpu *v, struct vcpu_exit *exit, uint32_t basic);
/* Free what vmx_apic.c allocated for g / for v. */
void vmx_apic_guest_destroy(struct guest *g);
void vmx_apic_vcpu_destroy(struct vcpu *v);

/* vmx_entry.S */
/*
 * Load regs, enter with VMLAUNCH or VMRESUME (x->launched), save regs at
 * the exit. 0 after a VM exit, 1 if the entry itself failed.
 */
int vmx_enter(struct vcpu_regs *regs, struct vmx_vcpu *x);

_Static_assert(__builtin_offsetof(struct vmx_vcpu, host_rsp) == VMX_VCPU_HOST_RSP, "stub");
_Static_assert(__builtin_offsetof(struct vmx_vcpu, launched) == VMX_VCPU_LAUNCHED, "stub");
extern char vmx_exit_point[];

#endif
