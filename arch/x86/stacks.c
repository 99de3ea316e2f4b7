/* Storage of the hypervisor's stacks; paging unmaps each guard page. */
#include "arch/x86/stacks.h"

struct guarded_stack kernel_stacks[KERNEL_STACK_COUNT] __attribute__((section(".bss.stacks")));

int stack_contains(uint64_t addr, uint64_t len)
{
	for (int i = 0; i < KERNEL_STACK_COUNT; i++) {
		uint64_t lo = (uint64_t)(uintptr_t)kernel_stacks[i].data;
		if (addr >= lo && addr + len >= addr && addr + len <= lo + STACK_SIZE)
			return 1;
	}
	return 0;
}
