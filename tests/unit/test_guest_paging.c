/* unit-test-sources: kernel/emul/guest_paging.c kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c */
/*
 * Guest page walks over a fake guest RAM (a host buffer standing for GPA
 * [0, RAM_SIZE)): each paging mode with 4 KiB and large pages, not-present,
 * reserved-bit and protection faults with their #PF error codes, and the
 * instruction fetch at CS:RIP across page and segment-limit boundaries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/emul/guest_paging.h"

#define RAM_SIZE (4 * SZ_1M)

#define CR0_PE	 (1ULL << 0)
#define CR0_WP	 (1ULL << 16)
#define CR0_PG	 (1ULL << 31)
#define CR4_PSE	 (1ULL << 4)
#define CR4_PAE	 (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

#define P  (1ULL << 0)
#define RW (1ULL << 1)
#define US (1ULL << 2)
#define PS (1ULL << 7)
#define XD (1ULL << 63)

#define PF_P	GUEST_PF_P
#define PF_W	GUEST_PF_W
#define PF_U	GUEST_PF_U
#define PF_RSVD GUEST_PF_RSVD
#define PF_I	GUEST_PF_I

#define RD    0
#define WR    GUEST_ACCESS_WRITE
#define USR   GUEST_ACCESS_USER
#define FETCH GUEST_ACCESS_FETCH

static uint8_t *ram;

static void put32(gpa_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

static void put64(gpa_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
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

/* The paging registers every context here walks with (pg_make sets them). */
static struct vcpu_insn_state pg_regs;

static struct guest_paging pg_make(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	pg_regs = (struct vcpu_insn_state){.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer};
	return (struct guest_paging){.regs = &pg_regs, .ram = ram, .ram_size = RAM_SIZE};
}

static void expect_gpa(const struct guest_paging *pg, gva_t la, unsigned access, gpa_t want)
{
	gpa_t gpa = 0;
	uint32_t err = 0xdead;

	assert_int_equal(guest_paging_translate(pg, la, access, &gpa, &err), 0);
	assert_int_equal(gpa, want);
	assert_int_equal(err, 0);
}

static void expect_pf(const struct guest_paging *pg, gva_t la, unsigned access, uint32_t want)
{
	gpa_t gpa = 0;
	uint32_t err = 0xdead;

	assert_int_equal(guest_paging_translate(pg, la, access, &gpa, &err), -EFAULT);
	assert_int_equal(err, want);
}

/* --- no paging ----------------------------------------------------------- */

static void test_no_paging(void **state)
{
	struct guest_paging pg = pg_make(CR0_PE, 0, 0, 0);

	expect_gpa(&pg, 0x12345678, RD, 0x12345678);
	expect_gpa(&pg, 0xfffffff0, FETCH | USR, 0xfffffff0);
	expect_gpa(&pg, 0x100000123ULL, WR, 0x123); /* 32-bit linear addresses */
	pg_regs.cr0 = 0;
	expect_gpa(&pg, 0xffff0, FETCH, 0xffff0);
}

/* --- 32-bit paging ------------------------------------------------------- */

/* PD at 0x1000, PT at 0x2000; la 0x00401234 -> 0x5234; 4 MiB page at la 0x00800000. */
static struct guest_paging setup_32(void)
{
	put32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	put32(0x2000 + 1 * 4, 0x5000 | P | RW | US);
	put32(0x2000 + 2 * 4, 0x6000 | P | US);		 /* read-only user */
	put32(0x2000 + 3 * 4, 0x7000 | P | RW);		 /* supervisor */
	put32(0x1000 + 2 * 4, 0x00c00000 | P | RW | PS); /* 4 MiB supervisor */
	return pg_make(CR0_PE | CR0_PG | CR0_WP, 0x1000, CR4_PSE, 0);
}

