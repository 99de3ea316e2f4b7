/* unit-test-sources: drivers/acpi.c */
/*
 * ACPI parser tests over tables built in host memory (a pointer is a
 * "physical" address, see kernel/mm/directmap.h). Each table gets exactly its
 * length: under ASan, any read past a table's end fails the test. Tables an
 * RSDT must reach (32-bit entries) live below 2 GiB in mmap'd pages ending
 * in a PROT_NONE guard page, which catches overreads the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <errno.h>

#include "drivers/acpi.h"
#include "drivers/acpi_tables.h"

#define LAPIC_BASE	   0xfee00000ULL
#define IOAPIC_BASE	   0xfec00000ULL
#define HPET_BASE	   0xfed00000ULL
#define ECAM_BASE	   0xb0000000ULL
#define PM_TMR_PORT	   0x608
#define PM_TMR_PORT_LEGACY 0x808

/* --- allocations --------------------------------------------------------- */

struct alloc {
	void *mem;
	size_t len;
	void *map; /* low allocations: the mapping to unmap */
	size_t map_len;
};

static FILE *saved_stderr;
static char *log_buf;
static size_t log_len;

static struct alloc allocs[512];
static unsigned alloc_count;
static bool low_mode; /* allocate below 4 GiB so that an RSDT can point at tables */

