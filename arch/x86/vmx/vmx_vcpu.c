/*
 * A vCPU on VT-x: its VMCS (controls, host state, guest state) and the
 * state the VMCS does not switch; vmx_run.c enters it and decodes exits.
 * The guest sees CR0/CR4 through read shadows: bits VMX forces (CR0.NE,
 * CR4.VMXE) are owned by the hypervisor and writes to them exit (SDM 3C 25.3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vcpu_regs_asm.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/mm/directmap.h"
#include "kernel/guest/guest.h"
#include "kernel/core/log.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"

#define MSR_SYSENTER_CS	 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR	 0xc0000081
#define MSR_LSTAR	 0xc0000082
#define MSR_CSTAR	 0xc0000083
#define MSR_SFMASK	 0xc0000084

#define AR_UNUSABLE		(1u << 16)
#define DR7_INIT		0x400
#define PAT_POWER_ON		0x0007040600070406ULL
#define LINK_POINTER_NONE	(~0ULL)
#define VECTOR_DB		1
#define VECTOR_AC		17
#define MSR_BITMAP_WRITE_OFFSET 2048
#define MSR_BITMAP_HIGH_OFFSET	1024
#define MSR_HIGH_BASE		0xc0000000u

static hpa_t io_bitmap_a, io_bitmap_b, msr_bitmap;
static uint16_t next_vpid = 1;
struct vcpu *vmx_loaded_vcpu[MAX_CPUS];
static struct vcpu *msrs_loaded_for[MAX_CPUS];

static void msr_bitmap_allow(uint8_t *bitmap, uint32_t msr)
{
	uint32_t offset = msr >= MSR_HIGH_BASE ? MSR_BITMAP_HIGH_OFFSET : 0;
	uint32_t bit = msr & 0x1fff;
	bitmap[offset + bit / 8] &= ~(1u << (bit % 8));
	bitmap[MSR_BITMAP_WRITE_OFFSET + offset + bit / 8] &= ~(1u << (bit % 8));
}

/*
 * Every port and every MSR exits, except FS/GS base: the VMCS switches
 * those, so the guest may use them directly (SDM 3C 24.6.9).
 */
static int shared_bitmaps_init(void)
{
	if (msr_bitmap)
		return 0;
	io_bitmap_a = pmm_alloc_frame();
	io_bitmap_b = pmm_alloc_frame();
	msr_bitmap = pmm_alloc_frame();
	if (!io_bitmap_a || !io_bitmap_b || !msr_bitmap)
		return -ENOMEM;
	memset(phys_to_virt(io_bitmap_a), 0xff, PAGE_SIZE);
	memset(phys_to_virt(io_bitmap_b), 0xff, PAGE_SIZE);
	memset(phys_to_virt(msr_bitmap), 0xff, PAGE_SIZE);
	msr_bitmap_allow(phys_to_virt(msr_bitmap), MSR_FS_BASE);
	msr_bitmap_allow(phys_to_virt(msr_bitmap), MSR_GS_BASE);
	return 0;
}

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Host state is per physical CPU (TR, GS base, GDT), written when the VMCS is loaded there. */
static void write_host_state(void)
{
	struct desc_ptr gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	struct pcpu *p = this_pcpu();

	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, GDT_KERNEL_CS);
	vmcs_write(VMCS_HOST_SS_SEL, GDT_KERNEL_DS);
	vmcs_write(VMCS_HOST_DS_SEL, GDT_KERNEL_DS);
	vmcs_write(VMCS_HOST_ES_SEL, GDT_KERNEL_DS);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, GDT_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	vmcs_write(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)p);
	vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&p->tables.tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	if (vmx_caps.exit & EXIT_LOAD_PAT)
		vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
}

