/*
 * Intercepted-instruction identification (see x86_insn_len.h). Only the
 * encodings listed there are accepted; anything else is -ENOTSUP, so a
 * guest that changed the bytes under the exit cannot make the hypervisor
 * skip a different instruction.
 */
#include "kernel/emul/x86_insn_len.h"

#include <errno.h>

#define PREFIX_OPSIZE	0x66
#define PREFIX_ADDRSIZE 0x67
#define PREFIX_LOCK	0xf0
#define PREFIX_REPNE	0xf2
#define PREFIX_REP	0xf3
#define REX_B		0x1
#define REX_R		0x4
#define MODRM_MOD(m)	((m) >> 6)
#define MODRM_REG(m)	(((m) >> 3) & 7)
#define MODRM_RM(m)	((m)&7)
#define LMSW_REG_FIELD	6

struct cursor {
	const uint8_t *bytes;
	unsigned valid, pos;
};

static int next_byte(struct cursor *c, uint8_t *out)
{
	if (c->pos >= X86_MAX_INSN_LEN)
		return -E2BIG;
	if (c->pos >= c->valid)
		return -EINVAL;
	*out = c->bytes[c->pos++];
	return 0;
}

/* Consume n bytes (immediates, displacements) without looking at them. */
static int skip_bytes(struct cursor *c, unsigned n)
{
	if (c->pos + n > X86_MAX_INSN_LEN)
		return -E2BIG;
	if (c->pos + n > c->valid)
		return -EINVAL;
	c->pos += n;
	return 0;
}

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case PREFIX_OPSIZE:
	case PREFIX_ADDRSIZE:
	case PREFIX_LOCK:
	case PREFIX_REPNE:
	case PREFIX_REP:
	case 0x2e: /* CS */
	case 0x36: /* SS */
	case 0x3e: /* DS */
	case 0x26: /* ES */
	case 0x64: /* FS */
	case 0x65: /* GS */
		return true;
	default:
		return false;
	}
}

/* SIB and displacement after a memory ModRM (SDM 2 2.1.5, tables 2-1 to 2-3). */
static int skip_memory_operand(struct cursor *c, uint8_t modrm, unsigned addr_size)
{
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);
	if (addr_size == 2) {
		if (mod == 1)
			return skip_bytes(c, 1);
		if (mod == 2 || (mod == 0 && rm == 6))
			return skip_bytes(c, 2);
		return 0;
	}
	if (rm == 4) {
		uint8_t sib;
		int err = next_byte(c, &sib);
		if (err)
			return err;
		if (mod == 0 && MODRM_RM(sib) == 5)
			return skip_bytes(c, 4);
	}
	if (mod == 1)
		return skip_bytes(c, 1);
	if (mod == 2 || (mod == 0 && rm == 5))
		return skip_bytes(c, 4);
	return 0;
}

/* 0F 01: XSETBV, VMCALL, VMMCALL (fixed ModRM) or LMSW (/6, any operand). */
static int decode_0f01(struct cursor *c, unsigned addr_size, uint8_t rex, struct x86_insn_info *out)
{
	uint8_t modrm;
	int err = next_byte(c, &modrm);
	if (err)
		return err;
	switch (modrm) {
	case 0xd1:
		out->kind = X86_INSN_XSETBV;
		return 0;
	case 0xc1:
		out->kind = X86_INSN_VMCALL;
		return 0;
	case 0xd9:
		out->kind = X86_INSN_VMMCALL;
		return 0;
	}
	if (MODRM_REG(modrm) != LMSW_REG_FIELD)
		return -ENOTSUP;
	out->kind = X86_INSN_LMSW;
	if (MODRM_MOD(modrm) == 3) {
		out->gpr = MODRM_RM(modrm) | ((rex & REX_B) ? 8 : 0);
		return 0;
	}
	out->mem = true;
	return skip_memory_operand(c, modrm, addr_size);
}

/* 0F 20 / 0F 22: the mod field is ignored, the operand is always a register (SDM 2 MOV CR). */
static int decode_mov_cr(struct cursor *c, uint8_t rex, bool lock, struct x86_insn_info *out)
{
	uint8_t modrm;
	int err = next_byte(c, &modrm);
	if (err)
		return err;
	out->cr = MODRM_REG(modrm) | ((rex & REX_R) ? 8 : 0);
	if (lock)
		out->cr |= 8; /* APM 3 MOV CRn: LOCK MOV CR0 is CR8 (AltMovCr8) */
	out->gpr = MODRM_RM(modrm) | ((rex & REX_B) ? 8 : 0);
	return 0;
}

