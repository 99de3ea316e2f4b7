/*
 * The guest's xAPIC page under APIC virtualization (SDM 3C 29): EOIs that
 * exit without an instruction to fetch and decode. Every access to the page
 * at the guest's APIC-access GPA exits as an APIC-access exit (emulated as
 * MMIO, fault-like, as an EPT violation would) unless acceleration is on for
 * the vCPU: then TPR shadow and virtual-interrupt delivery take the guest's
 * TPR reads and writes into the virtual-APIC page, its EOIs end there and
 * exit after the fact with the vector (every bit of the EOI-exit bitmap is
 * set), an ICR-low write exits after the fact with the value in the page,
 * and a self-IPI is the CPU's own: it takes it into the page's IRR and may
 * deliver it (the owner sees the guest interrupt status move). RVI stays 0
 * otherwise: the run loop injects every interrupt itself.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/guest/guest.h"
#include "kernel/mm/directmap.h"
#include "kernel/mm/pmm.h"

#define EXIT_REASON_APIC_ACCESS 44
#define EXIT_REASON_EOI_INDUCED 45
#define EXIT_REASON_APIC_WRITE	56
#define QUAL_APIC_OFFSET_MASK	0xfff
#define QUAL_APIC_TYPE_SHIFT	12
#define QUAL_APIC_TYPE_MASK	0xf
#define APIC_ACCESS_READ	0 /* SDM 3C table 28-6: linear read, write, fetch */
#define APIC_ACCESS_WRITE	1
#define APIC_ACCESS_FETCH	2
#define QUAL_EOI_VECTOR_MASK	0xff
#define INTR_STATUS_MASK	0xffff /* RVI 7:0, SVI 15:8 */
#define INTR_STATUS_SVI_SHIFT	8
#define INTR_STATUS_RVI_MASK	0xff
#define INTR_STATUS_UNKNOWN	0xffff /* never written (RVI stays 0): the next sync writes */
#define EOI_EXIT_FIELDS		4      /* 64 vectors each, their encodings 2 apart */

/*
 * The guest's APIC-access page, mapped at gpa in its EPT once: one zeroed
 * page of its own. Under the guest's RAM lock, which every change of its EPT
 * takes (its vCPUs set up at once).
 */
static int map_access_page(struct guest *g, gpa_t gpa)
{
	struct ept *ept = g->arch_mm;
	int err = 0;
	spin_lock(&g->ram.lock);
	if (!ept->apic_access) {
		ept->apic_access = pmm_alloc_frame();
		if (ept->apic_access)
			memset(phys_to_virt(ept->apic_access), 0, PAGE_SIZE);
	}
	if (!ept->apic_access) {
		err = -ENOMEM;
	} else if (!ept->apic_access_mapped) {
		err =
		    ept_map(ept, gpa, ept->apic_access, PAGE_SIZE, GMAP_READ | GMAP_WRITE, GMAP_WB);
		ept->apic_access_mapped = !err;
		ept->apic_access_gpa = gpa;
	} else if (ept->apic_access_gpa != gpa) {
		err = -EINVAL;
	}
	spin_unlock(&g->ram.lock);
	return err;
}

/*
 * v's VMCS: every access to the guest's page exits (its vCPUs set up before
 * their first entry, so none meets the page as memory), and every EOI under
 * acceleration. Acceleration also needs v's virtual-APIC page.
 */
static int set_up(struct vcpu *v, struct vmx_vcpu *x, gpa_t apic_gpa)
{
	const struct ept *ept = v->guest->arch_mm;
	int err = map_access_page(v->guest, apic_gpa);
	if (err)
		return err;
	vmcs_write(VMCS_APIC_ACCESS_ADDR, ept->apic_access);
	vmcs_write(VMCS_PROC_CONTROLS2, vmcs_read(VMCS_PROC_CONTROLS2) | PROC2_VIRT_APIC_ACCESS);
	x->apic_exits = true;
	x->vapic_hpa = pmm_alloc_frame();
	if (!x->vapic_hpa)
		return -ENOMEM;
	memset(phys_to_virt(x->vapic_hpa), 0, PAGE_SIZE);
	vmcs_write(VMCS_VIRTUAL_APIC_ADDR, x->vapic_hpa);
	vmcs_write(VMCS_TPR_THRESHOLD, 0);
	for (unsigned i = 0; i < EOI_EXIT_FIELDS; i++)
		vmcs_write(VMCS_EOI_EXIT_BITMAP0 + 2 * i, ~0ULL);
	return 0;
}

static void turn_on(struct vmx_vcpu *x)
{
	vmcs_write(VMCS_GUEST_INTR_STATUS, 0);
	x->intr_status = 0;
	vmcs_write(VMCS_PROC_CONTROLS, vmcs_read(VMCS_PROC_CONTROLS) | PROC_USE_TPR_SHADOW);
	vmcs_write(VMCS_PROC_CONTROLS2, vmcs_read(VMCS_PROC_CONTROLS2) | PROC2_VIRT_INTR_DELIVERY);
	x->vapic = phys_to_virt(x->vapic_hpa);
}

