/*
 * AMD SVM backend: enabling SVM on each CPU, NPT and an ASID per guest, and
 * the virt_ops table kernel/ drives guests through. vCPU and VMCB handling
 * is in svm_vcpu.c, exit decoding in svm_exit.c.
 */
#include "arch/x86/svm/svm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/msr.h"
#include "arch/x86/svm/svm_caps.h"
#include "kernel/mm/directmap.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/core/log.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"

static hpa_t host_save_area[MAX_CPUS];
static hpa_t host_vmcb[MAX_CPUS];

static hpa_t zeroed_frame(void)
{
	hpa_t hpa = pmm_alloc_frame();
	if (hpa)
		memset(phys_to_virt(hpa), 0, PAGE_SIZE);
	return hpa;
}

/*
 * APM 2 15.4: EFER.SVME enables the SVM instructions; VMRUN saves the host
 * state to the page VM_HSAVE_PA names (15.30.4). The host VMCB page holds
 * what VMSAVE/VMLOAD switch around VMRUN (svm_entry.S).
 */
static int svm_cpu_init(void)
{
	unsigned cpu = this_pcpu()->index;
	if (host_save_area[cpu])
		return 0;
	hpa_t hsave = zeroed_frame(), hvmcb = zeroed_frame();
	if (!hsave || !hvmcb || svm_shared_maps_init()) {
		log_err("svm: no memory for CPU %u's host save area", cpu);
		return -ENOMEM;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	host_save_area[cpu] = hsave;
	host_vmcb[cpu] = hvmcb;
	log_info("svm: CPU %u has SVM enabled (host save area 0x%llx)", cpu,
		 (unsigned long long)hsave);
	return 0;
}

hpa_t svm_host_vmcb(void)
{
	return host_vmcb[this_pcpu()->index];
}

static int svm_guest_init(struct guest *g)
{
	struct svm_guest *sg = calloc(1, sizeof(*sg));
	if (!sg)
		return -ENOMEM;
	int err = npt_init(&sg->npt, svm_caps.npt_1g);
	if (err) {
		free(sg);
		return err;
	}
	/*
	 * ASID 0 is the host's (APM 2 15.16). With more guests than ASIDs two
	 * guests share one; that stays correct because a vCPU flushes its ASID
	 * whenever it follows another vCPU on a CPU (svm_vcpu.c).
	 */
	sg->asid = 1 + g->id % (svm_caps.asids - 1);
	g->arch_mm = sg;
	return 0;
}

static void svm_guest_destroy(struct guest *g)
{
	struct svm_guest *sg = g->arch_mm;

	if (!sg)
		return;
	npt_destroy(&sg->npt);
	free(sg);
	g->arch_mm = NULL;
}

static int svm_guest_map(struct guest *g, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
			 enum gmap_type type)
{
	struct svm_guest *sg = g->arch_mm;
	return npt_map(&sg->npt, gpa, hpa, size, rights, type);
}

static int svm_guest_unmap(struct guest *g, gpa_t gpa, uint64_t size)
{
	struct svm_guest *sg = g->arch_mm;
	return npt_unmap(&sg->npt, gpa, size);
}

static void svm_guest_prune(struct guest *g, gpa_t gpa, uint64_t size,
			    void (*collect)(hpa_t table, void *ctx), void *ctx)
{
	struct svm_guest *sg = g->arch_mm;
	npt_prune(&sg->npt, gpa, size, collect, ctx);
}

/*
 * A remap bumps the NPT generation, and every vCPU of the guest flushes its
 * ASID at its next VMRUN (svm_vcpu.c tlb_control): the cross-call's exit is
 * all it takes for a vCPU running here to pick that up.
 */
static void svm_guest_flush(struct guest *g)
{
}

const struct virt_ops svm_ops = {
    .name = "svm",
    .hypercall_insn = SHOJI_HC_INSN_VMMCALL,
    .cpu_init = svm_cpu_init,
    .guest_init = svm_guest_init,
    .guest_destroy = svm_guest_destroy,
    .guest_map = svm_guest_map,
    .guest_unmap = svm_guest_unmap,
    .guest_prune = svm_guest_prune,
    .guest_flush = svm_guest_flush,
    .vcpu_create = svm_vcpu_create,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_get_sregs = svm_vcpu_get_sregs,
    .vcpu_set_sregs = svm_vcpu_set_sregs,
    .vcpu_get_insn_state = svm_vcpu_get_insn_state,
    .vcpu_get_rip = svm_vcpu_get_rip,
    .vcpu_advance_rip = svm_vcpu_advance_rip,
    .vcpu_read_cr = svm_vcpu_read_cr,
    .vcpu_write_cr = svm_vcpu_write_cr,
    .vcpu_msr = svm_vcpu_msr,
    .vcpu_load = svm_vcpu_load,
    .vcpu_put = svm_vcpu_put,
    .vcpu_unload = svm_vcpu_unload,
    .vcpu_run = svm_vcpu_run,
    .vcpu_set_timer = svm_vcpu_set_timer,
    .vcpu_interruptible = svm_vcpu_interruptible,
    .vcpu_intr_window = svm_vcpu_intr_window,
};
