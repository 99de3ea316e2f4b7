/*
 * A one-entry memo in front of x86_decode(): the last instruction decoded
 * and the mode and bytes it came from. A decode is a pure function of the
 * mode and of the bytes it reads, and it reads exactly insn.len of them, so
 * the memo's answer is exact whenever the mode and those bytes match. It
 * saves the decode only: the caller fetches the bytes every time (nothing
 * about guest memory or page tables is remembered).
 */
#ifndef SHOJI_KERNEL_X86_DECODE_MEMO_H
#define SHOJI_KERNEL_X86_DECODE_MEMO_H

#include "kernel/core/types.h"
#include "kernel/emul/x86_decode.h"

struct x86_decode_memo {
	uint64_t key[2];  /* the instruction's bytes, little-endian, zero past insn.len */
	uint64_t mask[2]; /* ones over the instruction's bytes */
	enum x86_mode mode;
	struct x86_insn insn; /* len 0: nothing remembered */
};

/* The miss: x86_decode() into m, remembered when it succeeds. */
int x86_decode_memo_fill(struct x86_decode_memo *m, const uint8_t *bytes, unsigned valid,
			 enum x86_mode mode, const struct x86_insn **insn);

/*
 * x86_decode() of bytes[0, valid) through the memo m: the same return value,
 * and on success *insn points at the decoded instruction (inside m, valid
 * until m is used again). bytes must have X86_INSN_BUF_LEN readable bytes;
 * those from `valid` on are ignored.
 */
static inline __attribute__((always_inline)) int x86_decode_memo(struct x86_decode_memo *m,
								 const uint8_t *bytes,
								 unsigned valid, enum x86_mode mode,
								 const struct x86_insn **insn)
{
	uint64_t lo, hi;

	__builtin_memcpy(&lo, bytes, sizeof(lo));
	__builtin_memcpy(&hi, bytes + sizeof(lo), sizeof(hi));
	/* len - 1 < valid: something is remembered and all of it was fetched this time. */
	if (m->mode == mode && m->insn.len - 1u < valid && !((lo ^ m->key[0]) & m->mask[0]) &&
	    !((hi ^ m->key[1]) & m->mask[1])) {
		*insn = &m->insn;
		return 0;
	}
	return x86_decode_memo_fill(m, bytes, valid, mode, insn);
}

#endif