static void *mem_alloc(size_t len)
{
	struct alloc *a;

	assert_true(alloc_count < ARRAY_SIZE(allocs));
	a = &allocs[alloc_count++];
	memset(a, 0, sizeof(*a));
	a->len = len;
	if (low_mode) {
		size_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;

		a->map_len = (pages + 1) * PAGE_SIZE;
		a->map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		assert_true(a->map != MAP_FAILED);
		assert_true((uintptr_t)a->map + a->map_len <= UINT32_MAX);
		assert_int_equal(
		    mprotect((uint8_t *)a->map + pages * PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0);
		a->mem = (uint8_t *)a->map + pages * PAGE_SIZE - len;
	} else {
		a->mem = malloc(len);
		assert_non_null(a->mem);
	}
	memset(a->mem, 0, len);
	return a->mem;
}

static size_t mem_len(const void *mem)
{
	for (unsigned i = 0; i < alloc_count; i++)
		if (allocs[i].mem == mem)
			return allocs[i].len;
	fail_msg("not a test allocation");
	return 0;
}

static int teardown(void **state)
{
	for (unsigned i = 0; i < alloc_count; i++) {
		if (allocs[i].map)
			munmap(allocs[i].map, allocs[i].map_len);
		else
			free(allocs[i].mem);
	}
	alloc_count = 0;
	low_mode = false;
	free(log_buf);
	log_buf = NULL;
	return 0;
}

static uint64_t hpa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* --- log capture (host_stubs logs to stderr; ASan writes to fd 2 directly) --- */

static void log_capture_begin(void)
{
	saved_stderr = stderr;
	free(log_buf);
	log_buf = NULL;
	stderr = open_memstream(&log_buf, &log_len);
	assert_non_null(stderr);
}

static const char *log_capture_end(void)
{
	fclose(stderr);
	stderr = saved_stderr;
	fputs(log_buf, stderr); /* keep the module's lines visible */
	return log_buf;
}

static unsigned count_substr(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* --- table builders ------------------------------------------------------ */

static uint8_t sum_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

/* Make the table's bytes (all of its allocation) sum to zero. */
static void sdt_fix(void *table)
{
	struct acpi_sdt_header *h = table;

	h->checksum = 0;
	h->checksum = -sum_bytes(table, mem_len(table));
}

static void *sdt_new(const char *sig, uint8_t revision, size_t len)
{
	struct acpi_sdt_header *h = mem_alloc(len);

	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = revision;
	memcpy(h->oem_id, "SHOJI ", 6);
	return h;
}

struct madt_builder {
	uint8_t buf[8192];
	size_t len;
	uint8_t revision;
};

static void mb_init(struct madt_builder *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->len = sizeof(struct acpi_madt);
	mb->revision = 5;
}

static void mb_raw(struct madt_builder *mb, const void *p, size_t n)
{
	assert_true(mb->len + n <= sizeof(mb->buf));
	memcpy(mb->buf + mb->len, p, n);
	mb->len += n;
}

static void mb_lapic(struct madt_builder *mb, uint8_t id, uint32_t flags)
{
	struct acpi_madt_lapic e = {{ACPI_MADT_TYPE_LAPIC, sizeof(e)}, id, id, flags};

	mb_raw(mb, &e, sizeof(e));
}

static void mb_x2apic(struct madt_builder *mb, uint32_t id, uint32_t flags)
{
	struct acpi_madt_x2apic e = {{ACPI_MADT_TYPE_X2APIC, sizeof(e)}, 0, id, flags, id};

	mb_raw(mb, &e, sizeof(e));
}

static void mb_ioapic(struct madt_builder *mb, uint8_t id, uint32_t base, uint32_t gsi)
{
	struct acpi_madt_ioapic e = {{ACPI_MADT_TYPE_IOAPIC, sizeof(e)}, id, 0, base, gsi};

	mb_raw(mb, &e, sizeof(e));
}

static void mb_override(struct madt_builder *mb, uint64_t base)
{
	struct acpi_madt_lapic_override e = {{ACPI_MADT_TYPE_LAPIC_OVERRIDE, sizeof(e)}, 0, base};

	mb_raw(mb, &e, sizeof(e));
}

/* Interrupt source override (type 2, 10 bytes): an entry the parser skips. */
static void mb_iso(struct madt_builder *mb)
{
	uint8_t e[10] = {2, 10, 0, 0, 2, 0, 0, 0, 0, 0};

	mb_raw(mb, e, sizeof(e));
}

static struct acpi_madt *mb_finish(struct madt_builder *mb)
{
	struct acpi_madt *madt = sdt_new(ACPI_SIG_MADT, mb->revision, mb->len);

	memcpy((uint8_t *)madt + sizeof(*madt), mb->buf + sizeof(*madt), mb->len - sizeof(*madt));
	madt->lapic_address = LAPIC_BASE;
	madt->flags = ACPI_MADT_PCAT_COMPAT;
	sdt_fix(madt);
	return madt;
}

/* 4 LAPICs (ID 2 disabled, ID 3 online-capable), 1 IOAPIC, an x2APIC
 * repeating ID 1 and a new x2APIC ID 0x100: CPUs 0, 1, 3, 0x100. */
static struct acpi_madt *make_madt(void)
{
	struct madt_builder mb;

	mb_init(&mb);
	mb_lapic(&mb, 0, ACPI_MADT_CPU_ENABLED);
	mb_lapic(&mb, 1, ACPI_MADT_CPU_ENABLED);
	mb_lapic(&mb, 2, 0);
	mb_lapic(&mb, 3, ACPI_MADT_CPU_ONLINE_CAPABLE);
	mb_ioapic(&mb, 8, IOAPIC_BASE, 0);
	mb_iso(&mb);
	mb_x2apic(&mb, 1, ACPI_MADT_CPU_ENABLED);
	mb_x2apic(&mb, 0x100, ACPI_MADT_CPU_ENABLED);
	return mb_finish(&mb);
}

/* Copy a field's value into a FADT of len bytes only if the field fits. */
#define FADT_SET(fadt, len, field, value)                                                          \
	do {                                                                                       \
		__typeof__(((struct acpi_fadt *)0)->field) v_ = (value);                           \
		if (offsetof(struct acpi_fadt, field) + sizeof(v_) <= (len))                       \
			memcpy((uint8_t *)(fadt) + offsetof(struct acpi_fadt, field), &v_,         \
			       sizeof(v_));                                                        \
	} while (0)

static struct acpi_fadt *make_fadt(size_t len, uint8_t revision)
{
	struct acpi_fadt *fadt = sdt_new(ACPI_SIG_FADT, revision, len);
	struct acpi_gas gas = {ACPI_GAS_SYSTEM_IO, 32, 0, 3, PM_TMR_PORT};

	FADT_SET(fadt, len, pm_tmr_blk, PM_TMR_PORT_LEGACY);
	FADT_SET(fadt, len, pm_tmr_len, 4);
	FADT_SET(fadt, len, flags, ACPI_FADT_TMR_VAL_EXT);
	FADT_SET(fadt, len, iapc_boot_arch, 0x0003);
	FADT_SET(fadt, len, x_pm_tmr_blk, gas);
	sdt_fix(fadt);
	return fadt;
}

static struct acpi_hpet *make_hpet(uint8_t space_id)
{
	struct acpi_hpet *hpet = sdt_new(ACPI_SIG_HPET, 1, sizeof(*hpet));

	hpet->event_timer_block_id = 0x8086a201;
	hpet->base_address.space_id = space_id;
	hpet->base_address.bit_width = 64;
	hpet->base_address.address = HPET_BASE;
	sdt_fix(hpet);
	return hpet;
}

static struct acpi_mcfg *make_mcfg(unsigned entries, size_t extra)
{
	size_t len =
	    sizeof(struct acpi_mcfg) + entries * sizeof(struct acpi_mcfg_allocation) + extra;
	struct acpi_mcfg *mcfg = sdt_new(ACPI_SIG_MCFG, 1, len);
	struct acpi_mcfg_allocation *a = (void *)((uint8_t *)mcfg + sizeof(*mcfg));

	for (unsigned i = 0; i < entries; i++) {
		a[i].base_address = ECAM_BASE + i * 0x10000000ULL;
		a[i].segment = i;
		a[i].bus_start = 0;
		a[i].bus_end = 0xff;
	}
	sdt_fix(mcfg);
	return mcfg;
}

/* --- firmware: RSDP + roots over a list of tables ------------------------ */

struct fw {
	struct acpi_rsdp *rsdp;
	size_t rsdp_len;
	struct acpi_sdt_header *xsdt, *rsdt;
	void *tables[8];
	unsigned table_count;
};

static void fw_add(struct fw *fw, void *table)
{
	assert_true(fw->table_count < ARRAY_SIZE(fw->tables));
	fw->tables[fw->table_count++] = table;
}

static void fw_rsdp_fix(struct fw *fw)
{
	fw->rsdp->checksum = 0;
	fw->rsdp->checksum = -sum_bytes(fw->rsdp, ACPI_RSDP_V1_LENGTH);
	if (fw->rsdp->revision >= 2) {
		fw->rsdp->extended_checksum = 0;
		fw->rsdp->extended_checksum =
		    -sum_bytes(fw->rsdp, MIN(fw->rsdp->length, mem_len(fw->rsdp)));
	}
}

/* Build the roots (an XSDT for revision 2, an RSDT in low mode) and the RSDP. */
static void fw_link(struct fw *fw, uint8_t revision)
{
	size_t xlen = sizeof(struct acpi_sdt_header) + fw->table_count * 8;
	size_t rlen = sizeof(struct acpi_sdt_header) + fw->table_count * 4;

	if (revision >= 2) {
		fw->xsdt = sdt_new(ACPI_SIG_XSDT, 1, xlen);
		for (unsigned i = 0; i < fw->table_count; i++) {
			uint64_t hpa = hpa_of(fw->tables[i]);

			memcpy((uint8_t *)fw->xsdt + sizeof(*fw->xsdt) + i * 8, &hpa, 8);
		}
		sdt_fix(fw->xsdt);
	}
	if (low_mode) {
		fw->rsdt = sdt_new(ACPI_SIG_RSDT, 1, rlen);
		for (unsigned i = 0; i < fw->table_count; i++) {
			uint32_t hpa = hpa_of(fw->tables[i]);

			memcpy((uint8_t *)fw->rsdt + sizeof(*fw->rsdt) + i * 4, &hpa, 4);
		}
		sdt_fix(fw->rsdt);
	}

	fw->rsdp_len = revision >= 2 ? ACPI_RSDP_V2_MIN_LENGTH : ACPI_RSDP_V1_LENGTH;
	fw->rsdp = mem_alloc(fw->rsdp_len);
	memcpy(fw->rsdp->signature, ACPI_RSDP_SIGNATURE, 8);
	memcpy(fw->rsdp->oem_id, "SHOJI ", 6);
	fw->rsdp->revision = revision;
	fw->rsdp->rsdt_address = fw->rsdt ? hpa_of(fw->rsdt) : 0;
	if (revision >= 2) {
		fw->rsdp->length = ACPI_RSDP_V2_MIN_LENGTH;
		fw->rsdp->xsdt_address = hpa_of(fw->xsdt);
	}
	fw_rsdp_fix(fw);
}

/* The full set: MADT, FADT (ACPI 6), HPET, MCFG behind an ACPI 2.0 RSDP. */
static void fw_default(struct fw *fw)
{
	memset(fw, 0, sizeof(*fw));
	fw_add(fw, make_madt());
	fw_add(fw, make_fadt(sizeof(struct acpi_fadt), 6));
	fw_add(fw, make_hpet(ACPI_GAS_SYSTEM_MEMORY));
	fw_add(fw, make_mcfg(1, 0));
	fw_link(fw, 2);
}

static struct acpi_info info;

static int parse(struct fw *fw)
{
	return acpi_parse(fw->rsdp, fw->rsdp_len, &info);
}

static void assert_default_madt(void)
{
	assert_true(info.has_madt);
	assert_int_equal(info.lapic_base, LAPIC_BASE);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.apic_ids[0], 0);
	assert_int_equal(info.apic_ids[1], 1);
	assert_int_equal(info.apic_ids[2], 3);
	assert_int_equal(info.apic_ids[3], 0x100);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 8);
	assert_int_equal(info.ioapics[0].base, IOAPIC_BASE);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_true(info.has_8259);
}

