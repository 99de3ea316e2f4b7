/*
 * The decode memo's miss path (see x86_decode_memo.h). Owns the memo's key
 * only; every decode is x86_decode()'s.
 */
#include "kernel/emul/x86_decode_memo.h"

#define MEMO_WORD_BYTES 8

/* Ones over the bytes of word `word` (0 or 1) that fall within the first len bytes. */
static uint64_t memo_mask(unsigned len, unsigned word)
{
	unsigned first = word * MEMO_WORD_BYTES;

	if (len <= first)
		return 0;
	if (len - first >= MEMO_WORD_BYTES)
		return ~0ULL;
	return (1ULL << (8 * (len - first))) - 1;
}

int x86_decode_memo_fill(struct x86_decode_memo *m, const uint8_t *bytes, unsigned valid,
			 enum x86_mode mode, const struct x86_insn **insn)
{
	int ret = x86_decode(bytes, valid, mode, &m->insn);

	if (ret) {
		m->insn.len = 0;
		return ret;
	}
	for (unsigned w = 0; w < 2; w++) {
		uint64_t word;

		__builtin_memcpy(&word, bytes + w * MEMO_WORD_BYTES, sizeof(word));
		m->mask[w] = memo_mask(m->insn.len, w);
		m->key[w] = word & m->mask[w];
	}
	m->mode = mode;
	*insn = &m->insn;
	return 0;
}
