/* fuzz-sources: drivers/acpi.c */
/*
 * libFuzzer: the ACPI table parser on an arbitrary RSDP copy and tables.
 * "Physical" addresses are host pointers (kernel/mm/directmap.h), and an
 * RSDT holds 32-bit ones, so every table lives below 4 GiB and ends at a
 * PROT_NONE guard page: a read past a table's end faults, one past the RSDP
 * copy (exact-size malloc) is caught by ASan. Whatever the bytes, the parse
 * returns 0 or -EINVAL and the info it fills stays within its arrays.
 *
 * Input: byte 0 flags (bit 0: fix up every checksum, so that the fuzzer gets
 * past them), byte 1 the RSDP copy's length, the RSDP copy, then up to
 * MAX_TABLES tables, each a 16-bit little-endian byte count and the bytes.
 * A table's allocation is its header length when the parser could accept
 * that length, else just a header (all the parser reads of it). Addresses
 * are the harness's to give: in the RSDP and in XSDT/RSDT entries, a
 * non-zero value v becomes the address of table (v - 1) mod the table count.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "drivers/acpi.h"
#include "drivers/acpi_tables.h"
#include "kernel/core/log.h"

#define MAX_TABLES 8
#define SLOT_LEN   (1u << 20) /* the parser refuses lengths from 1 MiB on */
#define GUARD_LEN  4096u
#define HDR_LEN	   ((uint32_t)sizeof(struct acpi_sdt_header))

static uint8_t *slots; /* MAX_TABLES + 1 slots (the last: for a table-less input) */

static uint8_t *slot_end(unsigned i)
{
	return slots + (size_t)i * (SLOT_LEN + GUARD_LEN) + SLOT_LEN;
}

static void map_slots(void)
{
	size_t len = (size_t)(MAX_TABLES + 1) * (SLOT_LEN + GUARD_LEN);

	slots = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		     -1, 0);
	if (slots == MAP_FAILED || (uintptr_t)slots + len > UINT32_MAX)
		abort();
	for (unsigned i = 0; i <= MAX_TABLES; i++)
		if (mprotect(slot_end(i), GUARD_LEN, PROT_NONE))
			abort();
}