static void assert_default_others(void)
{
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, PM_TMR_PORT);
	assert_true(info.pm_timer_32bit);
	assert_int_equal(info.boot_arch_flags, 0x0003);
	assert_true(info.has_hpet);
	assert_int_equal(info.hpet_base, HPET_BASE);
	assert_int_equal(info.mcfg_count, 1);
	assert_int_equal(info.mcfg[0].base, ECAM_BASE);
	assert_int_equal(info.mcfg[0].segment, 0);
	assert_int_equal(info.mcfg[0].bus_start, 0);
	assert_int_equal(info.mcfg[0].bus_end, 0xff);
}

/* --- tests: the good path ------------------------------------------------ */

static void test_valid_xsdt(void **state)
{
	struct fw fw;

	fw_default(&fw);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.revision, 2);
	assert_string_equal(info.oem_id, "SHOJI ");
	assert_true(info.root_is_xsdt);
	assert_int_equal(info.root_table, hpa_of(fw.xsdt));
	assert_int_equal(info.table_count, 4);
	assert_int_equal(info.bad_tables, 0);
	assert_default_madt();
	assert_default_others();
}

static void test_rsdt_only_acpi1(void **state)
{
	struct fw fw = {0};
	struct acpi_fadt *fadt;
	const char *log;

	low_mode = true;
	fw_add(&fw, make_madt());
	/* ACPI 1.0 FADT: 116 bytes; junk in the then-reserved IAPC_BOOT_ARCH bytes. */
	fadt = make_fadt(ACPI_FADT_V1_LENGTH, 1);
	fw_add(&fw, fadt);
	fw_link(&fw, 0);
	assert_null(fw.xsdt);
	assert_int_equal(fw.rsdp_len, 20);

	log_capture_begin();
	assert_int_equal(parse(&fw), 0);
	log = log_capture_end();
	assert_int_equal(count_substr(log, "rejected"), 0);
	assert_int_equal(info.revision, 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_table, hpa_of(fw.rsdt));
	assert_int_equal(info.bad_tables, 0);
	assert_default_madt();
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, PM_TMR_PORT_LEGACY);
	assert_true(info.pm_timer_32bit);
	assert_int_equal(info.boot_arch_flags, 0);
	assert_false(info.has_hpet);
	assert_int_equal(info.mcfg_count, 0);
}

