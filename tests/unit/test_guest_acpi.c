/* unit-test-sources: kernel/guest/guest_acpi.c */
/*
 * guest_acpi: the tables written into a guest RAM buffer are read back the
 * way an OS reads them (RSDP -> XSDT -> FADT -> DSDT/FACS, MADT), every
 * checksum checked, and the DSDT's AML walked by a small test-side parser
 * (Name, Scope, Device, Package, Buffer, integers, strings; any other
 * opcode fails) down to the resource descriptors of each device. The
 * limits: -EINVAL for each bad config field and region, -ENOSPC for every
 * room one byte short of the tables, and no byte written outside the room.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/acpi_tables.h"
#include "kernel/guest/guest_acpi.h"

#define RAM_SIZE (2 * SZ_1M)
#define BASE	 0xe0000ULL
#define ROOM	 0x10000ULL
#define CANARY	 0xa5

#define LAPIC_GPA  0xfee00000ULL
#define IOAPIC_GPA 0xfec00000ULL
#define IOAPIC_ID  7
#define SLEEP_PORT 0x600
#define RESET_PORT 0xcf9
#define RESET_VAL  6

#define PNP0501 0x0105d041U /* EisaId("PNP0501") as the AML integer */

static uint8_t *ram; /* RAM_SIZE bytes, exactly: ASan sees any write past the end */