static int decode_0f(struct cursor *c, unsigned addr_size, uint8_t rex, bool lock,
		     struct x86_insn_info *out)
{
	uint8_t op;
	int err = next_byte(c, &op);
	if (err)
		return err;
	switch (op) {
	case 0xa2:
		out->kind = X86_INSN_CPUID;
		return 0;
	case 0x32:
		out->kind = X86_INSN_RDMSR;
		return 0;
	case 0x30:
		out->kind = X86_INSN_WRMSR;
		return 0;
	case 0x08:
		out->kind = X86_INSN_INVD;
		return 0;
	case 0x09:
		out->kind = X86_INSN_WBINVD;
		return 0;
	case 0x06:
		out->kind = X86_INSN_CLTS;
		return 0;
	case 0x01:
		return decode_0f01(c, addr_size, rex, out);
	case 0x20:
		out->kind = X86_INSN_MOV_FROM_CR;
		return decode_mov_cr(c, rex, lock, out);
	case 0x22:
		out->kind = X86_INSN_MOV_TO_CR;
		return decode_mov_cr(c, rex, lock, out);
	case 0x21:
		out->kind = X86_INSN_MOV_FROM_DR;
		return decode_mov_cr(c, rex, false, out); /* same ModRM form (SDM 2 MOV DR) */
	case 0x23:
		out->kind = X86_INSN_MOV_TO_DR;
		return decode_mov_cr(c, rex, false, out);
	default:
		return -ENOTSUP;
	}
}

int x86_insn_len(const uint8_t *bytes, unsigned valid, enum x86_mode mode,
		 struct x86_insn_info *out)
{
	struct cursor c = {.bytes = bytes, .valid = valid};
	bool addr_override = false, lock = false, rep = false;
	uint8_t rex = 0, b;
	int err;

	*out = (struct x86_insn_info){0};
	for (;;) {
		if ((err = next_byte(&c, &b)))
			return err;
		if (is_legacy_prefix(b)) {
			addr_override |= b == PREFIX_ADDRSIZE;
			lock |= b == PREFIX_LOCK;
			rep = b == PREFIX_REP ? true : b == PREFIX_REPNE ? false : rep;
			rex = 0; /* SDM 2 2.2.1: a REX not right before the opcode is ignored */
			continue;
		}
		if (mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
			rex = b;
			continue;
		}
		break;
	}
	unsigned addr_size = mode == X86_MODE_64   ? (addr_override ? 4 : 8)
			     : mode == X86_MODE_32 ? (addr_override ? 2 : 4)
						   : (addr_override ? 4 : 2);

	switch (b) {
	case 0x0f:
		err = decode_0f(&c, addr_size, rex, lock, out);
		break;
	case 0xe4:
	case 0xe5:
		out->kind = X86_INSN_IN;
		err = skip_bytes(&c, 1);
		break;
	case 0xe6:
	case 0xe7:
		out->kind = X86_INSN_OUT;
		err = skip_bytes(&c, 1);
		break;
	case 0xec:
	case 0xed:
		out->kind = X86_INSN_IN;
		break;
	case 0xee:
	case 0xef:
		out->kind = X86_INSN_OUT;
		break;
	case 0x6c:
	case 0x6d:
		out->kind = X86_INSN_INS;
		out->rep = rep;
		break;
	case 0x6e:
	case 0x6f:
		out->kind = X86_INSN_OUTS;
		out->rep = rep;
		break;
	case 0xf4:
		out->kind = X86_INSN_HLT;
		break;
	case 0x90:
		if (!rep)
			return -ENOTSUP; /* plain NOP (or XCHG r8, rAX with REX.B) */
		if (rex & REX_B)
			return -ENOTSUP; /* F3 REX.B 90 is XCHG r8, rAX */
		out->kind = X86_INSN_PAUSE;
		break;
	default:
		return -ENOTSUP;
	}
	if (err)
		return err;
	out->len = c.pos;
	return 0;
}