/* vmx_load_vmcs's VMPTRLD (vmx.h). */
int vmx_load_vmcs_slow(struct vcpu *v)
{
	unsigned cpu = this_pcpu()->index;
	struct vcpu *prev = vmx_loaded_vcpu[cpu];
	if (prev == v)
		return 0;
	struct vmx_vcpu *x = to_vmx(v);
	if (!vmcs_load(x->vmcs)) {
		vmx_loaded_vcpu[cpu] = v;
		if (x->cpu != (int)cpu) {
			/*
			 * Moved here (vmx_vcpu_unload cleared it on its old CPU): the
			 * host state is this CPU's (TR, GS base, GDT), HOST_RSP this
			 * stack's, and combined mappings this CPU may keep of v's VPID
			 * from an earlier stay are stale (SDM 3C 29.4.3.1: INVEPT
			 * single-context drops those of every VPID under the EPTP).
			 */
			write_host_state();
			x->host_rsp = 0;
			ept_invalidate(v->guest->arch_mm);
			x->cpu = (int)cpu;
		}
		return 0;
	}
	/*
	 * SDM 3C 31.3: a failed VMPTRLD leaves the previous VMCS current, and v's
	 * VMREADs and VMWRITEs would land in another vCPU's. Clear that one (it
	 * relaunches) so that they fail instead: with no current VMCS the next
	 * entry fails too (VMfailInvalid) and the run loop stops v's guest.
	 */
	log_err("vmx: VMPTRLD failed for %s vCPU %u: it will not run again", v->guest->name, v->id);
	if (prev) {
		vmcs_clear(to_vmx(prev)->vmcs);
		to_vmx(prev)->launched = false;
	}
	vmx_loaded_vcpu[cpu] = NULL;
	return -EIO;
}

static void write_controls(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	const struct ept *ept = v->guest->arch_mm;

	vmcs_write(VMCS_PIN_CONTROLS, vmx_caps.pin);
	vmcs_write(VMCS_PROC_CONTROLS, vmx_caps.proc);
	vmcs_write(VMCS_PROC_CONTROLS2, vmx_caps.proc2);
	vmcs_write(VMCS_EXIT_CONTROLS, vmx_caps.exit);
	vmcs_write(VMCS_ENTRY_CONTROLS, vmx_caps.entry);
	/* #DB and #AC can recur forever in microcode without an exit (CVE-2015-5307, -8104). */
	vmcs_write(VMCS_EXCEPTION_BITMAP, (1u << VECTOR_DB) | (1u << VECTOR_AC));
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_IO_BITMAP_A, io_bitmap_a);
	vmcs_write(VMCS_IO_BITMAP_B, io_bitmap_b);
	vmcs_write(VMCS_MSR_BITMAP, msr_bitmap);
	vmcs_write(VMCS_EPT_POINTER, ept->eptp);
	if (vmx_caps.vpid)
		vmcs_write(VMCS_VPID, x->vpid);
	vmcs_write(VMCS_LINK_POINTER, LINK_POINTER_NONE);
	vmcs_write(VMCS_TSC_OFFSET, 0);
	/* CR0/CR4 bits the guest may not own: the fixed ones (but PE/PG: unrestricted guest). */
	vmcs_write(VMCS_CR0_MASK, vmx_caps.cr0_host_owned);
	vmcs_write(VMCS_CR4_MASK, vmx_caps.cr4_host_owned);
}

int vmx_vcpu_create(struct vcpu *v)
{
	int err = shared_bitmaps_init();
	if (err)
		return err;
	struct vmx_vcpu *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->vmcs = pmm_alloc_frame();
	if (!x->vmcs) {
		free(x);
		return -ENOMEM;
	}
	memset(phys_to_virt(x->vmcs), 0, PAGE_SIZE);
	*(uint32_t *)phys_to_virt(x->vmcs) = vmx_caps.revision;
	/*
	 * vCPUs come and go (scale out/in): the 16-bit counter wraps, and VPID 0
	 * is the host's (SDM 3C 26.2.1.1: entry fails with VPID 0). A reused VPID
	 * finds no stale translations: INVEPT on every CPU drops the combined
	 * mappings of a destroyed guest's EPTP (SDM 3C 29.4.3.1, guest_destroy).
	 */
	x->vpid = next_vpid++;
	if (!next_vpid)
		next_vpid = 1;
	x->cpu = (int)this_pcpu()->index; /* the host state written below */
	v->arch = x;

	if (vmcs_clear(x->vmcs)) {
		log_err("vmx: VMCLEAR failed for %s", v->guest->name);
		return -EIO;
	}
	vmx_loaded_vcpu[this_pcpu()->index] = NULL;
	if (vmx_load_vmcs(v))
		return -EIO;
	write_controls(v);
	write_host_state();
	vmcs_write(VMCS_GUEST_DR7, DR7_INIT);
	vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	return 0;
}

