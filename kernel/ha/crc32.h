/*
 * CRC-32 as IEEE 802.3 (and zlib, PNG, gzip) define it: polynomial 0x04C11DB7
 * bit-reversed, initial value and final XOR all ones. The replication stream
 * seals every record with it.
 *
 * Slice-by-8 over general-purpose registers: kernel code may not touch SSE,
 * so no PCLMULQDQ, and the CRC32 instruction computes Castagnoli's
 * polynomial, not this one. Its 8 KiB of tables are built from the polynomial
 * by crc32_table_init into memory the caller owns, so the module holds no
 * state and nobody has to trust a page of constants.
 */
#ifndef SHOJI_KERNEL_HA_CRC32_H
#define SHOJI_KERNEL_HA_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define CRC32_SLICES 8

struct crc32_table {
	uint32_t slice[CRC32_SLICES][256];
};

void crc32_table_init(struct crc32_table *t);

/*
 * Carry a CRC over more bytes: start from crc32_begin(), feed any number of
 * pieces, finish with crc32_end(). Splitting the bytes anywhere gives the
 * same result.
 */
uint32_t crc32_update(const struct crc32_table *t, uint32_t crc, const void *bytes, size_t len);

static inline uint32_t crc32_begin(void)
{
	return 0xffffffffU;
}

static inline uint32_t crc32_end(uint32_t crc)
{
	return crc ^ 0xffffffffU;
}

#endif
