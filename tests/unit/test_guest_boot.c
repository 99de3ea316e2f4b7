/*
 * guest_boot: the first vCPU state per start mode. The long64 page tables
 * are walked as the CPU would (SDM 3A 4.5), the GDT descriptors decoded and
 * compared with the hidden segment state, and the state run through the
 * VM-entry segment checks of SDM 3C 26.3.1.2 that apply to it. Nothing
 * outside the boot tables may change in guest RAM.
 */
/* unit-test-sources: kernel/guest/guest_boot.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/guest_boot.h"

#define RAM_SIZE (16 * SZ_1M)
#define RAM_FILL 0x5a

#define CR0_BITS_LONG64 0x80010033ULL /* PG WP NE ET MP PE */
#define CR0_BITS_PROT32 0x31ULL	      /* NE ET PE */
#define CR0_BITS_REAL	0x10ULL	      /* ET */
#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_PWT		(1ULL << 3)
#define PTE_PCD		(1ULL << 4)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR	0x000ffffffffff000ULL

static uint8_t *ram;
static struct vcpu_sregs sr;
static char reason[GUEST_BOOT_REASON_MAX];

static int setup(void **state)
{
	ram = aligned_alloc(PAGE_SIZE, RAM_SIZE);
	memset(ram, RAM_FILL, RAM_SIZE);
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static bool ram_untouched(uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		if (ram[i] != RAM_FILL)
			return false;
	return true;
}

static uint64_t rd64(const uint8_t *mem, uint64_t mem_size, uint64_t gpa)
{
	uint64_t v;

	assert_true(gpa + 8 <= mem_size); /* every table the walk touches is in RAM */
	memcpy(&v, mem + gpa, 8);
	return v;
}

/*
 * 4-level walk (SDM 3A 4.5): returns false if not present. Reserved bits
 * above bit 51 and below the page frame of a 2 MiB leaf must be clear.
 */
static bool walk(const uint8_t *mem, uint64_t mem_size, uint64_t cr3, uint64_t va, uint64_t *pa,
		 uint64_t *leaf)
{
	uint64_t table = cr3 & PTE_ADDR;
	static const int shifts[] = {39, 30, 21, 12};

	for (int level = 0; level < 4; level++) {
		uint64_t e = rd64(mem, mem_size, table + ((va >> shifts[level]) & 511) * 8);

		if (!(e & PTE_P))
			return false;
		assert_true(e & PTE_W);
		assert_false(e & PTE_US); /* supervisor-only */
		assert_int_equal(e >> 52, 0);
		if (level == 0)
			assert_false(e & PTE_PS); /* PML4E: PS reserved */
		if (level == 1)
			assert_false(e & PTE_PS); /* the test expects no 1 GiB pages */
		if (level == 2 && (e & PTE_PS)) {
			assert_int_equal(e & 0x1ff000,
					 0); /* PAT bit 12 clear, bits 20:13 reserved */
			*pa = (e & PTE_ADDR & ~(SZ_2M - 1)) | (va & (SZ_2M - 1));
			*leaf = e;
			return true;
		}
		table = e & PTE_ADDR;
	}
	fail_msg("the tables should use 2 MiB pages only");
	return false;
}

/* Limit/G consistency: SDM 3C 26.3.1.2. */
static void check_limit_g(const struct vcpu_segment *s)
{
	if ((s->limit & 0xfff) != 0xfff)
		assert_false(s->g);
	if (s->limit > 0xfffff)
		assert_true(s->g);
}

/* The SDM 3C 26.3.1.2 segment checks (unrestricted guest) and 26.3.1.1 CR checks. */
static void check_vmx_rules(const struct vcpu_sregs *s, bool ia32e)
{
	const struct vcpu_segment *data[] = {&s->ds, &s->es, &s->fs, &s->gs};

	assert_true(s->cs.type == 9 || s->cs.type == 11 || s->cs.type == 13 || s->cs.type == 15);
	assert_true(s->cs.s && s->cs.present && !s->cs.unusable);
	assert_int_equal(s->cs.dpl, s->ss.dpl);
	assert_int_equal(s->cs.base >> 32, 0);
	check_limit_g(&s->cs);
	if (ia32e && s->cs.l)
		assert_false(s->cs.db);
	/* SS.RPL = CS.RPL unless unrestricted guest; real-mode selectors have no RPL. */
	if (s->cr0 & 1)
		assert_int_equal(s->ss.selector & 3, s->cs.selector & 3);

	assert_false(s->ss.unusable);
	assert_true(s->ss.type == 3 || s->ss.type == 7);
	assert_true(s->ss.s && s->ss.present);
	if (!(s->cr0 & 1))
		assert_int_equal(s->ss.dpl, 0);
	check_limit_g(&s->ss);

	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		assert_false(data[i]->unusable);
		assert_true(data[i]->type & 1); /* accessed */
		assert_true(!(data[i]->type & 8) || (data[i]->type & 2));
		assert_true(data[i]->s && data[i]->present);
		check_limit_g(data[i]);
	}

	assert_false(s->tr.unusable);
	if (ia32e)
		assert_int_equal(s->tr.type, 11);
	else
		assert_true(s->tr.type == 3 || s->tr.type == 11);
	assert_false(s->tr.s);
	assert_true(s->tr.present);
	assert_int_equal(s->tr.selector & 4, 0); /* TI = 0 */
	assert_int_equal(s->tr.base >> 32, 0);
	check_limit_g(&s->tr);
	assert_true(s->ldtr.unusable);

	assert_true(s->gdtr_limit <= 0xffff && s->idtr_limit <= 0xffff);
	assert_int_equal(s->rflags, 0x2);
	if (s->cr0 & (1ULL << 31))
		assert_true(s->cr0 & 1);
	if (ia32e) {
		assert_true(s->cr4 & (1ULL << 5));
		assert_int_equal(s->efer & 0x500, 0x500);
	} else {
		assert_int_equal(s->efer & 0x500, 0);
	}
	assert_int_equal(s->xcr0, 1);
}

