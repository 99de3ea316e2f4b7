/*
 * SMP: starting the application processors and talking to them.
 *
 * smp_init starts every CPU the MADT lists as enabled (INIT-SIPI-SIPI through
 * a trampoline below 1 MiB, SDM 3A 9.4.4.1); each gets an index (the boot CPU
 * is 0, the others follow MADT order), per-CPU data, its own stacks with
 * guard pages, GDT/TSS, local APIC set-up and the virtualization backend's
 * per-CPU state, then waits in sched_idle_loop(). A CPU that does not start
 * keeps its index but stays offline, so online indices may have holes:
 * iterate 0..MAX_CPUS-1 and ask smp_cpu_online().
 *
 * Cross-calls run a function on other CPUs and wait for it. They arrive by
 * IPI: through the IDT on a CPU in the hypervisor's idle loop, as an
 * external-interrupt VM exit on a CPU running a guest (the exit path calls
 * smp_handle_ipi_vector), or polled by a CPU that is itself waiting to send
 * one. A CPU busy in hypervisor code with interrupts off answers when it
 * next enters a guest or goes idle.
 */
#ifndef SHOJI_ARCH_X86_SMP_H
#define SHOJI_ARCH_X86_SMP_H

#include "drivers/acpi.h"
#include "kernel/core/boot_info.h"
#include "kernel/core/types.h"

#define SMP_VECTOR_WAKEUP 0xf0 /* reschedule / wake from HLT: nothing but EOI */
#define SMP_VECTOR_CALL	  0xf1 /* run this CPU's pending cross-call */

/* Microseconds a cross-call target has to pick the call up before it is cancelled. */
#define SMP_CALL_TIMEOUT_US 1000000

/*
 * Start the APs (boot CPU only, once, after lapic_init, tsc_init and the
 * boot CPU's backend set-up). cpu_init (NULL: no backend) sets up
 * virtualization on each AP; name names it in errors. Logs one line per CPU and
 * "smp: <online> of <MADT count> CPUs online".
 */
void smp_init(const struct acpi_info *acpi, const struct boot_info *bi, int (*cpu_init)(void),
	      const char *name);

/* CPUs online, the boot CPU included (1 before smp_init). */
unsigned smp_cpu_count(void);
/* One past the highest index given to a CPU (online or not). */
unsigned smp_cpu_index_limit(void);
bool smp_cpu_online(unsigned index);
/* APIC ID of an indexed CPU (its x2APIC ID in x2APIC mode); 0 if the index is unused. */
uint32_t smp_apic_id(unsigned index);
/* True if virt->cpu_init succeeded on that CPU: only those may run guests. */
bool smp_cpu_virt_ready(unsigned index);

/* Wake an online CPU from HLT (a no-op for the calling CPU itself). */
void smp_send_wakeup(unsigned cpu_index);

/*
 * Run fn(arg) on CPU cpu_index with interrupts off and return when it has
 * finished (on the calling CPU: called directly). fn must be short and must
 * not send cross-calls itself. Returns 0, -EINVAL (no such CPU), -ENODEV
 * (CPU offline) or -ETIMEDOUT (the CPU did not pick the call up within
 * SMP_CALL_TIMEOUT_US: fn was cancelled and never runs; logged).
 */
int smp_call_on_cpu(unsigned cpu_index, void (*fn)(void *), void *arg);
/*
 * Run fn(arg) on every other online CPU (concurrently) and wait for all.
 * Returns 0, or -ETIMEDOUT if any CPU did not answer (each is logged; fn
 * ran on the others).
 */
int smp_call_all_others(void (*fn)(void *), void *arg);

/*
 * An interrupt vector reached this CPU: from the IDT, or from a VM exit for
 * an external interrupt that the CPU acknowledged on exit. Runs this CPU's
 * pending cross-call (whatever the vector) and sends the EOI for the SMP
 * vectors; other vectors are left to the caller, EOI included.
 */
void smp_handle_ipi_vector(uint8_t vector);

/* True if [addr, addr+len) lies inside the usable part of an AP's stack (for stack traces). */
bool smp_stack_contains(uint64_t addr, uint64_t len);

/*
 * Where an AP ends up once online. kernel/sched/sched.c provides the real one;
 * smp.c has a weak fallback that halts with interrupts enabled.
 */
void sched_idle_loop(void) __attribute__((noreturn));

#endif