void vmx_vcpu_relaunch(struct vcpu *v)
{
	vmcs_clear(to_vmx(v)->vmcs);
	vmx_loaded_vcpu[this_pcpu()->index] = NULL;
	vmx_load_vmcs(v);
	to_vmx(v)->launched = false;
}

/*
 * SDM 3C 24.1, 24.11.1: a VMCS may be active on one logical processor only;
 * VMCLEAR on this one writes its data back to memory and leaves it clear,
 * so that another CPU may VMPTRLD it (and enter it with VMLAUNCH). The MSRs
 * VMX does not switch were saved by vmx_vcpu_put: this CPU forgets holding
 * them, so v's come back should v ever return here.
 */
void vmx_vcpu_unload(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned cpu = this_pcpu()->index;
	if (!x)
		return;
	if (vmcs_clear(x->vmcs))
		log_err("vmx: VMCLEAR failed for %s vCPU %u", v->guest->name, v->id);
	if (vmx_loaded_vcpu[cpu] == v)
		vmx_loaded_vcpu[cpu] = NULL;
	if (msrs_loaded_for[cpu] == v)
		msrs_loaded_for[cpu] = NULL;
	x->launched = false;
	x->cpu = -1;
}

void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	if (!x)
		return;
	unsigned cpu = this_pcpu()->index;
	vmcs_clear(x->vmcs);
	if (vmx_loaded_vcpu[cpu] == v)
		vmx_loaded_vcpu[cpu] = NULL;
	if (msrs_loaded_for[cpu] == v)
		msrs_loaded_for[cpu] = NULL;
	vmx_apic_vcpu_destroy(v);
	pmm_free_frames(x->vmcs, 1);
	free(x);
	v->arch = NULL;
}

/* The segment registers' VMCS fields are laid out with a fixed stride from ES. */
enum seg_index { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };
#define SEG_SEL(i)   (VMCS_GUEST_ES_SEL + 2 * (i))
#define SEG_LIMIT(i) (VMCS_GUEST_ES_LIMIT + 2 * (i))
#define SEG_AR(i)    (VMCS_GUEST_ES_AR + 2 * (i))
#define SEG_BASE(i)  (VMCS_GUEST_ES_BASE + 2 * (i))

static void write_segment(enum seg_index i, const struct vcpu_segment *s)
{
	uint32_t ar = AR_UNUSABLE;
	if (!s->unusable)
		ar = s->type | (s->s << 4) | (s->dpl << 5) | (s->present << 7) | (s->l << 13) |
		     (s->db << 14) | (s->g << 15);
	vmcs_write(SEG_SEL(i), s->selector);
	vmcs_write(SEG_LIMIT(i), s->limit);
	vmcs_write(SEG_AR(i), ar);
	vmcs_write(SEG_BASE(i), s->base);
}

static void read_segment(enum seg_index i, struct vcpu_segment *s)
{
	uint32_t ar = vmcs_read(SEG_AR(i));
	*s = (struct vcpu_segment){
	    .selector = vmcs_read(SEG_SEL(i)),
	    .base = vmcs_read(SEG_BASE(i)),
	    .limit = vmcs_read(SEG_LIMIT(i)),
	    .type = ar & 0xf,
	    .s = ar & (1u << 4),
	    .dpl = (ar >> 5) & 3,
	    .present = ar & (1u << 7),
	    .l = ar & (1u << 13),
	    .db = ar & (1u << 14),
	    .g = ar & (1u << 15),
	    .unusable = ar & AR_UNUSABLE,
	};
}

static void set_long_mode_active(bool lma)
{
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER);
	efer = lma ? (efer | EFER_LMA) : (efer & ~EFER_LMA);
	vmcs_write(VMCS_GUEST_EFER, efer);
	uint32_t entry = vmcs_read(VMCS_ENTRY_CONTROLS);
	entry = lma ? (entry | ENTRY_IA32E_MODE_GUEST) : (entry & ~ENTRY_IA32E_MODE_GUEST);
	vmcs_write(VMCS_ENTRY_CONTROLS, entry);
}

/*
 * With EPT and PAE paging outside long mode the CPU takes the four PDPTEs
 * from the VMCS at entry (SDM 3C 26.3.2.4), so emulated CR writes that
 * (re)enter PAE paging must load them from guest memory.
 */