/* --- tests: the RSDP ----------------------------------------------------- */

static void test_rsdp_bad_signature(void **state)
{
	struct fw fw;

	fw_default(&fw);
	fw.rsdp->signature[0] = 'X';
	fw_rsdp_fix(&fw);
	assert_int_equal(parse(&fw), -EINVAL);
	assert_false(info.has_madt);
}

static void test_rsdp_bad_checksum(void **state)
{
	struct fw fw;

	fw_default(&fw);
	fw.rsdp->checksum++;
	assert_int_equal(parse(&fw), -EINVAL);
	assert_false(info.has_madt);
	assert_false(info.has_fadt);
	assert_int_equal(info.bad_tables, 0);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct fw fw;

	fw_default(&fw);
	fw.rsdp->reserved[0] = 0x5a; /* outside the 20 bytes of the v1 checksum */
	assert_int_equal(sum_bytes(fw.rsdp, 20), 0);
	assert_int_equal(parse(&fw), -EINVAL);
	assert_false(info.has_madt);
}

static void test_rsdp_bad_lengths(void **state)
{
	struct fw fw;

	fw_default(&fw);
	/* v2 length larger than the copy. */
	fw.rsdp->length = 40;
	fw_rsdp_fix(&fw);
	assert_int_equal(acpi_parse(fw.rsdp, 36, &info), -EINVAL);
	/* v2 length smaller than the structure. */
	fw.rsdp->length = 20;
	fw_rsdp_fix(&fw);
	assert_int_equal(acpi_parse(fw.rsdp, 36, &info), -EINVAL);
	/* A v2 RSDP of which the loader copied only 20 bytes: nothing past them is read. */
	fw.rsdp->length = 36;
	fw_rsdp_fix(&fw);
	{
		struct acpi_rsdp *short_copy = mem_alloc(20);

		memcpy(short_copy, fw.rsdp, 20);
		assert_int_equal(acpi_parse(short_copy, 20, &info), -EINVAL);
	}
	/* Shorter than even a v1 RSDP. */
	assert_int_equal(acpi_parse(fw.rsdp, 19, &info), -EINVAL);
}

