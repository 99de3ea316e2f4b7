/*
 * One run of a vCPU on VT-x: the pending event injected, the VMX-preemption
 * timer, VMLAUNCH/VMRESUME (vmx_entry.S), and the exit decoded into a
 * vendor-neutral struct vcpu_exit (SDM 3C 27.2 and appendix C). Decoding
 * only: what to do about an exit is kernel/emul/exit.c's business. The
 * frequent instruction exits are decoded in vmx_vcpu_run itself, the rest
 * in decode_other_exit.
 */
#include <errno.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/vcpu_event.h"

#define EXIT_REASON_EXCEPTION_NMI    0
#define EXIT_REASON_EXTINT	     1
#define EXIT_REASON_TRIPLE_FAULT     2
#define EXIT_REASON_INTR_WINDOW	     7
#define EXIT_REASON_NMI_WINDOW	     8
#define EXIT_REASON_CPUID	     10
#define EXIT_REASON_HLT		     12
#define EXIT_REASON_INVD	     13
#define EXIT_REASON_RDPMC	     15
#define EXIT_REASON_VMCALL	     18
#define EXIT_REASON_VMCLEAR	     19
#define EXIT_REASON_VMXON	     27
#define EXIT_REASON_CR_ACCESS	     28
#define EXIT_REASON_MOV_DR	     29
#define EXIT_REASON_IO		     30
#define EXIT_REASON_RDMSR	     31
#define EXIT_REASON_WRMSR	     32
#define EXIT_REASON_INVALID_STATE    33
#define EXIT_REASON_MWAIT	     36
#define EXIT_REASON_MONITOR	     39
#define EXIT_REASON_PAUSE	     40
#define EXIT_REASON_APIC_ACCESS	     44 /* with EOI acceleration (vmx_apic.c) */
#define EXIT_REASON_EOI_INDUCED	     45
#define EXIT_REASON_EPT_VIOLATION    48
#define EXIT_REASON_INVEPT	     50
#define EXIT_REASON_PREEMPTION_TIMER 52
#define EXIT_REASON_INVVPID	     53
#define EXIT_REASON_WBINVD	     54
#define EXIT_REASON_XSETBV	     55
#define EXIT_REASON_APIC_WRITE	     56
#define EXIT_REASON_VMFUNC	     59

#define EXIT_REASON_BASIC_MASK	  0xffff
#define EXIT_REASON_ENTRY_FAILURE (1u << 31)

#define INTR_INFO_VECTOR_MASK 0xff
#define QUAL_IO_SIZE_MASK     7
#define QUAL_IO_IN	      (1u << 3)
#define QUAL_IO_STRING	      (1u << 4)
#define QUAL_IO_REP	      (1u << 5)
#define QUAL_IO_PORT_SHIFT    16
#define QUAL_CR_NUM_MASK      0xf
#define QUAL_CR_TYPE_SHIFT    4
#define QUAL_CR_GPR_SHIFT     8
#define QUAL_CR_LMSW_SHIFT    16
#define QUAL_EPT_READ	      (1u << 0)
#define QUAL_EPT_WRITE	      (1u << 1)
#define QUAL_EPT_FETCH	      (1u << 2)
#define VECTOR_PF	      14

static void decode_exception(struct vcpu_exit *exit)
{
	uint32_t info = vmcs_read(VMCS_EXIT_INTR_INFO);
	exit->exc.vector = info & INTR_INFO_VECTOR_MASK;
	exit->exc.has_error = info & INTR_INFO_ERROR_VALID;
	exit->exc.error_code = exit->exc.has_error ? vmcs_read(VMCS_EXIT_INTR_ERROR) : 0;
	exit->exc.cr2 = exit->exc.vector == VECTOR_PF ? vmcs_read(VMCS_EXIT_QUALIFICATION) : 0;
	/* An NMI for the host arrives as an "exception" exit of type NMI: nothing to acknowledge.
	 */
	if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		exit->kind = VEXIT_EXTINT;
		exit->exc.vector = 0;
		return;
	}
	/* ICEBP's #DB (intercepted with #DB) is a privileged software exception: a trap. */
	if ((info & INTR_TYPE_MASK) == INTR_TYPE_PRIV_SOFT_EXCEPTION) {
		exit->kind = VEXIT_ICEBP;
		exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
		return;
	}
	exit->kind = VEXIT_EXCEPTION;
}