static void load_pdptes(struct vcpu *v)
{
	uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0), cr4 = vmcs_read(VMCS_GUEST_CR4);
	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA))
		return;
	const uint64_t *pdpte =
	    guest_ram_read_ptr(v->guest, vmcs_read(VMCS_GUEST_CR3) & ~0x1fULL, 32);
	for (unsigned i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte ? pdpte[i] : 0);
}

static uint64_t real_cr0(uint64_t cr0)
{
	return (cr0 | (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & vmx_caps.cr0_fixed1;
}

static uint64_t real_cr4(uint64_t cr4)
{
	return (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

int vmx_vcpu_set_sregs(struct vcpu *v, const struct vcpu_sregs *s)
{
	vmx_load_vmcs(v);
	write_segment(SEG_ES, &s->es);
	write_segment(SEG_CS, &s->cs);
	write_segment(SEG_SS, &s->ss);
	write_segment(SEG_DS, &s->ds);
	write_segment(SEG_FS, &s->fs);
	write_segment(SEG_GS, &s->gs);
	write_segment(SEG_LDTR, &s->ldtr);
	write_segment(SEG_TR, &s->tr);
	vmcs_write(VMCS_GUEST_GDTR_BASE, s->gdtr_base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, s->gdtr_limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, s->idtr_base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, s->idtr_limit);
	vmcs_write(VMCS_CR0_SHADOW, s->cr0);
	vmcs_write(VMCS_GUEST_CR0, real_cr0(s->cr0));
	vmcs_write(VMCS_CR4_SHADOW, s->cr4);
	vmcs_write(VMCS_GUEST_CR4, real_cr4(s->cr4));
	vmcs_write(VMCS_GUEST_CR3, s->cr3);
	vmcs_write(VMCS_GUEST_EFER, s->efer);
	set_long_mode_active(s->efer & EFER_LMA);
	vmcs_write(VMCS_GUEST_RIP, s->rip);
	vmcs_write(VMCS_GUEST_RSP, s->rsp);
	vmcs_write(VMCS_GUEST_RFLAGS, s->rflags);
	load_pdptes(v);
	return 0;
}

/* CR0 or CR4 as the guest sees it: host-owned bits (a constant mask) come from the shadow. */
static uint64_t guest_visible(uint64_t real, uint64_t host_owned, uint32_t shadow_field)
{
	return (vmcs_read(shadow_field) & host_owned) | (real & ~host_owned);
}

void vmx_vcpu_get_sregs(struct vcpu *v, struct vcpu_sregs *s)
{
	vmx_load_vmcs(v);
	read_segment(SEG_ES, &s->es);
	read_segment(SEG_CS, &s->cs);
	read_segment(SEG_SS, &s->ss);
	read_segment(SEG_DS, &s->ds);
	read_segment(SEG_FS, &s->fs);
	read_segment(SEG_GS, &s->gs);
	read_segment(SEG_LDTR, &s->ldtr);
	read_segment(SEG_TR, &s->tr);
	s->gdtr_base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	s->gdtr_limit = vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	s->idtr_base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	s->idtr_limit = vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	s->cr0 = vmx_vcpu_read_cr(v, 0);
	s->cr2 = to_vmx(v)->cr2;
	s->cr3 = vmcs_read(VMCS_GUEST_CR3);
	s->cr4 = vmx_vcpu_read_cr(v, 4);
	s->efer = vmcs_read(VMCS_GUEST_EFER);
	s->rip = vmcs_read(VMCS_GUEST_RIP);
	s->rsp = vmcs_read(VMCS_GUEST_RSP);
	s->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
}

uint64_t vmx_vcpu_get_rip(struct vcpu *v)
{
	/* Exit handling only: the VMCS that just exited is current. */
	return vmcs_read(VMCS_GUEST_RIP);
}

void vmx_vcpu_advance_rip(struct vcpu *v, unsigned len)
{
	/* Exit handling only: the VMCS that just exited is current. */
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + len);
	uint32_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~INTERRUPTIBILITY_STI_MOVSS);
}

uint64_t vmx_vcpu_read_cr(struct vcpu *v, unsigned cr)
{
	/* Exit handling only: the VMCS that just exited is current. */
	switch (cr) {
	case 0:
		return guest_visible(vmcs_read(VMCS_GUEST_CR0), vmx_caps.cr0_host_owned,
				     VMCS_CR0_SHADOW);
	case 2:
		/* Not switched by VMX: the CPU holds it while v is loaded (vmx_vcpu_put saves it).
		 */
		return msrs_loaded_for[this_pcpu()->index] == v ? read_cr2() : to_vmx(v)->cr2;
	case 3:
		return vmcs_read(VMCS_GUEST_CR3);
	case 4:
		return guest_visible(vmcs_read(VMCS_GUEST_CR4), vmx_caps.cr4_host_owned,
				     VMCS_CR4_SHADOW);
	case 8: {
		/* APIC virtualization: the guest sets TPR through its page without an exit. */
		const struct vmx_vcpu *x = to_vmx(v);
		return x->vapic ? (x->vapic[VMX_VAPIC_TPR] >> 4) & 0xf : x->tpr;
	}
	default:
		return 0;
	}
}

int vmx_vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value)
{
	vmx_load_vmcs(v);
	switch (cr) {
	case 0: {
		uint64_t old = vmx_vcpu_read_cr(v, 0);
		/* SDM 3A 9.8.5: paging on with EFER.LME activates long mode, off leaves it. */
		if ((value ^ old) & CR0_PG) {
			bool lme = vmcs_read(VMCS_GUEST_EFER) & EFER_LME;
			set_long_mode_active((value & CR0_PG) && lme);
		}
		vmcs_write(VMCS_CR0_SHADOW, value);
		vmcs_write(VMCS_GUEST_CR0, real_cr0(value));
		break;
	}
	case 2:
		to_vmx(v)->cr2 = value;
		if (msrs_loaded_for[this_pcpu()->index] == v)
			write_cr2(value);
		return 0;
	case 3:
		vmcs_write(VMCS_GUEST_CR3, value);
		break;
	case 8:
		/* Virtual: CR8 exiting keeps the guest off the real TPR. */
		if (value > 15)
			return -EINVAL;
		to_vmx(v)->tpr = value;
		if (to_vmx(v)->vapic)
			to_vmx(v)->vapic[VMX_VAPIC_TPR] = (uint32_t)value << 4;
		return 0;
	case 4:
		/* Nested VMX is not offered; other bits the CPU lacks cannot be set either. */
		if ((value & CR4_VMXE) || (value & ~(vmx_caps.cr4_fixed1 & ~CR4_VMXE)))
			return -EINVAL;
		vmcs_write(VMCS_CR4_SHADOW, value);
		vmcs_write(VMCS_GUEST_CR4, real_cr4(value));
		break;
	default:
		return -EINVAL;
	}
	load_pdptes(v);
	/* Paging-mode changes: flush this guest's cached translations. */
	ept_invalidate(v->guest->arch_mm);
	return 0;
}

/*
 * The syscall MSRs VMX does not switch. While v's values are in the CPU
 * (msrs_loaded_for) the CPU's MSR is the truth: SWAPGS changes
 * KERNEL_GS_BASE without an exit, and a written value must hold from the
 * next entry on. Otherwise the saved copy (x->kernel_gs_base, v->msrs).
 * Values come checked by the exit policy (canonical, reserved bits clear).
 */
static int unswitched_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *value)
{
	uint64_t *saved = msr == MSR_KERNEL_GS_BASE ? &to_vmx(v)->kernel_gs_base
			  : msr == MSR_STAR	    ? &v->msrs.star
			  : msr == MSR_LSTAR	    ? &v->msrs.lstar
			  : msr == MSR_CSTAR	    ? &v->msrs.cstar
						    : &v->msrs.sfmask;
	bool in_cpu = msrs_loaded_for[this_pcpu()->index] == v;
	if (write) {
		if (in_cpu && wrmsr_checked(msr, *value))
			return -EINVAL; /* the CPU refused a checked value: #GP for the guest */
		*saved = *value;
	} else {
		*value = in_cpu ? rdmsr(msr) : *saved;
	}
	return 0;
}

