/*
 * #VMEXIT decoding (APM 2 15.6, appendix C): EXITCODE and EXITINFO1/2 into
 * struct vcpu_exit. Decoding only; what to do about an exit is
 * kernel/emul/exit.c's business.
 *
 * Instruction lengths come from nRIP when the CPU has NRIP-save (APM 2
 * 15.7.1), MOV CR operands from EXITINFO1 when it has decode assists (APM 2
 * 15.33). Without them (QEMU's TCG, or the `svm-no-assists` switch) the
 * intercepted instruction is fetched through the guest's page tables and
 * identified by kernel/emul/x86_decode.c; it must be the instruction the exit
 * names, or the guest is stopped rather than skipped past something else.
 */
#include <errno.h>

#include "arch/x86/svm/svm.h"
#include "arch/x86/svm/svm_caps.h"
#include "kernel/guest/guest.h"
#include "kernel/emul/guest_mem.h"
#include "kernel/core/log.h"
#include "kernel/emul/x86_decode.h"

#define VECTOR_DF      8
#define VECTOR_TS      10
#define VECTOR_PF      14
#define VECTOR_AC      17
#define VECTOR_CP      21
#define GPR_RSP	       4 /* the GPR encoding of RSP, which lives in the VMCB */
#define MSR_EXIT_WRITE 1
#define LMSW_MASK      0xffff

/* Fetch and identify the instruction at CS:RIP (the one that caused the exit). */
static int decode_at_rip(struct vcpu *v, struct x86_insn *info)
{
	struct vcpu_insn_state st;
	svm_vcpu_get_insn_state(v, &st);
	struct guest_fetch fetch;
	int err = guest_mem_fetch_insn(v->guest, &st, &fetch);
	if (err)
		return err;
	return x86_decode(fetch.bytes, fetch.len, x86_cpu_mode(&st), info);
}

/* The decoding fallback: false (and the exit becomes UNHANDLED) if RIP holds something else. */
static bool decode_expecting(struct vcpu *v, struct vcpu_exit *exit, enum x86_op want,
			     enum x86_op also, struct x86_insn *info)
{
	int err = decode_at_rip(v, info);
	if (!err && (info->op == want || info->op == also))
		return true;
	log_err("svm: guest %s: instruction at RIP 0x%llx does not match exit 0x%x (%d)",
		v->guest->name, (unsigned long long)svm_vcpu_get_rip(v), exit->raw_reason, err);
	exit->kind = VEXIT_UNHANDLED;
	return false;
}

static void set_insn_len(struct vcpu *v, struct vcpu_exit *exit, enum x86_op want,
			 enum x86_op also)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	if (svm_caps.use_nrip) {
		exit->insn_len = vmcb->next_rip - vmcb->rip;
		return;
	}
	struct x86_insn info;
	if (decode_expecting(v, exit, want, also, &info))
		exit->insn_len = info.len;
}

static void decode_io(struct vcpu *v, struct vcpu_exit *exit)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	uint64_t info1 = vmcb->exitinfo1;
	exit->kind = VEXIT_IO;
	exit->io.in = info1 & SVM_IOIO_IN;
	exit->io.string = info1 & SVM_IOIO_STRING;
	exit->io.rep = info1 & SVM_IOIO_REP;
	exit->io.size = (info1 >> SVM_IOIO_SIZE_SHIFT) & 7; /* one-hot: 1, 2 or 4 */
	exit->io.port = info1 >> SVM_IOIO_PORT_SHIFT;
	/* APM 2 15.10.2: EXITINFO2 is the next RIP on every SVM CPU, NRIP-save or not. */
	exit->insn_len = vmcb->exitinfo2 - vmcb->rip;
	if (svm_caps.use_nrip)
		return;
	/* Without NRIP-save the decoder is in use: hold it to the hardware's answer here. */
	struct x86_insn info;
	enum x86_op want = exit->io.string ? (exit->io.in ? X86_OP_INS : X86_OP_OUTS)
						  : (exit->io.in ? X86_OP_IN : X86_OP_OUT);
	if (decode_expecting(v, exit, want, want, &info) && info.len != exit->insn_len) {
		log_warn("svm: guest %s: decoded length %u of the I/O instruction at 0x%llx "
			 "mismatches EXITINFO2 (%u)",
			 v->guest->name, info.len, (unsigned long long)vmcb->rip, exit->insn_len);
	}
}

