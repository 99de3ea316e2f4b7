/*
 * The exit dispatcher and the simple exits (CPUID, MSR, CR, XSETBV, HLT,
 * hypercalls, faults). Port I/O and MMIO go to the guest's virtual devices
 * (exit_io.c); nothing here knows whether VMX or SVM produced the exit.
 */
#include "kernel/emul/exit.h"

#include <stdarg.h>
#include <stdio.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "arch/x86/msr.h"
#include "kernel/emul/cpuid_policy.h"
#include "kernel/emul/exit_io.h"
#include "kernel/emul/exit_msr.h"
#include "kernel/emul/guest_mem.h"
#include "kernel/guest/guest.h"
#include "kernel/emul/hypercall.h"
#include "kernel/core/log.h"
#include "kernel/emul/xcr0_policy.h"
#include "kernel/core/panic.h"
#include "kernel/sched/sched.h"
#include "kernel/guest/vcpu_event.h"
#include "kernel/guest/virq.h"
#include "kernel/guest/virt.h"

#define VECTOR_DB	  1
#define VECTOR_UD	  6
#define VECTOR_GP	  13
#define VECTOR_AC	  17
#define CR0_RESERVED_HIGH 0xffffffff00000000ULL
#define CR8_MAX		  15
#define CPUID_XSAVE_LEAF  0xd

void exit_stop_guest(struct vcpu *v, int state, int code, const char *fmt, ...)
{
	char what[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	guest_stop(v->guest, state, code, "%s (vcpu %u, rip 0x%llx)", what, v->id,
		   (unsigned long long)virt->vcpu_get_rip(v));
}

void exit_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	if (!vcpu_event_queue_exception(v, vector, has_error, error))
		exit_stop_guest(v, GUEST_CRASHED, -1,
				"triple fault (exception %u while delivering #DF)", vector);
}

static void inject_gp(struct vcpu *v)
{
	exit_inject_exception(v, VECTOR_GP, true, 0);
}

static void skip(struct vcpu *v, const struct vcpu_exit *e)
{
	virt->vcpu_advance_rip(v, e->insn_len);
}

static struct cpuid_result host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs h = cpuid(leaf, subleaf);
	return (struct cpuid_result){h.eax, h.ebx, h.ecx, h.edx};
}

static struct cpuid_guest cpuid_view(const struct guest *g, unsigned vcpu_id, bool osxsave)
{
	return (struct cpuid_guest){.vcpu_id = vcpu_id,
				    .cr4_osxsave = osxsave,
				    .hc_insn = virt->hypercall_insn,
				    .local_apic = g->device_mask & GUEST_DEV_PC,
				    .tsc_khz = (uint32_t)(tsc_hz() / 1000),
				    .instance = g->instance};
}

void exit_guest_init(struct guest *g)
{
	struct cpuid_guest view = cpuid_view(g, 0, false);
	cpuid_policy_fill_cache(&g->cpuid, &view, host_cpuid);
}

/* The guest's answer for any leaf (the guest's XCR0 is loaded now, for leaf 0xD). */
static struct cpuid_result guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	/* Only leaf 1 mirrors CR4.OSXSAVE: skip the CR4 read otherwise. */
	bool osxsave = leaf == 1 && (virt->vcpu_read_cr(v, 4) & CR4_OSXSAVE);
	struct cpuid_guest view = cpuid_view(v->guest, v->id, osxsave);
	return cpuid_policy(leaf, subleaf, host_cpuid(leaf, subleaf), &view);
}

/* Leaves that depend on the vCPU, CR4 or XCR0. */
static __attribute__((noinline)) void cpuid_full_policy(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &v->regs;
	struct cpuid_result g = guest_cpuid(v, r->rax, r->rcx);
	r->rax = g.eax;
	r->rbx = g.ebx;
	r->rcx = g.ecx;
	r->rdx = g.edx;
	skip(v, e);
}

/* The fixed answers come from the guest's table (exit_guest_init). */
static __attribute__((noinline)) void handle_cpuid(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &v->regs;
	const struct cpuid_result *fixed = cpuid_cache_find(&v->guest->cpuid, r->rax, r->rcx);
	if (!fixed) {
		cpuid_full_policy(v, e);
		return;
	}
	r->rax = fixed->eax;
	r->rbx = fixed->ebx;
	r->rcx = fixed->ecx;
	r->rdx = fixed->edx;
	skip(v, e);
}