static void test_32bit(void **state)
{
	struct guest_paging pg = setup_32();

	expect_gpa(&pg, 0x00401234, RD, 0x5234);
	expect_gpa(&pg, 0x00401fff, WR | USR, 0x5fff);
	expect_gpa(&pg, 0x00812345, FETCH, 0xc12345);
	/* CR3 low bits (PCD/PWT) and the linear address above 4 GiB are ignored. */
	pg_regs.cr3 |= 0x18;
	expect_gpa(&pg, 0x100401234ULL, RD, 0x5234);

	/* Not present: PDE 0, and PTE 4. */
	expect_pf(&pg, 0x00001000, RD, 0);
	expect_pf(&pg, 0x00404000, WR, PF_W);
	expect_pf(&pg, 0x00404000, USR | FETCH, PF_U); /* no I/D without NX/SMEP */

	/* Protection. */
	expect_pf(&pg, 0x00402000, WR | USR, PF_P | PF_W | PF_U);
	expect_pf(&pg, 0x00402000, WR, PF_P | PF_W); /* CR0.WP=1 */
	expect_pf(&pg, 0x00403000, USR, PF_P | PF_U);
	expect_pf(&pg, 0x00812345, USR, PF_P | PF_U);
	pg_regs.cr0 &= ~CR0_WP;
	expect_gpa(&pg, 0x00402000, WR, 0x6000);
	expect_pf(&pg, 0x00402000, WR | USR, PF_P | PF_W | PF_U);

	/* PSE-36: PDE bits 20:13 give PA bits 39:32. */
	put32(0x1000 + 3 * 4, 0x00400000 | (0x5u << 13) | P | PS);
	expect_gpa(&pg, 0x00c00010, RD, 0x500400010ULL);
	pg.maxphyaddr = 34; /* PA bit 34 does not exist: reserved */
	expect_pf(&pg, 0x00c00010, RD, PF_P | PF_RSVD);
	pg.maxphyaddr = 0;
	/* Bit 21 of a 4 MiB PDE is reserved. */
	put32(0x1000 + 3 * 4, 0x00400000 | (1u << 21) | P | PS);
	expect_pf(&pg, 0x00c00010, WR, PF_P | PF_RSVD | PF_W);

	/* Without CR4.PSE the PS bit is ignored: the PDE points at a page table. */
	put32(0x1000 + 4 * 4, 0 | P | PS); /* a 4 MiB page at 0, or a page table at 0 */
	put32(0, 0x9000 | P);
	expect_gpa(&pg, 0x01000abc, RD, 0xabc);
	pg_regs.cr4 = 0;
	expect_gpa(&pg, 0x01000abc, RD, 0x9abc);

	/* SMEP gives supervisor fetches from user pages a fault, with I/D. */
	pg_regs.cr4 = CR4_PSE | CR4_SMEP;
	expect_pf(&pg, 0x00401000, FETCH, PF_P | PF_I);
	expect_gpa(&pg, 0x00401000, FETCH | USR, 0x5000);
}

/* --- PAE paging ---------------------------------------------------------- */

/*
 * PDPT at 0x3020 (32-byte aligned, CR3 low bits 4:0 free), PD at 0x4000,
 * PT at 0x8000. la 0x40201000 (PDPTE 1, PDE 1, PTE 1) -> 0xa000.
 */
static struct guest_paging setup_pae(void)
{
	put64(0x3020 + 1 * 8, 0x4000 | P);
	put64(0x4000 + 1 * 8, 0x8000 | P | RW | US);
	put64(0x8000 + 1 * 8, 0xa000 | P | RW | US);
	put64(0x8000 + 2 * 8, 0xb000 | P | RW | US | XD);
	put64(0x4000 + 2 * 8, 0x00200000 | P | RW | PS); /* 2 MiB */
	return pg_make(CR0_PE | CR0_PG | CR0_WP, 0x3020, CR4_PAE, EFER_NXE);
}