int vmx_vcpu_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *value)
{
	uint32_t field;

	vmx_load_vmcs(v);
	switch (msr) {
	case MSR_EFER:
		if (write) {
			vmcs_write(VMCS_GUEST_EFER, *value);
			set_long_mode_active(*value & EFER_LMA);
		} else {
			*value = vmcs_read(VMCS_GUEST_EFER);
		}
		return 0;
	case MSR_IA32_PAT:
		field = VMCS_GUEST_PAT;
		break;
	case MSR_FS_BASE:
		field = VMCS_GUEST_FS_BASE;
		break;
	case MSR_GS_BASE:
		field = VMCS_GUEST_GS_BASE;
		break;
	case MSR_SYSENTER_CS:
		field = VMCS_GUEST_SYSENTER_CS;
		break;
	case MSR_SYSENTER_ESP:
		field = VMCS_GUEST_SYSENTER_ESP;
		break;
	case MSR_SYSENTER_EIP:
		field = VMCS_GUEST_SYSENTER_EIP;
		break;
	case MSR_KERNEL_GS_BASE:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SFMASK:
		return unswitched_msr(v, msr, write, value);
	default:
		return -ENOENT;
	}
	if (write)
		vmcs_write(field, *value);
	else
		*value = vmcs_read(field);
	return 0;
}

