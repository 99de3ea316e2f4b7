/* The VT-x backend's internal interface (arch/x86/vmx only). */
#ifndef SHOJI_ARCH_X86_VMX_VMX_H
#define SHOJI_ARCH_X86_VMX_VMX_H

#include "kernel/guest/vcpu.h"
#include "kernel/guest/virt.h"

/* Per-vCPU VMX state (vcpu->arch). */
struct vmx_vcpu {
	hpa_t vmcs;
	bool launched;
	uint64_t timer_deadline; /* TSC; non-zero: the VMX-preemption timer is on */
	uint16_t vpid;
	/* State the VMCS does not switch; loaded into the CPU when this vCPU comes back. */
	uint64_t kernel_gs_base, star, lstar, cstar, sfmask;
	uint64_t cr2;
};

extern const struct virt_ops vmx_ops;

/* Make v's VMCS current on this CPU (VMPTRLD only when it is not already). */
void vmx_vcpu_load(struct vcpu *v);
/* Turn the VMCS's exit information into a vendor-neutral event. */
void vmx_decode_exit(struct vcpu *v, struct vcpu_exit *exit);

/* vmx_vcpu.c: the vCPU half of struct virt_ops */
int vmx_vcpu_create(struct vcpu *v);
void vmx_vcpu_destroy(struct vcpu *v);
void vmx_vcpu_get_sregs(struct vcpu *v, struct vcpu_sregs *s);
int vmx_vcpu_set_sregs(struct vcpu *v, const struct vcpu_sregs *s);
uint64_t vmx_vcpu_get_rip(struct vcpu *v);
void vmx_vcpu_advance_rip(struct vcpu *v, unsigned len);
uint64_t vmx_vcpu_read_cr(struct vcpu *v, unsigned cr);
int vmx_vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value);
int vmx_vcpu_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *value);
int vmx_vcpu_run(struct vcpu *v, struct vcpu_exit *exit);
int vmx_vcpu_set_timer(struct vcpu *v, uint64_t deadline);
bool vmx_vcpu_interruptible(struct vcpu *v);
void vmx_vcpu_intr_window(struct vcpu *v, bool on);
void vmx_vcpu_inject(struct vcpu *v, const struct vcpu_event *e);

/* vmx_entry.S */
int vmx_enter(struct vcpu_regs *regs, int launched);
extern char vmx_exit_point[];

#endif