static void test_pae(void **state)
{
	struct guest_paging pg = setup_pae();

	expect_gpa(&pg, 0x40201234, RD, 0xa234);
	expect_gpa(&pg, 0x40201234, FETCH | USR, 0xa234);
	expect_gpa(&pg, 0x40412345, WR, 0x212345);
	/* NX with NXE: fetch faults with I/D. */
	expect_pf(&pg, 0x40202000, FETCH, PF_P | PF_I);
	expect_pf(&pg, 0x40202000, FETCH | USR, PF_P | PF_I | PF_U);
	expect_gpa(&pg, 0x40202000, RD, 0xb000);
	/* XD without NXE is a reserved bit. */
	pg_regs.efer = 0;
	expect_pf(&pg, 0x40202000, RD, PF_P | PF_RSVD);
	pg_regs.efer = EFER_NXE;
	/* PDPTE 0 not present; PDPTE with reserved bits (R/W is reserved in PAE PDPTEs). */
	expect_pf(&pg, 0x00001000, RD, 0);
	put64(0x3020 + 2 * 8, 0x4000 | P | RW);
	expect_pf(&pg, 0x80000000, RD, PF_P | PF_RSVD);
	/* 2 MiB page with bit 13 set: reserved. */
	put64(0x4000 + 3 * 8, 0x00400000 | (1ULL << 13) | P | PS);
	expect_pf(&pg, 0x40600000, RD, PF_P | PF_RSVD);
	/* PAE PTE bits 62:MAXPHYADDR reserved. */
	put64(0x8000 + 3 * 8, 0xc000 | (1ULL << 52) | P);
	expect_pf(&pg, 0x40203000, RD, PF_P | PF_RSVD);
	pg.maxphyaddr = 36;
	put64(0x8000 + 4 * 8, 0xc000 | (1ULL << 40) | P);
	expect_pf(&pg, 0x40204000, RD, PF_P | PF_RSVD);
}

/* --- 4-level paging ------------------------------------------------------ */

/*
 * PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000.
 * la 0x0000008040201000: PML4E 1, PDPTE 1, PDE 1, PTE 1 -> 0x20000.
 * PDPTE 2: 1 GiB page at 0x40000000. PDE 2: 2 MiB page at 0x200000.
 * Upper half: PML4E 511 -> same PDPT.
 */
static struct guest_paging setup_4level(void)
{
	put64(0x10000 + 1 * 8, 0x11000 | P | RW | US);
	put64(0x10000 + 511 * 8, 0x11000 | P | RW);
	put64(0x11000 + 1 * 8, 0x12000 | P | RW | US);
	put64(0x11000 + 2 * 8, 0x40000000 | P | RW | PS);
	put64(0x12000 + 1 * 8, 0x13000 | P | RW | US);
	put64(0x12000 + 2 * 8, 0x200000 | P | RW | US | PS);
	put64(0x13000 + 1 * 8, 0x20000 | P | RW | US);
	put64(0x13000 + 2 * 8, 0x21000 | P | US);      /* read-only user */
	put64(0x13000 + 3 * 8, 0x22000 | P | RW | XD); /* NX supervisor */
	return pg_make(CR0_PE | CR0_PG | CR0_WP, 0x10000, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE);
}