/*
 * State the VMCS does not switch (SDM 3C 27.5: CR2 and these MSRs keep the
 * guest's values across exits): loaded only when another vCPU's values are
 * in the CPU. CR2 is saved when the run ends (vmx_vcpu_put), since the
 * guest's page faults change it without exiting.
 */
static void load_guest_msrs(struct vcpu *v)
{
	unsigned cpu = this_pcpu()->index;
	if (msrs_loaded_for[cpu] == v)
		return;
	struct vmx_vcpu *x = to_vmx(v);
	write_cr2(x->cr2);
	wrmsr(MSR_KERNEL_GS_BASE, x->kernel_gs_base);
	wrmsr(MSR_STAR, v->msrs.star);
	wrmsr(MSR_LSTAR, v->msrs.lstar);
	wrmsr(MSR_CSTAR, v->msrs.cstar);
	wrmsr(MSR_SFMASK, v->msrs.sfmask);
	msrs_loaded_for[cpu] = v;
}

void vmx_vcpu_load(struct vcpu *v)
{
	vmx_load_vmcs(v);
	load_guest_msrs(v);
}

void vmx_vcpu_put(struct vcpu *v)
{
	if (msrs_loaded_for[this_pcpu()->index] == v) {
		/* The guest changes both without exiting: #PF sets CR2, SWAPGS swaps
		 * KERNEL_GS_BASE. */
		to_vmx(v)->cr2 = read_cr2();
		to_vmx(v)->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	}
}

/* Access-rights bits of a segment (SDM 3C 24.4.1, table 24-2). */
#define AR_DPL_SHIFT 5
#define AR_DPL_MASK  3u
#define AR_L	     (1u << 13)
#define AR_DB	     (1u << 14)

/*
 * The dozen fields an emulated instruction depends on, where
 * vmx_vcpu_get_sregs reads some fifty. Exit handling only: the VMCS that just
 * exited is current.
 */
void vmx_vcpu_get_insn_state(struct vcpu *v, struct vcpu_insn_state *s)
{
	uint32_t cs_ar = vmcs_read(VMCS_GUEST_CS_AR);

	s->cr0 = guest_visible(vmcs_read(VMCS_GUEST_CR0), vmx_caps.cr0_host_owned, VMCS_CR0_SHADOW);
	s->cr3 = vmcs_read(VMCS_GUEST_CR3);
	s->cr4 = guest_visible(vmcs_read(VMCS_GUEST_CR4), vmx_caps.cr4_host_owned, VMCS_CR4_SHADOW);
	s->efer = vmcs_read(VMCS_GUEST_EFER);
	s->rip = vmcs_read(VMCS_GUEST_RIP);
	s->rsp = vmcs_read(VMCS_GUEST_RSP);
	s->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	s->cs_l = cs_ar & AR_L;
	s->cs_db = cs_ar & AR_DB;
	if ((s->efer & EFER_LMA) && s->cs_l) {
		/* SDM 3A 3.2.4: 64-bit mode adds no CS base and checks no CS limit. */
		s->cs_base = 0;
		s->cs_limit = UINT32_MAX;
	} else {
		s->cs_base = vmcs_read(VMCS_GUEST_CS_BASE);
		s->cs_limit = vmcs_read(VMCS_GUEST_CS_LIMIT);
	}
	s->ss_dpl = (vmcs_read(VMCS_GUEST_SS_AR) >> AR_DPL_SHIFT) & AR_DPL_MASK;
}