/* --- tests: roots -------------------------------------------------------- */

static void test_xsdt_bad_checksum_falls_back_to_rsdt(void **state)
{
	struct fw fw;
	char want[96];
	const char *log;

	low_mode = true;
	fw_default(&fw);
	fw.xsdt->checksum++;

	log_capture_begin();
	assert_int_equal(parse(&fw), 0);
	log = log_capture_end();
	snprintf(want, sizeof(want), "acpi: table XSDT at 0x%llx rejected: bad checksum",
		 (unsigned long long)hpa_of(fw.xsdt));
	assert_int_equal(count_substr(log, want), 1);
	assert_int_equal(count_substr(log, "rejected"), 1);

	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_table, hpa_of(fw.rsdt));
	assert_int_equal(info.bad_tables, 1);
	assert_default_madt();
	assert_default_others();
}

static void test_xsdt_bad_without_rsdt(void **state)
{
	struct fw fw;

	fw_default(&fw); /* tables above 4 GiB: no RSDT */
	assert_int_equal(fw.rsdp->rsdt_address, 0);
	memcpy(fw.xsdt->signature, "XSDX", 4);
	sdt_fix(fw.xsdt);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.root_table, 0);
	assert_int_equal(info.bad_tables, 1);
	assert_false(info.has_madt);
	assert_false(info.has_fadt);
}

static void test_xsdt_partial_entry(void **state)
{
	struct fw fw = {0};
	struct acpi_sdt_header *x;

	fw_add(&fw, make_hpet(ACPI_GAS_SYSTEM_MEMORY));
	fw_link(&fw, 2);
	/* A new XSDT: one entry plus 4 stray bytes. */
	x = sdt_new(ACPI_SIG_XSDT, 1, 36 + 8 + 4);
	memcpy((uint8_t *)x + 36, (uint8_t *)fw.xsdt + 36, 8);
	sdt_fix(x);
	fw.rsdp->xsdt_address = hpa_of(x);
	fw_rsdp_fix(&fw);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.bad_tables, 1);
	assert_false(info.has_hpet);
}

static void test_null_root_entry_skipped(void **state)
{
	struct fw fw = {0};

	fw_add(&fw, make_hpet(ACPI_GAS_SYSTEM_MEMORY));
	fw_add(&fw, NULL);
	fw_add(&fw, make_mcfg(1, 0));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.bad_tables, 0);
	assert_true(info.has_hpet);
	assert_int_equal(info.mcfg_count, 1);
}

/* --- tests: MADT --------------------------------------------------------- */

static void test_madt_bad_checksum_skipped(void **state)
{
	struct fw fw;
	struct acpi_madt *madt;
	char want[96];
	const char *log;

	fw_default(&fw);
	madt = fw.tables[0];
	madt->header.checksum ^= 0x10;

	log_capture_begin();
	assert_int_equal(parse(&fw), 0);
	log = log_capture_end();
	snprintf(want, sizeof(want), "acpi: table MADT at 0x%llx rejected: bad checksum",
		 (unsigned long long)hpa_of(madt));
	assert_int_equal(count_substr(log, want), 1);
	assert_int_equal(count_substr(log, "rejected"), 1);

	assert_int_equal(info.bad_tables, 1);
	assert_false(info.has_madt);
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.lapic_base, 0);
	assert_default_others();
}

/* Parse a firmware whose only table is this MADT; expect it rejected for why. */
static void expect_madt_rejected(struct acpi_madt *madt, const char *why)
{
	struct fw fw = {0};
	char want[128];
	const char *log;

	fw_add(&fw, madt);
	fw_add(&fw, make_hpet(ACPI_GAS_SYSTEM_MEMORY));
	fw_link(&fw, 2);
	log_capture_begin();
	assert_int_equal(parse(&fw), 0);
	log = log_capture_end();
	snprintf(want, sizeof(want), "acpi: table MADT at 0x%llx rejected: %s",
		 (unsigned long long)hpa_of(madt), why);
	assert_int_equal(count_substr(log, want), 1);
	assert_int_equal(info.bad_tables, 1);
	assert_false(info.has_madt);
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.ioapic_count, 0);
	assert_true(info.has_hpet);
}

static void test_madt_entry_past_end(void **state)
{
	struct madt_builder mb;
	uint8_t partial[4] = {ACPI_MADT_TYPE_LAPIC, 8, 5, 5}; /* 8 claimed, 4 present */

	mb_init(&mb);
	mb_lapic(&mb, 0, ACPI_MADT_CPU_ENABLED);
	mb_raw(&mb, partial, sizeof(partial));
	expect_madt_rejected(mb_finish(&mb), "entry runs past the end");
}

