/* unit-test-sources: kernel/emul/guest_mem.c kernel/emul/guest_paging.c kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c */
/*
 * Guest memory access over a fake guest RAM (guest_ram_ptr() is stubbed
 * here with a host buffer): GPA copies and their bounds, GVA copies across
 * pages through 4-level paging, faults that leave memory untouched, and the
 * instruction fetch through the same walk context.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/emul/guest_mem.h"

#define RAM_SIZE (1 * SZ_1M)

/* Paging state: PE alone; PE, WP, PG with PAE and LME, LMA (4-level paging). */
#define CR0_PE	   (1ULL << 0)
#define CR0_PAGED  (CR0_PE | 1ULL << 16 | 1ULL << 31)
#define CR4_PAGED  (1ULL << 5)
#define EFER_PAGED (1ULL << 8 | 1ULL << 10)

/* Paging-structure entry bits: present, writable, user. */
#define P  (1ULL << 0)
#define RW (1ULL << 1)
#define US (1ULL << 2)

static uint8_t *ram;
static struct guest guest = {.mem_size = RAM_SIZE};

void *guest_ram_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	assert_ptr_equal(g, &guest);
	if (gpa >= g->mem_size || len > g->mem_size - gpa)
		return NULL;
	return ram + gpa;
}

/* Reads through the same fake: this test has no dirty log to tell them apart. */
const void *guest_ram_read_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	return guest_ram_ptr(g, gpa, len);
}

static int setup(void **state)
{
	ram = calloc(1, RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static void put64(gpa_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

static void test_gpa(void **state)
{
	uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[8] = {0};

	assert_int_equal(guest_mem_write_gpa(&guest, 0x1000, buf, sizeof(buf)), 0);
	assert_memory_equal(ram + 0x1000, buf, sizeof(buf));
	assert_int_equal(guest_mem_read_gpa(&guest, 0x1000, back, sizeof(back)), 0);
	assert_memory_equal(back, buf, sizeof(buf));
	/* The last bytes of RAM, and one past them. */
	assert_int_equal(guest_mem_write_gpa(&guest, RAM_SIZE - 8, buf, 8), 0);
	assert_int_equal(guest_mem_write_gpa(&guest, RAM_SIZE - 7, buf, 8), -EFAULT);
	assert_int_equal(guest_mem_read_gpa(&guest, RAM_SIZE, back, 1), -EFAULT);
	assert_int_equal(guest_mem_read_gpa(&guest, ~0ULL, back, 2), -EFAULT);
	assert_true(guest_mem_is_ram(&guest, RAM_SIZE - 1, 1));
	assert_false(guest_mem_is_ram(&guest, RAM_SIZE - 1, 2));
}

/* 4-level paging: GVA 0x400000 -> GPA 0x30000 (RW), 0x401000 -> 0x50000 (read-only), user pages. */
#define GVA_A 0x400000ULL
#define GVA_B 0x401000ULL

static struct vcpu_insn_state paged_state(void)
{
	memset(ram, 0, 0x20000);
	put64(0x10000, 0x11000 | P | RW | US);		 /* PML4[0] */
	put64(0x11000, 0x12000 | P | RW | US);		 /* PDPT[0] */
	put64(0x12000 + 2 * 8, 0x13000 | P | RW | US);	 /* PD[2]: 4 MiB */
	put64(0x13000 + 0 * 8, 0x30000 | P | RW | US);	 /* PT[0] */
	put64(0x13000 + 1 * 8, 0x50000 | P | US);	 /* PT[1]: read-only */
	put64(0x13000 + 2 * 8, 0x2000000 | P | RW | US); /* PT[2]: outside RAM */
	return (struct vcpu_insn_state){.cr0 = CR0_PAGED,
					.cr3 = 0x10000,
					.cr4 = CR4_PAGED,
					.efer = EFER_PAGED,
					.cs_l = true,
					.cs_limit = 0xffffffff,
					.rip = GVA_B - 2};
}

static void test_gva(void **state)
{
	struct vcpu_insn_state s = paged_state();
	uint8_t buf[8] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7}, back[8];
	uint32_t pf_error;
	gva_t pf_la;
	gpa_t gpa;

	/* Across the page boundary: four bytes from each page. */
	memcpy(ram + 0x30ffc, buf, 4);
	memcpy(ram + 0x50000, buf + 4, 4);
	assert_int_equal(guest_mem_read_gva(&guest, &s, GVA_B - 4, 0, back, 8, &pf_la, &pf_error),
			 0);
	assert_memory_equal(back, buf, 8);

	/* A write that reaches the read-only page faults before writing anything. */
	memset(ram + 0x30ffc, 0, 4);
	assert_int_equal(guest_mem_write_gva(&guest, &s, GVA_B - 4, 0, buf, 8, &pf_la, &pf_error),
			 -EFAULT);
	assert_int_equal(pf_la, GVA_B);
	assert_int_equal(pf_error, GUEST_PF_P | GUEST_PF_W);
	assert_int_equal(ram[0x30ffc], 0);
	/* The writable page takes it. */
	assert_int_equal(guest_mem_write_gva(&guest, &s, GVA_A + 8, GUEST_ACCESS_USER, buf, 8,
					     &pf_la, &pf_error),
			 0);
	assert_memory_equal(ram + 0x30008, buf, 8);

	/* Not present: no P bit in the error code. */
	assert_int_equal(
	    guest_mem_read_gva(&guest, &s, 0x800000, GUEST_ACCESS_USER, back, 1, &pf_la, &pf_error),
	    -EFAULT);
	assert_int_equal(pf_la, 0x800000);
	assert_int_equal(pf_error, GUEST_PF_U);
	/* Mapped, but not to RAM. */
	assert_int_equal(
	    guest_mem_read_gva(&guest, &s, GVA_A + 0x2000, 0, back, 1, &pf_la, &pf_error), -EIO);

	assert_int_equal(guest_mem_translate(&guest, &s, GVA_B + 0x10, 0, &gpa, &pf_error), 0);
	assert_int_equal(gpa, 0x50010);
	assert_int_equal(
	    guest_mem_translate(&guest, &s, GVA_B, GUEST_ACCESS_WRITE, &gpa, &pf_error), -EFAULT);
	assert_int_equal(pf_error, GUEST_PF_P | GUEST_PF_W);
}

static void test_fetch(void **state)
{
	struct vcpu_insn_state s = paged_state();
	struct guest_fetch f;
	static const uint8_t cpuid_hlt[] = {0x0f, 0xa2, 0xf4};

	/* The instruction straddles the two pages; the fetch stops at the unmapped 0x403000. */
	memcpy(ram + 0x30ffe, cpuid_hlt, 2);
	ram[0x50000] = cpuid_hlt[2];
	assert_int_equal(guest_mem_fetch_insn(&guest, &s, &f), 0);
	assert_int_equal(f.len, X86_MAX_INSN_LEN);
	assert_memory_equal(f.bytes, cpuid_hlt, sizeof(cpuid_hlt));

	/* Paging off: linear is physical. */
	s = (struct vcpu_insn_state){
	    .cr0 = CR0_PE, .cs_db = true, .cs_limit = 0xffffffff, .rip = 0x7000};
	memcpy(ram + 0x7000, cpuid_hlt, sizeof(cpuid_hlt));
	assert_int_equal(guest_mem_fetch_insn(&guest, &s, &f), 0);
	assert_memory_equal(f.bytes, cpuid_hlt, sizeof(cpuid_hlt));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gpa),
	    cmocka_unit_test(test_gva),
	    cmocka_unit_test(test_fetch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
