/* Deliberate faults that prove the exception path, and SMP cross-calls (see selftest.h). */
#include "kernel/init/selftest.h"

#include <stdlib.h>

#include <string.h>

#include "arch/x86/smp.h"
#include "arch/x86/stacks.h"
#include "kernel/core/cmdline.h"
#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "kernel/core/log.h"
#include "kernel/sched/runqueue.h"
#include "kernel/core/pcpu.h"

struct smp_probe {
	unsigned calls;		   /* functions run, all CPUs together */
	uint64_t cpus;		   /* bit i: CPU i ran it */
	unsigned ran_on[MAX_CPUS]; /* for one-CPU calls: the index that ran it */
};

static void smp_probe_fn(void *arg)
{
	struct smp_probe *p = arg;
	unsigned me = this_pcpu()->index;
	__atomic_fetch_add(&p->calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_or(&p->cpus, 1ULL << me, __ATOMIC_RELAXED);
	p->ran_on[me] = me;
}

static void selftest_smp(void)
{
	struct smp_probe p = {0};
	unsigned me = this_pcpu()->index, others = 0;
	uint64_t want = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (i != me && smp_cpu_online(i)) {
			others++;
			want |= 1ULL << i;
		}
	}
	int err = smp_call_all_others(smp_probe_fn, &p);
	log_info("selftest: cross-call reached %u other CPUs", p.calls);
	if (err || p.calls != others || p.cpus != want)
		log_err(
		    "selftest: cross-call error %d: %u calls, CPU mask 0x%llx, expected %u, 0x%llx",
		    err, p.calls, (unsigned long long)p.cpus, others, (unsigned long long)want);

	/* One CPU at a time: the function must run on the CPU asked for. */
	unsigned good = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (!smp_cpu_online(i))
			continue;
		p.ran_on[i] = MAX_CPUS;
		err = smp_call_on_cpu(i, smp_probe_fn, &p);
		if (err || p.ran_on[i] != i)
			log_err("selftest: cross-call to CPU %u: error %d, ran on %u", i, err,
				p.ran_on[i]);
		else
			good++;
	}
	log_info("selftest: single cross-calls ran on %u of %u CPUs", good, smp_cpu_count());
}

#define SCHED_BENCH_ROUNDS 1000
#define SCHED_BENCH_SLICE  1000

/*
 * The cost of one scheduling decision (take the next vCPU, put the current
 * one back with its run time charged) with n runnable vCPUs on one CPU.
 * Under Bochs with sync=none a TSC delta is an instruction count.
 */
static void selftest_sched_bench(void)
{
	static const unsigned sizes[] = {1, 8, 64};
	static struct rq_node nodes[64];
	struct runqueue *rq = rq_new(64);
	if (!rq)
		return;
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		unsigned n = sizes[s];
		rq->count = 0;
		for (unsigned i = 0; i < n; i++) {
			rq_node_init(&nodes[i]);
			nodes[i].key = i * 7;
			rq_insert(rq, &nodes[i]);
		}
		uint64_t t0 = rdtsc();
		for (unsigned r = 0; r < SCHED_BENCH_ROUNDS; r++) {
			struct rq_node *next = rq_pop(rq);
			next->key += SCHED_BENCH_SLICE;
			rq_insert(rq, next);
		}
		uint64_t per = (rdtsc() - t0) / SCHED_BENCH_ROUNDS;
		log_info("sched-bench: runnable=%u decision=%llu cycles", n,
			 (unsigned long long)per);
	}
	free(rq);
}

void selftest_run_from_cmdline(const char *cmdline)
{
	char what[32];
	if (cmdline_has_flag(cmdline, "bench-sched"))
		selftest_sched_bench();
	if (cmdline_has_flag(cmdline, "test-smp"))
		selftest_smp();
	if (!cmdline_get(cmdline, "test-fault", what, sizeof(what)))
		return;
	if (!strcmp(what, "pagefault")) {
		volatile uint8_t *guard = kernel_stacks[STACK_BOOT].guard;
		log_info("selftest: reading the boot stack guard page at 0x%llx",
			 (unsigned long long)(uintptr_t)guard);
		(void)*guard;
		log_err("selftest: the guard page was readable");
	} else if (!strcmp(what, "fixup")) {
		/*
		 * XCR0 = 0 (x87 cleared) is #GP on every XSAVE CPU (emulators ignore
		 * WRMSRs to missing MSRs): caught at its fault_fixup.h site, not a panic.
		 */
		struct fpu_state probe = {0};
		int err = fpu_set_xcr0(&probe, 0);
		log_info("selftest: XSETBV of XCR0=0 returned %d", err);
	} else if (!strcmp(what, "ud")) {
		log_info("selftest: executing ud2");
		__asm__ volatile("ud2");
	} else {
		log_warn("selftest: unknown test-fault=%s", what);
	}
}