static uint64_t get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint8_t sum8(const uint8_t *p, uint64_t len)
{
	uint8_t s = 0;

	for (uint64_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static int setup(void **state)
{
	ram = malloc(RAM_SIZE);
	assert_non_null(ram);
	memset(ram, CANARY, RAM_SIZE);
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static struct guest_acpi_config config(bool hw_reduced, unsigned vcpus, unsigned virtio)
{
	struct guest_acpi_config c = {
	    .vcpus = vcpus,
	    .lapic_gpa = LAPIC_GPA,
	    .ioapic_gpa = IOAPIC_GPA,
	    .ioapic_id = IOAPIC_ID,
	    .hw_reduced = hw_reduced,
	    .sleep_port = SLEEP_PORT,
	    .reset_port = RESET_PORT,
	    .reset_value = RESET_VAL,
	    .virtio_count = virtio,
	};

	for (unsigned i = 0; i < GUEST_ACPI_VIRTIO_MAX; i++) {
		c.virtio[i].gpa = 0xd0000000ULL + i * 0x1000;
		c.virtio[i].size = 0x200;
		c.virtio[i].gsi = 5 + i;
	}
	return c;
}

/* Every byte of [0, RAM_SIZE) outside [lo, hi) still holds the canary. */
static void assert_untouched_outside(uint64_t lo, uint64_t hi)
{
	for (uint64_t i = 0; i < RAM_SIZE; i++) {
		if (i >= lo && i < hi)
			continue;
		if (ram[i] != CANARY)
			fail_msg("byte at 0x%llx written (outside [0x%llx, 0x%llx))",
				 (unsigned long long)i, (unsigned long long)lo,
				 (unsigned long long)hi);
	}
}

/* The tables as an OS finds them, each checked to lie in [base, base + room). */
struct tables {
	uint64_t base, room;
	const uint8_t *rsdp, *xsdt, *fadt, *madt, *dsdt, *facs;
};

static const uint8_t *table_at(const struct tables *t, uint64_t gpa, const char *sig)
{
	assert_true(gpa >= t->base && gpa + sizeof(struct acpi_sdt_header) <= t->base + t->room);
	const uint8_t *p = ram + gpa;
	uint32_t len = (uint32_t)get(p + 4, 4);
	if (memcmp(p, sig, 4) != 0)
		fail_msg("table at 0x%llx is not %s", (unsigned long long)gpa, sig);
	assert_true(len >= sizeof(struct acpi_sdt_header));
	assert_true(gpa + len <= t->base + t->room);
	if (sum8(p, len) != 0)
		fail_msg("%s checksum: bytes sum to 0x%x", sig, sum8(p, len));
	assert_memory_equal(p + offsetof(struct acpi_sdt_header, oem_id), "SHOJI ", 6);
	return p;
}

static struct tables write_tables(const struct guest_acpi_config *cfg, uint64_t base, uint64_t room)
{
	struct tables t = {.base = base, .room = room};
	gpa_t rsdp_gpa = 0;

	memset(ram, CANARY, RAM_SIZE);
	assert_int_equal(guest_acpi_write(ram, RAM_SIZE, base, room, cfg, &rsdp_gpa), 0);
	assert_untouched_outside(base, base + room);

	/* RSDP: ACPI 5.2.5.3, revision 2, both checksums. */
	assert_int_equal(rsdp_gpa, base);
	assert_true(IS_ALIGNED(rsdp_gpa, 16));
	t.rsdp = ram + rsdp_gpa;
	assert_memory_equal(t.rsdp, "RSD PTR ", 8);
	assert_int_equal(t.rsdp[15], 2);
	assert_int_equal(sum8(t.rsdp, 20), 0);
	assert_int_equal(get(t.rsdp + 20, 4), 36);
	assert_int_equal(sum8(t.rsdp, 36), 0);
	assert_int_equal(get(t.rsdp + 16, 4), 0); /* no RSDT */
	assert_memory_equal(t.rsdp + 33, "\0\0\0", 3);

	/* XSDT: exactly FADT and MADT. */
	t.xsdt = table_at(&t, get(t.rsdp + 24, 8), "XSDT");
	assert_int_equal(t.xsdt[8], 1);
	assert_int_equal(get(t.xsdt + 4, 4), 36 + 2 * 8);
	t.fadt = table_at(&t, get(t.xsdt + 36, 8), "FACP");
	t.madt = table_at(&t, get(t.xsdt + 44, 8), "APIC");

	/* DSDT through X_DSDT, and the 32-bit DSDT field agrees. */
	const struct acpi_fadt *f = (const struct acpi_fadt *)t.fadt;
	assert_int_equal(f->header.length, sizeof(struct acpi_fadt));
	t.dsdt = table_at(&t, f->x_dsdt, "DSDT");
	assert_int_equal(f->dsdt, f->x_dsdt);
	assert_int_equal(f->x_firmware_ctrl, 0);
	if (f->firmware_ctrl) {
		assert_true(f->firmware_ctrl >= base && f->firmware_ctrl + 64 <= base + room);
		t.facs = ram + f->firmware_ctrl;
	}
	return t;
}

/* ---- RSDP, XSDT ---- */

static void test_rsdp_xsdt(void **state)
{
	for (int hwr = 0; hwr <= 1; hwr++) {
		struct guest_acpi_config cfg = config(hwr, 2, 1);
		struct tables t = write_tables(&cfg, BASE, ROOM);

		assert_memory_equal(t.rsdp + 9, "SHOJI ", 6);
		/* Tables do not overlap one another or the RSDP. */
		const uint8_t *list[] = {t.xsdt, t.fadt, t.madt, t.dsdt};
		for (unsigned i = 0; i < 4; i++) {
			uint64_t a = (uint64_t)(list[i] - ram), alen = get(list[i] + 4, 4);
			assert_true(a >= BASE + 36);
			for (unsigned j = i + 1; j < 4; j++) {
				uint64_t b = (uint64_t)(list[j] - ram), blen = get(list[j] + 4, 4);
				assert_true(a + alen <= b || b + blen <= a);
			}
			if (t.facs)
				assert_true(a + alen <= (uint64_t)(t.facs - ram) ||
					    (uint64_t)(t.facs - ram) + 64 <= a);
		}
	}
}

/* ---- FADT ---- */

static void assert_gas_io(const struct acpi_gas *g, uint64_t port, uint8_t bits, uint8_t access)
{
	assert_int_equal(g->space_id, ACPI_GAS_SYSTEM_IO);
	assert_int_equal(g->bit_width, bits);
	assert_int_equal(g->bit_offset, 0);
	assert_int_equal(g->access_size, access);
	assert_int_equal(g->address, port);
}

static void assert_gas_zero(const struct acpi_gas *g)
{
	static const struct acpi_gas zero;
	assert_memory_equal(g, &zero, sizeof(zero));
}

static void assert_fadt_common(const struct acpi_fadt *f)
{
	assert_int_equal(f->header.revision, 6);
	assert_int_equal(f->minor_version, 5);
	assert_true(f->flags & ACPI_FADT_RESET_REG_SUP);
	/*
	 * The whole set: WBINVD works, C1 = HLT, no fixed-feature buttons or RTC status;
	 * plus HW_REDUCED_ACPI or TMR_VAL_EXT (the PM timer), checked per mode.
	 */
	assert_int_equal(f->flags & ~(ACPI_FADT_HW_REDUCED_ACPI | ACPI_FADT_TMR_VAL_EXT),
			 ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
			     ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC | ACPI_FADT_RESET_REG_SUP);
	assert_gas_io(&f->reset_reg, RESET_PORT, 8, ACPI_GAS_ACCESS_BYTE);
	assert_int_equal(f->reset_value, RESET_VAL);
	/* Boot architecture: VGA not present, MSI not supported, CMOS RTC present. */
	assert_true(f->iapc_boot_arch & ACPI_FADT_BOOT_VGA_NOT_PRESENT);
	assert_true(f->iapc_boot_arch & ACPI_FADT_BOOT_MSI_NOT_SUPPORTED);
	assert_false(f->iapc_boot_arch & ACPI_FADT_BOOT_CMOS_RTC_NOT_PRESENT);
	assert_false(f->iapc_boot_arch & ACPI_FADT_BOOT_PCIE_ASPM_CONTROLS);
	/* No SMM: ACPI mode is always on. */
	assert_int_equal(f->smi_cmd, 0);
	assert_int_equal(f->acpi_enable, 0);
	assert_int_equal(f->acpi_disable, 0);
	/* Nothing else claimed: no PM1b, PM2, GPE blocks. */
	assert_int_equal(f->pm1b_evt_blk, 0);
	assert_int_equal(f->pm1b_cnt_blk, 0);
	assert_int_equal(f->pm2_cnt_blk, 0);
	assert_int_equal(f->gpe0_blk, 0);
	assert_int_equal(f->gpe1_blk, 0);
	assert_gas_zero(&f->x_gpe0_blk);
	assert_gas_zero(&f->x_gpe1_blk);
	assert_int_equal(f->arm_boot_arch, 0);
}

static void test_fadt_hw_reduced(void **state)
{
	struct guest_acpi_config cfg = config(true, 1, 0);
	struct tables t = write_tables(&cfg, BASE, ROOM);
	const struct acpi_fadt *f = (const struct acpi_fadt *)t.fadt;

	assert_fadt_common(f);
	assert_true(f->flags & ACPI_FADT_HW_REDUCED_ACPI);
	assert_int_equal(f->iapc_boot_arch,
			 ACPI_FADT_BOOT_VGA_NOT_PRESENT | ACPI_FADT_BOOT_MSI_NOT_SUPPORTED);
	assert_gas_io(&f->sleep_control_reg, SLEEP_PORT, 8, ACPI_GAS_ACCESS_BYTE);
	assert_gas_io(&f->sleep_status_reg, SLEEP_PORT + 1, 8, ACPI_GAS_ACCESS_BYTE);
	/* 5.2.9: hardware-reduced with both FACS pointers 0 = no FACS. */
	assert_int_equal(f->firmware_ctrl, 0);
	assert_null(t.facs);
	/* No fixed hardware: no SCI, no PM1 blocks. */
	assert_int_equal(f->sci_int, 0);
	assert_int_equal(f->pm1a_evt_blk, 0);
	assert_int_equal(f->pm1a_cnt_blk, 0);
	assert_gas_zero(&f->x_pm1a_evt_blk);
	assert_gas_zero(&f->x_pm1a_cnt_blk);
	/* No PM timer either (a fixed-hardware register). */
	assert_int_equal(f->pm_tmr_blk, 0);
	assert_int_equal(f->pm_tmr_len, 0);
	assert_gas_zero(&f->x_pm_tmr_blk);
	assert_false(f->flags & ACPI_FADT_TMR_VAL_EXT);
}

static void test_fadt_legacy(void **state)
{
	struct guest_acpi_config cfg = config(false, 1, 0);
	struct tables t = write_tables(&cfg, BASE, ROOM);
	const struct acpi_fadt *f = (const struct acpi_fadt *)t.fadt;

	assert_fadt_common(f);
	assert_false(f->flags & ACPI_FADT_HW_REDUCED_ACPI);
	assert_true(f->iapc_boot_arch & ACPI_FADT_BOOT_LEGACY_DEVICES);
	assert_true(f->iapc_boot_arch & ACPI_FADT_BOOT_8042);
	assert_gas_zero(&f->sleep_control_reg);
	assert_gas_zero(&f->sleep_status_reg);
	assert_int_equal(f->sci_int, GUEST_ACPI_SCI_IRQ);
	assert_int_equal(f->pm1a_evt_blk, SLEEP_PORT + GUEST_ACPI_PM1_EVT_OFF);
	assert_int_equal(f->pm1_evt_len, 4);
	assert_int_equal(f->pm1a_cnt_blk, SLEEP_PORT + GUEST_ACPI_PM1_CNT_OFF);
	assert_int_equal(f->pm1_cnt_len, 2);
	assert_gas_io(&f->x_pm1a_evt_blk, SLEEP_PORT + GUEST_ACPI_PM1_EVT_OFF, 32,
		      ACPI_GAS_ACCESS_WORD);
	assert_gas_io(&f->x_pm1a_cnt_blk, SLEEP_PORT + GUEST_ACPI_PM1_CNT_OFF, 16,
		      ACPI_GAS_ACCESS_WORD);
	/* PM timer: 4 bytes at sleep_port + 8, a 32-bit counter read as one dword. */
	assert_int_equal(GUEST_ACPI_PM_TMR_OFF, 8);
	assert_int_equal(f->pm_tmr_blk, SLEEP_PORT + 8);
	assert_int_equal(f->pm_tmr_len, 4);
	assert_gas_io(&f->x_pm_tmr_blk, SLEEP_PORT + 8, 32, ACPI_GAS_ACCESS_DWORD);
	assert_true(f->flags & ACPI_FADT_TMR_VAL_EXT);
	/* The raw bytes an OS reads: PM_TMR_BLK at 76, PM_TMR_LEN at 91, X_PM_TMR_BLK at 208. */
	static const uint8_t x_pm_tmr[12] = {
	    ACPI_GAS_SYSTEM_IO,	     /* address space */
	    32,			     /* bit width */
	    0,			     /* bit offset */
	    ACPI_GAS_ACCESS_DWORD,   /* access size */
	    (SLEEP_PORT + 8) & 0xff, /* 64-bit address, little-endian */
	    (SLEEP_PORT + 8) >> 8,
	};
	assert_int_equal(get(t.fadt + 76, 4), SLEEP_PORT + 8);
	assert_int_equal(t.fadt[91], 4);
	assert_memory_equal(t.fadt + 208, x_pm_tmr, sizeof(x_pm_tmr));
	assert_int_equal(get(t.fadt + 112, 4) & (1U << 8), 1U << 8); /* Flags bit 8: TMR_VAL_EXT */
	/* P_LVL2/3 latencies say "no C2/C3". */
	assert_true(f->p_lvl2_lat > 100);
	assert_true(f->p_lvl3_lat > 1000);

	/* 5.2.10 FACS: 64-byte aligned, 64 bytes, version 2, all else 0. */
	assert_non_null(t.facs);
	assert_true(IS_ALIGNED(f->firmware_ctrl, 64));
	const struct acpi_facs *facs = (const struct acpi_facs *)t.facs;
	assert_memory_equal(facs->signature, "FACS", 4);
	assert_int_equal(facs->length, 64);
	assert_int_equal(facs->version, 2);
	assert_int_equal(facs->flags, 0);
	assert_int_equal(facs->global_lock, 0);
	assert_int_equal(facs->firmware_waking_vector, 0);
	assert_int_equal(facs->x_firmware_waking_vector, 0);
}

/* ---- MADT ---- */

static void check_madt(const uint8_t *m, const struct guest_acpi_config *cfg)
{
	uint32_t len = (uint32_t)get(m + 4, 4);
	unsigned lapics = 0, ioapics = 0, isos = 0, nmis = 0;

	assert_int_equal(m[8], 6);
	assert_int_equal(get(m + 36, 4), LAPIC_GPA);
	assert_int_equal(get(m + 40, 4), cfg->hw_reduced ? 0 : ACPI_MADT_PCAT_COMPAT);
	unsigned want_isos = cfg->hw_reduced ? 1 : 2;
	assert_int_equal(len, 44 + 8 * cfg->vcpus + 12 + 10 * want_isos + 6);

	for (uint32_t off = 44; off < len;) {
		const uint8_t *e = m + off;
		assert_true(off + 2 <= len && e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case ACPI_MADT_TYPE_LAPIC:
			assert_int_equal(e[1], 8);
			/* In order: UID = APIC ID = index, enabled, nothing else. */
			assert_int_equal(e[2], lapics);
			assert_int_equal(e[3], lapics);
			assert_int_equal(get(e + 4, 4), ACPI_MADT_CPU_ENABLED);
			lapics++;
			break;
		case ACPI_MADT_TYPE_IOAPIC:
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], IOAPIC_ID);
			assert_int_equal(e[3], 0);
			assert_int_equal(get(e + 4, 4), IOAPIC_GPA);
			assert_int_equal(get(e + 8, 4), 0);
			ioapics++;
			break;
		case ACPI_MADT_TYPE_ISO:
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0); /* ISA */
			if (isos == 0) {
				assert_int_equal(e[3], 0); /* IRQ 0 */
				assert_int_equal(get(e + 4, 4), 2);
				/* edge-triggered, polarity conforming to the bus */
				assert_int_equal(get(e + 8, 2), 0x0004);
			} else {
				assert_int_equal(e[3], 9); /* the SCI */
				assert_int_equal(get(e + 4, 4), 9);
				assert_int_equal(get(e + 8, 2), 0x000d); /* level, active high */
			}
			isos++;
			break;
		case ACPI_MADT_TYPE_LAPIC_NMI:
			assert_int_equal(e[1], 6);
			assert_int_equal(e[2], 0xff);
			assert_int_equal(get(e + 3, 2), 0);
			assert_int_equal(e[5], 1); /* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u at offset %u", e[0], off);
		}
		off += e[1];
	}
	assert_int_equal(lapics, cfg->vcpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, want_isos);
	assert_int_equal(nmis, 1);
}

static void test_madt(void **state)
{
	static const unsigned counts[] = {1, 2, 16, 254, 255};

	for (int hwr = 0; hwr <= 1; hwr++) {
		for (unsigned i = 0; i < ARRAY_SIZE(counts); i++) {
			struct guest_acpi_config cfg = config(hwr, counts[i], 4);
			struct tables t = write_tables(&cfg, BASE, ROOM);
			check_madt(t.madt, &cfg);
		}
	}
}

/* ---- DSDT: a test-side AML walker ---- */

struct aml_name {
	char path[32];	    /* e.g. "\_SB_.COM1._CRS" */
	const uint8_t *obj; /* the DataRefObject */
	size_t len;
};

static struct aml_name names[64];
static unsigned n_names;

/* ACPI 20.2.4 PkgLength: returns its byte count and the length it encodes. */
static size_t pkglen_decode(const uint8_t *p, size_t avail, uint32_t *len)
{
	assert_true(avail >= 1);
	unsigned follow = p[0] >> 6;
	if (follow == 0) {
		*len = p[0] & 0x3f;
		return 1;
	}
	assert_int_equal(p[0] & 0x30, 0); /* reserved when multi-byte */
	assert_true(avail >= 1 + follow);
	uint32_t v = p[0] & 0xf;
	for (unsigned i = 1; i <= follow; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	/* The encoder picks the shortest form: a one-byte length would have done otherwise. */
	assert_true(v > 0x3f);
	*len = v;
	return 1 + follow;
}

static bool aml_int(const uint8_t *p, size_t avail, uint64_t *v, size_t *used)
{
	static const unsigned widths[] = {[0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8};

	if (avail < 1)
		return false;
	if (p[0] == 0x00 || p[0] == 0x01) {
		*v = p[0];
		*used = 1;
		return true;
	}
	if (p[0] == 0xff) {
		*v = ~0ULL;
		*used = 1;
		return true;
	}
	if (p[0] < ARRAY_SIZE(widths) && widths[p[0]] && avail >= 1 + widths[p[0]]) {
		*v = get(p + 1, widths[p[0]]);
		*used = 1 + widths[p[0]];
		return true;
	}
	return false;
}

/* Bytes of one DataRefObject at @p. */
static size_t data_object_len(const uint8_t *p, size_t avail)
{
	uint64_t v;
	size_t used;
	uint32_t len;

	if (aml_int(p, avail, &v, &used))
		return used;
	assert_true(avail >= 2);
	switch (p[0]) {
	case 0x0d: { /* String */
		const uint8_t *nul = memchr(p + 1, 0, avail - 1);
		assert_non_null(nul);
		return (size_t)(nul - p) + 1;
	}
	case 0x11: /* Buffer */
	case 0x12: /* Package */
		pkglen_decode(p + 1, avail - 1, &len);
		assert_true(1 + (size_t)len <= avail);
		return 1 + len;
	default:
		fail_msg("unexpected data object opcode 0x%02x", p[0]);
	}
	return 0;
}

static bool nameseg_ok(const uint8_t *s)
{
	/* 20.2.2 NameSeg: LeadNameChar ('A'-'Z', '_') then digits too. */
	if (!((s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (unsigned i = 1; i < 4; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static void join(char *out, const char *scope, const uint8_t *seg)
{
	snprintf(out, 32, "%s%s%.4s", scope, strcmp(scope, "\\") ? "." : "", (const char *)seg);
}

/* Walk a TermList of @len bytes in @scope; each construct must end exactly at its length. */
static void aml_walk(const uint8_t *p, size_t len, const char *scope)
{
	size_t i = 0;

	while (i < len) {
		uint32_t plen;
		size_t n, start;
		char path[32];

		switch (p[i]) {
		case 0x08: /* Name */
			assert_true(i + 5 < len);
			assert_true(nameseg_ok(p + i + 1));
			assert_true(n_names < ARRAY_SIZE(names));
			join(names[n_names].path, scope, p + i + 1);
			names[n_names].obj = p + i + 5;
			names[n_names].len = data_object_len(p + i + 5, len - i - 5);
			i += 5 + names[n_names].len;
			n_names++;
			break;
		case 0x10: /* Scope PkgLength NameString TermList */
			start = i + 1;
			n = pkglen_decode(p + start, len - start, &plen);
			assert_true(start + plen <= len);
			i = start + n;
			if (p[i] == 0x5c) { /* RootChar */
				i++;
				join(path, "\\", p + i);
			} else {
				join(path, scope, p + i);
			}
			assert_true(nameseg_ok(p + i));
			i += 4;
			aml_walk(p + i, start + plen - i, path);
			i = start + plen;
			break;
		case 0x5b: /* ExtOpPrefix: only Device here */
			assert_true(i + 1 < len);
			assert_int_equal(p[i + 1], 0x82);
			start = i + 2;
			n = pkglen_decode(p + start, len - start, &plen);
			assert_true(start + plen <= len);
			i = start + n;
			assert_true(nameseg_ok(p + i));
			join(path, scope, p + i);
			i += 4;
			aml_walk(p + i, start + plen - i, path);
			i = start + plen;
			break;
		default:
			fail_msg("unexpected AML opcode 0x%02x at %zu in %s", p[i], i, scope);
		}
	}
	assert_int_equal(i, len);
}

static const struct aml_name *aml_find(const char *path)
{
	for (unsigned i = 0; i < n_names; i++)
		if (strcmp(names[i].path, path) == 0)
			return &names[i];
	fail_msg("%s not in the DSDT", path);
	return NULL;
}

static uint64_t aml_find_int(const char *path)
{
	const struct aml_name *n = aml_find(path);
	uint64_t v;
	size_t used;

	assert_true(aml_int(n->obj, n->len, &v, &used));
	assert_int_equal(used, n->len);
	return v;
}

/* A Buffer object's bytes (BufferSize must match the ByteList). */
static const uint8_t *aml_buffer(const struct aml_name *n, size_t *size)
{
	uint32_t plen;
	uint64_t v;
	size_t used;

	assert_int_equal(n->obj[0], 0x11);
	size_t pl = pkglen_decode(n->obj + 1, n->len - 1, &plen);
	assert_true(aml_int(n->obj + 1 + pl, n->len - 1 - pl, &v, &used));
	assert_int_equal(1 + pl + used + v, n->len);
	*size = (size_t)v;
	return n->obj + 1 + pl + used;
}

/* Resource descriptors in a _CRS buffer (ACPI 6.4). */
struct resources {
	unsigned io, irq, mem32, extirq, end;
	uint8_t io_info, io_align, io_len;
	uint16_t io_min, io_max, irq_mask;
	uint8_t mem_info;
	uint32_t mem_base, mem_len;
	uint8_t extirq_flags, extirq_count;
	uint32_t extirq_gsi;
};

static struct resources resources_parse(const uint8_t *b, size_t size)
{
	struct resources r = {0};
	size_t i = 0;

	while (i < size) {
		assert_int_equal(r.end, 0); /* the end tag is last */
		if (!(b[i] & 0x80)) {
			unsigned type = (b[i] >> 3) & 0xf, len = b[i] & 7;
			assert_true(i + 1 + len <= size);
			const uint8_t *d = b + i + 1;
			switch (type) {
			case 0x8: /* IO */
				assert_int_equal(len, 7);
				r.io++;
				r.io_info = d[0];
				r.io_min = (uint16_t)get(d + 1, 2);
				r.io_max = (uint16_t)get(d + 3, 2);
				r.io_align = d[5];
				r.io_len = d[6];
				break;
			case 0x4: /* IRQ, no flags byte */
				assert_int_equal(len, 2);
				r.irq++;
				r.irq_mask = (uint16_t)get(d, 2);
				break;
			case 0xf: /* End tag */
				assert_int_equal(len, 1);
				assert_int_equal(d[0], 0);
				r.end++;
				break;
			default:
				fail_msg("unexpected small resource type 0x%x", type);
			}
			i += 1 + len;
		} else {
			assert_true(i + 3 <= size);
			unsigned type = b[i] & 0x7f, len = (unsigned)get(b + i + 1, 2);
			assert_true(i + 3 + len <= size);
			const uint8_t *d = b + i + 3;
			switch (type) {
			case 0x06: /* Memory32Fixed */
				assert_int_equal(len, 9);
				r.mem32++;
				r.mem_info = d[0];
				r.mem_base = (uint32_t)get(d + 1, 4);
				r.mem_len = (uint32_t)get(d + 5, 4);
				break;
			case 0x09: /* Extended Interrupt */
				assert_int_equal(len, 6);
				r.extirq++;
				r.extirq_flags = d[0];
				r.extirq_count = d[1];
				r.extirq_gsi = (uint32_t)get(d + 2, 4);
				break;
			default:
				fail_msg("unexpected large resource type 0x%x", type);
			}
			i += 3 + len;
		}
	}
	assert_int_equal(i, size);
	assert_int_equal(r.end, 1);
	return r;
}

static void dsdt_walk(const uint8_t *dsdt)
{
	uint32_t len = (uint32_t)get(dsdt + 4, 4);

	assert_int_equal(dsdt[8], 2); /* revision 2: 64-bit integers */
	n_names = 0;
	aml_walk(dsdt + 36, len - 36, "\\");
}

static void check_dsdt(const uint8_t *dsdt, const struct guest_acpi_config *cfg)
{
	dsdt_walk(dsdt);
	assert_int_equal(n_names, 1 + 3 + 3 * cfg->virtio_count);

	/* \_S5_ = Package(4){5, 5, 0, 0} */
	const struct aml_name *s5 = aml_find("\\_S5_");
	uint32_t plen;
	assert_int_equal(s5->obj[0], 0x12);
	size_t pl = pkglen_decode(s5->obj + 1, s5->len - 1, &plen);
	const uint8_t *e = s5->obj + 1 + pl;
	const uint8_t *end = s5->obj + s5->len;
	assert_int_equal(*e++, 4);
	static const uint64_t want[] = {5, 5, 0, 0};
	for (unsigned i = 0; i < 4; i++) {
		uint64_t v;
		size_t used;
		assert_true(aml_int(e, (size_t)(end - e), &v, &used));
		assert_int_equal(v, want[i]);
		e += used;
	}
	assert_ptr_equal(e, end);

	/* COM1 */
	assert_int_equal(aml_find_int("\\_SB_.COM1._HID"), PNP0501);
	assert_int_equal(aml_find_int("\\_SB_.COM1._UID"), 1);
	size_t size;
	const uint8_t *crs = aml_buffer(aml_find("\\_SB_.COM1._CRS"), &size);
	static const uint8_t com1_crs[] = {0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00,
					   0x08, 0x22, 0x10, 0x00, 0x79, 0x00};
	assert_int_equal(size, sizeof(com1_crs));
	assert_memory_equal(crs, com1_crs, sizeof(com1_crs));
	struct resources r = resources_parse(crs, size);
	assert_int_equal(r.io, 1);
	assert_int_equal(r.io_info, 1); /* Decode16 */
	assert_int_equal(r.io_min, 0x3f8);
	assert_int_equal(r.io_max, 0x3f8);
	assert_int_equal(r.io_len, 8);
	assert_int_equal(r.irq, 1);
	assert_int_equal(r.irq_mask, 1U << 4);

	/* virtio-mmio devices */
	for (unsigned i = 0; i < cfg->virtio_count; i++) {
		char path[32];
		snprintf(path, sizeof(path), "\\_SB_.VRT%u._HID", i);
		const struct aml_name *hid = aml_find(path);
		assert_int_equal(hid->len, 10);
		assert_memory_equal(hid->obj, "\x0dLNRO0005", 10);
		snprintf(path, sizeof(path), "\\_SB_.VRT%u._UID", i);
		assert_int_equal(aml_find_int(path), i);
		snprintf(path, sizeof(path), "\\_SB_.VRT%u._CRS", i);
		crs = aml_buffer(aml_find(path), &size);
		r = resources_parse(crs, size);
		assert_int_equal(r.mem32, 1);
		assert_int_equal(r.mem_info, 1); /* ReadWrite */
		assert_int_equal(r.mem_base, cfg->virtio[i].gpa);
		assert_int_equal(r.mem_len, cfg->virtio[i].size);
		assert_int_equal(r.extirq, 1);
		/* ResourceConsumer, Level, ActiveHigh, Exclusive, not wake-capable */
		assert_int_equal(r.extirq_flags, 0x01);
		assert_int_equal(r.extirq_count, 1);
		assert_int_equal(r.extirq_gsi, cfg->virtio[i].gsi);
		assert_int_equal(r.io + r.irq, 0);
	}
}

static void test_dsdt(void **state)
{
	for (int hwr = 0; hwr <= 1; hwr++) {
		for (unsigned n = 0; n <= GUEST_ACPI_VIRTIO_MAX; n++) {
			struct guest_acpi_config cfg = config(hwr, 3, n);
			struct tables t = write_tables(&cfg, BASE, ROOM);
			check_dsdt(t.dsdt, &cfg);
		}
	}
}

/* Extreme virtio values: the top of 32-bit space and big GSIs, in full 32-bit encodings. */
static void test_dsdt_virtio_extremes(void **state)
{
	struct guest_acpi_config cfg = config(true, 1, 4);

	cfg.virtio[0].gpa = 0xfffff000;
	cfg.virtio[0].size = 0x1000; /* ends exactly at 4 GiB */
	cfg.virtio[0].gsi = 0xffffffffU;
	cfg.virtio[1].gpa = 0;
	cfg.virtio[1].size = 1;
	cfg.virtio[1].gsi = 0;
	cfg.virtio[2].gpa = 0x10;
	cfg.virtio[2].size = 0xfffffff0U;
	cfg.virtio[2].gsi = 23;
	struct tables t = write_tables(&cfg, BASE, ROOM);
	check_dsdt(t.dsdt, &cfg);
}

/*
 * The whole AML of one configuration, byte for byte. `iasl -d` (ACPICA
 * 20200925) disassembles it to the intended ASL, and recompiling that ASL
 * gives these bytes but for the root prefix of \_SB_ (iasl drops it at the
 * root, with the Scope's PkgLength one less).
 */
static const char golden_aml[] =
    "\x08\x5f\x53\x35\x5f"		       /* Name(_S5_, */
    "\x12\x08\x04"			       /*   Package, PkgLength 8, 4 elements */
    "\x0a\x05\x0a\x05\x00\x00"		       /*   {5, 5, Zero, Zero}) */
    "\x10\x40\x07"			       /* Scope, PkgLength 0x70 (two bytes) */
    "\x5c\x5f\x53\x42\x5f"		       /*   (\_SB_) */
    "\x5b\x82\x2b\x43\x4f\x4d\x31"	       /* Device(COM1), PkgLength 0x2b */
    "\x08\x5f\x48\x49\x44\x0c\x41\xd0\x05\x01" /*   Name(_HID, EisaId("PNP0501")) */
    "\x08\x5f\x55\x49\x44\x01"		       /*   Name(_UID, One) */
    "\x08\x5f\x43\x52\x53\x11\x10\x0a\x0d"     /*   Name(_CRS, Buffer: PkgLength 16, 13 bytes */
    "\x47\x01\xf8\x03\xf8\x03\x00\x08"	       /*     IO(Decode16, 0x3f8, 0x3f8, 0, 8) */
    "\x22\x10\x00"			       /*     IRQNoFlags(){4} */
    "\x79\x00"				       /*     EndTag) */
    "\x5b\x82\x3a\x56\x52\x54\x30"	       /* Device(VRT0), PkgLength 0x3a */
    "\x08\x5f\x48\x49\x44\x0d\x4c\x4e\x52\x4f\x30\x30\x30\x35\x00" /*   Name(_HID, "LNRO0005") */
    "\x08\x5f\x55\x49\x44\x00"					   /*   Name(_UID, Zero) */
    "\x08\x5f\x43\x52\x53\x11\x1a\x0a\x17" /*   Name(_CRS, Buffer: PkgLength 26, 23 bytes */
    "\x86\x09\x00\x01\x00\x00\x00\xd0\x00\x02\x00\x00" /*     Memory32Fixed(RW, 0xd0000000, 0x200)
							*/
    "\x89\x06\x00\x01\x01\x05\x00\x00\x00"	/*     Interrupt(Consumer, Level, High, Excl.){5} */
    "\x79\x00";					/*     EndTag) */
#define GOLDEN_AML_LEN (sizeof(golden_aml) - 1) /* without the literal's NUL */

static void test_dsdt_golden(void **state)
{
	struct guest_acpi_config cfg = config(true, 1, 1);
	struct tables t = write_tables(&cfg, BASE, ROOM);

	assert_int_equal(get(t.dsdt + 4, 4), 36 + GOLDEN_AML_LEN);
	assert_memory_equal(t.dsdt + 36, golden_aml, GOLDEN_AML_LEN);
	assert_memory_equal(t.dsdt + 10, "SHOJI SHOJIVM ", 14);
}

/* ---- PkgLength ---- */

static void test_pkglength(void **state)
{
	uint8_t out[4];

	/* One byte: total 0..63 in bits 5:0. */
	assert_int_equal(guest_acpi_pkglength(0, out), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(guest_acpi_pkglength(62, out), 1);
	assert_int_equal(out[0], 63);
	/* Two bytes from a total of 64 (a body of 63 + 2 = 65). */
	assert_int_equal(guest_acpi_pkglength(63, out), 2);
	assert_int_equal(out[0], 0x41);
	assert_int_equal(out[1], 0x04);
	assert_int_equal(guest_acpi_pkglength(0xfff - 2, out), 2);
	assert_int_equal(out[0], 0x4f);
	assert_int_equal(out[1], 0xff);
	/* Three bytes. */
	assert_int_equal(guest_acpi_pkglength(0xfff - 1, out), 3);
	assert_memory_equal(out, "\x81\x00\x01", 3); /* 0x1001 */
	assert_int_equal(guest_acpi_pkglength(0xfffff - 3, out), 3);
	assert_memory_equal(out, "\x8f\xff\xff", 3);
	/* Four bytes, up to 28 bits. */
	assert_int_equal(guest_acpi_pkglength(0xfffff - 2, out), 4);
	assert_memory_equal(out, "\xc1\x00\x00\x01", 4); /* 0x100001 */
	assert_int_equal(guest_acpi_pkglength(GUEST_ACPI_PKGLEN_MAX - 4, out), 4);
	assert_memory_equal(out, "\xcf\xff\xff\xff", 4);
	assert_int_equal(guest_acpi_pkglength(GUEST_ACPI_PKGLEN_MAX - 3, out), 0);
	assert_int_equal(guest_acpi_pkglength(UINT32_MAX, out), 0);

	/* Every encoding decodes back to body + its own size. */
	for (uint32_t body = 0; body < 0x30000; body += (body < 0x2000 ? 1 : 97)) {
		uint32_t len;
		unsigned n = guest_acpi_pkglength(body, out);
		assert_true(n >= 1 && n <= 4);
		if (n == 1)
			len = out[0];
		else
			assert_int_equal(pkglen_decode(out, n, &len), n);
		assert_int_equal(len, body + n);
	}
}

/* ---- limits ---- */

static void expect_err(const struct guest_acpi_config *cfg, uint64_t ram_size, uint64_t base,
		       uint64_t room, int err)
{
	gpa_t rsdp = 0x1234;

	memset(ram, CANARY, RAM_SIZE);
	assert_int_equal(guest_acpi_write(ram, ram_size, base, room, cfg, &rsdp), err);
	assert_int_equal(rsdp, 0x1234);
	assert_untouched_outside(0, 0);
}

static void test_einval_config(void **state)
{
	for (int hwr = 0; hwr <= 1; hwr++) {
		struct guest_acpi_config cfg = config(hwr, 1, 4);

		cfg.vcpus = 0;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg.vcpus = 256;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg.vcpus = ~0U;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);

		cfg = config(hwr, 1, 4);
		cfg.virtio_count = 5;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg.virtio_count = ~0U;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);

		/* A virtio range empty, or reaching past 4 GiB (Memory32Fixed). */
		cfg = config(hwr, 1, 4);
		cfg.virtio[3].size = 0;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg.virtio_count = 3; /* entries past the count are not looked at */
		assert_int_equal(guest_acpi_write(ram, RAM_SIZE, BASE, ROOM, &cfg, &(gpa_t){0}), 0);
		cfg = config(hwr, 1, 4);
		cfg.virtio[1].gpa = 0xfffff001;
		cfg.virtio[1].size = 0x1000;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg.virtio[1].gpa = SZ_4G;
		cfg.virtio[1].size = 0x1000;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);

		/* The MADT's 32-bit addresses. */
		cfg = config(hwr, 1, 0);
		cfg.lapic_gpa = SZ_4G;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg = config(hwr, 1, 0);
		cfg.ioapic_gpa = ~0ULL;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);

		/* Ports: none at 0, and every register inside the 64 KiB port space. */
		cfg = config(hwr, 1, 0);
		cfg.reset_port = 0;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg = config(hwr, 1, 0);
		cfg.sleep_port = 0;
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		unsigned span = hwr ? 2 : 12; /* PM1a_EVT, PM1a_CNT, 2 unused, PM_TMR */
		cfg.sleep_port = (uint16_t)(0x10000 - span + 1);
		expect_err(&cfg, RAM_SIZE, BASE, ROOM, -EINVAL);
		cfg.sleep_port = (uint16_t)(0x10000 - span);
		struct tables t = write_tables(&cfg, BASE, ROOM);
		const struct acpi_fadt *f = (const struct acpi_fadt *)t.fadt;
		if (hwr)
			assert_int_equal(f->sleep_status_reg.address, 0xffff);
		else
			assert_int_equal(f->x_pm_tmr_blk.address + 4, 0x10000);
	}
}

static void test_einval_region(void **state)
{
	struct guest_acpi_config cfg = config(true, 1, 0);
	gpa_t rsdp;

	assert_int_equal(guest_acpi_write(NULL, RAM_SIZE, BASE, ROOM, &cfg, &rsdp), -EINVAL);
	expect_err(NULL, RAM_SIZE, BASE, ROOM, -EINVAL);
	assert_int_equal(guest_acpi_write(ram, RAM_SIZE, BASE, ROOM, &cfg, NULL), -EINVAL);
	assert_untouched_outside(0, 0);

	/* RSDP alignment. */
	for (unsigned mis = 1; mis < 16; mis++)
		expect_err(&cfg, RAM_SIZE, BASE + mis, ROOM, -EINVAL);
	/* The range must be in RAM. */
	expect_err(&cfg, RAM_SIZE, RAM_SIZE - ROOM + 16, ROOM, -EINVAL);
	expect_err(&cfg, RAM_SIZE, 0, RAM_SIZE + 1, -EINVAL);
	expect_err(&cfg, RAM_SIZE, RAM_SIZE, ROOM, -EINVAL);
	expect_err(&cfg, RAM_SIZE, ~0ULL - 15, ROOM, -EINVAL); /* base + room wraps */
	expect_err(&cfg, RAM_SIZE, 16, ~0ULL, -EINVAL);
	/* ... and below 4 GiB (a claimed ram_size; rejected before any access). */
	expect_err(&cfg, 8 * SZ_4G, SZ_4G, ROOM, -EINVAL);
	expect_err(&cfg, 8 * SZ_4G, SZ_4G - ROOM + 16, ROOM, -EINVAL);
	/* Errors in the config come before room: -EINVAL even with room 0. */
	cfg.vcpus = 0;
	expect_err(&cfg, RAM_SIZE, BASE, 0, -EINVAL);
}

/* Every room one byte short of the tables is -ENOSPC with RAM untouched; the exact fit works. */
static void enospc_sweep(bool hwr, unsigned vcpus, unsigned virtio, uint64_t base)
{
	struct guest_acpi_config cfg = config(hwr, vcpus, virtio);
	uint64_t room;
	gpa_t rsdp = 0;

	memset(ram, CANARY, RAM_SIZE);
	for (room = 0; room <= ROOM; room++) {
		int err = guest_acpi_write(ram, RAM_SIZE, base, room, &cfg, &rsdp);
		if (err == 0)
			break;
		assert_int_equal(err, -ENOSPC);
		/* Nothing written: check the neighbourhood (the whole RAM at the end). */
		for (uint64_t i = base; i < base + ROOM; i++)
			if (ram[i] != CANARY)
				fail_msg("room 0x%llx: byte at 0x%llx written on -ENOSPC",
					 (unsigned long long)room, (unsigned long long)i);
	}
	assert_true(room <= ROOM);
	assert_true(room > 36 + 52 + 276 + 44 + 36);
	assert_untouched_outside(base, base + room);
	/* The exact fit: the DSDT's last byte is the room's last byte. */
	struct tables t = write_tables(&cfg, base, room);
	assert_int_equal((uint64_t)(t.dsdt - ram) + get(t.dsdt + 4, 4), base + room);
	check_madt(t.madt, &cfg);
	check_dsdt(t.dsdt, &cfg);
}

static void test_enospc(void **state)
{
	enospc_sweep(true, 1, 0, BASE);
	enospc_sweep(false, 1, 0, BASE);
	enospc_sweep(true, 255, 4, BASE);
	enospc_sweep(false, 255, 4, BASE + 0x30); /* FACS alignment depends on the base */
}

/* Tables at the very end of RAM (ASan would see a write past the buffer). */
static void test_end_of_ram(void **state)
{
	for (int hwr = 0; hwr <= 1; hwr++) {
		struct guest_acpi_config cfg = config(hwr, 255, 4);
		struct tables t = write_tables(&cfg, RAM_SIZE - 0x1000, 0x1000);
		check_madt(t.madt, &cfg);
		check_dsdt(t.dsdt, &cfg);
	}
}

/* Another base: every pointer follows it, the FACS stays 64-byte aligned. */
static void test_relocation(void **state)
{
	static const uint64_t bases[] = {0x10, 0x80010, 0x9fc00, 0xf0000, 0x1ffff0 - 0x1000};

	for (unsigned i = 0; i < ARRAY_SIZE(bases); i++) {
		struct guest_acpi_config cfg = config(false, 4, 2);
		struct tables t = write_tables(&cfg, bases[i], 0x1000);
		const struct acpi_fadt *f = (const struct acpi_fadt *)t.fadt;
		assert_true(IS_ALIGNED(f->firmware_ctrl, 64));
		assert_memory_equal(t.facs, "FACS", 4);
		check_madt(t.madt, &cfg);
		check_dsdt(t.dsdt, &cfg);
	}
}

/* Stale bytes in the room do not leak into the tables: two writes over different garbage agree. */
static void test_deterministic(void **state)
{
	struct guest_acpi_config cfg = config(false, 8, 4);
	static uint8_t first[ROOM];
	gpa_t rsdp;

	memset(ram, 0x00, RAM_SIZE);
	assert_int_equal(guest_acpi_write(ram, RAM_SIZE, BASE, ROOM, &cfg, &rsdp), 0);
	memcpy(first, ram + BASE, ROOM);
	memset(ram, 0xff, RAM_SIZE);
	assert_int_equal(guest_acpi_write(ram, RAM_SIZE, BASE, ROOM, &cfg, &rsdp), 0);
	/* The span the tables cover (up to the DSDT's end) is identical. */
	uint64_t fadt = get(ram + get(ram + BASE + 24, 8) + 36, 8);
	uint64_t dsdt = get(ram + fadt + 140, 8);
	uint64_t end = dsdt + get(ram + dsdt + 4, 4) - BASE;
	assert_memory_equal(ram + BASE, first, end);
	/* ... and the rest of the room was left alone. */
	for (uint64_t i = BASE + end; i < BASE + ROOM; i++)
		assert_int_equal(ram[i], 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rsdp_xsdt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fadt_hw_reduced, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fadt_legacy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_madt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dsdt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dsdt_virtio_extremes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dsdt_golden, setup, teardown),
	    cmocka_unit_test(test_pkglength),
	    cmocka_unit_test_setup_teardown(test_einval_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_einval_region, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_end_of_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relocation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