/*
 * The exits vmx_vcpu_run does not decode itself. Only the fields of the
 * exit's kind are written: the union's other members are left as they were;
 * nothing is read that the handler will not use. True when an instruction
 * caused the exit (no event delivery was interrupted).
 */
static __attribute__((noinline)) bool decode_other_exit(struct vcpu *v, struct vcpu_exit *exit,
							uint32_t reason)
{
	uint32_t basic = reason & EXIT_REASON_BASIC_MASK;
	uint64_t qual;

	exit->raw_reason = basic;
	exit->insn_len = 0;
	exit->kind = VEXIT_UNHANDLED;
	if (reason & EXIT_REASON_ENTRY_FAILURE) {
		exit->kind = VEXIT_INVALID_STATE;
		return false;
	}
	switch (basic) {
	case EXIT_REASON_EXCEPTION_NMI:
		decode_exception(exit);
		return false;
	case EXIT_REASON_EXTINT:
		exit->kind = VEXIT_EXTINT; /* vector 0: the host took it through the IDT */
		return false;
	case EXIT_REASON_TRIPLE_FAULT:
		exit->kind = VEXIT_TRIPLE_FAULT;
		return false;
	case EXIT_REASON_INTR_WINDOW:
		exit->kind = VEXIT_INTR_WINDOW;
		return false;
	case EXIT_REASON_NMI_WINDOW:
		exit->kind = VEXIT_NMI_WINDOW;
		return false;
	case EXIT_REASON_PREEMPTION_TIMER:
		exit->kind = VEXIT_PREEMPT;
		return false;
	case EXIT_REASON_APIC_ACCESS:
	case EXIT_REASON_EOI_INDUCED:
	case EXIT_REASON_APIC_WRITE:
		vmx_apic_decode_exit(v, exit, basic);
		return false;
	}

	/* The remaining exits are caused by one instruction whose length the CPU reports. */
	exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
	switch (basic) {
	case EXIT_REASON_HLT:
		exit->kind = VEXIT_HLT;
		break;
	case EXIT_REASON_INVD:
		exit->kind = VEXIT_INVD;
		break;
	case EXIT_REASON_WBINVD:
		exit->kind = VEXIT_WBINVD;
		break;
	case EXIT_REASON_PAUSE:
		exit->kind = VEXIT_PAUSE;
		break;
	case EXIT_REASON_RDPMC:
		exit->kind = VEXIT_RDPMC;
		break;
	case EXIT_REASON_MONITOR:
	case EXIT_REASON_MWAIT:
		exit->kind = VEXIT_MONITOR;
		break;
	case EXIT_REASON_XSETBV:
		exit->kind = VEXIT_XSETBV;
		break;
	case EXIT_REASON_MOV_DR:
		/* SDM 3C table 28-4: bits 2:0 the DR, bit 4 the direction, bits 11:8 the GPR. */
		qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
		exit->kind = VEXIT_DR_ACCESS;
		exit->cr.cr = qual & 7;
		exit->cr.type = (qual & (1u << 4)) ? CR_MOV_FROM : CR_MOV_TO;
		exit->cr.gpr = (qual >> 8) & 0xf;
		break;
	case EXIT_REASON_CR_ACCESS:
		qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
		exit->kind = VEXIT_CR_ACCESS;
		exit->cr.cr = qual & QUAL_CR_NUM_MASK;
		exit->cr.type = (enum cr_access_type)((qual >> QUAL_CR_TYPE_SHIFT) & 3);
		exit->cr.gpr = (qual >> QUAL_CR_GPR_SHIFT) & 0xf;
		exit->cr.lmsw_value = qual >> QUAL_CR_LMSW_SHIFT;
		break;
	default:
		if ((basic >= EXIT_REASON_VMCLEAR && basic <= EXIT_REASON_VMXON) ||
		    basic == EXIT_REASON_INVEPT || basic == EXIT_REASON_INVVPID ||
		    basic == EXIT_REASON_VMFUNC)
			exit->kind = VEXIT_VIRT_INSN;
		break;
	}
	return true;
}

