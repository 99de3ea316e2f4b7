/* The fault fixup table (see fault_fixup.h). */
#include "arch/x86/fault_fixup.h"

#include <errno.h>
#include <stdint.h>

struct fault_fixup_entry {
	uint64_t insn, resume;
};

extern const struct fault_fixup_entry __fault_fixup_start[], __fault_fixup_end[];

bool fault_fixup(struct trap_frame *f)
{
	for (const struct fault_fixup_entry *e = __fault_fixup_start; e < __fault_fixup_end; e++) {
		if (e->insn == f->rip) {
			f->rip = e->resume;
			f->rax = (uint64_t)-EFAULT;
			return true;
		}
	}
	return false;
}
