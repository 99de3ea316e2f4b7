/*
 * Per-CPU data, reached through GS (gs:0 holds the struct's own address).
 * Only the owning CPU touches its struct after bring-up.
 */
#ifndef SHOJI_KERNEL_PCPU_H
#define SHOJI_KERNEL_PCPU_H

#include <reent.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/gdt.h"

#define MAX_CPUS 64

struct pcpu {
	struct pcpu *self; /* must stay first: this_pcpu() reads gs:0 */
	unsigned index;	   /* 0 = boot CPU */
	uint32_t apic_id;
	struct _reent reent; /* newlib's per-CPU state (errno, stdio) */
	struct cpu_tables tables;
};

extern struct pcpu pcpus[MAX_CPUS];

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Point GS at pcpus[index] on the calling CPU and initialize its state. */
void pcpu_init(unsigned index);
/* False until the boot CPU has run pcpu_init (GS is the firmware's before). */
bool pcpu_ready(void);

#endif
