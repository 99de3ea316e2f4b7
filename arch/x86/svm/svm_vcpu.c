/*
 * A vCPU on SVM: its VMCB (intercepts, the guest's state), entering the
 * guest, TLB flushing and event injection. SVM has no fixed CR0/CR4 bits:
 * the guest's values sit in the VMCB as they are, except EFER.SVME, which
 * VMRUN requires (APM 2 15.5.1) and the guest never sees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vcpu_regs_asm.h"
#include "arch/x86/msr.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/svm/svm_caps.h"
#include "kernel/mm/directmap.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/vcpu_event.h"
#include "kernel/core/log.h"
#include "kernel/emul/msr_policy.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"

#define IOPM_PAGES   3 /* APM 2 15.10.1: 12 KiB, one bit per port */
#define MSRPM_PAGES  2 /* APM 2 15.11: 8 KiB, two bits per MSR */
#define DR6_INIT     0xffff0ff0ULL
#define DR7_INIT     0x400ULL
#define PAT_POWER_ON 0x0007040600070406ULL
#define RFLAGS_VM    (1ULL << 17)
#define CR0_ARCH_BITS                                                                              \
	(CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | \
	 CR0_PG)
#define VECTOR_DB 1
#define VECTOR_BP 3
#define VECTOR_OF 4
#define VECTOR_AC 17
#define VTPR_MASK 0xfULL

static hpa_t iopm, msrpm;
/* The vCPU that last ran on each CPU: another one there must not trust the TLB. */
static struct vcpu *last_run[MAX_CPUS];

static inline struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->arch;
}

/*
 * Every port and every MSR exits. The MSRs VMRUN does not switch (FS/GS
 * base, syscall and SYSENTER MSRs) are kept in the VMCB and made live by
 * VMLOAD, so emulating them is only a VMCB access.
 */
int svm_shared_maps_init(void)
{
	if (msrpm)
		return 0;
	iopm = pmm_alloc_frames(IOPM_PAGES, PAGE_SIZE);
	msrpm = pmm_alloc_frames(MSRPM_PAGES, PAGE_SIZE);
	if (!iopm || !msrpm)
		return -ENOMEM;
	memset(phys_to_virt(iopm), 0xff, IOPM_PAGES * PAGE_SIZE);
	memset(phys_to_virt(msrpm), 0xff, MSRPM_PAGES * PAGE_SIZE);
	return 0;
}

static void write_controls(struct vcpu *v, struct vmcb *vmcb)
{
	struct svm_guest *sg = v->guest->arch_mm;

	/*
	 * CR0/CR4/CR8 writes go through the exit policy (kernel/emul/exit.c), as
	 * on VMX; CR8 reads come from V_TPR without an exit.
	 */
	vmcb->intercept_cr =
	    VMCB_INTERCEPT_CR_WRITE(0) | VMCB_INTERCEPT_CR_WRITE(4) | VMCB_INTERCEPT_CR_WRITE(8);
	/* DR0-7 are not switched by VMRUN (only DR6/DR7 are): every access is emulated. */
	vmcb->intercept_dr = VMCB_INTERCEPT_DR_ALL;
	/* #DB and #AC can recur forever in microcode without an exit (CVE-2015-5307, -8104). */
	vmcb->intercept_exceptions = (1u << VECTOR_DB) | (1u << VECTOR_AC);
	vmcb->intercept_misc1 = VMCB_INTERCEPT_INTR | VMCB_INTERCEPT_NMI | VMCB_INTERCEPT_SMI |
				VMCB_INTERCEPT_INIT | VMCB_INTERCEPT_RDPMC | VMCB_INTERCEPT_CPUID |
				VMCB_INTERCEPT_INVD |
				VMCB_INTERCEPT_HLT | VMCB_INTERCEPT_INVLPGA |
				VMCB_INTERCEPT_IOIO_PROT | VMCB_INTERCEPT_MSR_PROT |
				VMCB_INTERCEPT_SHUTDOWN;
	/* APM 2 15.5.1: VMRUN refuses a VMCB without the VMRUN intercept. */
	vmcb->intercept_misc2 = VMCB_INTERCEPT_VMRUN | VMCB_INTERCEPT_VMMCALL |
				VMCB_INTERCEPT_VMLOAD | VMCB_INTERCEPT_VMSAVE |
				VMCB_INTERCEPT_STGI | VMCB_INTERCEPT_CLGI | VMCB_INTERCEPT_SKINIT |
				VMCB_INTERCEPT_ICEBP | VMCB_INTERCEPT_WBINVD | VMCB_INTERCEPT_MONITOR |
				VMCB_INTERCEPT_MWAIT | VMCB_INTERCEPT_XSETBV;
	vmcb->iopm_base_pa = iopm;
	vmcb->msrpm_base_pa = msrpm;
	vmcb->tsc_offset = 0;
	vmcb->asid = sg->asid;
	/* APM 2 15.21.1: the guest's IF and TPR mask virtual interrupts only; host IF the rest. */
	vmcb->vintr = VMCB_VINTR_MASKING;
	vmcb->np_control = VMCB_NP_ENABLE;
	vmcb->n_cr3 = sg->npt.pt.root;
	/* Never clean bits: every field is reloaded at each VMRUN (APM 2 15.15). */
	vmcb->clean = 0;
}