static void test_4level(void **state)
{
	struct guest_paging pg = setup_4level();
	const gva_t base = 0x0000008040200000ULL;

	expect_gpa(&pg, base + 0x1abc, RD, 0x20abc);
	expect_gpa(&pg, base + 0x1abc, WR | USR | FETCH, 0x20abc);
	expect_gpa(&pg, 0x0000008080123456ULL, RD, 0x40123456);		/* 1 GiB */
	expect_gpa(&pg, 0x0000008040400000ULL + 0x12345, RD, 0x212345); /* 2 MiB */
	/* The upper half (sign-extended) through PML4E 511. */
	expect_gpa(&pg, 0xffffff8080000010ULL, RD, 0x40000010);
	expect_pf(&pg, 0xffffff8080000010ULL, USR, PF_P | PF_U);
	/* CR3 with PCID bits. */
	pg_regs.cr3 |= 0x123;
	expect_gpa(&pg, base + 0x1000, RD, 0x20000);
	pg_regs.cr3 &= ~0xfffULL;

	/* Protection and NX. */
	expect_pf(&pg, base + 0x2000, WR | USR, PF_P | PF_W | PF_U);
	expect_pf(&pg, base + 0x3000, FETCH, PF_P | PF_I);
	expect_pf(&pg, base + 0x3000, RD | USR, PF_P | PF_U);
	expect_pf(&pg, base + 0x4000, FETCH | USR, PF_U | PF_I); /* not present */

	/* SMEP / SMAP on a user page. */
	pg_regs.cr4 |= CR4_SMEP | CR4_SMAP;
	expect_pf(&pg, base + 0x1000, FETCH, PF_P | PF_I);
	expect_pf(&pg, base + 0x1000, RD, PF_P);
	expect_pf(&pg, base + 0x1000, WR, PF_P | PF_W);
	expect_gpa(&pg, base + 0x1000, RD | GUEST_ACCESS_AC, 0x20000);
	expect_gpa(&pg, base + 0x1000, RD | USR, 0x20000);
	pg_regs.cr4 &= ~(CR4_SMEP | CR4_SMAP);

	/* Non-canonical: #GP, not #PF. */
	{
		gpa_t gpa;
		uint32_t err;

		assert_int_equal(guest_paging_translate(&pg, 0x0000800000000000ULL, RD, &gpa, &err),
				 -EINVAL);
		assert_int_equal(guest_paging_translate(&pg, 0xfff0000000000000ULL, RD, &gpa, &err),
				 -EINVAL);
		/* 5-level paging is not supported. */
		pg_regs.cr4 |= CR4_LA57;
		assert_int_equal(guest_paging_translate(&pg, base, RD, &gpa, &err), -ENOTSUP);
		pg_regs.cr4 &= ~CR4_LA57;
	}

	/* Reserved bits: PS in a PML4E; 1 GiB page with bit 13; high PA bits. */
	put64(0x10000 + 2 * 8, 0x11000 | P | PS);
	expect_pf(&pg, 0x0000010000000000ULL, RD, PF_P | PF_RSVD);
	put64(0x11000 + 3 * 8, 0xc0000000 | (1ULL << 13) | P | PS);
	expect_pf(&pg, 0x00000080c0000000ULL, RD, PF_P | PF_RSVD);
	pg.maxphyaddr = 39;
	put64(0x13000 + 5 * 8, (1ULL << 39) | P);
	expect_pf(&pg, base + 0x5000, RD, PF_P | PF_RSVD);
	pg.maxphyaddr = 0;
	expect_gpa(&pg, base + 0x5000, RD, 1ULL << 39);
	/* Bits 62:52 are ignored in 4-level entries (unlike PAE). */
	put64(0x13000 + 6 * 8, 0x23000 | (1ULL << 55) | P);
	expect_gpa(&pg, base + 0x6000, RD, 0x23000);
	/* XD without NXE is reserved. */
	pg_regs.efer &= ~EFER_NXE;
	expect_pf(&pg, base + 0x3000, RD, PF_P | PF_RSVD);
}

static void test_walk_outside_ram(void **state)
{
	struct guest_paging pg = setup_4level();
	gpa_t gpa;
	uint32_t err;

	/* A paging structure outside guest RAM is an error, not a #PF (and not -EFAULT). */
	put64(0x12000 + 7 * 8, 0x7ff000000ULL | P);
	assert_int_equal(guest_paging_translate(&pg, 0x0000008040e00000ULL, RD, &gpa, &err), -EIO);
	pg_regs.cr3 = 0x7ff000000ULL;
	assert_int_equal(guest_paging_translate(&pg, 0, RD, &gpa, &err), -EIO);
	/* A leaf outside RAM translates fine: only the data access would fail. */
	pg = pg_make(CR0_PE | CR0_PG, 0x10000, CR4_PAE, EFER_LMA);
	expect_gpa(&pg, 0x0000008080000000ULL, RD, 0x40000000);
}

/* --- instruction fetch --------------------------------------------------- */

static struct vcpu_insn_state state_64(uint64_t rip)
{
	struct vcpu_insn_state s = {0};

	s.cr0 = CR0_PE | CR0_PG;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA | EFER_NXE;
	s.cs_l = true;
	s.cs_base = 0xdead0000; /* ignored in 64-bit mode */
	s.rip = rip;
	return s;
}

static void fill_pattern(gpa_t gpa, unsigned len, uint8_t first)
{
	for (unsigned i = 0; i < len; i++)
		ram[gpa + i] = (uint8_t)(first + i);
}

