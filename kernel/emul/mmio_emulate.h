/*
 * MMIO instruction emulation: carry out one decoded instruction (see
 * kernel/emul/x86_decode.h) whose memory operand is a device register, against
 * the guest's registers and flags and a device access callback. The caller
 * owns the fetch, decode, the GPA and RIP; this module owns the semantics.
 */
#ifndef SHOJI_KERNEL_MMIO_EMULATE_H
#define SHOJI_KERNEL_MMIO_EMULATE_H

#include <errno.h>

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

/* RSP, the one register outside struct vcpu_regs (SDM 1 3.4.1). */
#define MMIO_EMU_REG_SP	     4
#define MMIO_EMU_HIGH8_SHIFT 8
#define MMIO_EMU_BYTE_MASK   0xffULL
/* Operation sizes an instruction can have: 1, 2, 4 and 8, as bits of a mask. */
#define MMIO_EMU_SIZES_OK ((1u << 1) | (1u << 2) | (1u << 4) | (1u << 8))

/* The guest registers an emulation works on. */
struct mmio_emu {
	struct vcpu_regs *regs;
	uint64_t *rsp;
	uint64_t *rflags;
};

/* The low `size` bytes, size 1..8 (sizes are checked on entry); no branch: every exit uses it. */
static inline uint64_t mmio_emu_size_mask(unsigned size)
{
	return ~0ULL >> ((64 - 8 * size) & 63);
}

static inline uint64_t mmio_emu_sign_extend(uint64_t v, unsigned size)
{
	uint64_t sign = 1ULL << (8 * size - 1);

	v &= mmio_emu_size_mask(size);
	return (v & sign) ? v | ~mmio_emu_size_mask(size) : v;
}

/* The slot of GPR `reg`: -EINVAL past 15, -ENOTSUP for RSP when the caller gave none. */
static inline int mmio_emu_gpr(struct mmio_emu *e, unsigned reg, uint64_t **slot)
{
	if (reg > 15)
		return -EINVAL;
	if (reg == MMIO_EMU_REG_SP) {
		if (!e->rsp)
			return -ENOTSUP;
		*slot = e->rsp;
		return 0;
	}
	*slot = vcpu_gpr(e->regs, reg);
	return 0;
}

/*
 * SDM 1 3.4.1.1: 32-bit results zero-extend into the 64-bit register;
 * 8- and 16-bit results leave the other bits alone. The register was
 * checked (mmio_emu_gpr) before any device access.
 */
static inline void mmio_emu_reg_write(struct mmio_emu *e, unsigned reg, bool high8, unsigned size,
				      uint64_t val)
{
	uint64_t *slot;

	if (high8) {
		/* AH, CH, DH, BH: bits 15:8 of rAX..rBX (encodings 4-7). */
		slot = vcpu_gpr(e->regs, reg & 3);
		*slot = (*slot & ~(MMIO_EMU_BYTE_MASK << MMIO_EMU_HIGH8_SHIFT)) |
			((val & MMIO_EMU_BYTE_MASK) << MMIO_EMU_HIGH8_SHIFT);
		return;
	}
	if (mmio_emu_gpr(e, reg, &slot))
		return;
	if (size == 4)
		*slot = val & mmio_emu_size_mask(4);
	else
		*slot = (*slot & ~mmio_emu_size_mask(size)) | (val & mmio_emu_size_mask(size));
}

/* One device read of `size` bytes, masked to size: the device may not have masked it. */
static inline int mmio_emu_dev_read(mmio_access_fn access, void *ctx, unsigned size, uint64_t *val)
{
	uint64_t v = 0;
	int ret = access(ctx, false, size, &v);

	if (ret)
		return ret;
	*val = v & mmio_emu_size_mask(size);
	return 0;
}

/* Everything but the loads, for mmio_emulate() once its checks passed. */
int mmio_emulate_other(const struct x86_insn *insn, struct vcpu_regs *regs, uint64_t *rsp,
		       uint64_t *rflags, mmio_access_fn access, void *ctx, bool *advance_rip);

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
 *
 * Inline, loads in a straight line: nearly every MMIO exit is a register
 * reading a device, and a caller whose `access` is a known function gets
 * it inlined here, without a call chain's saved-register traffic.
 */
static inline __attribute__((always_inline)) int
mmio_emulate(const struct x86_insn *insn, struct vcpu_regs *regs, uint64_t *rsp, uint64_t *rflags,
	     mmio_access_fn access, void *ctx, bool *advance_rip)
{
	struct mmio_emu e = {.regs = regs, .rsp = rsp, .rflags = rflags};
	unsigned size = insn->op_size;
	uint64_t val, *slot;
	int ret;

	*advance_rip = false;
	if (!insn->mem)
		return -EINVAL;
	if (!mmio_emulate_supports(insn))
		return -ENOTSUP;
	if (size > 8 || !((MMIO_EMU_SIZES_OK >> size) & 1))
		return -EINVAL;
	if (insn->reg != X86_REG_NONE && !insn->has_imm && !insn->reg_high8) {
		ret = mmio_emu_gpr(&e, insn->reg, &slot);
		if (ret)
			return ret;
	}
	if (insn->op != X86_OP_MOV_LOAD && insn->op != X86_OP_MOVZX && insn->op != X86_OP_MOVSX)
		return mmio_emulate_other(insn, regs, rsp, rflags, access, ctx, advance_rip);

	ret = mmio_emu_dev_read(access, ctx, insn->mem_size, &val);
	if (ret)
		return ret;
	if (insn->op == X86_OP_MOVSX)
		val = mmio_emu_sign_extend(val, insn->mem_size);
	mmio_emu_reg_write(&e, insn->reg, insn->reg_high8, size, val);
	*advance_rip = true;
	return 0;
}

#endif