int svm_vcpu_create(struct vcpu *v)
{
	struct svm_vcpu *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->vmcb_hpa = pmm_alloc_frame();
	if (!s->vmcb_hpa) {
		free(s);
		return -ENOMEM;
	}
	s->vmcb = phys_to_virt(s->vmcb_hpa);
	memset(s->vmcb, 0, PAGE_SIZE);
	v->arch = s;

	write_controls(v, s->vmcb);
	s->vmcb->dr6 = DR6_INIT;
	s->vmcb->dr7 = DR7_INIT;
	s->vmcb->g_pat = PAT_POWER_ON;
	s->vmcb->efer = EFER_SVME;
	return 0;
}

void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	if (!s)
		return;
	unsigned cpu = this_pcpu()->index;
	if (last_run[cpu] == v)
		last_run[cpu] = NULL;
	pmm_free_frames(s->vmcb_hpa, 1);
	free(s);
	v->arch = NULL;
}

/* APM 2 15.5.1: the VMCB's 12-bit attribute format; an unusable segment is one with P=0. */
static void write_segment(struct vmcb_seg *dst, const struct vcpu_segment *s)
{
	uint16_t attrib = 0;
	if (!s->unusable)
		attrib = s->type | (s->s ? VMCB_ATTR_S : 0) | (s->dpl << VMCB_ATTR_DPL_SHIFT) |
			 (s->present ? VMCB_ATTR_P : 0) | (s->l ? VMCB_ATTR_L : 0) |
			 (s->db ? VMCB_ATTR_DB : 0) | (s->g ? VMCB_ATTR_G : 0);
	*dst = (struct vmcb_seg){
	    .selector = s->selector, .attrib = attrib, .limit = s->limit, .base = s->base};
}

static void read_segment(const struct vmcb_seg *src, struct vcpu_segment *s)
{
	uint16_t a = src->attrib;
	*s = (struct vcpu_segment){
	    .selector = src->selector,
	    .base = src->base,
	    .limit = src->limit,
	    .type = a & 0xf,
	    .s = a & VMCB_ATTR_S,
	    .dpl = (a >> VMCB_ATTR_DPL_SHIFT) & 3,
	    .present = a & VMCB_ATTR_P,
	    .l = a & VMCB_ATTR_L,
	    .db = a & VMCB_ATTR_DB,
	    .g = a & VMCB_ATTR_G,
	    .unusable = !(a & VMCB_ATTR_P),
	};
}

/* The VMCB CPL field is authoritative (APM 2 15.5.1): 0 in real mode, 3 in virtual-8086. */
static uint8_t cpl_of(const struct vmcb *vmcb)
{
	if (!(vmcb->cr0 & CR0_PE))
		return 0;
	if (vmcb->rflags & RFLAGS_VM)
		return 3;
	return (vmcb->ss.attrib >> VMCB_ATTR_DPL_SHIFT) & 3;
}

/* APM 2 14.6.1: long mode is active when paging is enabled with EFER.LME set. */
static void update_long_mode_active(struct vmcb *vmcb)
{
	if ((vmcb->cr0 & CR0_PG) && (vmcb->efer & EFER_LME))
		vmcb->efer |= EFER_LMA;
	else
		vmcb->efer &= ~EFER_LMA;
}

