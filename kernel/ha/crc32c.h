/*
 * CRC-32C (Castagnoli, as iSCSI, SCTP and ext4 use it): polynomial
 * 0x1EDC6F41 bit-reversed, initial value and final XOR all ones. The
 * replication stream seals every record with it.
 *
 * Castagnoli's rather than IEEE 802.3's because x86 computes it: the CRC32
 * instruction (SSE4.2, CPUID.1:ECX bit 20) takes 8 bytes into a
 * general-purpose register at a time and touches no SSE state, which
 * kernel code may not. Where the CPU lacks it, slice-by-8 tables (8 KiB,
 * built from the polynomial by crc32c_table_init into memory the caller
 * owns, so the module holds no state). Under Bochs a 4 KiB page costs
 * about 15000 instructions through the tables, 600 through the instruction.
 */
#ifndef SHOJI_KERNEL_HA_CRC32C_H
#define SHOJI_KERNEL_HA_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRC32C_SLICES 8

struct crc32c_table {
	bool insn; /* the CPU has the CRC32 instruction: the tables are not used */
	uint32_t slice[CRC32C_SLICES][256];
};

/* Build the tables and look for the instruction (tests may clear t->insn after). */
void crc32c_table_init(struct crc32c_table *t);

/*
 * Carry a CRC over more bytes: start from crc32c_begin(), feed any number
 * of pieces, finish with crc32c_end(). Splitting the bytes anywhere gives
 * the same result, with or without the instruction.
 */
uint32_t crc32c_update(const struct crc32c_table *t, uint32_t crc, const void *bytes, size_t len);

static inline uint32_t crc32c_begin(void)
{
	return 0xffffffffU;
}

static inline uint32_t crc32c_end(uint32_t crc)
{
	return crc ^ 0xffffffffU;
}

#endif