static void test_madt_entry_length_far_past_end(void **state)
{
	struct madt_builder mb;

	mb_init(&mb);
	mb_lapic(&mb, 0, ACPI_MADT_CPU_ENABLED);
	mb_ioapic(&mb, 1, IOAPIC_BASE, 0);
	mb.buf[mb.len - 12 + 1] = 0xff; /* IOAPIC entry claims 255 bytes */
	expect_madt_rejected(mb_finish(&mb), "entry runs past the end");
}

static void test_madt_trailing_byte(void **state)
{
	struct madt_builder mb;
	uint8_t stray = ACPI_MADT_TYPE_LAPIC;

	mb_init(&mb);
	mb_lapic(&mb, 0, ACPI_MADT_CPU_ENABLED);
	mb_raw(&mb, &stray, 1); /* a type byte with no length byte */
	expect_madt_rejected(mb_finish(&mb), "entry runs past the end");
}

static void test_madt_zero_length_entry(void **state)
{
	struct madt_builder mb;
	uint8_t zero[8] = {ACPI_MADT_TYPE_LAPIC, 0, 0, 0, 1, 0, 0, 0};

	mb_init(&mb);
	mb_lapic(&mb, 0, ACPI_MADT_CPU_ENABLED);
	mb_raw(&mb, zero, sizeof(zero));
	expect_madt_rejected(mb_finish(&mb), "entry with bad length");
}

static void test_madt_length_one_entry(void **state)
{
	struct madt_builder mb;
	uint8_t one[2] = {0x7f, 1};

	mb_init(&mb);
	mb_raw(&mb, one, sizeof(one));
	expect_madt_rejected(mb_finish(&mb), "entry with bad length");
}

static void test_madt_entry_too_short_for_type(void **state)
{
	struct madt_builder mb;
	uint8_t short_x2apic[8] = {ACPI_MADT_TYPE_X2APIC, 8, 0, 0, 7, 0, 0, 0};

	mb_init(&mb);
	mb_raw(&mb, short_x2apic, sizeof(short_x2apic));
	expect_madt_rejected(mb_finish(&mb), "entry too short for its type");
}

static void test_madt_truncated_header(void **state)
{
	/* 40 bytes: the header, but not the local APIC address and flags. */
	struct acpi_sdt_header *h = sdt_new(ACPI_SIG_MADT, 5, 40);

	sdt_fix(h);
	expect_madt_rejected((struct acpi_madt *)h, "truncated");
}

static void test_madt_lapic_override(void **state)
{
	struct fw fw = {0};
	struct madt_builder mb;

	mb_init(&mb);
	mb_lapic(&mb, 0, ACPI_MADT_CPU_ENABLED);
	mb_override(&mb, 0x123456789000ULL);
	fw_add(&fw, mb_finish(&mb));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_true(info.has_madt);
	assert_int_equal(info.lapic_base, 0x123456789000ULL);
	assert_int_equal(info.cpu_count, 1);
}

static void test_madt_online_capable_needs_revision_5(void **state)
{
	struct fw fw = {0};
	struct madt_builder mb;

	mb_init(&mb);
	mb.revision = 4;
	mb_lapic(&mb, 0, ACPI_MADT_CPU_ENABLED);
	mb_lapic(&mb, 1, ACPI_MADT_CPU_ONLINE_CAPABLE);
	mb_x2apic(&mb, 0x200, ACPI_MADT_CPU_ONLINE_CAPABLE);
	mb_lapic(&mb, 0xff, ACPI_MADT_CPU_ENABLED); /* broadcast ID: never a CPU */
	fw_add(&fw, mb_finish(&mb));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.apic_ids[0], 0);
}

static void test_madt_limits(void **state)
{
	struct fw fw = {0};
	struct madt_builder mb;

	mb_init(&mb);
	for (uint32_t id = 0; id < 300; id++)
		mb_x2apic(&mb, id, ACPI_MADT_CPU_ENABLED);
	for (uint8_t id = 0; id < 10; id++)
		mb_ioapic(&mb, id, IOAPIC_BASE + id * 0x1000, id * 24);
	fw_add(&fw, mb_finish(&mb));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_true(info.has_madt);
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.apic_ids[ACPI_MAX_CPUS - 1], ACPI_MAX_CPUS - 1);
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[7].gsi_base, 7 * 24);
}