/* The hypervisor changed the guest's paging state: its cached translations must go. */
static void request_flush(struct vcpu *v)
{
	to_svm(v)->npt_generation = 0;
}

int svm_vcpu_set_sregs(struct vcpu *v, const struct vcpu_sregs *s)
{
	struct vmcb *vmcb = svm_vmcb(v);
	write_segment(&vmcb->es, &s->es);
	write_segment(&vmcb->cs, &s->cs);
	write_segment(&vmcb->ss, &s->ss);
	write_segment(&vmcb->ds, &s->ds);
	write_segment(&vmcb->fs, &s->fs);
	write_segment(&vmcb->gs, &s->gs);
	write_segment(&vmcb->ldtr, &s->ldtr);
	write_segment(&vmcb->tr, &s->tr);
	vmcb->gdtr = (struct vmcb_seg){.base = s->gdtr_base, .limit = s->gdtr_limit};
	vmcb->idtr = (struct vmcb_seg){.base = s->idtr_base, .limit = s->idtr_limit};
	vmcb->cr0 = s->cr0;
	vmcb->cr2 = s->cr2;
	vmcb->cr3 = s->cr3;
	vmcb->cr4 = s->cr4;
	vmcb->efer = s->efer | EFER_SVME;
	vmcb->rip = s->rip;
	vmcb->rsp = s->rsp;
	vmcb->rflags = s->rflags;
	vmcb->cpl = cpl_of(vmcb);
	request_flush(v);
	return 0;
}

void svm_vcpu_get_sregs(struct vcpu *v, struct vcpu_sregs *s)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	read_segment(&vmcb->es, &s->es);
	read_segment(&vmcb->cs, &s->cs);
	read_segment(&vmcb->ss, &s->ss);
	read_segment(&vmcb->ds, &s->ds);
	read_segment(&vmcb->fs, &s->fs);
	read_segment(&vmcb->gs, &s->gs);
	read_segment(&vmcb->ldtr, &s->ldtr);
	read_segment(&vmcb->tr, &s->tr);
	s->gdtr_base = vmcb->gdtr.base;
	s->gdtr_limit = vmcb->gdtr.limit;
	s->idtr_base = vmcb->idtr.base;
	s->idtr_limit = vmcb->idtr.limit;
	s->cr0 = vmcb->cr0;
	s->cr2 = vmcb->cr2;
	s->cr3 = vmcb->cr3;
	s->cr4 = vmcb->cr4;
	s->efer = vmcb->efer & ~EFER_SVME;
	s->rip = vmcb->rip;
	s->rsp = vmcb->rsp;
	s->rflags = vmcb->rflags;
}

uint64_t svm_vcpu_get_rip(struct vcpu *v)
{
	return svm_vmcb(v)->rip;
}

void svm_vcpu_advance_rip(struct vcpu *v, unsigned len)
{
	struct vmcb *vmcb = svm_vmcb(v);
	vmcb->rip += len;
	vmcb->interrupt_shadow &= ~VMCB_INTERRUPT_SHADOW;
}

uint64_t svm_vcpu_read_cr(struct vcpu *v, unsigned cr)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	switch (cr) {
	case 0:
		return vmcb->cr0;
	case 2:
		return vmcb->cr2;
	case 3:
		return vmcb->cr3;
	case 4:
		return vmcb->cr4;
	case 8:
		return vmcb->vintr & VTPR_MASK; /* V_TPR (APM 2 15.21.2) */
	default:
		return 0;
	}
}

int svm_vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value)
{
	struct vmcb *vmcb = svm_vmcb(v);
	switch (cr) {
	case 0:
		/* Reserved bits read as zero and ET is hardwired to 1 (APM 2 3.1.1). */
		vmcb->cr0 = (value & CR0_ARCH_BITS) | CR0_ET;
		update_long_mode_active(vmcb);
		vmcb->cpl = cpl_of(vmcb);
		break;
	case 2:
		vmcb->cr2 = value;
		return 0;
	case 3:
		vmcb->cr3 = value;
		break;
	case 4:
		if (value & ~svm_caps.cr4_allowed)
			return -EINVAL;
		vmcb->cr4 = value;
		break;
	case 8:
		if (value & ~VTPR_MASK)
			return -EINVAL;
		vmcb->vintr = (vmcb->vintr & ~VTPR_MASK) | value;
		return 0;
	default:
		return -EINVAL;
	}
	request_flush(v);
	return 0;
}