static void fix_checksum(uint8_t *bytes, size_t len, size_t at)
{
	uint8_t sum = 0;

	bytes[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += bytes[i];
	bytes[at] = -sum;
}

struct table {
	const uint8_t *data;
	size_t data_len;
	uint32_t len; /* allocated, ends at the guard page */
	uint8_t *mem;
};

static struct table tables[MAX_TABLES];
static unsigned table_count;

static uint64_t table_hpa(uint64_t v)
{
	if (!v)
		return 0;
	if (!table_count)
		return (uintptr_t)(slot_end(MAX_TABLES) - HDR_LEN);
	return (uintptr_t)tables[(v - 1) % table_count].mem;
}

static void patch_entries(struct table *t)
{
	size_t entry = !memcmp(t->mem, ACPI_SIG_XSDT, 4)   ? 8
		       : !memcmp(t->mem, ACPI_SIG_RSDT, 4) ? 4
							   : 0;

	for (size_t off = HDR_LEN; entry && off + entry <= t->len; off += entry) {
		uint64_t v = 0;

		memcpy(&v, t->mem + off, entry);
		v = table_hpa(v);
		memcpy(t->mem + off, &v, entry);
	}
}

static void check_info(int ret, const struct acpi_info *info)
{
	static const struct acpi_info zero;

	if (ret != 0 && ret != -EINVAL)
		abort();
	if (ret && memcmp(info, &zero, sizeof(zero)))
		abort(); /* a bad RSDP says nothing */
	if (info->cpu_count > ACPI_MAX_CPUS || info->ioapic_count > ACPI_MAX_IOAPICS ||
	    info->mcfg_count > ACPI_MAX_MCFG || info->oem_id[6] != '\0')
		abort();
	for (unsigned i = 0; i < info->cpu_count; i++)
		for (unsigned j = 0; j < i; j++)
			if (info->apic_ids[i] == info->apic_ids[j])
				abort();
	for (unsigned i = 0; i < info->mcfg_count; i++)
		if (!info->mcfg[i].base || info->mcfg[i].bus_end < info->mcfg[i].bus_start)
			abort();
	if ((info->has_hpet && !info->hpet_base) || info->pm_timer_port > UINT16_MAX ||
	    (info->pm_timer_32bit && !info->pm_timer_port))
		abort();
	if ((info->has_madt || info->has_fadt || info->has_hpet || info->mcfg_count) &&
	    !info->root_table)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *quiet;
	if (!slots) {
		map_slots();
		quiet = fopen("/dev/null", "w");
		log_set_level(LOG_ERR);
	}
	if (size < 2)
		return 0;
	bool fix = data[0] & 1;
	size_t rsdp_len = data[1];
	data += 2;
	size -= 2;
	if (rsdp_len > size)
		rsdp_len = size;
	uint8_t *rsdp = malloc(rsdp_len ? rsdp_len : 1); /* exact size for ASan */
	memcpy(rsdp, data, rsdp_len);
	data += rsdp_len;
	size -= rsdp_len;

	/* Split the rest into tables and size each allocation. */
	table_count = 0;
	while (size >= 2 && table_count < MAX_TABLES) {
		struct table *t = &tables[table_count];
		size_t n = data[0] | data[1] << 8;
		uint32_t hdr_len = 0;

		data += 2;
		size -= 2;
		n = n < size ? n : size;
		t->data = data;
		t->data_len = n;
		/* The length field as the zero-padded table will hold it. */
		uint8_t head[8] = {0};
		memcpy(head, data, n < sizeof(head) ? n : sizeof(head));
		memcpy(&hdr_len, head + 4, 4);
		t->len = hdr_len >= HDR_LEN && hdr_len < SLOT_LEN ? hdr_len : HDR_LEN;
		t->mem = slot_end(table_count) - t->len;
		data += n;
		size -= n;
		table_count++;
	}
	for (unsigned i = 0; i < table_count; i++) {
		struct table *t = &tables[i];
		size_t n = t->data_len < t->len ? t->data_len : t->len;

		memcpy(t->mem, t->data, n);
		memset(t->mem + n, 0, t->len - n);
		patch_entries(t);
		if (fix)
			fix_checksum(t->mem, t->len, offsetof(struct acpi_sdt_header, checksum));
	}
	memset(slot_end(MAX_TABLES) - HDR_LEN, 0, HDR_LEN);

	/* The RSDP's pointers, then its checksums (ACPI 5.2.5.3). */
	if (rsdp_len >= offsetof(struct acpi_rsdp, length)) {
		uint32_t v;

		memcpy(&v, rsdp + offsetof(struct acpi_rsdp, rsdt_address), 4);
		v = (uint32_t)table_hpa(v);
		memcpy(rsdp + offsetof(struct acpi_rsdp, rsdt_address), &v, 4);
	}
	if (rsdp_len >= offsetof(struct acpi_rsdp, extended_checksum)) {
		uint64_t v;

		memcpy(&v, rsdp + offsetof(struct acpi_rsdp, xsdt_address), 8);
		v = table_hpa(v);
		memcpy(rsdp + offsetof(struct acpi_rsdp, xsdt_address), &v, 8);
	}
	if (fix && rsdp_len >= ACPI_RSDP_V1_LENGTH)
		fix_checksum(rsdp, ACPI_RSDP_V1_LENGTH, offsetof(struct acpi_rsdp, checksum));
	if (fix && rsdp_len >= ACPI_RSDP_V2_MIN_LENGTH) {
		uint32_t len;

		memcpy(&len, rsdp + offsetof(struct acpi_rsdp, length), 4);
		if (len >= ACPI_RSDP_V2_MIN_LENGTH && len <= rsdp_len)
			fix_checksum(rsdp, len, offsetof(struct acpi_rsdp, extended_checksum));
	}

	static struct acpi_info info;
	FILE *saved = stderr;
	stderr = quiet; /* rejections are logged; the log is not the point here */
	int ret = acpi_parse(rsdp, rsdp_len, &info);
	acpi_print(&info);
	stderr = saved;
	check_info(ret, &info);
	free(rsdp);
	return 0;
}