static void turn_off(struct vmx_vcpu *x)
{
	x->tpr = (x->vapic[VMX_VAPIC_TPR] >> 4) & 0xf; /* CR8 is TPR[7:4] (SDM 3A 10.8.6.1) */
	vmcs_write(VMCS_PROC_CONTROLS2, vmcs_read(VMCS_PROC_CONTROLS2) & ~PROC2_VIRT_INTR_DELIVERY);
	vmcs_write(VMCS_PROC_CONTROLS, vmcs_read(VMCS_PROC_CONTROLS) & ~PROC_USE_TPR_SHADOW);
	x->vapic = NULL;
}

uint32_t *vmx_vcpu_apic_accel(struct vcpu *v, gpa_t apic_gpa, bool on)
{
	struct vmx_vcpu *x = to_vmx(v);
	if (!vmx_caps.apic_accel || vmx_load_vmcs(v))
		return NULL;
	if (!x->apic_exits)
		(void)set_up(v, x, apic_gpa); /* unmapped, the page's accesses are EPT violations */
	if (!x->vapic_hpa)
		return NULL;
	if (on && !x->vapic)
		turn_on(x);
	else if (!on && x->vapic)
		turn_off(x);
	/* The caller starts the page again: the next sync writes, whatever the CPU left. */
	x->intr_status = INTR_STATUS_UNKNOWN;
	return x->vapic;
}

/*
 * RVI set: a self-IPI waits in the page. SVI above what was written: the CPU
 * delivered one (an EOI only lowers it, to the page's highest ISR bit).
 */
bool vmx_vcpu_apic_taken(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	vmx_load_vmcs(v);
	if (!x->vapic)
		return false;
	uint16_t status = vmcs_read(VMCS_GUEST_INTR_STATUS) & INTR_STATUS_MASK;
	unsigned svi = status >> INTR_STATUS_SVI_SHIFT;
	if (!(status & INTR_STATUS_RVI_MASK) &&
	    (!svi || svi == (unsigned)(x->intr_status >> INTR_STATUS_SVI_SHIFT)))
		return false;
	x->intr_status = INTR_STATUS_UNKNOWN;
	return true;
}

void vmx_vcpu_apic_sync(struct vcpu *v, int highest_isr)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint16_t status = highest_isr > 0 ? (uint16_t)(highest_isr << INTR_STATUS_SVI_SHIFT) : 0;
	/*
	 * SVI for the CPU's priority and its EOI's vector; RVI 0: nothing of its
	 * own waits. What was written is still there unless the CPU moved it,
	 * which an EOI exit or vmx_vcpu_apic_taken marks.
	 */
	if (!x->vapic || status == x->intr_status)
		return;
	vmx_load_vmcs(v);
	vmcs_write(VMCS_GUEST_INTR_STATUS, status);
	x->intr_status = status;
}

void vmx_apic_decode_exit(struct vcpu *v, struct vcpu_exit *exit, uint32_t basic)
{
	const struct ept *ept = v->guest->arch_mm;
	struct vmx_vcpu *x = to_vmx(v);
	uint64_t qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned offset = qual & QUAL_APIC_OFFSET_MASK;

	exit->kind = VEXIT_UNHANDLED;
	if (!x->apic_exits)
		return;
	switch (basic) {
	case EXIT_REASON_APIC_ACCESS: {
		/* Fault-like: the instruction is fetched, decoded and emulated as MMIO. */
		unsigned type = (qual >> QUAL_APIC_TYPE_SHIFT) & QUAL_APIC_TYPE_MASK;
		if (type > APIC_ACCESS_FETCH)
			break; /* during event delivery, or guest-physical: the guest is stopped */
		exit->kind = VEXIT_MMIO;
		exit->insn_len = 0;
		exit->npf.gpa = ept->apic_access_gpa + offset;
		exit->npf.read = type == APIC_ACCESS_READ;
		exit->npf.write = type == APIC_ACCESS_WRITE;
		exit->npf.fetch = type == APIC_ACCESS_FETCH;
		break;
	}
	case EXIT_REASON_EOI_INDUCED:
		if (!x->vapic)
			break;
		exit->kind = VEXIT_APIC_EOI;
		exit->apic.vector = qual & QUAL_EOI_VECTOR_MASK;
		x->intr_status =
		    INTR_STATUS_UNKNOWN; /* the EOI moved SVI to the page's highest ISR */
		break;
	case EXIT_REASON_APIC_WRITE:
		/* Trap-like: the write is in the page, the instruction done. */
		if (!x->vapic)
			break;
		exit->kind = VEXIT_APIC_WRITE;
		exit->apic.gpa = ept->apic_access_gpa + offset;
		exit->apic.value = x->vapic[offset / sizeof(uint32_t)];
		break;
	}
}

void vmx_apic_guest_destroy(struct guest *g)
{
	struct ept *ept = g->arch_mm;
	if (ept && ept->apic_access) {
		pmm_free_frames(ept->apic_access, 1);
		ept->apic_access = 0;
	}
}

void vmx_apic_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	if (x && x->vapic_hpa) {
		pmm_free_frames(x->vapic_hpa, 1);
		x->vapic_hpa = 0;
		x->vapic = NULL;
	}
}