/* Timer ticks left until `deadline`, as the VMX-preemption timer counts them. */
static uint32_t timer_ticks(uint64_t deadline)
{
	uint64_t now = rdtsc();
	uint64_t left = deadline > now ? (deadline - now) >> vmx_caps.preempt_rate : 0;
	return left > UINT32_MAX ? UINT32_MAX : left;
}

/*
 * The VMX-preemption timer counts down in guest mode at the TSC rate divided
 * by 2^IA32_VMX_MISC[4:0] and forces an exit at zero (SDM 3C 25.5.1). With
 * "save VMX-preemption timer value" (SDM 3C 24.7.1) the count left is saved
 * at each exit and goes on at the next entry: written once per deadline.
 * It does not count while the hypervisor handles exits, so a slice ends
 * that much later. Without the save control every entry writes what is left.
 */
int vmx_vcpu_set_timer(struct vcpu *v, uint64_t deadline)
{
	struct vmx_vcpu *x = to_vmx(v);
	if (!vmx_caps.preemption_timer)
		return -ENOTSUP;
	vmx_load_vmcs(v);
	if (!deadline != !x->timer_deadline) {
		vmcs_write(VMCS_PIN_CONTROLS, vmx_caps.pin | (deadline ? PIN_PREEMPTION_TIMER : 0));
		/* SDM 3C 26.2.1.2: saving the timer value needs the timer active. */
		if (vmx_caps.save_preempt_timer)
			vmcs_write(VMCS_EXIT_CONTROLS,
				   vmx_caps.exit | (deadline ? EXIT_SAVE_PREEMPT_TIMER : 0));
	}
	x->timer_deadline = deadline;
	x->timer_per_entry = deadline && !vmx_caps.save_preempt_timer;
	if (deadline)
		vmcs_write(VMCS_PREEMPTION_TIMER, timer_ticks(deadline));
	return 0;
}

static void inject_pending(struct vcpu *v)
{
	/* Only these are ever queued (vcpu_event.c drops interrupted software events). */
	static const uint32_t types[] = {
	    [VEVENT_EXTINT] = INTR_TYPE_EXTINT,
	    [VEVENT_NMI] = INTR_TYPE_NMI,
	    [VEVENT_EXCEPTION] = INTR_TYPE_HW_EXCEPTION,
	};
	const struct vcpu_event *e = &v->pending;
	uint32_t info = INTR_INFO_VALID | types[e->type] | e->vector;
	/* SDM 3C 26.2.1.3: no error code is delivered in real mode. */
	if (e->has_error && (vmcs_read(VMCS_CR0_SHADOW) & CR0_PE)) {
		info |= INTR_INFO_ERROR_VALID;
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, e->error_code);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
	v->event_pending = false;
}

/* The vendor-neutral type of an interruption-information type field (SDM 3C 24.8.3). */
static enum vcpu_event_type event_type(uint32_t type)
{
	switch (type) {
	case INTR_TYPE_EXTINT:
		return VEVENT_EXTINT;
	case INTR_TYPE_NMI:
		return VEVENT_NMI;
	case INTR_TYPE_SOFT_INT:
		return VEVENT_SOFTINT;
	case INTR_TYPE_PRIV_SOFT_EXCEPTION:
		return VEVENT_PRIV_SOFT_EXCEPTION;
	case INTR_TYPE_SOFT_EXCEPTION:
		return VEVENT_SOFT_EXCEPTION;
	default:
		return VEVENT_EXCEPTION;
	}
}

/* SDM 3C 27.2.4: an event interrupted by the exit; kernel/guest/vcpu_event.c queues it again. */
static __attribute__((noinline)) void requeue_vectoring_event(struct vcpu *v)
{
	uint32_t info = vmcs_read(VMCS_IDT_VECTORING_INFO);
	if (!(info & INTR_INFO_VALID))
		return;
	struct vcpu_event e = {
	    .type = event_type(info & INTR_TYPE_MASK),
	    .vector = info & INTR_INFO_VECTOR_MASK,
	    .has_error = info & INTR_INFO_ERROR_VALID,
	    .error_code = (info & INTR_INFO_ERROR_VALID) ? vmcs_read(VMCS_IDT_VECTORING_ERROR) : 0,
	};
	vcpu_event_requeue(v, &e);
}