static uint64_t gdt_entry(uint16_t selector)
{
	assert_true(selector + 7u <= sr.gdtr_limit);
	return rd64(ram, RAM_SIZE, sr.gdtr_base + selector);
}

/* Decode the descriptor at @selector and compare it with the hidden state @s. */
static void check_descriptor(const struct vcpu_segment *s)
{
	uint64_t d = gdt_entry(s->selector);
	uint64_t limit = (d & 0xffff) | ((d >> 32) & 0xf0000);
	uint64_t base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	bool g = (d >> 55) & 1;

	if (g)
		limit = (limit << 12) | 0xfff;
	assert_int_equal(base, s->base & 0xffffffff);
	assert_int_equal(limit, s->limit);
	assert_int_equal((d >> 40) & 0xf, s->type);
	assert_int_equal((d >> 44) & 1, s->s);
	assert_int_equal((d >> 45) & 3, s->dpl);
	assert_int_equal((d >> 47) & 1, s->present);
	assert_int_equal((d >> 53) & 1, s->l);
	assert_int_equal((d >> 54) & 1, s->db);
	assert_int_equal(g, s->g);
}

static void check_flat_data(const struct vcpu_segment *s)
{
	assert_int_equal(s->selector, GUEST_BOOT_SEL_DATA);
	assert_int_equal(s->base, 0);
	assert_int_equal(s->limit, 0xffffffff);
	assert_int_equal(s->type, 3);
	assert_true(s->s && s->present && s->g && s->db);
	assert_false(s->l);
	assert_int_equal(s->dpl, 0);
}

