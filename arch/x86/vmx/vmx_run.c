/*
 * VM-exit decoding (SDM 3C 27.2 and appendix C): basic exit reason and
 * exit qualification into struct vcpu_exit. Decoding only; what to do
 * about an exit is kernel/emul/exit.c's business.
 */
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"

#define EXIT_REASON_EXCEPTION_NMI    0
#define EXIT_REASON_EXTINT	     1
#define EXIT_REASON_TRIPLE_FAULT     2
#define EXIT_REASON_INTR_WINDOW	     7
#define EXIT_REASON_NMI_WINDOW	     8
#define EXIT_REASON_CPUID	     10
#define EXIT_REASON_HLT		     12
#define EXIT_REASON_INVD	     13
#define EXIT_REASON_VMCALL	     18
#define EXIT_REASON_VMCLEAR	     19
#define EXIT_REASON_VMXON	     27
#define EXIT_REASON_CR_ACCESS	     28
#define EXIT_REASON_MOV_DR	     29
#define EXIT_REASON_IO		     30
#define EXIT_REASON_RDMSR	     31
#define EXIT_REASON_WRMSR	     32
#define EXIT_REASON_INVALID_STATE    33
#define EXIT_REASON_PAUSE	     40
#define EXIT_REASON_EPT_VIOLATION    48
#define EXIT_REASON_INVEPT	     50
#define EXIT_REASON_PREEMPTION_TIMER 52
#define EXIT_REASON_INVVPID	     53
#define EXIT_REASON_WBINVD	     54
#define EXIT_REASON_XSETBV	     55
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
#define QUAL_EPT_LINEAR_VALID (1u << 7)
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
	exit->kind = VEXIT_EXCEPTION;
}

/*
 * Only the fields of the exit's kind are written: the union's other members
 * are left as they were; nothing is read that the handler will not use.
 * (vmx_vcpu_run decodes CPUID itself before calling here, on the hot path.)
 */
bool vmx_decode_exit(struct vcpu *v, struct vcpu_exit *exit, uint32_t reason)
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
	case EXIT_REASON_EPT_VIOLATION:
		qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
		exit->kind = VEXIT_MMIO;
		exit->npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
		exit->npf.read = qual & QUAL_EPT_READ;
		exit->npf.write = qual & QUAL_EPT_WRITE;
		exit->npf.fetch = qual & QUAL_EPT_FETCH;
		exit->npf.gva_valid = qual & QUAL_EPT_LINEAR_VALID;
		exit->npf.gva = exit->npf.gva_valid ? vmcs_read(VMCS_GUEST_LINEAR_ADDR) : 0;
		return false; /* no instruction length for EPT violations (SDM 3C 27.2.5) */
	}

	/* The remaining exits are caused by one instruction whose length the CPU reports. */
	exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
	switch (basic) {
	case EXIT_REASON_CPUID:
		exit->kind = VEXIT_CPUID;
		break;
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
	case EXIT_REASON_XSETBV:
		exit->kind = VEXIT_XSETBV;
		break;
	case EXIT_REASON_VMCALL:
		exit->kind = VEXIT_HYPERCALL;
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		exit->kind = basic == EXIT_REASON_RDMSR ? VEXIT_MSR_READ : VEXIT_MSR_WRITE;
		exit->msr.index = (uint32_t)v->regs.rcx;
		break;
	case EXIT_REASON_IO:
		qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
		exit->kind = VEXIT_IO;
		exit->io.size = (qual & QUAL_IO_SIZE_MASK) + 1;
		exit->io.in = qual & QUAL_IO_IN;
		exit->io.string = qual & QUAL_IO_STRING;
		exit->io.rep = qual & QUAL_IO_REP;
		exit->io.port = qual >> QUAL_IO_PORT_SHIFT;
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
