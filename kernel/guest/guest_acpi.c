/*
 * The ACPI tables a guest sees (see guest_acpi.h). Owns the table bytes in
 * the caller's [base, base + room) and the AML of the DSDT, which is
 * hand-assembled here (ACPI 6.5 chapter 20 grammar, chapter 6.4 resource
 * descriptors). Every table is first measured, the whole set placed and
 * checked against the room, and only then written: a failure leaves guest
 * RAM untouched. Tables are built in packed structs and copied, so no
 * field is ever stored through an unaligned pointer into RAM.
 */
#include "kernel/guest/guest_acpi.h"

#include <errno.h>
#include <string.h>

#include "drivers/acpi_tables.h"

#define OEM_ID		 "SHOJI "   /* 6 bytes */
#define OEM_TABLE_ID	 "SHOJIVM " /* 8 bytes */
#define OEM_REVISION	 1
#define CREATOR_ID	 "SHOJ"
#define CREATOR_REVISION 1

/* Table revisions of ACPI 6.5. */
#define XSDT_REVISION	   1
#define FADT_REVISION	   6 /* 5.2.9: major version 6 ... */
#define FADT_MINOR_VERSION 5 /* ... minor 5: ACPI 6.5 */
#define MADT_REVISION	   6
#define DSDT_REVISION	   2 /* 5.2.11.1: 2 and up = 64-bit AML integers */
#define FACS_VERSION	   2

#define TABLE_ALIGN  16
#define XSDT_ENTRIES 2 /* FADT, MADT; the DSDT and FACS are reached from the FADT */
#define LOW_4G	     0x100000000ULL
#define IO_PORTS     0x10000ULL

#define PM_PROFILE_UNSPECIFIED 0
#define FADT_C2_NONE	       101  /* 5.2.9: P_LVL2_LAT > 100 means no C2 */
#define FADT_C3_NONE	       1001 /* 5.2.9: P_LVL3_LAT > 1000 means no C3 */

#define SLEEP_STATUS_OFF 1 /* of sleep_port: SLEEP_STATUS_REG (hw-reduced) */
#define SLEEP_PORTS_HWR	 2
#define SLEEP_PORTS_PM1	 (GUEST_ACPI_PM_TMR_OFF + GUEST_ACPI_PM_TMR_LEN) /* 12: PM1a, PM_TMR */

/* A PC's PIT drives ISA IRQ 0, wired to IOAPIC pin 2 (the 8259 cascade takes pin 0). */
#define PIT_ISA_IRQ 0
#define PIT_GSI	    2
#define LAPIC_LINT1 1 /* the NMI input on a PC */

/* ACPI 20.3 AML opcodes. */
#define AML_ZERO	  0x00
#define AML_ONE		  0x01
#define AML_NAME	  0x08
#define AML_BYTE_PREFIX	  0x0a
#define AML_WORD_PREFIX	  0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE	  0x10
#define AML_BUFFER	  0x11
#define AML_PACKAGE	  0x12
#define AML_EXT_PREFIX	  0x5b
#define AML_EXT_DEVICE	  0x82 /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR	  0x5c /* '\' */

/* ACPI 6.4 resource descriptors: small (tag = type << 3 | length) and large. */
#define RES_IRQ_NOFLAGS	 0x22 /* 6.4.2.1: type 4, 2 bytes (mask, no flags byte) */
#define RES_IO		 0x47 /* 6.4.2.5: type 8, 7 bytes */
#define RES_IO_DECODE16	 0x01
#define RES_END		 0x79 /* 6.4.2.9: type 0xf, 1 byte (checksum 0 = none) */
#define RES_MEM32_FIXED	 0x86 /* 6.4.3.4: 9 bytes follow the length */
#define RES_MEM32_LEN	 9
#define RES_MEM_RW	 0x01
#define RES_EXT_IRQ	 0x89 /* 6.4.3.6 */
#define RES_EXT_IRQ_LEN	 6    /* flags, count, one 32-bit interrupt, no source */
#define RES_IRQ_CONSUMER 0x01 /* flags bit 0; level (bit 1 = 0), high (bit 2 = 0), exclusive */

