/*
 * The vendor-neutral vCPU seam. kernel/ drives guests only through this
 * interface; arch/x86/vmx and arch/x86/svm implement it (struct virt_ops,
 * kernel/guest/virt.h). Exits arrive decoded into struct vcpu_exit, so that exit
 * policy (kernel/emul/exit.c) is written once for both vendors.
 */
#ifndef SHOJI_KERNEL_VCPU_H
#define SHOJI_KERNEL_VCPU_H

#include "arch/x86/fpu.h"
#include "kernel/sched/sched.h"
#include "kernel/core/types.h"

struct guest;
struct virq_chip;

/* General-purpose registers; the entry stubs load and save them around each run. */
struct vcpu_regs {
	uint64_t rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Index of a GPR in struct vcpu_regs by its x86 encoding (0 = rax ... 15 = r15). */
static inline uint64_t *vcpu_gpr(struct vcpu_regs *r, unsigned index)
{
	return &((uint64_t *)r)[index & 15];
}

struct vcpu_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit; /* in bytes, already scaled by G */
	uint8_t type;	/* 4-bit type field */
	uint8_t dpl;
	bool s, present, l, db, g, unusable;
};

/* Architectural state beyond the GPRs (read and written as a whole, off the hot path). */
struct vcpu_sregs {
	struct vcpu_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint64_t cr0, cr2, cr3, cr4, efer, xcr0;
	uint64_t rip, rsp, rflags;
};

/*
 * What fetching, decoding and emulating one instruction depend on: the
 * paging registers, CS, the CPL and the registers outside struct vcpu_regs.
 * A handful of fields against vcpu_sregs' dozens: the MMIO exit reads this.
 */
struct vcpu_insn_state {
	uint64_t cr0, cr3, cr4, efer; /* as the guest sees them */
	uint64_t rip, rsp, rflags;
	uint64_t cs_base;  /* not added in 64-bit mode */
	uint32_t cs_limit; /* in bytes; not checked in 64-bit mode */
	bool cs_l, cs_db;
	uint8_t ss_dpl; /* the CPL in protected mode (SDM 3A 5.5) */
};

/* The instruction state within a full set of sregs (for paths that read those anyway). */
static inline struct vcpu_insn_state vcpu_sregs_insn_state(const struct vcpu_sregs *s)
{
	return (struct vcpu_insn_state){
	    .cr0 = s->cr0,
	    .cr3 = s->cr3,
	    .cr4 = s->cr4,
	    .efer = s->efer,
	    .rip = s->rip,
	    .rsp = s->rsp,
	    .rflags = s->rflags,
	    .cs_base = s->cs.base,
	    .cs_limit = s->cs.limit,
	    .cs_l = s->cs.l,
	    .cs_db = s->cs.db,
	    .ss_dpl = s->ss.dpl,
	};
}

enum vcpu_exit_kind {
	VEXIT_NONE = 0,
	VEXIT_CPUID,
	VEXIT_IO,	 /* io.* */
	VEXIT_MSR_READ,	 /* msr.index */
	VEXIT_MSR_WRITE, /* msr.index, value in rdx:rax */
	VEXIT_MMIO,	 /* npf.*: EPT violation / nested page fault */
	VEXIT_HLT,
	VEXIT_PAUSE,
	VEXIT_CR_ACCESS, /* cr.* */
	VEXIT_XSETBV,
	VEXIT_HYPERCALL, /* VMCALL / VMMCALL */
	VEXIT_INVD,
	VEXIT_WBINVD,
	VEXIT_EXCEPTION, /* exc.*: an intercepted guest exception */
	VEXIT_INTR_WINDOW,
	VEXIT_NMI_WINDOW,
	VEXIT_PREEMPT, /* the scheduler's timer expired */
	VEXIT_EXTINT,  /* a host interrupt arrived while the guest ran */
	VEXIT_TRIPLE_FAULT,
	VEXIT_INVALID_STATE, /* VM entry refused the guest state */
	VEXIT_UNHANDLED,     /* anything else: raw_reason says what */
	VEXIT_VIRT_INSN,     /* the guest tried a virtualization instruction (VMXON, VMRUN...) */
	VEXIT_DR_ACCESS,     /* MOV to/from a debug register: cr.cr = DR number, cr.gpr, cr.type */
	VEXIT_RDPMC,	     /* RDPMC: no performance counters are offered */
	VEXIT_MONITOR,	     /* MONITOR or MWAIT: not offered (CPUID.1:ECX.MONITOR = 0) */
	VEXIT_ICEBP,	     /* ICEBP (INT1, F1): its #DB, as a trap after the instruction */
	VEXIT_APIC_WRITE,    /* apic.*: a write to the accelerated xAPIC page, already done */
	VEXIT_APIC_EOI,	     /* apic.vector: an EOI the CPU did that the chip must see */
	VEXIT_KIND_COUNT,
};

