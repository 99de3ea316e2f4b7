/*
 * VT-x backend: VMX operation on each CPU, EPT per guest, and the virt_ops
 * table kernel/ drives guests through. vCPU and VMCS handling is in
 * vmx_vcpu.c, running it and decoding its exits in vmx_run.c.
 */
#include "arch/x86/vmx/vmx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/mm/directmap.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/core/log.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"

static hpa_t vmxon_region[MAX_CPUS];

/* SDM 3C 24.11.5: the VMXON region starts with the VMCS revision identifier. */
static int vmx_cpu_init(void)
{
	unsigned cpu = this_pcpu()->index;
	if (vmxon_region[cpu])
		return 0;
	hpa_t region = pmm_alloc_frame();
	if (!region)
		return -ENOMEM;
	memset(phys_to_virt(region), 0, PAGE_SIZE);
	*(uint32_t *)phys_to_virt(region) = vmx_caps.revision;

	/* SDM 3C 23.8: CR0 and CR4 must respect the fixed bits in VMX operation. */
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | vmx_caps.cr4_fixed0 | CR4_VMXE) & vmx_caps.cr4_fixed1);

	uint8_t fail;
	__asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(region) : "cc", "memory");
	if (fail) {
		log_err("vmx: VMXON failed on CPU %u", cpu);
		pmm_free_frames(region, 1);
		return -EIO;
	}
	vmxon_region[cpu] = region;
	log_info("vmx: CPU %u in VMX root operation", cpu);
	return 0;
}

static int vmx_guest_init(struct guest *g)
{
	struct ept *ept = calloc(1, sizeof(*ept));
	if (!ept)
		return -ENOMEM;
	int err = ept_init(ept, vmx_caps.ept_1g, vmx_caps.ept_2m, vmx_caps.ept_ad);
	if (err) {
		free(ept);
		return err;
	}
	g->arch_mm = ept;
	return 0;
}

static void vmx_guest_destroy(struct guest *g)
{
	struct ept *ept = g->arch_mm;

	if (!ept)
		return;
	vmx_apic_guest_destroy(g);
	ept_destroy(ept);
	free(ept);
	g->arch_mm = NULL;
}

static void vmx_guest_flush(struct guest *g)
{
	ept_invalidate(g->arch_mm);
}

static int vmx_guest_map(struct guest *g, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
			 enum gmap_type type)
{
	return ept_map(g->arch_mm, gpa, hpa, size, rights, type);
}

static int vmx_guest_unmap(struct guest *g, gpa_t gpa, uint64_t size)
{
	return ept_unmap(g->arch_mm, gpa, size);
}

static void vmx_guest_prune(struct guest *g, gpa_t gpa, uint64_t size,
			    void (*collect)(hpa_t table, void *ctx), void *ctx)
{
	ept_prune(g->arch_mm, gpa, size, collect, ctx);
}

const struct virt_ops vmx_ops = {
    .name = "vmx",
    .hypercall_insn = SHOJI_HC_INSN_VMCALL,
    .cpu_init = vmx_cpu_init,
    .guest_init = vmx_guest_init,
    .guest_destroy = vmx_guest_destroy,
    .guest_map = vmx_guest_map,
    .guest_unmap = vmx_guest_unmap,
    .guest_prune = vmx_guest_prune,
    .guest_flush = vmx_guest_flush,
    .vcpu_create = vmx_vcpu_create,
    .vcpu_destroy = vmx_vcpu_destroy,
    .vcpu_get_sregs = vmx_vcpu_get_sregs,
    .vcpu_set_sregs = vmx_vcpu_set_sregs,
    .vcpu_get_insn_state = vmx_vcpu_get_insn_state,
    .vcpu_get_rip = vmx_vcpu_get_rip,
    .vcpu_advance_rip = vmx_vcpu_advance_rip,
    .vcpu_read_cr = vmx_vcpu_read_cr,
    .vcpu_write_cr = vmx_vcpu_write_cr,
    .vcpu_msr = vmx_vcpu_msr,
    .vcpu_load = vmx_vcpu_load,
    .vcpu_put = vmx_vcpu_put,
    .vcpu_unload = vmx_vcpu_unload,
    .vcpu_run = vmx_vcpu_run,
    .vcpu_set_timer = vmx_vcpu_set_timer,
    .vcpu_interruptible = vmx_vcpu_interruptible,
    .vcpu_intr_window = vmx_vcpu_intr_window,
    .vcpu_apic_accel = vmx_vcpu_apic_accel,
    .vcpu_apic_taken = vmx_vcpu_apic_taken,
    .vcpu_apic_sync = vmx_vcpu_apic_sync,
};
