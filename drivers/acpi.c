/*
 * ACPI table parser: RSDP -> XSDT/RSDT -> MADT, FADT, HPET, MCFG, into a
 * struct acpi_info. Owns nothing but the info it fills. Firmware tables are
 * only read, through phys_to_virt(), and never written.
 *
 * Trust model: a table is used only after its header length is sane and its
 * checksum over that length is zero, and after everything it claims (entry
 * lengths, entry counts, field offsets) fits inside that length. A table
 * that fails is logged once by name, counted in bad_tables and skipped as a
 * whole: nothing from it reaches the info.
 */
#include "drivers/acpi.h"

#include <errno.h>
#include <string.h>

#include "drivers/acpi_tables.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"

/* No real table comes near this; a larger length means a corrupt header. */
#define ACPI_TABLE_MAX_LENGTH SZ_1M

struct acpi_table_handler {
	char signature[4];
	const char *name;
	uint32_t min_length;
	/* 0, or -EINVAL with *why set and info untouched. */
	int (*parse)(const void *table, uint32_t length, struct acpi_info *info, const char **why);
};

static uint8_t acpi_checksum(const void *data, size_t length)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < length; i++)
		sum += p[i];
	return sum;
}

static void acpi_reject(struct acpi_info *info, const char *name, hpa_t hpa, const char *why)
{
	log_warn("acpi: table %s at 0x%llx rejected: %s", name, (unsigned long long)hpa, why);
	info->bad_tables++;
}

/* Firmware ID bytes as a printable string for log lines (out holds n + 1). */
static void acpi_printable(const char *src, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	out[n] = '\0';
}

/*
 * Map the table at hpa and check its header length and checksum (ACPI
 * 5.2.6: all bytes of the table, header included, sum to zero). Returns the
 * table or NULL after logging the rejection.
 */
static const struct acpi_sdt_header *acpi_map_table(struct acpi_info *info, hpa_t hpa,
						    const char *name, uint32_t min_length)
{
	const struct acpi_sdt_header *hdr = phys_to_virt(hpa);
	uint32_t length = hdr->length;

	if (length < sizeof(*hdr) || length < min_length) {
		acpi_reject(info, name, hpa, "truncated");
		return NULL;
	}
	if (length >= ACPI_TABLE_MAX_LENGTH) {
		acpi_reject(info, name, hpa, "bad length");
		return NULL;
	}
	if (acpi_checksum(hdr, length) != 0) {
		acpi_reject(info, name, hpa, "bad checksum");
		return NULL;
	}
	return hdr;
}

/* Map the XSDT or RSDT: its signature must match and its entries fill it exactly. */
static const struct acpi_sdt_header *acpi_map_root(struct acpi_info *info, hpa_t hpa,
						   const char *sig, size_t entry_size)
{
	const struct acpi_sdt_header *hdr;

	if (memcmp(((const struct acpi_sdt_header *)phys_to_virt(hpa))->signature, sig, 4)) {
		acpi_reject(info, sig, hpa, "bad signature");
		return NULL;
	}
	hdr = acpi_map_table(info, hpa, sig, sizeof(*hdr));
	if (!hdr)
		return NULL;
	if ((hdr->length - sizeof(*hdr)) % entry_size) {
		acpi_reject(info, sig, hpa, "entries run past the end");
		return NULL;
	}
	return hdr;
}

/* --- MADT ---------------------------------------------------------------- */

/* Smallest length each entry type must have for the fields read from it. */
static uint8_t madt_entry_min_length(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_TYPE_LAPIC:
		return sizeof(struct acpi_madt_lapic);
	case ACPI_MADT_TYPE_IOAPIC:
		return sizeof(struct acpi_madt_ioapic);
	case ACPI_MADT_TYPE_LAPIC_OVERRIDE:
		return sizeof(struct acpi_madt_lapic_override);
	case ACPI_MADT_TYPE_X2APIC:
		return sizeof(struct acpi_madt_x2apic);
	default:
		return sizeof(struct acpi_madt_entry);
	}
}

/*
 * Walk the entries once without using them: each needs a type/length pair
 * inside the table, a length of at least 2 (so the walk always advances)
 * that stays inside the table and covers its type's fields.
 */