static void test_long64(void **state)
{
	const gpa_t tables = RAM_SIZE - 7 * PAGE_SIZE;

	assert_int_equal(guest_boot_tables_gpa(VCPU_START_LONG64, RAM_SIZE), tables);
	assert_int_equal(
	    guest_boot_setup(ram, RAM_SIZE, VCPU_START_LONG64, 0x200010, tables, &sr, reason), 0);
	assert_string_equal(reason, "");
	assert_int_equal(sr.cr0, CR0_BITS_LONG64);
	assert_int_equal(sr.cr4, 0x20);	  /* PAE */
	assert_int_equal(sr.efer, 0x500); /* LME LMA, no SCE */
	assert_int_equal(sr.cr3, tables);
	assert_int_equal(sr.cr2, 0);
	assert_int_equal(sr.rip, 0x200010);
	assert_int_equal(sr.rflags, 2);
	assert_int_equal(sr.rsp, tables);
	assert_int_equal(sr.rsp % 16, 0);

	assert_int_equal(sr.cs.selector, GUEST_BOOT_SEL_CODE);
	assert_int_equal(sr.cs.type, 0xb);
	assert_true(sr.cs.l && !sr.cs.db && sr.cs.g && sr.cs.s && sr.cs.present);
	assert_int_equal(sr.cs.limit, 0xffffffff);
	check_flat_data(&sr.ds);
	check_flat_data(&sr.es);
	check_flat_data(&sr.fs);
	check_flat_data(&sr.gs);
	check_flat_data(&sr.ss);
	assert_int_equal(sr.tr.selector, GUEST_BOOT_SEL_TSS);
	assert_int_equal(sr.tr.type, 0xb);
	assert_int_equal(sr.tr.base, RAM_SIZE - PAGE_SIZE + GUEST_BOOT_TSS_OFFSET);
	assert_int_equal(sr.tr.limit, 0x67);
	assert_true(sr.ldtr.unusable);
	assert_int_equal(sr.gdtr_base, RAM_SIZE - PAGE_SIZE);
	assert_int_equal(sr.gdtr_limit, 47); /* 6 slots: null, unused, code 0x10, data 0x18, TSS 0x20 */
	assert_int_equal(sr.idtr_base, 0);
	assert_int_equal(sr.idtr_limit, 0);
	check_vmx_rules(&sr, true);

	/* The GDT holds what the hidden state says; these are the textbook values. */
	assert_int_equal(gdt_entry(0), 0);
	assert_int_equal(gdt_entry(GUEST_BOOT_SEL_CODE), 0x00af9b000000ffffULL);
	assert_int_equal(gdt_entry(GUEST_BOOT_SEL_DATA), 0x00cf93000000ffffULL);
	check_descriptor(&sr.cs);
	check_descriptor(&sr.ss);
	check_descriptor(&sr.tr);
	assert_int_equal(gdt_entry(GUEST_BOOT_SEL_TSS + 8), 0); /* base[63:32] */
	uint16_t iomap;
	memcpy(&iomap, ram + sr.tr.base + 0x66, 2);
	assert_int_equal(iomap, 0x68);
	for (int i = 0; i < 0x66; i++)
		assert_int_equal(ram[sr.tr.base + i], 0);

	/* Only the tables changed. */
	assert_true(ram_untouched(0, tables));
}