static uint64_t read_gpr(struct vcpu *v, unsigned gpr)
{
	return gpr == GPR_RSP ? svm_vmcb(v)->rsp : *vcpu_gpr(&v->regs, gpr);
}

/* CR0/CR4/CR8 write intercepts: MOV to CR, and for CR0 also CLTS and LMSW (APM 2 15.9). */
static void decode_cr_write(struct vcpu *v, struct vcpu_exit *exit, unsigned cr)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	exit->kind = VEXIT_CR_ACCESS;
	exit->cr.cr = cr;
	if (svm_caps.use_decode_assists && (vmcb->exitinfo1 & SVM_CR_DECODE_VALID)) {
		exit->cr.type = CR_MOV_TO;
		exit->cr.gpr = vmcb->exitinfo1 & SVM_CR_DECODE_GPR_MASK;
		set_insn_len(v, exit, X86_OP_MOV_TO_CR, X86_OP_MOV_TO_CR);
		return;
	}
	/* No operand from the CPU (or CLTS/LMSW, which decode assists leave undecoded). */
	struct x86_insn info;
	int err = decode_at_rip(v, &info);
	if (!err) {
		exit->insn_len = svm_caps.use_nrip ? vmcb->next_rip - vmcb->rip : info.len;
		if (info.op == X86_OP_MOV_TO_CR && info.cr == cr) {
			exit->cr.type = CR_MOV_TO;
			exit->cr.gpr = info.rm;
			return;
		}
		if (cr == 0 && info.op == X86_OP_CLTS) {
			exit->cr.type = CR_CLTS;
			return;
		}
		if (cr == 0 && info.op == X86_OP_LMSW && !info.mem) {
			exit->cr.type = CR_LMSW;
			exit->cr.lmsw_value = read_gpr(v, info.rm) & LMSW_MASK;
			return;
		}
	}
	/* LMSW with a memory operand is not emulated either. */
	log_err("svm: guest %s: CR%u write at RIP 0x%llx cannot be emulated (%d)", v->guest->name,
		cr, (unsigned long long)vmcb->rip, err);
	exit->kind = VEXIT_UNHANDLED;
}

/* MOV to/from DRn: the GPR from decode assists, else from the instruction bytes. */
static void decode_dr(struct vcpu *v, struct vcpu_exit *exit, unsigned dr, bool write)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	exit->kind = VEXIT_DR_ACCESS;
	exit->cr.cr = dr;
	exit->cr.type = write ? CR_MOV_TO : CR_MOV_FROM;
	enum x86_op kind = write ? X86_OP_MOV_TO_DR : X86_OP_MOV_FROM_DR;
	if (svm_caps.use_decode_assists && (vmcb->exitinfo1 & SVM_CR_DECODE_VALID)) {
		exit->cr.gpr = vmcb->exitinfo1 & SVM_CR_DECODE_GPR_MASK;
		set_insn_len(v, exit, kind, kind);
		return;
	}
	struct x86_insn info;
	int err = decode_at_rip(v, &info);
	if (!err && info.op == kind && info.cr == dr) {
		exit->cr.gpr = info.rm;
		exit->insn_len = svm_caps.use_nrip ? vmcb->next_rip - vmcb->rip : info.len;
		return;
	}
	log_err("svm: guest %s: DR%u access at RIP 0x%llx cannot be emulated (%d)", v->guest->name,
		dr, (unsigned long long)vmcb->rip, err);
	exit->kind = VEXIT_UNHANDLED;
}

static bool has_error_code(unsigned vector)
{
	return vector == VECTOR_DF || (vector >= VECTOR_TS && vector <= VECTOR_PF) ||
	       vector == VECTOR_AC || vector == VECTOR_CP;
}

