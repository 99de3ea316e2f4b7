/* Per-CPU areas and their GS set-up. */
#include "kernel/core/pcpu.h"

#include <string.h>

#include "arch/x86/msr.h"

struct pcpu pcpus[MAX_CPUS];
static bool boot_pcpu_ready;

void pcpu_init(unsigned index)
{
	struct pcpu *p = &pcpus[index];
	memset(p, 0, sizeof(*p));
	p->self = p;
	p->index = index;
	_REENT_INIT_PTR(&p->reent);
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
	if (index == 0)
		boot_pcpu_ready = true;
}

bool pcpu_ready(void)
{
	return boot_pcpu_ready;
}