/* Walk every 2 MiB page of the first 4 GiB, plus addresses that must miss. */
static void check_identity_map(const uint8_t *mem, uint64_t mem_size, uint64_t cr3)
{
	uint64_t pa, leaf;
	static const uint64_t spots[] = {0,	     0x1234,	 0x200010,   0xfff9000,
					 0xbfffffff, 0xc0000000, 0xfee00000, 0xffffffff};

	for (uint64_t va = 0; va < SZ_4G; va += SZ_2M) {
		assert_true(walk(mem, mem_size, cr3, va + 0x1234, &pa, &leaf));
		assert_int_equal(pa, va + 0x1234);
		/* MMIO window uncached (PAT entry 3), RAM write-back. */
		if (va >= GUEST_MMIO_BASE)
			assert_int_equal(leaf & (PTE_PCD | PTE_PWT), PTE_PCD | PTE_PWT);
		else
			assert_int_equal(leaf & (PTE_PCD | PTE_PWT), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(spots); i++) {
		assert_true(walk(mem, mem_size, cr3, spots[i], &pa, &leaf));
		assert_int_equal(pa, spots[i]);
	}
	assert_false(walk(mem, mem_size, cr3, SZ_4G, &pa, &leaf));
	assert_false(walk(mem, mem_size, cr3, 0x7fffffffffffULL, &pa, &leaf));
	assert_false(walk(mem, mem_size, cr3, 0xffff800000000000ULL, &pa, &leaf));
	assert_false(walk(mem, mem_size, cr3, 0xffffffff80000000ULL, &pa, &leaf));
}

static void test_long64_page_tables(void **state)
{
	assert_int_equal(
	    guest_boot_setup(ram, RAM_SIZE, VCPU_START_LONG64, 0x8000, 0x9000, &sr, reason), 0);
	check_identity_map(ram, RAM_SIZE, sr.cr3);
}

/* The smallest and a large RAM size: the tables follow the top of RAM. */
static void test_long64_sizes(void **state)
{
	static const uint64_t sizes[] = {SZ_1M, 4 * SZ_1M + 4 * PAGE_SIZE, 256 * SZ_1M};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *mem = aligned_alloc(PAGE_SIZE, sizes[i]);

		assert_int_equal(
		    guest_boot_setup(mem, sizes[i], VCPU_START_LONG64, 0x8000, 0x9000, &sr, reason),
		    0);
		assert_int_equal(sr.cr3, sizes[i] - 7 * PAGE_SIZE);
		assert_int_equal(sr.gdtr_base, sizes[i] - PAGE_SIZE);
		check_identity_map(mem, sizes[i], sr.cr3);
		free(mem);
	}
}

static void test_prot32(void **state)
{
	const gpa_t tables = RAM_SIZE - PAGE_SIZE;

	assert_int_equal(guest_boot_tables_gpa(VCPU_START_PROT32, RAM_SIZE), tables);
	assert_int_equal(
	    guest_boot_setup(ram, RAM_SIZE, VCPU_START_PROT32, 0x100000, 0x200000, &sr, reason), 0);
	assert_int_equal(sr.cr0, CR0_BITS_PROT32);
	assert_int_equal(sr.cr3, 0);
	assert_int_equal(sr.cr4, 0);
	assert_int_equal(sr.efer, 0);
	assert_int_equal(sr.rip, 0x100000);
	assert_int_equal(sr.rsp, tables);
	assert_int_equal(sr.rsp % 16, 0);
	assert_int_equal(sr.cs.selector, GUEST_BOOT_SEL_CODE);
	assert_int_equal(sr.cs.type, 0xb);
	assert_true(!sr.cs.l && sr.cs.db && sr.cs.g);
	assert_int_equal(sr.cs.limit, 0xffffffff);
	check_flat_data(&sr.ds);
	check_flat_data(&sr.ss);
	check_flat_data(&sr.gs);
	assert_int_equal(sr.tr.type, 0xb);
	assert_int_equal(sr.tr.base, tables + GUEST_BOOT_TSS_OFFSET);
	assert_int_equal(sr.tr.limit, 0x67);
	assert_int_equal(sr.gdtr_base, tables);
	check_vmx_rules(&sr, false);

	assert_int_equal(gdt_entry(GUEST_BOOT_SEL_CODE), 0x00cf9b000000ffffULL);
	assert_int_equal(gdt_entry(GUEST_BOOT_SEL_DATA), 0x00cf93000000ffffULL);
	check_descriptor(&sr.cs);
	check_descriptor(&sr.ds);
	check_descriptor(&sr.tr);
	assert_true(ram_untouched(0, tables));
}

