/*
 * The virtualization backend in use (VMX or SVM), picked at boot from CPUID.
 * Both implement struct virt_ops; kernel/ calls only these.
 */
#ifndef SHOJI_KERNEL_VIRT_H
#define SHOJI_KERNEL_VIRT_H

#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"

/* Guest-physical mapping rights and memory type. */
#define GMAP_READ  (1u << 0)
#define GMAP_WRITE (1u << 1)
#define GMAP_EXEC  (1u << 2)
#define GMAP_RWX   (GMAP_READ | GMAP_WRITE | GMAP_EXEC)

enum gmap_type { GMAP_WB, GMAP_UC };

struct virt_ops {
	const char *name; /* "vmx", "svm" */
	uint32_t
	    hypercall_insn; /* SHOJI_HC_INSN_VMCALL or SHOJI_HC_INSN_VMMCALL (CPUID 0x40000001) */
	/* Per physical CPU: enter VMX root operation / enable SVM. */
	int (*cpu_init)(void);

	/* Guest-physical address space (EPT / NPT). */
	int (*guest_init)(struct guest *g);
	/* Free its tables; g's vCPUs never run again and no CPU caches its translations. */
	void (*guest_destroy)(struct guest *g);
	int (*guest_map)(struct guest *g, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
			 enum gmap_type type);
	/* Remove [gpa, gpa+size) (4 KiB aligned); flushes this CPU like guest_map. */
	int (*guest_unmap)(struct guest *g, gpa_t gpa, uint64_t size);
	/*
	 * Remove [gpa, gpa+size) (2 MiB aligned) with the page tables below it:
	 * each table goes to collect, to be freed once every CPU has flushed.
	 */
	void (*guest_prune)(struct guest *g, gpa_t gpa, uint64_t size,
			    void (*collect)(hpa_t table, void *ctx), void *ctx);
	/* Drop this CPU's cached guest-physical translations of g (after a remap elsewhere). */
	void (*guest_flush)(struct guest *g);

	int (*vcpu_create)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	void (*vcpu_get_sregs)(struct vcpu *v, struct vcpu_sregs *s);
	int (*vcpu_set_sregs)(struct vcpu *v, const struct vcpu_sregs *s);
	/* Exit handling only: the cheap subset of the sregs that instruction emulation needs. */
	void (*vcpu_get_insn_state)(struct vcpu *v, struct vcpu_insn_state *s);
	uint64_t (*vcpu_get_rip)(struct vcpu *v);
	/* Step over an emulated instruction (also ends an STI / MOV SS interrupt shadow). */
	void (*vcpu_advance_rip)(struct vcpu *v, unsigned len);
	/* Guest-visible control registers 0, 2, 3, 4, 8; a write the CPU cannot take is -EINVAL. */
	uint64_t (*vcpu_read_cr)(struct vcpu *v, unsigned cr);
	int (*vcpu_write_cr)(struct vcpu *v, unsigned cr, uint64_t value);
	/*
	 * MSRs whose guest value the hardware switches (EFER, PAT, FS/GS base,
	 * SYSENTER_*): -ENOENT for any other MSR. Validation is the caller's.
	 */
	int (*vcpu_msr)(struct vcpu *v, uint32_t msr, bool write, uint64_t *value);
	/*
	 * Make v's state the CPU's (VMCS/VMCB, MSRs the hardware does not
	 * switch) before a run of entries, on v's home CPU; put saves what the
	 * guest may change without exiting (CR2) when the run ends. Between
	 * load and put only v's exits are handled on this CPU.
	 */
	void (*vcpu_load)(struct vcpu *v);
	void (*vcpu_put)(struct vcpu *v);
	/*
	 * On v's home CPU, v not running, before v is re-homed to another CPU:
	 * this CPU lets go of v (VMX: VMCLEAR writes the VMCS back to memory;
	 * SVM: its TLB entries here are no longer known current). The next
	 * load, on whichever CPU, takes v up there afresh.
	 */
	void (*vcpu_unload)(struct vcpu *v);
	/* Enter the guest and return at the next exit, decoded. 0, or -errno if entry failed. */
	int (*vcpu_run)(struct vcpu *v, struct vcpu_exit *exit);
	/*
	 * Leave the guest once the TSC reaches `deadline` (0: no limit), however
	 * often it exits and re-enters meanwhile. -ENOTSUP if the backend has no
	 * guest timer: the run loop then uses the local APIC timer (sched_cpu_timer), whose
	 * interrupt forces an exit.
	 */
	int (*vcpu_set_timer)(struct vcpu *v, uint64_t deadline);
	/* May an external interrupt be delivered now (RFLAGS.IF, no STI/MOV SS shadow)? */
	bool (*vcpu_interruptible)(struct vcpu *v);
	/* Exit as soon as the guest can take an interrupt (VEXIT_INTR_WINDOW). */
	void (*vcpu_intr_window)(struct vcpu *v, bool on);
	/*
	 * APIC virtualization for v's xAPIC page at apic_gpa, on v's CPU with v
	 * loaded (VT-x; NULL where the backend has none). From the first call on,
	 * every access to the page at apic_gpa exits as MMIO (VEXIT_MMIO), but,
	 * while it is on: the guest's TPR reads and writes, which use the
	 * returned register page (laid out as the xAPIC's); its EOIs, which exit
	 * after the fact with the vector (VEXIT_APIC_EOI); an ICR-low write, which
	 * exits after the fact (VEXIT_APIC_WRITE); and a self-IPI, which the CPU
	 * takes into the page's IRR and may deliver itself (vcpu_apic_taken).
	 * Returns the page while on, else NULL (also when it cannot be on).
	 */
	uint32_t *(*vcpu_apic_accel)(struct vcpu *v, gpa_t apic_gpa, bool on);
	/* With it on: did the CPU take in or deliver an interrupt since vcpu_apic_sync? */
	bool (*vcpu_apic_taken)(struct vcpu *v);
	/* With it on: the ISR's highest vector (-1: none) for the CPU; nothing of its own waits. */
	void (*vcpu_apic_sync)(struct vcpu *v, int highest_isr);
	/* Events are queued in v->pending by kernel/guest/vcpu_event.c; entry delivers them. */
};

/*
 * Probe CPUID for a backend: NULL and *why set when none is usable. The
 * kernel command line carries backend switches (`svm-no-assists`).
 */
const struct virt_ops *virt_probe(const char *cmdline, const char **why);
extern const struct virt_ops *virt;

#endif