static int madt_check_entries(const uint8_t *table, uint32_t length, const char **why)
{
	uint32_t off = sizeof(struct acpi_madt);

	while (off < length) {
		const struct acpi_madt_entry *e = (const void *)(table + off);

		if (length - off < sizeof(*e)) {
			*why = "entry runs past the end";
			return -EINVAL;
		}
		if (e->length < sizeof(*e)) {
			*why = "entry with bad length";
			return -EINVAL;
		}
		if (e->length > length - off) {
			*why = "entry runs past the end";
			return -EINVAL;
		}
		if (e->length < madt_entry_min_length(e->type)) {
			*why = "entry too short for its type";
			return -EINVAL;
		}
		off += e->length;
	}
	return 0;
}

static bool madt_cpu_usable(const struct acpi_madt *madt, uint32_t flags)
{
	if (flags & ACPI_MADT_CPU_ENABLED)
		return true;
	/* ACPI 6.3 5.2.12.2: Online Capable exists from MADT revision 5 on. */
	return madt->header.revision >= ACPI_MADT_REV_ONLINE_CAPABLE &&
	       (flags & ACPI_MADT_CPU_ONLINE_CAPABLE);
}

/* 0, or -ENOSPC if the table is full (the caller counts and logs those). */
static int madt_add_cpu(struct acpi_info *info, uint32_t apic_id)
{
	for (unsigned i = 0; i < info->cpu_count; i++)
		if (info->apic_ids[i] == apic_id)
			return 0;
	if (info->cpu_count == ACPI_MAX_CPUS)
		return -ENOSPC;
	info->apic_ids[info->cpu_count++] = apic_id;
	return 0;
}

static int madt_add_ioapic(struct acpi_info *info, const struct acpi_madt_ioapic *io)
{
	struct acpi_ioapic *slot;

	if (info->ioapic_count == ACPI_MAX_IOAPICS)
		return -ENOSPC;
	slot = &info->ioapics[info->ioapic_count++];
	slot->id = io->ioapic_id;
	slot->base = io->address;
	slot->gsi_base = io->gsi_base;
	return 0;
}

static int madt_parse(const void *table, uint32_t length, struct acpi_info *info, const char **why)
{
	const struct acpi_madt *madt = table;
	const uint8_t *bytes = table;
	unsigned cpus_dropped = 0, ioapics_dropped = 0;
	uint32_t off;
	int ret;

	ret = madt_check_entries(bytes, length, why);
	if (ret)
		return ret;

	info->lapic_base = madt->lapic_address;
	info->has_8259 = madt->flags & ACPI_MADT_PCAT_COMPAT;

	/* madt_check_entries() proved every length >= 2 and inside the table. */
	for (off = sizeof(*madt); off < length;
	     off += ((const struct acpi_madt_entry *)(bytes + off))->length) {
		const struct acpi_madt_entry *e = (const void *)(bytes + off);

		switch (e->type) {
		case ACPI_MADT_TYPE_LAPIC: {
			const struct acpi_madt_lapic *lapic = (const void *)e;

			/* 0xff is the broadcast ID: such an entry names no CPU. */
			if (lapic->apic_id != ACPI_LAPIC_ID_INVALID &&
			    madt_cpu_usable(madt, lapic->flags) &&
			    madt_add_cpu(info, lapic->apic_id))
				cpus_dropped++;
			break;
		}
		case ACPI_MADT_TYPE_X2APIC: {
			const struct acpi_madt_x2apic *x2 = (const void *)e;

			/* ACPI 5.2.12.12: firmware may list a CPU in both forms. */
			if (x2->x2apic_id != ACPI_X2APIC_ID_INVALID &&
			    madt_cpu_usable(madt, x2->flags) && madt_add_cpu(info, x2->x2apic_id))
				cpus_dropped++;
			break;
		}
		case ACPI_MADT_TYPE_IOAPIC:
			if (madt_add_ioapic(info, (const void *)e))
				ioapics_dropped++;
			break;
		case ACPI_MADT_TYPE_LAPIC_OVERRIDE:
			/* ACPI 5.2.12.8: when present, it replaces the 32-bit address. */
			info->lapic_base = ((const struct acpi_madt_lapic_override *)e)->address;
			break;
		default:
			break;
		}
	}
	if (cpus_dropped)
		log_warn("acpi: MADT: %u CPUs beyond the first %u ignored", cpus_dropped,
			 ACPI_MAX_CPUS);
	if (ioapics_dropped)
		log_warn("acpi: MADT: %u IOAPICs beyond the first %u ignored", ioapics_dropped,
			 ACPI_MAX_IOAPICS);
	info->has_madt = true;
	return 0;
}