static void test_fetch_64(void **state)
{
	struct guest_paging pg = setup_4level();
	struct vcpu_insn_state s = state_64(0x0000008040201100ULL);
	struct guest_fetch f;

	fill_pattern(0x20100, 15, 0x10);
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 15);
	assert_int_equal(f.tail_error, 0);
	for (unsigned i = 0; i < 15; i++)
		assert_int_equal(f.bytes[i], 0x10 + i);

	/* Crossing into the next page: frames 0x20000 and 0x21000 are not contiguous in la. */
	put64(0x13000 + 2 * 8, 0x30000 | P | RW | US);
	fill_pattern(0x20ffd, 3, 0xa0);
	fill_pattern(0x30000, 12, 0xb0);
	s.rip = 0x0000008040201ffdULL;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 15);
	assert_int_equal(f.bytes[0], 0xa0);
	assert_int_equal(f.bytes[2], 0xa2);
	assert_int_equal(f.bytes[3], 0xb0);
	assert_int_equal(f.bytes[14], 0xbb);

	/* Next page not present: three bytes, and the #PF the caller may need. */
	put64(0x13000 + 2 * 8, 0);
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 3);
	assert_int_equal(f.tail_error, -EFAULT);
	assert_int_equal(f.pf_la, 0x0000008040202000ULL);
	assert_int_equal(f.pf_error, PF_I);

	/* Next page NX: same, as a protection fault. */
	put64(0x13000 + 2 * 8, 0x30000 | P | XD);
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 3);
	assert_int_equal(f.pf_error, PF_P | PF_I);

	/* First byte faults: the whole fetch is a #PF; CPL 3 from SS.DPL. */
	s.rip = 0x0000008040204000ULL;
	s.ss_dpl = 3;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), -EFAULT);
	assert_int_equal(f.pf_la, 0x0000008040204000ULL);
	assert_int_equal(f.pf_error, PF_U | PF_I);
	assert_int_equal(f.len, 0);

	/* User fetch from a supervisor page. */
	s.rip = 0xffffff8080000000ULL;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), -EFAULT);
	assert_int_equal(f.pf_error, PF_P | PF_U | PF_I);
	s.ss_dpl = 0;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), -EIO); /* 0x40000000 is outside RAM */

	/* Next page outside RAM: partial fetch, -EIO as the tail error. */
	put64(0x13000 + 2 * 8, 0x7ff000ULL | P);
	s.rip = 0x0000008040201ffdULL;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 3);
	assert_int_equal(f.tail_error, -EIO);
}

static void test_fetch_real_mode(void **state)
{
	struct guest_paging pg = pg_make(0, 0, 0, 0);
	struct vcpu_insn_state s = {0};
	struct guest_fetch f;

	/* The hidden base counts, not selector << 4 (selector 0x1234 here). */
	s.cs_base = 0x10000;
	s.cs_limit = 0xffff;
	s.rip = 0x100;
	fill_pattern(0x10100, 15, 0x40);
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 15);
	assert_int_equal(f.bytes[0], 0x40);
	assert_int_equal(f.bytes[14], 0x4e);

	/* IP is 16 bits. */
	s.rip = 0xabcd00000100ULL;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.bytes[0], 0x40);

	/* The 64 KiB limit cuts the fetch short (no wrap to IP 0). */
	s.rip = 0xfffa;
	fill_pattern(0x1fffa, 6, 0x60);
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 6);
	assert_int_equal(f.tail_error, -ERANGE);
	assert_int_equal(f.bytes[5], 0x65);

	/* Past the limit altogether. */
	s.cs_limit = 0xff;
	s.rip = 0x100;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), -ERANGE);

	/* Virtual-8086 mode fetches as CPL 3 through paging. */
	{
		struct guest_paging pg32 = setup_32();
		struct vcpu_insn_state v = {0};

		v.cr0 = CR0_PE | CR0_PG;
		v.rflags = 1ULL << 17;
		v.cs_base = 0x00403000; /* supervisor page */
		v.cs_limit = 0xffff;
		assert_int_equal(guest_fetch_insn(&pg32, &v, &f), -EFAULT);
		assert_int_equal(f.pf_error, PF_P | PF_U);
		v.cs_base = 0x00401000;
		assert_int_equal(guest_fetch_insn(&pg32, &v, &f), 0);
		assert_int_equal(f.len, 15);
	}
}