#define RES_TEMPLATE_MAX 32 /* the longest _CRS here (virtio: 23 bytes) */

#define COM1_PORT  0x3f8
#define COM1_PORTS 8
#define COM1_IRQ   4
#define COM1_UID   1

#define VIRTIO_MMIO_HID "LNRO0005" /* what Linux's virtio-mmio driver matches */

struct aml {
	uint8_t *buf; /* NULL: only count the bytes */
	uint64_t cap;
	uint64_t pos;
	bool overflow; /* a write did not fit or a length could not be encoded */
};

static void aml_bytes(struct aml *a, const void *p, uint64_t n)
{
	if (a->buf && !a->overflow) {
		if (n > a->cap - a->pos)
			a->overflow = true;
		else
			memcpy(a->buf + a->pos, p, n);
	}
	a->pos += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

unsigned guest_acpi_pkglength(uint32_t body_len, uint8_t out[4])
{
	/* 20.2.4: one byte holds up to 63 in bits 5:0; else bits 7:6 count the
	 * follow bytes, bits 3:0 are the low nibble and each follow byte 8 more bits. */
	for (unsigned n = 1; n <= 4; n++) {
		uint64_t total = (uint64_t)body_len + n;
		uint64_t max = n == 1 ? 0x3f : (1ULL << (4 + 8 * (n - 1))) - 1;

		if (total > max)
			continue;
		if (n == 1) {
			out[0] = (uint8_t)total;
			return 1;
		}
		out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (unsigned i = 1; i < n; i++)
			out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
		return n;
	}
	return 0;
}

/* Reserve one byte for a PkgLength; returns where the package body starts. */
static uint64_t aml_pkg_open(struct aml *a)
{
	aml_byte(a, 0);
	return a->pos;
}

/* Encode the PkgLength of the body [body, pos), widening it in place if needed. */
static void aml_pkg_close(struct aml *a, uint64_t body)
{
	uint64_t len = a->pos - body;
	uint8_t enc[4];
	unsigned n = len > UINT32_MAX ? 0 : guest_acpi_pkglength((uint32_t)len, enc);

	if (!n) {
		a->overflow = true;
		return;
	}
	if (a->buf && !a->overflow) {
		if (n - 1 > a->cap - a->pos) {
			a->overflow = true;
		} else {
			memmove(a->buf + body + n - 1, a->buf + body, len);
			memcpy(a->buf + body - 1, enc, n);
		}
	}
	a->pos += n - 1;
}

static void aml_nameseg(struct aml *a, const char seg[4])
{
	aml_bytes(a, seg, 4);
}

/* 20.2.3 ComputationalData: the shortest of ZeroOp, OneOp and the prefixed forms. */
static void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO);
	} else if (v == 1) {
		aml_byte(a, AML_ONE);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffffULL) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

/* String := StringPrefix AsciiCharList NullChar */
static void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

/* DefName := NameOp NameString DataRefObject (the object follows). */
static void aml_name(struct aml *a, const char seg[4])
{
	aml_byte(a, AML_NAME);
	aml_nameseg(a, seg);
}

/* DefDevice := DeviceOp PkgLength NameString TermList; returns the body for aml_pkg_close. */
static uint64_t aml_device_open(struct aml *a, const char seg[4])
{
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_EXT_DEVICE);
	uint64_t body = aml_pkg_open(a);
	aml_nameseg(a, seg);
	return body;
}

/* DefBuffer := BufferOp PkgLength BufferSize ByteList: a ResourceTemplate of @n bytes. */
static void aml_resource_template(struct aml *a, const uint8_t *res, uint64_t n)
{
	aml_byte(a, AML_BUFFER);
	uint64_t body = aml_pkg_open(a);
	aml_integer(a, n);
	aml_bytes(a, res, n);
	aml_pkg_close(a, body);
}

/* 6.1.5 _HID EISA ID: three letters of 5 bits each, then four hex digits, big-endian. */
static uint32_t aml_eisaid(const char id[7])
{
	uint32_t v = (uint32_t)(id[0] - '@') << 26 | (uint32_t)(id[1] - '@') << 21 |
		     (uint32_t)(id[2] - '@') << 16;

	for (unsigned i = 3; i < 7; i++) {
		char c = id[i];
		uint32_t d = c >= 'A' ? (uint32_t)(c - 'A' + 10) : (uint32_t)(c - '0');
		v |= d << (4 * (6 - i));
	}
	return __builtin_bswap32(v);
}