int svm_vcpu_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *value)
{
	struct vmcb *vmcb = svm_vmcb(v);
	uint64_t *field;

	switch (msr) {
	case MSR_EFER:
		if (write) {
			vmcb->efer = *value | EFER_SVME;
			request_flush(v);
		} else {
			*value = vmcb->efer & ~EFER_SVME;
		}
		return 0;
	case MSR_IA32_PAT:
		field = &vmcb->g_pat;
		break;
	case MSR_FS_BASE:
		field = &vmcb->fs.base;
		break;
	case MSR_GS_BASE:
		field = &vmcb->gs.base;
		break;
	case MSR_KERNEL_GS_BASE:
		field = &vmcb->kernel_gs_base;
		break;
	case MSR_STAR:
		field = &vmcb->star;
		break;
	case MSR_LSTAR:
		field = &vmcb->lstar;
		break;
	case MSR_CSTAR:
		field = &vmcb->cstar;
		break;
	case MSR_SFMASK:
		field = &vmcb->sfmask;
		break;
	case MSR_SYSENTER_CS:
		field = &vmcb->sysenter_cs;
		break;
	case MSR_SYSENTER_ESP:
		field = &vmcb->sysenter_esp;
		break;
	case MSR_SYSENTER_EIP:
		field = &vmcb->sysenter_eip;
		break;
	default:
		return -ENOENT;
	}
	if (write)
		*field = *value;
	else
		*value = *field;
	return 0;
}

static void inject_pending(struct vcpu *v)
{
	/* Only these are ever queued (vcpu_event.c drops interrupted software events). */
	static const uint32_t types[] = {
	    [VEVENT_EXTINT] = VMCB_EVENT_TYPE_INTR,
	    [VEVENT_NMI] = VMCB_EVENT_TYPE_NMI,
	    [VEVENT_EXCEPTION] = VMCB_EVENT_TYPE_EXCEPTION,
	};
	struct vmcb *vmcb = svm_vmcb(v);
	const struct vcpu_event *e = &v->pending;
	uint64_t inj = VMCB_EVENT_VALID | types[e->type] | e->vector;
	/* Real mode pushes no error code (APM 2 15.20: EV must then be clear). */
	if (e->has_error && (vmcb->cr0 & CR0_PE))
		inj |= VMCB_EVENT_ERROR_VALID | ((uint64_t)e->error_code << VMCB_EVENT_ERROR_SHIFT);
	vmcb->eventinj = inj;
	v->event_pending = false;
}

/*
 * APM 2 15.7.2: an event the exit interrupted is in EXITINTINFO;
 * kernel/guest/vcpu_event.c queues it again (software interrupts and INT3 /
 * INTO, reported as type 4 or as exceptions 3 and 4, are dropped there: RIP
 * still points at the instruction, which runs again).
 */
static void requeue_exitintinfo(struct vcpu *v)
{
	uint64_t info = svm_vmcb(v)->exitintinfo;
	if (!(info & VMCB_EVENT_VALID))
		return;
	uint32_t type = info & VMCB_EVENT_TYPE_MASK;
	uint8_t vector = info & VMCB_EVENT_VECTOR_MASK;
	bool soft_exception =
	    type == VMCB_EVENT_TYPE_EXCEPTION && (vector == VECTOR_BP || vector == VECTOR_OF);
	struct vcpu_event e = {
	    .type = type == VMCB_EVENT_TYPE_NMI	      ? VEVENT_NMI
		    : type == VMCB_EVENT_TYPE_INTR    ? VEVENT_EXTINT
		    : type == VMCB_EVENT_TYPE_SOFTINT ? VEVENT_SOFTINT
		    : soft_exception		      ? VEVENT_SOFT_EXCEPTION
						      : VEVENT_EXCEPTION,
	    .vector = vector,
	    .has_error = info & VMCB_EVENT_ERROR_VALID,
	    .error_code = info >> VMCB_EVENT_ERROR_SHIFT,
	};
	vcpu_event_requeue(v, &e);
}

/*
 * APM 2 15.16: TLB entries are tagged with the ASID. Flush this guest's
 * when its nested tables or (through the hypervisor) its paging state
 * changed, and when another vCPU ran here last: two guests may share an
 * ASID when there are more guests than ASIDs.
 */