static void test_fetch_32bit_wrap_and_compat(void **state)
{
	struct guest_paging pg = setup_32();
	struct vcpu_insn_state s = {0};
	struct guest_fetch f;

	/* PDE 1023 -> PT 0x14000, PTE 1023 -> 0x15000; la 0 -> PDE 0 -> PT 0x16000 -> 0x17000. */
	put32(0x1000 + 1023 * 4, 0x14000 | P);
	put32(0x14000 + 1023 * 4, 0x15000 | P);
	put32(0x1000 + 0 * 4, 0x16000 | P);
	put32(0x16000 + 0 * 4, 0x17000 | P);
	fill_pattern(0x15ffe, 2, 0x70);
	fill_pattern(0x17000, 13, 0x80);

	s.cr0 = CR0_PE | CR0_PG;
	s.cs_db = true;
	s.cs_base = 0x100000;
	s.cs_limit = 0xffffffff;
	s.rip = 0xffeffffe; /* base + EIP = 0xfffffffe: wraps at 4 GiB */
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 15);
	assert_int_equal(f.bytes[0], 0x70);
	assert_int_equal(f.bytes[1], 0x71);
	assert_int_equal(f.bytes[2], 0x80);
	assert_int_equal(f.bytes[14], 0x8c);

	/* The segment limit clips. */
	s.cs_limit = 0xfff00003;
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 6);
	assert_int_equal(f.tail_error, -ERANGE);

	/* Compatibility mode: CS.base applies, 4-level paging translates. */
	{
		struct guest_paging pg4 = setup_4level();
		struct vcpu_insn_state c = state_64(0);

		/* Map la 0x1000 -> PML4E 0 -> PDPT 0x18000 -> PD 0x19000 -> PT 0x1a000 -> 0x1b000.
		 */
		put64(0x10000, 0x18000 | P);
		put64(0x18000, 0x19000 | P);
		put64(0x19000, 0x1a000 | P);
		put64(0x1a000 + 1 * 8, 0x1b000 | P);
		fill_pattern(0x1b010, 15, 0x90);
		c.cs_l = false;
		c.cs_db = true;
		c.cs_base = 0x1000;
		c.cs_limit = 0xffffffff;
		c.rip = 0xffffffff00000010ULL; /* EIP: the upper half is not used */
		assert_int_equal(guest_fetch_insn(&pg4, &c, &f), 0);
		assert_int_equal(f.len, 15);
		assert_int_equal(f.bytes[0], 0x90);
	}
}

/* Decoding what was fetched, as the exit handler will. */
static void test_fetch_then_decode(void **state)
{
	struct guest_paging pg = setup_4level();
	struct vcpu_insn_state s = state_64(0x0000008040201ff9ULL);
	static const uint8_t insn_bytes[] = {0x48, 0xc7, 0x45, 0x08, 0xff, 0xff, 0xff, 0xff};
	struct guest_fetch f;
	struct x86_insn insn;

	put64(0x13000 + 2 * 8, 0x30000 | P);
	memcpy(ram + 0x20ff9, insn_bytes, 7);
	ram[0x30000] = insn_bytes[7];
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(x86_decode(f.bytes, f.len, x86_cpu_mode(&s), &insn), 0);
	assert_int_equal(insn.len, 8);
	assert_int_equal(insn.op, X86_OP_MOV_STORE);

	/* The tail page missing: the decoder sees a truncated instruction. */
	put64(0x13000 + 2 * 8, 0);
	assert_int_equal(guest_fetch_insn(&pg, &s, &f), 0);
	assert_int_equal(f.len, 7);
	assert_int_equal(x86_decode(f.bytes, f.len, x86_cpu_mode(&s), &insn), -EINVAL);
	assert_int_equal(f.tail_error, -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_no_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_32bit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_4level, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_walk_outside_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_64, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_real_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_32bit_wrap_and_compat, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_then_decode, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