/* --- FADT ---------------------------------------------------------------- */

/* Whether a FADT of this length holds the field (older revisions are shorter). */
#define FADT_HAS(length, field)                                                                    \
	((length) >=                                                                               \
	 __builtin_offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field))

static int fadt_parse(const void *table, uint32_t length, struct acpi_info *info, const char **why)
{
	const struct acpi_fadt *fadt = table;
	uint32_t port = fadt->pm_tmr_blk;

	/* ACPI 5.2.9: X_PM_TMR_BLK, when non-zero, takes precedence over PM_TMR_BLK. */
	if (FADT_HAS(length, x_pm_tmr_blk) && fadt->x_pm_tmr_blk.address) {
		const struct acpi_gas *x = &fadt->x_pm_tmr_blk;

		if (x->space_id == ACPI_GAS_SYSTEM_IO && x->address <= UINT16_MAX)
			port = x->address;
		else
			log_warn("acpi: FADT: X_PM_TMR_BLK space %u address 0x%llx unusable, "
				 "using PM_TMR_BLK",
				 x->space_id, (unsigned long long)x->address);
	}
	if (port > UINT16_MAX) {
		log_warn("acpi: FADT: PM timer port 0x%x out of range, ignored", port);
		port = 0;
	}

	info->pm_timer_port = port;
	info->pm_timer_32bit = port && (fadt->flags & ACPI_FADT_TMR_VAL_EXT);
	/*
	 * IAPC_BOOT_ARCH came with ACPI 2.0; in shorter FADTs the bytes are
	 * reserved and some firmware leaves junk there. Like ACPICA, trust the
	 * length over the revision, which firmware gets wrong.
	 */
	if (length > ACPI_FADT_V2_LENGTH)
		info->boot_arch_flags = fadt->iapc_boot_arch;
	info->has_fadt = true;
	return 0;
}

/* --- HPET ---------------------------------------------------------------- */

static int hpet_parse(const void *table, uint32_t length, struct acpi_info *info, const char **why)
{
	const struct acpi_hpet *hpet = table;

	/* IA-PC HPET 1.0a 3.2.4: the register block is memory-mapped. */
	if (hpet->base_address.space_id != ACPI_GAS_SYSTEM_MEMORY) {
		*why = "base address not in system memory";
		return -EINVAL;
	}
	if (!hpet->base_address.address) {
		*why = "no base address";
		return -EINVAL;
	}
	info->hpet_base = hpet->base_address.address;
	info->has_hpet = true;
	return 0;
}

/* --- MCFG ---------------------------------------------------------------- */

static int mcfg_parse(const void *table, uint32_t length, struct acpi_info *info, const char **why)
{
	const struct acpi_mcfg_allocation *alloc =
	    (const void *)((const uint8_t *)table + sizeof(struct acpi_mcfg));
	uint32_t count;

	if ((length - sizeof(struct acpi_mcfg)) % sizeof(*alloc)) {
		*why = "entries run past the end";
		return -EINVAL;
	}
	count = (length - sizeof(struct acpi_mcfg)) / sizeof(*alloc);

	for (uint32_t i = 0; i < count; i++) {
		struct acpi_mcfg_region *r;

		if (alloc[i].bus_end < alloc[i].bus_start || !alloc[i].base_address) {
			log_warn("acpi: MCFG: entry %u (segment %u buses %02x-%02x at 0x%llx) "
				 "invalid, ignored",
				 i, alloc[i].segment, alloc[i].bus_start, alloc[i].bus_end,
				 (unsigned long long)alloc[i].base_address);
			continue;
		}
		if (info->mcfg_count == ACPI_MAX_MCFG) {
			log_warn("acpi: MCFG: more than %u regions, the rest ignored",
				 ACPI_MAX_MCFG);
			break;
		}
		r = &info->mcfg[info->mcfg_count++];
		r->base = alloc[i].base_address;
		r->segment = alloc[i].segment;
		r->bus_start = alloc[i].bus_start;
		r->bus_end = alloc[i].bus_end;
	}
	return 0;
}

