/*
 * Exit statistics report. Reads a guest's counters and prints them; it
 * never updates them (the exit dispatcher does) and holds no state.
 */
#include "kernel/guest/exit_stats.h"

#include "kernel/guest/guest.h"
#include "kernel/core/log.h"

static const char *const exit_kind_names[] = {
    [VEXIT_NONE] = "none",
    [VEXIT_CPUID] = "cpuid",
    [VEXIT_IO] = "io",
    [VEXIT_MSR_READ] = "msr-read",
    [VEXIT_MSR_WRITE] = "msr-write",
    [VEXIT_MMIO] = "mmio",
    [VEXIT_HLT] = "hlt",
    [VEXIT_PAUSE] = "pause",
    [VEXIT_CR_ACCESS] = "cr-access",
    [VEXIT_XSETBV] = "xsetbv",
    [VEXIT_HYPERCALL] = "hypercall",
    [VEXIT_INVD] = "invd",
    [VEXIT_WBINVD] = "wbinvd",
    [VEXIT_EXCEPTION] = "exception",
    [VEXIT_INTR_WINDOW] = "intr-window",
    [VEXIT_NMI_WINDOW] = "nmi-window",
    [VEXIT_PREEMPT] = "preempt",
    [VEXIT_EXTINT] = "extint",
    [VEXIT_TRIPLE_FAULT] = "triple-fault",
    [VEXIT_INVALID_STATE] = "invalid-state",
    [VEXIT_UNHANDLED] = "unhandled",
    [VEXIT_VIRT_INSN] = "virt-insn",
    [VEXIT_DR_ACCESS] = "dr-access",
    [VEXIT_RDPMC] = "rdpmc",
    [VEXIT_MONITOR] = "monitor-mwait",
    [VEXIT_ICEBP] = "icebp",
    [VEXIT_APIC_WRITE] = "apic-write",
    [VEXIT_APIC_EOI] = "apic-eoi",
};

/* A kind added to enum vcpu_exit_kind must be named here too. */
_Static_assert(ARRAY_SIZE(exit_kind_names) == VEXIT_KIND_COUNT,
	       "exit_kind_names must name every enum vcpu_exit_kind value");

const char *vcpu_exit_kind_name(enum vcpu_exit_kind kind)
{
	/* Compared as unsigned so that a negative value is out of range too. */
	if ((unsigned)kind >= ARRAY_SIZE(exit_kind_names) || !exit_kind_names[kind])
		return "unknown";
	return exit_kind_names[kind];
}

void exit_stats_print(const struct guest *g)
{
	struct exit_stat stats[VEXIT_KIND_COUNT];
	guest_exit_stats(g, stats);
	for (unsigned k = 0; k < VEXIT_KIND_COUNT; k++) {
		const struct exit_stat *s = &stats[k];
		if (!s->count)
			continue;
		log_info("stats: %s %s count=%llu cycles=%llu avg=%llu", g->name,
			 vcpu_exit_kind_name(k), (unsigned long long)s->count,
			 (unsigned long long)s->cycles, (unsigned long long)(s->cycles / s->count));
	}
	log_info("stats: %s unclaimed_io=%llu unclaimed_mmio=%llu msr_gp=%llu", g->name,
		 (unsigned long long)g->unclaimed_io, (unsigned long long)g->unclaimed_mmio,
		 (unsigned long long)g->msr_gp);
}