static uint8_t tlb_control(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct svm_guest *sg = v->guest->arch_mm;
	unsigned cpu = this_pcpu()->index;
	if (s->npt_generation == sg->npt.generation && last_run[cpu] == v)
		return VMCB_TLB_FLUSH_NONE;
	s->npt_generation = sg->npt.generation;
	last_run[cpu] = v;
	return svm_caps.flush_by_asid ? VMCB_TLB_FLUSH_ASID : VMCB_TLB_FLUSH_ALL;
}

/* Everything SVM switches lives in the VMCB, which VMRUN names: nothing to load or save. */
void svm_vcpu_load(struct vcpu *v)
{
}

void svm_vcpu_put(struct vcpu *v)
{
}

/*
 * The VMCB is in memory and named by each VMRUN, and no clean bits are ever
 * set (APM 2 15.15.1 would have them cleared for a VMCB run on another CPU
 * next). What stays behind is this CPU's TLB entries under v's ASID: should
 * v come back after running elsewhere, they are stale (APM 2 15.16), so
 * this CPU forgets that v ran here last and its next run here flushes.
 */
void svm_vcpu_unload(struct vcpu *v)
{
	unsigned cpu = this_pcpu()->index;
	if (last_run[cpu] == v)
		last_run[cpu] = NULL;
}

int svm_vcpu_run(struct vcpu *v, struct vcpu_exit *exit)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;

	if (v->event_pending)
		inject_pending(v);
	vmcb->tlb_control = tlb_control(v);
	vmcb->rax = v->regs.rax;

	svm_enter(&v->regs, s->vmcb_hpa, svm_host_vmcb());

	v->regs.rax = vmcb->rax;
	vmcb->eventinj = 0;
	if (vmcb->exitcode == SVM_EXIT_INTR) {
		/* APM 2 15.21.4: the interrupt is still pending; the host takes it here. */
		irq_enable();
		__asm__ volatile("nop");
		irq_disable();
	}
	svm_decode_exit(v, exit);
	requeue_exitintinfo(v);
	return 0;
}

/*
 * SVM has no preemption timer: the scheduler falls back to the local APIC
 * timer, whose interrupt exits the guest through the INTR intercept.
 */
int svm_vcpu_set_timer(struct vcpu *v, uint64_t deadline)
{
	return -ENOTSUP;
}

/* APM 2 15.21.4: an interrupt is taken with RFLAGS.IF=1 outside an interrupt shadow. */
bool svm_vcpu_interruptible(struct vcpu *v)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	return (vmcb->rflags & RFLAGS_IF) && !(vmcb->interrupt_shadow & VMCB_INTERRUPT_SHADOW);
}

/*
 * APM 2 15.21.4: a virtual interrupt request (V_IRQ, TPR ignored) with the
 * VINTR intercept exits exactly when the guest could take an interrupt.
 */
void svm_vcpu_intr_window(struct vcpu *v, bool on)
{
	struct vmcb *vmcb = svm_vmcb(v);
	if (on) {
		vmcb->vintr |= VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR;
		vmcb->intercept_misc1 |= VMCB_INTERCEPT_VINTR;
	} else {
		vmcb->vintr &= ~(VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR);
		vmcb->intercept_misc1 &= ~VMCB_INTERCEPT_VINTR;
	}
}


/* The fields an emulated instruction depends on, without unpacking every segment. */
void svm_vcpu_get_insn_state(struct vcpu *v, struct vcpu_insn_state *s)
{
	const struct vmcb *vmcb = svm_vmcb(v);

	*s = (struct vcpu_insn_state){
	    .cr0 = vmcb->cr0,
	    .cr3 = vmcb->cr3,
	    .cr4 = vmcb->cr4,
	    .efer = vmcb->efer & ~EFER_SVME,
	    .rip = vmcb->rip,
	    .rsp = vmcb->rsp,
	    .rflags = vmcb->rflags,
	    .cs_base = vmcb->cs.base,
	    .cs_limit = vmcb->cs.limit,
	    .cs_l = vmcb->cs.attrib & VMCB_ATTR_L,
	    .cs_db = vmcb->cs.attrib & VMCB_ATTR_DB,
	    .ss_dpl = (vmcb->ss.attrib >> VMCB_ATTR_DPL_SHIFT) & 3,
	};
}
