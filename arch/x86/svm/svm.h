/* The SVM backend's internal interface (arch/x86/svm only). */
#ifndef SHOJI_ARCH_X86_SVM_SVM_H
#define SHOJI_ARCH_X86_SVM_SVM_H

#include "arch/x86/svm/npt.h"
#include "arch/x86/svm/vmcb.h"
#include "kernel/guest/vcpu.h"
#include "kernel/guest/virt.h"

/* Per-guest SVM state (guest->arch_mm). */
struct svm_guest {
	struct npt npt;
	uint32_t asid; /* non-zero; shared between guests only when the CPU has too few */
};

/* Per-vCPU SVM state (vcpu->arch). */
struct svm_vcpu {
	hpa_t vmcb_hpa;
	struct vmcb *vmcb;
	uint64_t npt_generation; /* of the NPT this vCPU's ASID last saw */
};

extern const struct virt_ops svm_ops;

static inline struct vmcb *svm_vmcb(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->arch)->vmcb;
}

/* svm.c: this CPU's page for the host state VMSAVE/VMLOAD switch. */
hpa_t svm_host_vmcb(void);

/* svm_exit.c: turn the VMCB's exit information into a vendor-neutral event. */
void svm_decode_exit(struct vcpu *v, struct vcpu_exit *exit);

/* svm_vcpu.c: the I/O and MSR permission maps all vCPUs share (boot CPU, once). */
int svm_shared_maps_init(void);

/* svm_vcpu.c: the vCPU half of struct virt_ops */
int svm_vcpu_create(struct vcpu *v);
void svm_vcpu_destroy(struct vcpu *v);
void svm_vcpu_get_sregs(struct vcpu *v, struct vcpu_sregs *s);
void svm_vcpu_get_insn_state(struct vcpu *v, struct vcpu_insn_state *s);
int svm_vcpu_set_sregs(struct vcpu *v, const struct vcpu_sregs *s);
uint64_t svm_vcpu_get_rip(struct vcpu *v);
void svm_vcpu_advance_rip(struct vcpu *v, unsigned len);
uint64_t svm_vcpu_read_cr(struct vcpu *v, unsigned cr);
int svm_vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value);
int svm_vcpu_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *value);
void svm_vcpu_load(struct vcpu *v);
void svm_vcpu_put(struct vcpu *v);
/* virt_ops.vcpu_unload: this CPU lets go of v before v moves to another. */
void svm_vcpu_unload(struct vcpu *v);
int svm_vcpu_run(struct vcpu *v, struct vcpu_exit *exit);
int svm_vcpu_set_timer(struct vcpu *v, uint64_t deadline);
bool svm_vcpu_interruptible(struct vcpu *v);
void svm_vcpu_intr_window(struct vcpu *v, bool on);

/* svm_entry.S */
void svm_enter(struct vcpu_regs *regs, hpa_t guest_vmcb, hpa_t host_vmcb);

#endif