static void test_real(void **state)
{
	static const struct {
		gpa_t entry;
		uint16_t cs;
		uint64_t ip;
	} cases[] = {
	    {0x8000, 0x800, 0},	    {0x7c00, 0x7c0, 0},	    {0, 0, 0},
	    {0x8004, 0x800, 4},	    {0x1234f, 0x1234, 0xf}, {0xffff0, 0xffff, 0},
	    {0xfffff, 0xffff, 0xf},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(guest_boot_setup(ram, RAM_SIZE, VCPU_START_REAL, cases[i].entry,
						  0x10000, &sr, reason),
				 0);
		assert_int_equal(sr.cs.selector, cases[i].cs);
		assert_int_equal(sr.cs.base, (uint64_t)cases[i].cs << 4);
		assert_int_equal(sr.rip, cases[i].ip);
		assert_int_equal(sr.cs.base + sr.rip, cases[i].entry);
	}
	assert_int_equal(guest_boot_tables_gpa(VCPU_START_REAL, RAM_SIZE), RAM_SIZE);
	assert_int_equal(sr.cr0, CR0_BITS_REAL);
	assert_int_equal(sr.cr3 | sr.cr4 | sr.efer, 0);
	assert_int_equal(sr.rsp, 0x7000);
	assert_int_equal(sr.cs.limit, 0xffff);
	assert_int_equal(sr.cs.type, 0xb);
	assert_false(sr.cs.g || sr.cs.db || sr.cs.l);
	const struct vcpu_segment *data[] = {&sr.ds, &sr.es, &sr.fs, &sr.gs, &sr.ss};
	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		assert_int_equal(data[i]->selector, 0);
		assert_int_equal(data[i]->base, 0);
		assert_int_equal(data[i]->limit, 0xffff);
		assert_int_equal(data[i]->type, 3);
		assert_false(data[i]->g || data[i]->db);
	}
	assert_int_equal(sr.tr.type, 0xb);
	assert_int_equal(sr.tr.limit, 0xffff);
	assert_int_equal(sr.idtr_base, 0); /* the real-mode IVT */
	assert_int_equal(sr.idtr_limit, 0xffff);
	check_vmx_rules(&sr, false);
	assert_true(ram_untouched(0, RAM_SIZE)); /* real mode needs no tables */
}

static void test_errors(void **state)
{
	const gpa_t tables64 = RAM_SIZE - 7 * PAGE_SIZE;

	assert_int_equal(
	    guest_boot_setup(ram, RAM_SIZE, VCPU_START_LONG64, 0x8000, tables64 + 1, &sr, reason),
	    -EINVAL);
	assert_string_equal(reason, "image ends at 0xff9001, above the boot tables at 0xff9000");
	assert_int_equal(guest_boot_setup(ram, RAM_SIZE, VCPU_START_PROT32, RAM_SIZE - PAGE_SIZE,
					  0x9000, &sr, reason),
			 -EINVAL);
	assert_string_equal(reason, "entry 0xfff000 not below the boot tables at 0xfff000");
	assert_int_equal(
	    guest_boot_setup(ram, RAM_SIZE, VCPU_START_REAL, 0x100000, 0x9000, &sr, reason),
	    -EINVAL);
	assert_string_equal(reason, "real-mode entry 0x100000 not below 1 MiB");
	assert_int_equal(
	    guest_boot_setup(ram, RAM_SIZE - 1, VCPU_START_LONG64, 0x8000, 0x9000, &sr, reason),
	    -EINVAL);
	assert_string_equal(reason,
			    "guest RAM size 0xffffff unusable (page multiple, 1 MiB..3 GiB)");
	assert_int_equal(
	    guest_boot_setup(ram, SZ_1M / 2, VCPU_START_LONG64, 0x8000, 0x9000, &sr, reason),
	    -EINVAL);
	assert_int_equal(guest_boot_setup(ram, GUEST_MMIO_BASE + PAGE_SIZE, VCPU_START_LONG64,
					  0x8000, 0x9000, &sr, reason),
			 -EINVAL);
	assert_string_equal(reason,
			    "guest RAM size 0xc0001000 unusable (page multiple, 1 MiB..3 GiB)");
	assert_int_equal(
	    guest_boot_setup(ram, RAM_SIZE, (enum vcpu_start_mode)7, 0x8000, 0x9000, &sr, reason),
	    -EINVAL);
	assert_string_equal(reason, "unknown start mode 7");
	assert_true(ram_untouched(0, RAM_SIZE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_long64, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long64_page_tables, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long64_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prot32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