static void test_madt_duplicate_and_bad_first(void **state)
{
	struct fw fw = {0};
	struct acpi_madt *bad = make_madt();

	bad->header.checksum++;
	fw_add(&fw, bad);
	fw_add(&fw, make_madt());
	fw_add(&fw, make_madt()); /* a second good one: ignored, not added up */
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.bad_tables, 1);
	assert_default_madt();
}

/* --- tests: FADT, HPET, MCFG, others ------------------------------------- */

static void test_fadt_x_pm_timer_in_memory_space(void **state)
{
	struct fw fw = {0};
	struct acpi_fadt *fadt = make_fadt(sizeof(struct acpi_fadt), 6);

	fadt->x_pm_tmr_blk.space_id = ACPI_GAS_SYSTEM_MEMORY;
	fadt->x_pm_tmr_blk.address = 0xfed80000;
	fadt->flags = 0;
	sdt_fix(fadt);
	fw_add(&fw, fadt);
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, PM_TMR_PORT_LEGACY);
	assert_false(info.pm_timer_32bit);
}

static void test_fadt_short_versions(void **state)
{
	struct fw fw = {0};

	/* 132 bytes ("version 2"): no X_ fields, boot arch bytes still reserved. */
	fw_add(&fw, make_fadt(ACPI_FADT_V2_LENGTH, 3));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, PM_TMR_PORT_LEGACY);
	assert_int_equal(info.boot_arch_flags, 0);

	/* ACPI 2.0 length (244): X_PM_TMR_BLK and IAPC_BOOT_ARCH both there. */
	memset(&fw, 0, sizeof(fw));
	fw_add(&fw, make_fadt(244, 3));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.pm_timer_port, PM_TMR_PORT);
	assert_int_equal(info.boot_arch_flags, 3);

	/* Shorter than ACPI 1.0's 116 bytes: truncated. */
	memset(&fw, 0, sizeof(fw));
	fw_add(&fw, make_fadt(100, 1));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_false(info.has_fadt);
	assert_int_equal(info.bad_tables, 1);
}

static void test_hpet_wrong_address_space(void **state)
{
	struct fw fw = {0};
	struct acpi_hpet *hpet = make_hpet(ACPI_GAS_SYSTEM_IO);
	char want[128];
	const char *log;

	fw_add(&fw, hpet);
	fw_add(&fw, make_mcfg(1, 0));
	fw_link(&fw, 2);
	log_capture_begin();
	assert_int_equal(parse(&fw), 0);
	log = log_capture_end();
	snprintf(want, sizeof(want),
		 "acpi: table HPET at 0x%llx rejected: base address not in system memory",
		 (unsigned long long)hpa_of(hpet));
	assert_int_equal(count_substr(log, want), 1);
	assert_false(info.has_hpet);
	assert_int_equal(info.hpet_base, 0);
	assert_int_equal(info.bad_tables, 1);
	assert_int_equal(info.mcfg_count, 1);
}

static void test_hpet_truncated_and_huge(void **state)
{
	struct fw fw = {0};
	struct acpi_sdt_header *short_hpet = sdt_new(ACPI_SIG_HPET, 1, 40);
	struct acpi_sdt_header *huge_hpet = sdt_new(ACPI_SIG_HPET, 1, sizeof(struct acpi_hpet));

	sdt_fix(short_hpet);
	/* Claims 2 MiB in a 56-byte allocation: rejected before any byte past 56 is read. */
	huge_hpet->length = 2 * 1024 * 1024;
	fw_add(&fw, short_hpet);
	fw_add(&fw, huge_hpet);
	fw_link(&fw, 2);
	log_capture_begin();
	assert_int_equal(parse(&fw), 0);
	log_capture_end();
	assert_int_equal(count_substr(log_buf, "rejected: truncated"), 1);
	assert_int_equal(count_substr(log_buf, "rejected: bad length"), 1);
	assert_false(info.has_hpet);
	assert_int_equal(info.bad_tables, 2);
}

static void test_mcfg_entries(void **state)
{
	struct fw fw = {0};
	struct acpi_mcfg *mcfg = make_mcfg(6, 0);
	struct acpi_mcfg_allocation *a = (void *)((uint8_t *)mcfg + sizeof(*mcfg));

	a[1].bus_start = 0x80; /* after bus_end: ignored */
	a[1].bus_end = 0x10;
	sdt_fix(mcfg);
	fw_add(&fw, mcfg);
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.bad_tables, 0);
	assert_int_equal(info.mcfg_count, ACPI_MAX_MCFG);
	assert_int_equal(info.mcfg[0].segment, 0);
	assert_int_equal(info.mcfg[1].segment, 2);
	assert_int_equal(info.mcfg[3].segment, 4);
}