/* 6.4.2.9 End Tag; checksum 0: "treated as if the checksum operation succeeded". */
static void res_end(struct aml *r)
{
	aml_byte(r, RES_END);
	aml_byte(r, 0);
}

/* Device(COM1){ _HID EisaId("PNP0501"), _UID 1, _CRS IO 0x3f8/8 + IRQNoFlags(){4} } */
static void dsdt_com1(struct aml *a)
{
	uint8_t crs[RES_TEMPLATE_MAX];
	struct aml r = {.buf = crs, .cap = sizeof(crs)};

	/* IO(Decode16, 0x3f8, 0x3f8, 0, 8): tag, info, min, max, alignment, length */
	aml_byte(&r, RES_IO);
	aml_byte(&r, RES_IO_DECODE16);
	aml_le(&r, COM1_PORT, 2);
	aml_le(&r, COM1_PORT, 2);
	aml_byte(&r, 0);
	aml_byte(&r, COM1_PORTS);
	/* IRQNoFlags(){4}: tag, 16-bit IRQ mask */
	aml_byte(&r, RES_IRQ_NOFLAGS);
	aml_le(&r, 1U << COM1_IRQ, 2);
	res_end(&r);

	uint64_t dev = aml_device_open(a, "COM1");
	aml_name(a, "_HID");
	aml_integer(a, aml_eisaid("PNP0501"));
	aml_name(a, "_UID");
	aml_integer(a, COM1_UID);
	aml_name(a, "_CRS");
	aml_resource_template(a, crs, r.pos);
	aml_pkg_close(a, dev);
}

/*
 * Device(VRTn){ _HID "LNRO0005", _UID n, _CRS Memory32Fixed(ReadWrite, gpa, size)
 * Interrupt(ResourceConsumer, Level, ActiveHigh, Exclusive){gsi} }
 */
static void dsdt_virtio(struct aml *a, unsigned n, uint32_t gpa, uint32_t size, uint32_t gsi)
{
	uint8_t crs[RES_TEMPLATE_MAX];
	struct aml r = {.buf = crs, .cap = sizeof(crs)};
	char seg[4] = {'V', 'R', 'T', (char)('0' + n)};

	/* Memory32Fixed: tag, 16-bit length, info, base, size */
	aml_byte(&r, RES_MEM32_FIXED);
	aml_le(&r, RES_MEM32_LEN, 2);
	aml_byte(&r, RES_MEM_RW);
	aml_le(&r, gpa, 4);
	aml_le(&r, size, 4);
	/* Extended Interrupt: tag, 16-bit length, flags, count 1, the GSI */
	aml_byte(&r, RES_EXT_IRQ);
	aml_le(&r, RES_EXT_IRQ_LEN, 2);
	aml_byte(&r, RES_IRQ_CONSUMER);
	aml_byte(&r, 1);
	aml_le(&r, gsi, 4);
	res_end(&r);

	uint64_t dev = aml_device_open(a, seg);
	aml_name(a, "_HID");
	aml_string(a, VIRTIO_MMIO_HID);
	aml_name(a, "_UID");
	aml_integer(a, n);
	aml_name(a, "_CRS");
	aml_resource_template(a, crs, r.pos);
	aml_pkg_close(a, dev);
}

