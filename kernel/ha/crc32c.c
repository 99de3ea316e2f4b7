/*
 * CRC-32C: the CRC32 instruction, or slice-by-8 tables (see crc32c.h).
 * Owns nothing but the arithmetic.
 */
#include "kernel/ha/crc32c.h"

#include <string.h>

#include "arch/x86/cpu.h"

#define CRC32C_POLY_REVERSED 0x82f63b78U
#define BYTE_MASK	     0xffU
#define CPUID_1_ECX_SSE4_2   (1U << 20)

void crc32c_table_init(struct crc32c_table *t)
{
	t->insn = cpuid_max_leaf(0) >= 1 && (cpuid(1, 0).ecx & CPUID_1_ECX_SSE4_2);
	/* slice[0][b]: the CRC register after shifting the byte b through it, bit by bit. */
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int bit = 0; bit < 8; bit++)
			c = (c >> 1) ^ ((c & 1) ? CRC32C_POLY_REVERSED : 0);
		t->slice[0][b] = c;
	}
	/* slice[k][b]: the same byte followed by k zero bytes, so 8 bytes cost 8 lookups. */
	for (int k = 1; k < CRC32C_SLICES; k++)
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t prev = t->slice[k - 1][b];
			t->slice[k][b] = (prev >> 8) ^ t->slice[0][prev & BYTE_MASK];
		}
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t update_tables(const struct crc32c_table *t, uint32_t crc, const uint8_t *p,
			      size_t len)
{
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t lo = crc ^ le32(p), hi = le32(p + 4);
		crc = t->slice[7][lo & BYTE_MASK] ^ t->slice[6][(lo >> 8) & BYTE_MASK] ^
		      t->slice[5][(lo >> 16) & BYTE_MASK] ^ t->slice[4][lo >> 24] ^
		      t->slice[3][hi & BYTE_MASK] ^ t->slice[2][(hi >> 8) & BYTE_MASK] ^
		      t->slice[1][(hi >> 16) & BYTE_MASK] ^ t->slice[0][hi >> 24];
	}
	for (; len; p++, len--)
		crc = (crc >> 8) ^ t->slice[0][(crc ^ *p) & BYTE_MASK];
	return crc;
}

/* SDM 2B "CRC32": the reflected Castagnoli CRC of the source into the destination. */
static uint32_t update_insn(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		__asm__("crc32q %1, %0" : "+r"(c) : "rm"(v));
	}
	uint32_t c32 = (uint32_t)c;
	for (; len; p++, len--)
		__asm__("crc32b %1, %0" : "+r"(c32) : "rm"(*p));
	return c32;
}

uint32_t crc32c_update(const struct crc32c_table *t, uint32_t crc, const void *bytes, size_t len)
{
	return t->insn ? update_insn(crc, bytes, len) : update_tables(t, crc, bytes, len);
}