void svm_decode_exit(struct vcpu *v, struct vcpu_exit *exit)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	uint64_t code = vmcb->exitcode;

	*exit = (struct vcpu_exit){.raw_reason = (uint32_t)code, .kind = VEXIT_UNHANDLED};
	if (code >= SVM_EXIT_EXCP_BASE && code <= SVM_EXIT_EXCP_LAST) {
		exit->kind = VEXIT_EXCEPTION;
		exit->exc.vector = code - SVM_EXIT_EXCP_BASE;
		exit->exc.has_error = has_error_code(exit->exc.vector);
		exit->exc.error_code = exit->exc.has_error ? (uint32_t)vmcb->exitinfo1 : 0;
		exit->exc.cr2 = exit->exc.vector == VECTOR_PF ? vmcb->exitinfo2 : 0;
		return;
	}
	if (code >= SVM_EXIT_WRITE_CR0 && code <= SVM_EXIT_WRITE_CR15) {
		decode_cr_write(v, exit, code - SVM_EXIT_WRITE_CR0);
		return;
	}
	if (code >= SVM_EXIT_READ_DR0 && code <= SVM_EXIT_READ_DR7) {
		decode_dr(v, exit, code - SVM_EXIT_READ_DR0, false);
		return;
	}
	if (code >= SVM_EXIT_WRITE_DR0 && code <= SVM_EXIT_WRITE_DR7) {
		decode_dr(v, exit, code - SVM_EXIT_WRITE_DR0, true);
		return;
	}
	switch (code) {
	case SVM_EXIT_INVALID:
		/* APM 2 15.5.1: VMRUN's consistency checks refused the guest state. */
		exit->kind = VEXIT_INVALID_STATE;
		log_err("svm: guest %s: VMRUN failed (VMEXIT_INVALID): cr0 0x%llx cr4 0x%llx "
			"efer 0x%llx rip 0x%llx",
			v->guest->name, (unsigned long long)vmcb->cr0,
			(unsigned long long)vmcb->cr4, (unsigned long long)vmcb->efer,
			(unsigned long long)vmcb->rip);
		return;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		exit->kind = VEXIT_EXTINT; /* the host took it after STGI (svm_vcpu_run) */
		return;
	case SVM_EXIT_VINTR:
		exit->kind = VEXIT_INTR_WINDOW;
		return;
	case SVM_EXIT_SHUTDOWN:
		exit->kind = VEXIT_TRIPLE_FAULT;
		return;
	case SVM_EXIT_NPF:
		exit->kind = VEXIT_MMIO;
		exit->npf.gpa = vmcb->exitinfo2;
		exit->npf.write = vmcb->exitinfo1 & SVM_NPF_WRITE;
		exit->npf.fetch = vmcb->exitinfo1 & SVM_NPF_FETCH;
		exit->npf.read = !exit->npf.write && !exit->npf.fetch;
		return; /* the MMIO path decodes the instruction itself */
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		exit->kind = VEXIT_VIRT_INSN;
		return;
	case SVM_EXIT_IOIO:
		decode_io(v, exit);
		return;
	case SVM_EXIT_CPUID:
		exit->kind = VEXIT_CPUID;
		set_insn_len(v, exit, X86_OP_CPUID, X86_OP_CPUID);
		return;
	case SVM_EXIT_HLT:
		exit->kind = VEXIT_HLT;
		set_insn_len(v, exit, X86_OP_HLT, X86_OP_HLT);
		return;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		/* QEMU reports INVD with the WBINVD code: either instruction for either code. */
		exit->kind = code == SVM_EXIT_INVD ? VEXIT_INVD : VEXIT_WBINVD;
		set_insn_len(v, exit, X86_OP_INVD, X86_OP_WBINVD);
		return;
	case SVM_EXIT_ICEBP:
		/* Intercepted so that its #DB is a trap on both backends (Xen does the same). */
		exit->kind = VEXIT_ICEBP;
		set_insn_len(v, exit, X86_OP_OTHER, X86_OP_OTHER);
		return;
	case SVM_EXIT_RDPMC:
		exit->kind = VEXIT_RDPMC; /* a fault: no instruction length needed */
		return;
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
		exit->kind = VEXIT_MONITOR;
		return;
	case SVM_EXIT_XSETBV:
		exit->kind = VEXIT_XSETBV;
		set_insn_len(v, exit, X86_OP_XSETBV, X86_OP_XSETBV);
		return;
	case SVM_EXIT_VMMCALL:
		exit->kind = VEXIT_HYPERCALL;
		set_insn_len(v, exit, X86_OP_VMMCALL, X86_OP_VMMCALL);
		return;
	case SVM_EXIT_MSR: {
		bool write = vmcb->exitinfo1 == MSR_EXIT_WRITE;
		exit->kind = write ? VEXIT_MSR_WRITE : VEXIT_MSR_READ;
		exit->msr.index = (uint32_t)v->regs.rcx;
		set_insn_len(v, exit, write ? X86_OP_WRMSR : X86_OP_RDMSR,
			     write ? X86_OP_WRMSR : X86_OP_RDMSR);
		return;
	}
	default:
		return; /* anything unexpected: UNHANDLED, as on VMX */
	}
}