/* The DSDT's definition block (what follows its header). */
static void dsdt_body(struct aml *a, const struct guest_acpi_config *cfg)
{
	/* Name(_S5_, Package(){5, 5, 0, 0}): \_Sx is SLP_TYPa, SLP_TYPb, reserved (ch. 7) */
	aml_name(a, "_S5_");
	aml_byte(a, AML_PACKAGE);
	uint64_t pkg = aml_pkg_open(a);
	aml_byte(a, 4); /* NumElements */
	aml_integer(a, GUEST_ACPI_SLP_TYP_S5);
	aml_integer(a, GUEST_ACPI_SLP_TYP_S5);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_pkg_close(a, pkg);

	/* Scope(\_SB_) { devices } */
	aml_byte(a, AML_SCOPE);
	uint64_t sb = aml_pkg_open(a);
	aml_byte(a, AML_ROOT_CHAR);
	aml_nameseg(a, "_SB_");
	dsdt_com1(a);
	for (unsigned i = 0; i < cfg->virtio_count; i++)
		dsdt_virtio(a, i, (uint32_t)cfg->virtio[i].gpa, cfg->virtio[i].size,
			    cfg->virtio[i].gsi);
	aml_pkg_close(a, sb);
}

/* Offsets from base of each table, and one past the last byte. */
struct acpi_layout {
	uint64_t xsdt, fadt, facs, madt, dsdt, end;
	uint32_t madt_len, dsdt_len;
};

/* Interrupt source overrides: the PIT's, and the SCI's where there is one. */
static unsigned madt_isos(const struct guest_acpi_config *cfg)
{
	return cfg->hw_reduced ? 1 : 2;
}

static uint32_t madt_length(const struct guest_acpi_config *cfg)
{
	return (uint32_t)(sizeof(struct acpi_madt) + cfg->vcpus * sizeof(struct acpi_madt_lapic) +
			  sizeof(struct acpi_madt_ioapic) +
			  madt_isos(cfg) * sizeof(struct acpi_madt_iso) +
			  sizeof(struct acpi_madt_lapic_nmi));
}

static void layout_place(const struct guest_acpi_config *cfg, gpa_t base, struct acpi_layout *l)
{
	struct aml measure = {0};

	dsdt_body(&measure, cfg);
	l->dsdt_len = (uint32_t)(sizeof(struct acpi_sdt_header) + measure.pos);
	l->madt_len = madt_length(cfg);

	l->xsdt = ALIGN_UP(sizeof(struct acpi_rsdp), TABLE_ALIGN);
	l->fadt =
	    ALIGN_UP(l->xsdt + sizeof(struct acpi_sdt_header) + XSDT_ENTRIES * 8, TABLE_ALIGN);
	uint64_t off = l->fadt + sizeof(struct acpi_fadt);
	l->facs = 0;
	if (!cfg->hw_reduced) {
		/* 5.2.10: the FACS is 64-byte aligned in guest-physical memory. */
		l->facs = ALIGN_UP(base + off, ACPI_FACS_ALIGN) - base;
		off = l->facs + sizeof(struct acpi_facs);
	}
	l->madt = ALIGN_UP(off, TABLE_ALIGN);
	l->dsdt = ALIGN_UP(l->madt + l->madt_len, TABLE_ALIGN);
	l->end = l->dsdt + l->dsdt_len;
}

static void sdt_header(struct acpi_sdt_header *h, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = OEM_REVISION;
	memcpy(&h->creator_id, CREATOR_ID, 4);
	h->creator_revision = CREATOR_REVISION;
}