/* GPR by encoding; RSP lives outside struct vcpu_regs, in the backend's state. */
static uint64_t read_gpr(struct vcpu *v, unsigned gpr)
{
	if (gpr == 4) {
		struct vcpu_sregs s;
		virt->vcpu_get_sregs(v, &s);
		return s.rsp;
	}
	return *vcpu_gpr(&v->regs, gpr);
}

static void write_gpr(struct vcpu *v, unsigned gpr, uint64_t value)
{
	if (gpr == 4) {
		struct vcpu_sregs s;
		virt->vcpu_get_sregs(v, &s);
		s.rsp = value;
		virt->vcpu_set_sregs(v, &s);
		return;
	}
	*vcpu_gpr(&v->regs, gpr) = value;
}

/* Architectural checks on MOV to CR0 (SDM 3A 2.5, 9.8.5). */
static bool cr0_write_ok(struct vcpu *v, uint64_t old, uint64_t value)
{
	if (value & CR0_RESERVED_HIGH)
		return false;
	if ((value & CR0_PG) && !(value & CR0_PE))
		return false;
	if ((value & CR0_NW) && !(value & CR0_CD))
		return false;
	if ((value & CR0_PG) && !(old & CR0_PG)) {
		uint64_t efer;
		virt->vcpu_msr(v, MSR_EFER, false, &efer);
		if ((efer & EFER_LME) && !(virt->vcpu_read_cr(v, 4) & CR4_PAE))
			return false;
	}
	return true;
}

static __attribute__((noinline)) void handle_cr(struct vcpu *v, const struct vcpu_exit *e)
{
	unsigned cr = e->cr.cr;
	uint64_t old = virt->vcpu_read_cr(v, cr);
	uint64_t value;

	switch (e->cr.type) {
	case CR_MOV_FROM:
		write_gpr(v, e->cr.gpr, old);
		skip(v, e);
		return;
	case CR_MOV_TO:
		value = read_gpr(v, e->cr.gpr);
		break;
	case CR_CLTS:
		value = old & ~CR0_TS;
		break;
	case CR_LMSW:
		/* LMSW sets PE/MP/EM/TS, and cannot clear PE (SDM 2 LMSW). */
		value = (old & ~0xeULL) | (e->cr.lmsw_value & 0xf) | (old & CR0_PE);
		break;
	default:
		inject_gp(v);
		return;
	}
	if (cr == 0 && !cr0_write_ok(v, old, value)) {
		inject_gp(v);
		return;
	}
	if (cr == 8 && value > CR8_MAX) {
		inject_gp(v); /* SDM 2 MOV CR: reserved bits 63:4 of CR8 */
		return;
	}
	if (cr == 4 && (old & CR4_PAE) && !(value & CR4_PAE)) {
		uint64_t efer;
		virt->vcpu_msr(v, MSR_EFER, false, &efer);
		if (efer & EFER_LMA) {
			inject_gp(v); /* PAE cannot be turned off in long mode */
			return;
		}
	}
	if (virt->vcpu_write_cr(v, cr, value)) {
		inject_gp(v);
		return;
	}
	/* CR8 is the local APIC's TPR: the chip keeps the same value. */
	if (cr == 8 && v->irq_chip && v->irq_chip->set_tpr)
		v->irq_chip->set_tpr(v->irq_chip, (uint8_t)value);
	/* A lower TPR may unmask a pending interrupt: the run loop looks again. */
	if (cr == 8 && (v->irq_pending || v->irq_chip))
		sched_kick(&v->se);
	skip(v, e);
}

#define CR4_DE	 (1ULL << 3)
#define DR6_INIT 0xffff0ff0ULL
#define DR7_INIT 0x400ULL

/*
 * Debug registers are virtual: the guest reads back what it wrote (DR6 and
 * DR7 start at their reset values), but no hardware breakpoint is armed
 * for it. DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD (SDM 3A 17.2.2).
 */
static __attribute__((noinline)) void handle_dr(struct vcpu *v, const struct vcpu_exit *e)
{
	unsigned dr = e->cr.cr;
	if (dr == 4 || dr == 5) {
		if (virt->vcpu_read_cr(v, 4) & CR4_DE) {
			exit_inject_exception(v, VECTOR_UD, false, 0);
			return;
		}
		dr += 2;
	}
	if (e->cr.type == CR_MOV_FROM) {
		write_gpr(v, e->cr.gpr, v->dr[dr]);
	} else {
		uint64_t value = read_gpr(v, e->cr.gpr);
		/* SDM 2 MOV DR: setting bits 63:32 of DR6 or DR7 is #GP. */
		if ((dr == 6 || dr == 7) && (value >> 32)) {
			inject_gp(v);
			return;
		}
		v->dr[dr] = value;
	}
	skip(v, e);
}