static void test_mcfg_partial_entry(void **state)
{
	struct fw fw = {0};

	fw_add(&fw, make_mcfg(1, 8));
	fw_link(&fw, 2);
	log_capture_begin();
	assert_int_equal(parse(&fw), 0);
	log_capture_end();
	assert_int_equal(count_substr(log_buf, "rejected: entries run past the end"), 1);
	assert_int_equal(info.mcfg_count, 0);
	assert_int_equal(info.bad_tables, 1);
}

static void test_unknown_tables_ignored(void **state)
{
	struct fw fw = {0};
	struct acpi_sdt_header *ssdt = sdt_new("SSDT", 2, 64);

	ssdt->checksum = 1; /* not ours to judge */
	fw_add(&fw, ssdt);
	fw_add(&fw, make_hpet(ACPI_GAS_SYSTEM_MEMORY));
	fw_link(&fw, 2);
	assert_int_equal(parse(&fw), 0);
	assert_int_equal(info.bad_tables, 0);
	assert_true(info.has_hpet);
}

static void test_print(void **state)
{
	struct fw fw;
	char want[128];
	const char *log;

	fw_default(&fw);
	assert_int_equal(parse(&fw), 0);
	log_capture_begin();
	acpi_print(&info);
	log = log_capture_end();
	snprintf(want, sizeof(want),
		 "acpi: RSDP rev 2 OEM 'SHOJI ', XSDT at 0x%llx lists 4 tables\n",
		 (unsigned long long)hpa_of(fw.xsdt));
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, "acpi: MADT: 4 CPUs, lapic 0xfee00000, 1 IOAPIC, 8259 PIC\n"));
	assert_non_null(strstr(log, "acpi: FADT: PM timer port 0x608 (32-bit), boot arch 0x3\n"));
	assert_non_null(strstr(log, "acpi: HPET: base 0xfed00000\n"));
	assert_non_null(strstr(log, "acpi: MCFG: segment 0 buses 00-ff at 0xb0000000\n"));
	assert_null(strstr(log, "rejected"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_valid_xsdt, teardown),
	    cmocka_unit_test_teardown(test_rsdt_only_acpi1, teardown),
	    cmocka_unit_test_teardown(test_rsdp_bad_signature, teardown),
	    cmocka_unit_test_teardown(test_rsdp_bad_checksum, teardown),
	    cmocka_unit_test_teardown(test_rsdp_bad_extended_checksum, teardown),
	    cmocka_unit_test_teardown(test_rsdp_bad_lengths, teardown),
	    cmocka_unit_test_teardown(test_xsdt_bad_checksum_falls_back_to_rsdt, teardown),
	    cmocka_unit_test_teardown(test_xsdt_bad_without_rsdt, teardown),
	    cmocka_unit_test_teardown(test_xsdt_partial_entry, teardown),
	    cmocka_unit_test_teardown(test_null_root_entry_skipped, teardown),
	    cmocka_unit_test_teardown(test_madt_bad_checksum_skipped, teardown),
	    cmocka_unit_test_teardown(test_madt_entry_past_end, teardown),
	    cmocka_unit_test_teardown(test_madt_entry_length_far_past_end, teardown),
	    cmocka_unit_test_teardown(test_madt_trailing_byte, teardown),
	    cmocka_unit_test_teardown(test_madt_zero_length_entry, teardown),
	    cmocka_unit_test_teardown(test_madt_length_one_entry, teardown),
	    cmocka_unit_test_teardown(test_madt_entry_too_short_for_type, teardown),
	    cmocka_unit_test_teardown(test_madt_truncated_header, teardown),
	    cmocka_unit_test_teardown(test_madt_lapic_override, teardown),
	    cmocka_unit_test_teardown(test_madt_online_capable_needs_revision_5, teardown),
	    cmocka_unit_test_teardown(test_madt_limits, teardown),
	    cmocka_unit_test_teardown(test_madt_duplicate_and_bad_first, teardown),
	    cmocka_unit_test_teardown(test_fadt_x_pm_timer_in_memory_space, teardown),
	    cmocka_unit_test_teardown(test_fadt_short_versions, teardown),
	    cmocka_unit_test_teardown(test_hpet_wrong_address_space, teardown),
	    cmocka_unit_test_teardown(test_hpet_truncated_and_huge, teardown),
	    cmocka_unit_test_teardown(test_mcfg_entries, teardown),
	    cmocka_unit_test_teardown(test_mcfg_partial_entry, teardown),
	    cmocka_unit_test_teardown(test_unknown_tables_ignored, teardown),
	    cmocka_unit_test_teardown(test_print, teardown),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
