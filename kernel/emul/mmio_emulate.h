/*
 * MMIO instruction emulation: carry out one decoded instruction (see
 * kernel/emul/x86_decode.h) whose memory operand is a device register, against
 * the guest's registers and flags and a device access callback. The caller
 * owns the fetch, decode, the GPA and RIP; this module owns the semantics.
 */
#ifndef SHOJI_KERNEL_MMIO_EMULATE_H
#define SHOJI_KERNEL_MMIO_EMULATE_H

#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"
#include "kernel/emul/x86_decode.h"

/*
 * One device access of `size` bytes (1, 2, 4 or 8) at the faulting address.
 * A write passes the value in *value (already truncated to size); a read
 * stores it there. 0 or -errno; on error the emulation stops and guest state
 * is left as it was before the failing access.
 */
typedef int (*mmio_access_fn)(void *ctx, bool write, unsigned size, uint64_t *value);

/* Whether insn is one of the instructions this module carries out (MOVS aside: -ENOTSUP). */
static inline bool mmio_emulate_supports(const struct x86_insn *insn)
{
	return insn->op >= X86_OP_MOV_STORE && insn->op <= X86_OP_MOVS;
}

/*
 * Emulate `insn`. regs holds the GPRs; rsp points at the guest RSP (it lives
 * outside struct vcpu_regs) or is NULL, in which case an instruction naming
 * RSP/ESP/SP/SPL as its register operand gives -ENOTSUP. rflags is updated
 * for arithmetic results and read for DF and CF.
 *
 * *advance_rip says whether the caller must add insn->len to RIP: false while
 * a REP string instruction has iterations left (one iteration per call; the
 * guest re-executes it, SDM 2 REP). Returns 0; -EINVAL if the instruction has
 * no memory operand; -ENOTSUP for an instruction it does not support, MOVS
 * (memory to memory) or RSP without rsp; or the access callback's error.
 */
int mmio_emulate(const struct x86_insn *insn, struct vcpu_regs *regs, uint64_t *rsp,
		 uint64_t *rflags, mmio_access_fn access, void *ctx, bool *advance_rip);

#endif