enum cr_access_type { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	uint32_t raw_reason; /* vendor exit code, for reports */
	uint8_t insn_len;    /* 0 when the hardware did not say (decode it) */
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			bool in, string, rep;
		} io;
		struct {
			uint32_t index;
		} msr;
		struct {
			gpa_t gpa;
			bool read, write, fetch;
		} npf;
		struct {
			uint8_t cr;
			uint8_t gpr;
			enum cr_access_type type;
			uint16_t lmsw_value;
		} cr;
		struct {
			uint8_t vector;
			bool has_error;
			uint32_t error_code;
			uint64_t cr2; /* #PF only */
		} exc;
		struct {
			gpa_t gpa;	/* the register written (APIC_WRITE) */
			uint32_t value; /* what was written */
			uint8_t vector; /* the vector that ended (APIC_EOI) */
		} apic;
	};
};

enum vcpu_event_type {
	VEVENT_EXTINT,
	VEVENT_NMI,
	VEVENT_EXCEPTION,
	/* Only as interrupted events (kernel/guest/vcpu_event.c drops them): */
	VEVENT_SOFTINT,		    /* INT n */
	VEVENT_SOFT_EXCEPTION,	    /* INT3, INTO */
	VEVENT_PRIV_SOFT_EXCEPTION, /* ICEBP (INT1) */
};

struct vcpu_event {
	enum vcpu_event_type type;
	uint8_t vector;
	bool has_error;
	uint32_t error_code;
};

/* How a vCPU starts: the three entry states the loader can ask for. */
enum vcpu_start_mode {
	VCPU_START_REAL,   /* unrestricted guest, reset-like: CS:IP given by entry */
	VCPU_START_PROT32, /* flat 32-bit protected mode, paging off (Multiboot-style) */
	VCPU_START_LONG64, /* 64-bit long mode on identity page tables in guest memory */
};

struct exit_stat {
	uint64_t count;
	uint64_t cycles; /* TSC cycles spent handling this kind of exit */
};

/*
 * MSRs that change only through WRMSR, which exits on both backends: this
 * copy is the guest's value. Reads are answered from it; each write is
 * checked, kept here and handed to the backend (virt_ops.vcpu_msr).
 */
struct vcpu_msrs {
	uint64_t pat;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t star, lstar, cstar, sfmask;
};

struct vcpu {
	struct guest *guest;
	unsigned id;
	struct vcpu_regs regs;
	void *arch;	    /* backend state: VMCS or VMCB and friends */
	bool event_pending; /* an event waits for injection at next entry */
	struct vcpu_event pending;
	uint64_t dr[8]; /* debug registers as the guest sees them (4/5 unused) */
	struct vcpu_msrs msrs;
	struct fpu_state fpu; /* x87/SSE/AVX registers and XCR0 while another vCPU has the CPU */
	struct exit_stat stats[VEXIT_KIND_COUNT]; /* written by the home CPU only */

	/* Scheduling (kernel/sched): state, home CPU, weight, run time. */
	struct sched_entity se;
	uint64_t runtime_at_start; /* se.runtime when its guest last started (for shares) */

	/* Virtual interrupts (kernel/guest/virq.c): one pending external interrupt and a one-shot
	 * timer.
	 */
	volatile bool irq_pending;
	uint8_t irq_vector;
	bool intr_window;	  /* interrupt-window exiting requested from the backend */
	uint64_t timer_deadline;  /* TSC; 0: not armed */
	uint64_t chip_deadline;	  /* TSC: poll irq_chip then (0: never) */
	volatile bool chip_stale; /* irq_chip changed under it: poll it before the next entry */
	/*
	 * Exit kinds (a bit per enum vcpu_exit_kind) after which the run loop
	 * looks at the interrupt state before entering again: its own few, or
	 * all once an exit changed irq_chip (virq_chip_recheck).
	 */
	uint32_t attention;
	/*
	 * The exit that widened attention only moved irq_chip's deadline (the
	 * guest's timer tick arming the next): the run loop re-arms its timer
	 * without a look at the interrupt state (virq_chip_timer_armed).
	 */
	bool timer_only;
	struct virq_chip
	    *irq_chip; /* this vCPU's interrupt controller (PIC, local APIC), or NULL */
	uint8_t timer_vector;
	bool halted_if0; /* blocked in HLT with interrupts disabled: only NMI/INIT could wake it */
	bool started;	 /* secondary vCPU already started in this run (HC_VCPU_START, SIPI) */
	bool stopping;	 /* asked to stop itself (HC_VCPU_STOP): its run loop takes it out */
	/*
	 * Started, its state to be set by its run loop before its first entry:
	 * start_state's (HC_VCPU_START), or else a STARTUP IPI's (real mode at
	 * sipi_vector << 12).
	 */
	volatile bool start_pending;
	uint8_t sipi_vector;
	struct vcpu_sregs *start_state;
	/* A checkpoint's state (kernel/vm/vcpu_snapshot.h) to load before the next entry, or NULL. */
	const void *restore;
	size_t restore_len;
};

#endif