static __attribute__((noinline)) int entry_failed(struct vcpu *v, struct vcpu_exit *exit)
{
	uint32_t error = vmcs_read(VMCS_INSN_ERROR);
	vmx_vcpu_relaunch(v);
	*exit = (struct vcpu_exit){.kind = VEXIT_INVALID_STATE, .raw_reason = error};
	log_err("vmx: VM entry failed for %s: VM-instruction error %u", v->guest->name, error);
	return -EIO;
}

/* An exit not caused by an instruction: an event may have been on its way in. */
static __attribute__((noinline)) void event_exit(struct vcpu *v, struct vcpu_exit *exit)
{
	if (exit->kind == VEXIT_EXTINT && exit->raw_reason == EXIT_REASON_EXTINT) {
		/* SDM 3C 25.2: the interrupt is still pending; let the host's IDT take it now. */
		irq_enable();
		__asm__ volatile("nop");
		irq_disable();
	}
	requeue_vectoring_event(v);
}

int vmx_vcpu_run(struct vcpu *v, struct vcpu_exit *exit)
{
	struct vmx_vcpu *x = to_vmx(v);
	if (v->event_pending)
		inject_pending(v);
	if (x->timer_per_entry)
		vmcs_write(VMCS_PREEMPTION_TIMER, timer_ticks(x->timer_deadline));
	if (vmx_enter(&v->regs, x))
		return entry_failed(v, exit);
	/*
	 * The frequent exits, all caused by an instruction, decoded here (raw_reason
	 * is for reports of unhandled exits: these never need one). An entry
	 * failure has bit 31 set in the reason, so it never matches a case.
	 */
	uint32_t reason = vmcs_read(VMCS_EXIT_REASON);
	uint64_t qual;
	switch (reason) {
	case EXIT_REASON_CPUID:
		exit->kind = VEXIT_CPUID;
		break;
	case EXIT_REASON_RDMSR:
		exit->kind = VEXIT_MSR_READ;
		exit->msr.index = (uint32_t)v->regs.rcx;
		break;
	case EXIT_REASON_WRMSR:
		exit->kind = VEXIT_MSR_WRITE;
		exit->msr.index = (uint32_t)v->regs.rcx;
		break;
	case EXIT_REASON_VMCALL:
		exit->kind = VEXIT_HYPERCALL;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		/* MMIO. SDM 3C 27.2.1 table 27-7: bits 0-2 say read, write or fetch. */
		qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
		exit->kind = VEXIT_MMIO;
		exit->npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
		exit->npf.read = qual & QUAL_EPT_READ;
		exit->npf.write = qual & QUAL_EPT_WRITE;
		exit->npf.fetch = qual & QUAL_EPT_FETCH;
		/* No length (SDM 3C 27.2.5); an event delivery may have been under way. */
		exit->insn_len = 0;
		requeue_vectoring_event(v);
		return 0;
	case EXIT_REASON_IO:
		qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
		exit->kind = VEXIT_IO;
		exit->io.size = (qual & QUAL_IO_SIZE_MASK) + 1;
		exit->io.in = qual & QUAL_IO_IN;
		exit->io.string = qual & QUAL_IO_STRING;
		exit->io.rep = qual & QUAL_IO_REP;
		exit->io.port = qual >> QUAL_IO_PORT_SHIFT;
		break;
	default:
		if (!decode_other_exit(v, exit, reason))
			event_exit(v, exit);
		return 0;
	}
	exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
	return 0;
}

/* SDM 3C 26.3.1.5: an external interrupt needs RFLAGS.IF=1 and no STI / MOV SS blocking. */
bool vmx_vcpu_interruptible(struct vcpu *v)
{
	vmx_load_vmcs(v);
	return (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_STI_MOVSS);
}

void vmx_vcpu_intr_window(struct vcpu *v, bool on)
{
	vmx_load_vmcs(v);
	uint32_t proc = vmcs_read(VMCS_PROC_CONTROLS);
	proc = on ? (proc | PROC_INTR_WINDOW_EXITING) : (proc & ~PROC_INTR_WINDOW_EXITING);
	vmcs_write(VMCS_PROC_CONTROLS, proc);
}