/* 5.2.5.3, 5.2.6: all bytes covered, the checksum byte included, sum to zero. */
static void checksum_set(uint8_t *p, uint64_t len, uint8_t *field)
{
	uint8_t sum = 0;

	*field = 0;
	for (uint64_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	*field = (uint8_t)-sum;
}

static void table_finish(uint8_t *t, uint32_t len)
{
	checksum_set(t, len, t + offsetof(struct acpi_sdt_header, checksum));
}

static struct acpi_gas gas_io(uint64_t port, uint8_t bits, uint8_t access)
{
	return (struct acpi_gas){
	    .space_id = ACPI_GAS_SYSTEM_IO,
	    .bit_width = bits,
	    .bit_offset = 0,
	    .access_size = access,
	    .address = port,
	};
}

static void write_fadt(uint8_t *t, const struct guest_acpi_config *cfg, gpa_t base,
		       const struct acpi_layout *l)
{
	struct acpi_fadt f;
	gpa_t dsdt_gpa = base + l->dsdt;

	memset(&f, 0, sizeof(f));
	sdt_header(&f.header, ACPI_SIG_FADT, sizeof(f), FADT_REVISION);
	f.minor_version = FADT_MINOR_VERSION;
	f.dsdt = (uint32_t)dsdt_gpa;
	f.x_dsdt = dsdt_gpa;
	f.preferred_pm_profile = PM_PROFILE_UNSPECIFIED;
	f.p_lvl2_lat = FADT_C2_NONE;
	f.p_lvl3_lat = FADT_C3_NONE;
	/*
	 * 5.2.9 Table 5.10: WBINVD works (required of new systems), HLT is C1,
	 * no fixed-feature buttons and no RTC wake status (no PM1 bits for them).
	 * The PM timer (full fixed hardware only) sets TMR_VAL_EXT below.
	 */
	f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
		  ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC | ACPI_FADT_RESET_REG_SUP;
	/* 5.2.9.3: no VGA, no MSI (no PCI); the CMOS RTC is there. */
	f.iapc_boot_arch = ACPI_FADT_BOOT_VGA_NOT_PRESENT | ACPI_FADT_BOOT_MSI_NOT_SUPPORTED;
	/* ACPI 4.8 "Reset Register": 8 bits wide at bit offset 0. */
	f.reset_reg = gas_io(cfg->reset_port, 8, ACPI_GAS_ACCESS_BYTE);
	f.reset_value = cfg->reset_value;

	if (cfg->hw_reduced) {
		/* 4.1: no fixed hardware, no FACS; 4.8 "Sleep Control and Status Registers". */
		f.flags |= ACPI_FADT_HW_REDUCED_ACPI;
		f.sleep_control_reg = gas_io(cfg->sleep_port, 8, ACPI_GAS_ACCESS_BYTE);
		f.sleep_status_reg =
		    gas_io(cfg->sleep_port + SLEEP_STATUS_OFF, 8, ACPI_GAS_ACCESS_BYTE);
	} else {
		uint32_t evt = cfg->sleep_port + GUEST_ACPI_PM1_EVT_OFF;
		uint32_t cnt = cfg->sleep_port + GUEST_ACPI_PM1_CNT_OFF;
		uint32_t tmr = cfg->sleep_port + GUEST_ACPI_PM_TMR_OFF;

		f.iapc_boot_arch |= ACPI_FADT_BOOT_LEGACY_DEVICES | ACPI_FADT_BOOT_8042;
		/* 5.2.9: below 4 GiB FIRMWARE_CTRL holds the FACS and X_FIRMWARE_CTRL stays 0. */
		f.firmware_ctrl = (uint32_t)(base + l->facs);
		f.sci_int = GUEST_ACPI_SCI_IRQ;
		/* SMI_CMD 0: no SMM, ACPI mode is always on (PM1 Control SCI_EN reads 1). */
		f.pm1a_evt_blk = evt;
		f.pm1_evt_len = GUEST_ACPI_PM1_EVT_LEN;
		f.pm1a_cnt_blk = cnt;
		f.pm1_cnt_len = GUEST_ACPI_PM1_CNT_LEN;
		f.x_pm1a_evt_blk = gas_io(evt, GUEST_ACPI_PM1_EVT_LEN * 8, ACPI_GAS_ACCESS_WORD);
		f.x_pm1a_cnt_blk = gas_io(cnt, GUEST_ACPI_PM1_CNT_LEN * 8, ACPI_GAS_ACCESS_WORD);
		/* 4.8 "Power Management Timer": a 32-bit counter (TMR_VAL_EXT), read as a dword. */
		f.flags |= ACPI_FADT_TMR_VAL_EXT;
		f.pm_tmr_blk = tmr;
		f.pm_tmr_len = GUEST_ACPI_PM_TMR_LEN;
		f.x_pm_tmr_blk = gas_io(tmr, GUEST_ACPI_PM_TMR_LEN * 8, ACPI_GAS_ACCESS_DWORD);
	}
	memcpy(t, &f, sizeof(f));
	table_finish(t, sizeof(f));
}

static void write_facs(uint8_t *t)
{
	struct acpi_facs facs;

	memset(&facs, 0, sizeof(facs));
	memcpy(facs.signature, ACPI_SIG_FACS, 4);
	facs.length = sizeof(facs);
	facs.version = FACS_VERSION;
	memcpy(t, &facs, sizeof(facs)); /* 5.2.10: the FACS has no checksum */
}

static void write_madt(uint8_t *t, const struct guest_acpi_config *cfg, uint32_t len)
{
	struct acpi_madt madt;
	uint64_t off = sizeof(madt);

	memset(&madt, 0, sizeof(madt));
	sdt_header(&madt.header, ACPI_SIG_MADT, len, MADT_REVISION);
	madt.lapic_address = (uint32_t)cfg->lapic_gpa;
	/* 5.2.12 MADT flags: PCAT_COMPAT = dual 8259s present (the legacy PC). */
	madt.flags = cfg->hw_reduced ? 0 : ACPI_MADT_PCAT_COMPAT;
	memcpy(t, &madt, sizeof(madt));

	for (unsigned i = 0; i < cfg->vcpus; i++) {
		struct acpi_madt_lapic lapic = {
		    .entry = {ACPI_MADT_TYPE_LAPIC, sizeof(lapic)},
		    .processor_uid = (uint8_t)i,
		    .apic_id = (uint8_t)i,
		    .flags = ACPI_MADT_CPU_ENABLED,
		};
		memcpy(t + off, &lapic, sizeof(lapic));
		off += sizeof(lapic);
	}

	struct acpi_madt_ioapic ioapic = {
	    .entry = {ACPI_MADT_TYPE_IOAPIC, sizeof(ioapic)},
	    .ioapic_id = cfg->ioapic_id,
	    .address = (uint32_t)cfg->ioapic_gpa,
	    .gsi_base = 0,
	};
	memcpy(t + off, &ioapic, sizeof(ioapic));
	off += sizeof(ioapic);

	/* 5.2.12.5: ISA IRQ 0 (the PIT) arrives at GSI 2; ISA edge, polarity per the bus. */
	struct acpi_madt_iso iso = {
	    .entry = {ACPI_MADT_TYPE_ISO, sizeof(iso)},
	    .bus = ACPI_MADT_BUS_ISA,
	    .source = PIT_ISA_IRQ,
	    .gsi = PIT_GSI,
	    .flags = ACPI_MPS_TRIGGER_EDGE | ACPI_MPS_POLARITY_CONFORMS,
	};
	memcpy(t + off, &iso, sizeof(iso));
	off += sizeof(iso);
	/*
	 * The SCI, IRQ 9, without an override would be level and active low
	 * (5.2.12.5): an undriven line would then read as asserted. It is level
	 * and active high here, as QEMU's tables say; it is never raised.
	 */
	if (!cfg->hw_reduced) {
		iso.source = GUEST_ACPI_SCI_IRQ;
		iso.gsi = GUEST_ACPI_SCI_IRQ;
		iso.flags = ACPI_MPS_TRIGGER_LEVEL | ACPI_MPS_POLARITY_HIGH;
		memcpy(t + off, &iso, sizeof(iso));
		off += sizeof(iso);
	}

	/* 5.2.12.7: every processor's LINT1 is its NMI input. */
	struct acpi_madt_lapic_nmi nmi = {
	    .entry = {ACPI_MADT_TYPE_LAPIC_NMI, sizeof(nmi)},
	    .processor_uid = ACPI_MADT_ALL_PROCESSORS,
	    .flags = ACPI_MPS_TRIGGER_CONFORMS | ACPI_MPS_POLARITY_CONFORMS,
	    .lint = LAPIC_LINT1,
	};
	memcpy(t + off, &nmi, sizeof(nmi));
	table_finish(t, len);
}

static int write_dsdt(uint8_t *t, const struct guest_acpi_config *cfg, uint32_t len)
{
	struct acpi_sdt_header h;
	struct aml a = {
	    .buf = t + sizeof(h),
	    .cap = len - sizeof(h),
	};

	dsdt_body(&a, cfg);
	if (a.overflow || a.pos + sizeof(h) != len)
		return -ENOSPC; /* the measured size was the written one: unreachable */
	memset(&h, 0, sizeof(h));
	sdt_header(&h, ACPI_SIG_DSDT, len, DSDT_REVISION);
	memcpy(t, &h, sizeof(h));
	table_finish(t, len);
	return 0;
}

static void write_xsdt(uint8_t *t, gpa_t base, const struct acpi_layout *l)
{
	struct acpi_sdt_header h;
	uint64_t entries[XSDT_ENTRIES] = {base + l->fadt, base + l->madt};
	uint32_t len = sizeof(h) + sizeof(entries);

	memset(&h, 0, sizeof(h));
	sdt_header(&h, ACPI_SIG_XSDT, len, XSDT_REVISION);
	memcpy(t, &h, sizeof(h));
	memcpy(t + sizeof(h), entries, sizeof(entries));
	table_finish(t, len);
}

static void write_rsdp(uint8_t *t, gpa_t xsdt_gpa)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, ACPI_RSDP_SIGNATURE, sizeof(r.signature));
	memcpy(r.oem_id, OEM_ID, sizeof(r.oem_id));
	r.revision = ACPI_RSDP_REVISION_2;
	r.rsdt_address = 0; /* no RSDT: ACPI 2.0+ OSes take the XSDT (5.2.7) */
	r.length = sizeof(r);
	r.xsdt_address = xsdt_gpa;
	memcpy(t, &r, sizeof(r));
	checksum_set(t, ACPI_RSDP_V1_LENGTH, t + offsetof(struct acpi_rsdp, checksum));
	checksum_set(t, sizeof(r), t + offsetof(struct acpi_rsdp, extended_checksum));
}

