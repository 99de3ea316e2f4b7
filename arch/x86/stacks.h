/*
 * The hypervisor's own stacks. Each sits just above a guard page that the
 * kernel's page tables leave unmapped, so an overflow faults at once
 * instead of silently corrupting whatever lies below.
 */
#ifndef SHOJI_ARCH_X86_STACKS_H
#define SHOJI_ARCH_X86_STACKS_H

#define STACK_GUARD_SIZE   0x1000
#define STACK_SIZE	   0x4000
#define GUARDED_STACK_SIZE (STACK_GUARD_SIZE + STACK_SIZE)

#ifndef __ASSEMBLY__
#include <stdint.h>

struct guarded_stack {
	uint8_t guard[STACK_GUARD_SIZE];
	uint8_t data[STACK_SIZE];
} __attribute__((aligned(STACK_GUARD_SIZE)));

_Static_assert(sizeof(struct guarded_stack) == GUARDED_STACK_SIZE, "stack layout");

enum kernel_stack_id {
	STACK_BOOT,    /* boot CPU's main stack (entry.S) */
	STACK_IST_NMI, /* IST1 */
	STACK_IST_DF,  /* IST2 */
	STACK_IST_MC,  /* IST3 */
	KERNEL_STACK_COUNT,
};

extern struct guarded_stack kernel_stacks[KERNEL_STACK_COUNT];

static inline uint64_t stack_top(enum kernel_stack_id id)
{
	return (uint64_t)(uintptr_t)(kernel_stacks[id].data + STACK_SIZE);
}

/* True if [addr, addr+len) lies inside one of the stacks' usable part. */
int stack_contains(uint64_t addr, uint64_t len);
#endif

#endif
