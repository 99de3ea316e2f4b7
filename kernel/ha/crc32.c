/*
 * CRC-32 (IEEE 802.3), slice-by-8. Owns nothing but the arithmetic; the
 * tables live wherever the caller put its struct crc32_table.
 */
#include "kernel/ha/crc32.h"

#define CRC32_POLY_REVERSED 0xedb88320U
#define BYTE_MASK	    0xffU

void crc32_table_init(struct crc32_table *t)
{
	/* slice[0][b]: the CRC register after shifting the byte b through it, bit by bit. */
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int bit = 0; bit < 8; bit++)
			c = (c >> 1) ^ ((c & 1) ? CRC32_POLY_REVERSED : 0);
		t->slice[0][b] = c;
	}
	/* slice[k][b]: the same byte followed by k zero bytes, so 8 bytes cost 8 lookups. */
	for (int k = 1; k < CRC32_SLICES; k++)
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t prev = t->slice[k - 1][b];
			t->slice[k][b] = (prev >> 8) ^ t->slice[0][prev & BYTE_MASK];
		}
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t crc32_update(const struct crc32_table *t, uint32_t crc, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;

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