void exit_reset_debug_registers(struct vcpu *v)
{
	for (unsigned i = 0; i < 8; i++)
		v->dr[i] = 0;
	v->dr[6] = DR6_INIT;
	v->dr[7] = DR7_INIT;
}

/* SDM 2 XSETBV: only XCR0 exists (named by ECX: RCX's upper half is ignored). */
static __attribute__((noinline)) void handle_xsetbv(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &v->regs;
	uint64_t value = (r->rdx << 32) | (uint32_t)r->rax;
	if (!(virt->vcpu_read_cr(v, 4) & CR4_OSXSAVE)) {
		exit_inject_exception(v, VECTOR_UD, false, 0);
		return;
	}
	struct cpuid_result x = guest_cpuid(v, CPUID_XSAVE_LEAF, 0);
	uint64_t offered = ((uint64_t)x.edx << 32) | x.eax;
	/*
	 * The guest's XCR0 stays loaded while it owns the FPU (the host never uses
	 * extended state); fpu_set_xcr0 fails only if the CPU refuses a checked value.
	 */
	if ((uint32_t)r->rcx != 0 || !xcr0_policy_ok(value, offered) ||
	    fpu_set_xcr0(&v->fpu, value)) {
		inject_gp(v);
		return;
	}
	skip(v, e);
}

/* The vCPU's state where it crashed: what someone debugging the guest asks for first. */
static void log_crash_state(struct vcpu *v)
{
	struct vcpu_sregs s;
	virt->vcpu_get_sregs(v, &s);
	log_err("guest %s: vCPU %u crashed at cs 0x%x (%s) rip 0x%llx rsp 0x%llx rflags 0x%llx "
		"cr0 0x%llx cr2 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx idt 0x%llx+0x%x",
		v->guest->name, v->id, s.cs.selector,
		s.cs.l ? "64-bit" : s.cs.db ? "32-bit" : "16-bit", (unsigned long long)s.rip,
		(unsigned long long)s.rsp, (unsigned long long)s.rflags, (unsigned long long)s.cr0,
		(unsigned long long)s.cr2, (unsigned long long)s.cr3, (unsigned long long)s.cr4,
		(unsigned long long)s.efer, (unsigned long long)s.idtr_base, s.idtr_limit);
}

static void stop_crashed(struct vcpu *v, const char *what, const struct vcpu_exit *e)
{
	log_crash_state(v);
	exit_stop_guest(v, GUEST_CRASHED, -1, "%s (exit reason %u)", what, e->raw_reason);
}

/*
 * HLT: with an event pending the vCPU goes on; otherwise it blocks until
 * one arrives. With interrupts disabled nothing but NMI/INIT could wake it:
 * when every vCPU of the guest is halted that way, the guest has shut down.
 */