static bool below_4g(uint64_t gpa, uint64_t len)
{
	return gpa < LOW_4G && len <= LOW_4G - gpa;
}

static int config_check(const struct guest_acpi_config *cfg)
{
	if (cfg->vcpus == 0 || cfg->vcpus > GUEST_ACPI_VCPUS_MAX)
		return -EINVAL;
	if (cfg->virtio_count > GUEST_ACPI_VIRTIO_MAX)
		return -EINVAL;
	/* The MADT's LAPIC and IOAPIC address fields are 32-bit. */
	if (!below_4g(cfg->lapic_gpa, 1) || !below_4g(cfg->ioapic_gpa, 1))
		return -EINVAL;
	/* A GAS address of 0 means "not there": the registers must have a port. */
	unsigned sleep_ports = cfg->hw_reduced ? SLEEP_PORTS_HWR : SLEEP_PORTS_PM1;
	if (cfg->sleep_port == 0 || cfg->sleep_port + sleep_ports > IO_PORTS)
		return -EINVAL;
	if (cfg->reset_port == 0)
		return -EINVAL;
	for (unsigned i = 0; i < cfg->virtio_count; i++) {
		/* Memory32Fixed: a 32-bit base and length. */
		if (cfg->virtio[i].size == 0 || !below_4g(cfg->virtio[i].gpa, cfg->virtio[i].size))
			return -EINVAL;
	}
	return 0;
}

int guest_acpi_write(uint8_t *ram, uint64_t ram_size, gpa_t base, uint64_t room,
		     const struct guest_acpi_config *cfg, gpa_t *rsdp_gpa)
{
	struct acpi_layout l;

	if (!ram || !cfg || !rsdp_gpa)
		return -EINVAL;
	int err = config_check(cfg);
	if (err)
		return err;
	if (!IS_ALIGNED(base, GUEST_ACPI_RSDP_ALIGN))
		return -EINVAL;
	if (room > ram_size || base > ram_size - room || !below_4g(base, room))
		return -EINVAL;

	layout_place(cfg, base, &l);
	if (l.end > room)
		return -ENOSPC;

	uint8_t *t = ram + base;
	memset(t, 0, l.end);
	err = write_dsdt(t + l.dsdt, cfg, l.dsdt_len);
	if (err)
		return err;
	write_madt(t + l.madt, cfg, l.madt_len);
	if (!cfg->hw_reduced)
		write_facs(t + l.facs);
	write_fadt(t + l.fadt, cfg, base, &l);
	write_xsdt(t + l.xsdt, base, &l);
	write_rsdp(t, base + l.xsdt);
	*rsdp_gpa = base;
	return 0;
}