/* --- root ---------------------------------------------------------------- */

static const struct acpi_table_handler acpi_handlers[] = {
    {ACPI_SIG_MADT, "MADT", sizeof(struct acpi_madt), madt_parse},
    {ACPI_SIG_FADT, "FADT", ACPI_FADT_V1_LENGTH, fadt_parse},
    {ACPI_SIG_HPET, "HPET", sizeof(struct acpi_hpet), hpet_parse},
    {ACPI_SIG_MCFG, "MCFG", sizeof(struct acpi_mcfg), mcfg_parse},
};

static void acpi_parse_table(struct acpi_info *info, hpa_t hpa, bool done[])
{
	const struct acpi_sdt_header *hdr = phys_to_virt(hpa);
	const struct acpi_table_handler *h = NULL;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(acpi_handlers); i++) {
		if (!memcmp(hdr->signature, acpi_handlers[i].signature, 4)) {
			h = &acpi_handlers[i];
			break;
		}
	}
	if (!h) {
		char name[5];

		acpi_printable(hdr->signature, sizeof(hdr->signature), name);
		log_debug("acpi: table %s at 0x%llx not used", name, (unsigned long long)hpa);
		return;
	}
	if (done[i]) {
		/* One of each is all the spec allows; the first good one wins. */
		log_warn("acpi: table %s at 0x%llx is a duplicate, ignored", h->name,
			 (unsigned long long)hpa);
		return;
	}
	hdr = acpi_map_table(info, hpa, h->name, h->min_length);
	if (!hdr)
		return;
	if (h->parse(hdr, hdr->length, info, &why)) {
		acpi_reject(info, h->name, hpa, why);
		return;
	}
	done[i] = true;
}

static void acpi_walk_root(struct acpi_info *info, const struct acpi_sdt_header *root,
			   const char *name, size_t entry_size)
{
	const uint8_t *entries = (const uint8_t *)root + sizeof(*root);
	uint32_t count = (root->length - sizeof(*root)) / entry_size;
	bool done[ARRAY_SIZE(acpi_handlers)] = {false};

	info->table_count = count;
	if (count > ACPI_MAX_TABLES) {
		log_warn("acpi: %s lists %u tables, only the first %u are read", name, count,
			 ACPI_MAX_TABLES);
		count = ACPI_MAX_TABLES;
	}
	for (uint32_t i = 0; i < count; i++) {
		hpa_t hpa;

		if (entry_size == sizeof(uint64_t)) {
			uint64_t v;

			memcpy(&v, entries + i * entry_size, sizeof(v));
			hpa = v;
		} else {
			uint32_t v;

			memcpy(&v, entries + i * entry_size, sizeof(v));
			hpa = v;
		}
		if (!hpa) {
			log_warn("acpi: %s entry %u is null, skipped", name, i);
			continue;
		}
		acpi_parse_table(info, hpa, done);
	}
}

/* ACPI 5.2.5.3: both checksums and, for 2.0+, a length that fits the copy. */
static int acpi_check_rsdp(const struct acpi_rsdp *rsdp, size_t rsdp_length)
{
	if (rsdp_length < ACPI_RSDP_V1_LENGTH ||
	    memcmp(rsdp->signature, ACPI_RSDP_SIGNATURE, sizeof(rsdp->signature))) {
		log_err("acpi: RSDP: bad signature");
		return -EINVAL;
	}
	if (acpi_checksum(rsdp, ACPI_RSDP_V1_LENGTH)) {
		log_err("acpi: RSDP: bad checksum");
		return -EINVAL;
	}
	if (rsdp->revision < ACPI_RSDP_REVISION_2)
		return 0;
	if (rsdp_length < ACPI_RSDP_V2_MIN_LENGTH || rsdp->length < ACPI_RSDP_V2_MIN_LENGTH ||
	    rsdp->length > rsdp_length) {
		log_err("acpi: RSDP: bad length %u (copy holds %u bytes)",
			rsdp_length >= ACPI_RSDP_V2_MIN_LENGTH ? rsdp->length : 0,
			(unsigned)rsdp_length);
		return -EINVAL;
	}
	if (acpi_checksum(rsdp, rsdp->length)) {
		log_err("acpi: RSDP: bad extended checksum");
		return -EINVAL;
	}
	return 0;
}