static __attribute__((noinline)) void handle_hlt(struct vcpu *v, const struct vcpu_exit *e)
{
	skip(v, e);
	if (virq_pending(v))
		return;
	struct vcpu_sregs s;
	virt->vcpu_get_sregs(v, &s);
	v->halted_if0 = !(s.rflags & RFLAGS_IF);
	/* Two vCPUs halting at once must not both miss the other's flag (store, then load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	struct guest *g = v->guest;
	bool all_dead = true;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		const struct vcpu *o = &g->vcpus[i];
		if (o != v && o->se.state != SCHED_STOPPED && !o->halted_if0)
			all_dead = false;
	}
	if (v->halted_if0 && all_dead) {
		exit_stop_guest(v, GUEST_EXITED, 0, "halted with interrupts disabled");
		return;
	}
	sched_block(&v->se, virq_wake_deadline(v));
}

#define X86_OPCODE_HLT 0xf4

/*
 * An interrupt window at a HLT: the interrupt the run loop injects next is
 * delivered after the HLT, as if it had come while the vCPU was halted. Real
 * hardware allows either order (the guest cannot tell when the interrupt
 * arrived); only this one is safe when the window is reported inside STI's
 * shadow, as QEMU's SVM model does for `sti; hlt` after a host interrupt
 * exit: delivered first, the handler would return to the HLT and the vCPU
 * would sleep with nothing left to wake it.
 */
static __attribute__((noinline)) void handle_intr_window(struct vcpu *v)
{
	if (v->event_pending || !v->irq_pending || !virq_pending(v) ||
	    !virt->vcpu_interruptible(v))
		return;
	struct vcpu_insn_state st;
	virt->vcpu_get_insn_state(v, &st);
	struct guest_fetch fetch;
	if (!guest_mem_fetch_insn(v->guest, &st, &fetch) && fetch.len &&
	    fetch.bytes[0] == X86_OPCODE_HLT)
		virt->vcpu_advance_rip(v, 1);
}

/*
 * The accelerated xAPIC page (virt->vcpu_apic_accel): a write the CPU has
 * already made (the instruction is done), or an EOI it has already done,
 * which the chip now acts on.
 */
static __attribute__((noinline)) void handle_apic(struct vcpu *v, const struct vcpu_exit *e)
{
	struct virq_chip *chip = v->irq_chip;
	uint64_t value = e->apic.value;
	if (!chip || !chip->mmio || !chip->eoi) {
		stop_crashed(v, "APIC exit without a local APIC", e);
		return;
	}
	if (e->kind == VEXIT_APIC_EOI)
		chip->eoi(chip, e->apic.vector);
	else
		chip->mmio(chip, e->apic.gpa, 4, true, &value);
}

static __attribute__((noinline)) void handle_hypercall(struct vcpu *v, const struct vcpu_exit *e)
{
	skip(v, e);
	hypercall_handle(v);
}

/* The rare exits, apart so that the dispatcher below stays a jump table and tail calls. */
static __attribute__((noinline)) void handle_rare(struct vcpu *v, struct vcpu_exit *e)
{
	switch (e->kind) {
	case VEXIT_CR_ACCESS:
		handle_cr(v, e);
		break;
	case VEXIT_XSETBV:
		handle_xsetbv(v, e);
		break;
	case VEXIT_DR_ACCESS:
		handle_dr(v, e);
		break;
	case VEXIT_HLT:
		handle_hlt(v, e);
		break;
	case VEXIT_PAUSE:
	case VEXIT_INVD:
	case VEXIT_WBINVD:
		/* RAM is write-back through EPT/NPT and no device does DMA: nothing to flush. */
		skip(v, e);
		break;
	case VEXIT_VIRT_INSN:
	case VEXIT_MONITOR:
		exit_inject_exception(v, VECTOR_UD, false, 0);
		break;
	case VEXIT_ICEBP:
		/* A trap: #DB delivered with RIP after the instruction, like the CPU's own. */
		skip(v, e);
		exit_inject_exception(v, VECTOR_DB, false, 0);
		break;
	case VEXIT_RDPMC:
		/* CPUID leaf 0xA offers no counters: every ECX is invalid (SDM 2 RDPMC). */
		inject_gp(v);
		break;
	case VEXIT_EXCEPTION:
		/* Intercepted only to keep #DB/#AC from looping in microcode: reflect it. */
		exit_inject_exception(v, e->exc.vector, e->exc.has_error, e->exc.error_code);
		break;
	case VEXIT_EXTINT:
		/*
		 * A host interrupt or NMI: the backend has let the host take it through
		 * the IDT (IPIs, the scheduler's APIC timer); the run loop looks at
		 * the vCPU's and guest's state again on the way back in.
		 */
		if (panic_in_progress())
			cpu_halt_forever();
		break;
	case VEXIT_INTR_WINDOW:
		handle_intr_window(v);
		break;
	case VEXIT_APIC_WRITE:
	case VEXIT_APIC_EOI:
		handle_apic(v, e);
		break;
	case VEXIT_NMI_WINDOW:
	case VEXIT_PREEMPT:
	case VEXIT_NONE:
		break;
	case VEXIT_TRIPLE_FAULT:
		stop_crashed(v, "triple fault", e);
		break;
	case VEXIT_INVALID_STATE:
		stop_crashed(v, "invalid guest state", e);
		break;
	case VEXIT_UNHANDLED:
	default:
		stop_crashed(v, "unhandled exit", e);
		break;
	}
}

/* Hot exits go straight to their handler (the compiler turns these into jumps). */
void exit_handle(struct vcpu *v, struct vcpu_exit *e)
{
	switch (e->kind) {
	case VEXIT_CPUID:
		handle_cpuid(v, e);
		return;
	case VEXIT_IO:
		exit_io_port(v, e);
		return;
	case VEXIT_MMIO:
		exit_io_mmio(v, e);
		return;
	case VEXIT_MSR_READ:
	case VEXIT_MSR_WRITE:
		exit_msr(v, e);
		return;
	case VEXIT_HYPERCALL:
		handle_hypercall(v, e);
		return;
	default:
		handle_rare(v, e);
		return;
	}
}