int acpi_parse(const void *rsdp_copy, size_t rsdp_length, struct acpi_info *info)
{
	const struct acpi_rsdp *rsdp = rsdp_copy;
	const struct acpi_sdt_header *root = NULL;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = acpi_check_rsdp(rsdp, rsdp_length);
	if (ret)
		return ret;

	info->revision = rsdp->revision;
	acpi_printable(rsdp->oem_id, sizeof(rsdp->oem_id), info->oem_id);

	/* ACPI 5.2.5.3: on 2.0+ the XSDT supersedes the RSDT; the RSDT stays a fallback. */
	if (rsdp->revision >= ACPI_RSDP_REVISION_2 && rsdp->xsdt_address) {
		root = acpi_map_root(info, rsdp->xsdt_address, ACPI_SIG_XSDT, sizeof(uint64_t));
		if (root) {
			info->root_table = rsdp->xsdt_address;
			info->root_is_xsdt = true;
			acpi_walk_root(info, root, ACPI_SIG_XSDT, sizeof(uint64_t));
			return 0;
		}
		if (rsdp->rsdt_address)
			log_warn("acpi: falling back to the RSDT");
	}
	if (rsdp->rsdt_address) {
		root = acpi_map_root(info, rsdp->rsdt_address, ACPI_SIG_RSDT, sizeof(uint32_t));
		if (root) {
			info->root_table = rsdp->rsdt_address;
			acpi_walk_root(info, root, ACPI_SIG_RSDT, sizeof(uint32_t));
			return 0;
		}
	}
	log_err("acpi: no usable XSDT or RSDT, no ACPI tables");
	return 0;
}

void acpi_print(const struct acpi_info *info)
{
	if (!info->root_table) {
		log_info("acpi: no tables (%u rejected)", info->bad_tables);
		return;
	}
	log_info("acpi: RSDP rev %u OEM '%s', %s at 0x%llx lists %u tables", info->revision,
		 info->oem_id, info->root_is_xsdt ? "XSDT" : "RSDT",
		 (unsigned long long)info->root_table, info->table_count);

	if (info->has_madt)
		log_info("acpi: MADT: %u CPU%s, lapic 0x%llx, %u IOAPIC%s%s", info->cpu_count,
			 info->cpu_count == 1 ? "" : "s", (unsigned long long)info->lapic_base,
			 info->ioapic_count, info->ioapic_count == 1 ? "" : "s",
			 info->has_8259 ? ", 8259 PIC" : "");
	else
		log_info("acpi: MADT: none");

	if (!info->has_fadt)
		log_info("acpi: FADT: none");
	else if (info->pm_timer_port)
		log_info("acpi: FADT: PM timer port 0x%x (%u-bit), boot arch 0x%x",
			 info->pm_timer_port, info->pm_timer_32bit ? 32 : 24,
			 info->boot_arch_flags);
	else
		log_info("acpi: FADT: no PM timer, boot arch 0x%x", info->boot_arch_flags);

	if (info->has_hpet)
		log_info("acpi: HPET: base 0x%llx", (unsigned long long)info->hpet_base);
	else
		log_info("acpi: HPET: none");

	if (!info->mcfg_count)
		log_info("acpi: MCFG: none");
	for (unsigned i = 0; i < info->mcfg_count; i++)
		log_info("acpi: MCFG: segment %u buses %02x-%02x at 0x%llx", info->mcfg[i].segment,
			 info->mcfg[i].bus_start, info->mcfg[i].bus_end,
			 (unsigned long long)info->mcfg[i].base);

	if (info->bad_tables)
		log_warn("acpi: %u table%s rejected", info->bad_tables,
			 info->bad_tables == 1 ? "" : "s");
}
