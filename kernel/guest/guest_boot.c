/*
 * Initial vCPU state per start mode (see guest_boot.h). The choices follow
 * the VM-entry guest-state checks, SDM 3C 26.3.1 (28.3.1 in editions since
 * 2023), so that the state enters as it is on VMX with unrestricted guest,
 * and equally on SVM, whose checks are a subset (APM 2 15.5.1). Writes only
 * the top pages of the guest RAM buffer it is given and the result struct.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/paging.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_boot.h"

#define GB_CR0_ET	     (1ULL << 4) /* SDM 3A 2.5: hardwired to 1 since the i486 */
#define GB_RFLAGS_FIXED	     (1ULL << 1) /* SDM 1 3.4.3: reserved, always 1 */
#define GB_XCR0_X87	     (1ULL << 0) /* SDM 1 13.3: XCR0[0] must be 1 */
#define GB_SEG_TYPE_DATA_RW  0x3	 /* read/write, accessed */
#define GB_SEG_TYPE_CODE_RX  0xb	 /* execute/read, accessed */
#define GB_SEG_TYPE_TSS_BUSY 0xb	 /* 32-bit busy TSS; 64-bit busy TSS in IA-32e mode */
#define GB_FLAT_LIMIT	     0xffffffffU
#define GB_REAL_LIMIT	     0xffffU
#define GB_REAL_ENTRY_END    0x100000ULL /* CS = entry >> 4 must fit 16 bits */

/* GDT slots (selector / 8): null, unused, code, data, TSS (two slots in IA-32e mode). */
#define GB_GDT_ENTRIES 6
_Static_assert(GUEST_BOOT_SEL_TSS / 8 + 2 == GB_GDT_ENTRIES, "GDT layout");
_Static_assert(GUEST_BOOT_TSS_OFFSET >= GB_GDT_ENTRIES * 8, "TSS overlaps the GDT");

static int gb_fail(char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int gb_fail(char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, GUEST_BOOT_REASON_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void gb_write64(uint8_t *ram, gpa_t gpa, uint64_t value)
{
	/*
	 * Guest RAM is little-endian like us. The builtin is one store: under
	 * -ffreestanding plain memcpy is a call, ~20 instructions for each of
	 * the identity map's 2048 entries.
	 */
	__builtin_memcpy(ram + gpa, &value, sizeof(value));
}

/*
 * Flat 4 GiB segment. SDM 3C 26.3.1.2: a limit above 1 MiB needs G=1 (and
 * then limit[11:0] all ones); usable data segments must be accessed (type
 * bit 0), CS must be accessed code, and SS.DPL = CS.DPL = 0 here.
 */
static struct vcpu_segment gb_flat(uint16_t selector, uint8_t type)
{
	return (struct vcpu_segment){
	    .selector = selector,
	    .base = 0,
	    .limit = GB_FLAT_LIMIT,
	    .type = type,
	    .dpl = 0,
	    .s = true,
	    .present = true,
	    .db = true,
	    .g = true,
	};
}

/* Legacy segment descriptor matching @s (SDM 3A 3.4.5). */
static uint64_t gb_descriptor(const struct vcpu_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xffff) | ((s->base & 0xffffff) << 16) | ((uint64_t)(s->type & 0xf) << 40) |
	       ((uint64_t)s->s << 44) | ((uint64_t)(s->dpl & 3) << 45) |
	       ((uint64_t)s->present << 47) | (((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)s->l << 53) | ((uint64_t)s->db << 54) | ((uint64_t)s->g << 55) |
	       (((s->base >> 24) & 0xff) << 56);
}

/*
 * GDT + TSS page at @gpa, matching the hidden segment state in @sr, so a
 * guest that reloads a selector gets the same segment back. The TSS
 * descriptor is marked busy as LTR would leave it (SDM 3A 7.2.2); in IA-32e
 * mode it takes two slots, the second holding base[63:32] (SDM 3A 7.2.3).
 * The TSS itself is zero: no RSP0/IST, I/O map base past the limit (no I/O
 * bitmap: SDM 1, Input/Output, "I/O Permission Bit Map").
 */
static void gb_write_gdt(uint8_t *ram, gpa_t gpa, struct vcpu_sregs *sr)
{
	gpa_t tss = gpa + GUEST_BOOT_TSS_OFFSET;
	uint16_t iomap = GUEST_BOOT_TSS_LIMIT + 1;

	memset(ram + gpa, 0, PAGE_SIZE);
	gb_write64(ram, gpa + GUEST_BOOT_SEL_CODE, gb_descriptor(&sr->cs));
	gb_write64(ram, gpa + GUEST_BOOT_SEL_DATA, gb_descriptor(&sr->ds));
	gb_write64(ram, gpa + GUEST_BOOT_SEL_TSS, gb_descriptor(&sr->tr));
	gb_write64(ram, gpa + GUEST_BOOT_SEL_TSS + 8, sr->tr.base >> 32);
	memcpy(ram + tss + 0x66, &iomap, sizeof(iomap)); /* SDM 3A 7.7: I/O map base at 0x66 */

	sr->gdtr_base = gpa;
	sr->gdtr_limit = GB_GDT_ENTRIES * 8 - 1;
}

/*
 * Identity map of guest-physical [0, 4 GiB) with 2 MiB pages (SDM 3A 4.5):
 * PML4[0] -> PDPT, PDPT[0..3] -> PD0..3. The MMIO window gets PCD|PWT, i.e.
 * PAT entry 3, UC with the reset PAT (SDM 3A 11.12.3), so device accesses
 * are not cached whatever the backend's nested-paging memory type.
 */
static gpa_t gb_write_page_tables(uint8_t *ram, gpa_t gpa)
{
	gpa_t pml4 = gpa, pdpt = gpa + PAGE_SIZE, pd = gpa + 2 * PAGE_SIZE;
	const uint64_t table = PTE_P | PTE_W;

	memset(ram + gpa, 0, 6 * PAGE_SIZE);
	gb_write64(ram, pml4, pdpt | table);
	for (uint64_t i = 0; i < 4; i++)
		gb_write64(ram, pdpt + i * 8, (pd + i * PAGE_SIZE) | table);
	/* PD0..3 are adjacent: one run of 2048 entries, RAM's then the MMIO window's. */
	gpa_t page = 0, entry = pd;
	for (; page < GUEST_MMIO_BASE; page += SZ_2M, entry += 8)
		gb_write64(ram, entry, page | PTE_P | PTE_W | PTE_PS);
	for (; page < SZ_4G; page += SZ_2M, entry += 8)
		gb_write64(ram, entry, page | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT);
	return pml4;
}

/* 64-bit long mode, paging on, ring 0 (SDM 3A 9.8.5 describes the same switch). */
static void gb_long64(uint8_t *ram, gpa_t tables, gpa_t entry, struct vcpu_sregs *sr)
{
	struct vcpu_segment data = gb_flat(GUEST_BOOT_SEL_DATA, GB_SEG_TYPE_DATA_RW);

	/* SDM 3C 26.3.1.2: in IA-32e mode CS.L=1 requires CS.D=0. */
	sr->cs = gb_flat(GUEST_BOOT_SEL_CODE, GB_SEG_TYPE_CODE_RX);
	sr->cs.l = true;
	sr->cs.db = false;
	sr->ds = sr->es = sr->fs = sr->gs = sr->ss = data;
	/* SDM 3C 26.3.1.2: an IA-32e guest's TR must be a usable 64-bit busy TSS (type 11). */
	sr->tr = (struct vcpu_segment){
	    .selector = GUEST_BOOT_SEL_TSS,
	    .base = tables + 6 * PAGE_SIZE + GUEST_BOOT_TSS_OFFSET,
	    .limit = GUEST_BOOT_TSS_LIMIT,
	    .type = GB_SEG_TYPE_TSS_BUSY,
	    .present = true,
	};
	gb_write_gdt(ram, tables + 6 * PAGE_SIZE, sr);

	sr->cr3 = gb_write_page_tables(ram, tables);
	/*
	 * SDM 3C 26.3.1.1: PG needs PE, an IA-32e guest needs CR4.PAE, and
	 * EFER.LMA must match the "IA-32e mode guest" control with LME = LMA
	 * under PG. MP+NE: native x87 error reporting; WP: ring 0 honours
	 * read-only pages. SCE stays off: the guest enables SYSCALL itself.
	 */
	sr->cr0 = CR0_PE | CR0_MP | GB_CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sr->cr4 = CR4_PAE;
	sr->efer = EFER_LME | EFER_LMA;
	sr->rip = entry;
	sr->rsp = tables; /* page aligned, so 16-byte aligned; grows down below the tables */
}

/* Flat 32-bit protected mode, paging off, ring 0: what Multiboot promises (spec 3.2). */
static void gb_prot32(uint8_t *ram, gpa_t tables, gpa_t entry, struct vcpu_sregs *sr)
{
	struct vcpu_segment data = gb_flat(GUEST_BOOT_SEL_DATA, GB_SEG_TYPE_DATA_RW);

	sr->cs = gb_flat(GUEST_BOOT_SEL_CODE, GB_SEG_TYPE_CODE_RX);
	sr->ds = sr->es = sr->fs = sr->gs = sr->ss = data;
	/* SDM 3C 26.3.1.2: outside IA-32e mode TR must be a busy TSS, type 3 or 11. */
	sr->tr = (struct vcpu_segment){
	    .selector = GUEST_BOOT_SEL_TSS,
	    .base = tables + GUEST_BOOT_TSS_OFFSET,
	    .limit = GUEST_BOOT_TSS_LIMIT,
	    .type = GB_SEG_TYPE_TSS_BUSY,
	    .present = true,
	};
	gb_write_gdt(ram, tables, sr);
	sr->cr0 = CR0_PE | GB_CR0_ET | CR0_NE;
	sr->rip = entry;
	sr->rsp = tables;
}

/*
 * Reset-like real mode (SDM 3A 9.1.1, Table 9-1) at @entry, for VMX with
 * unrestricted guest. CS = entry >> 4 and IP = entry & 0xf: a flat binary
 * linked at offset 0 and loaded at 0x8000 starts at 0800:0000, so its
 * offsets are CS-relative whatever the load GPA (tests/guests/guest16.ld).
 * Data segments and SS are 0, as after reset. CD/NW are left clear (reset
 * sets them) so the guest runs cached from the start. IDTR covers the
 * real-mode IVT at 0.
 */
static int gb_real(gpa_t entry, struct vcpu_sregs *sr, char *reason)
{
	struct vcpu_segment data = {
	    .limit = GB_REAL_LIMIT,
	    .type = GB_SEG_TYPE_DATA_RW,
	    .s = true,
	    .present = true,
	};

	if (entry >= GB_REAL_ENTRY_END)
		return gb_fail(reason, "real-mode entry 0x%llx not below 1 MiB",
			       (unsigned long long)entry);
	sr->cs = data;
	sr->cs.selector = (uint16_t)(entry >> 4);
	sr->cs.base = (uint64_t)sr->cs.selector << 4;
	/* SDM 3C 26.3.1.2: with unrestricted guest CS may be type 3 too; 11 matches prot32. */
	sr->cs.type = GB_SEG_TYPE_CODE_RX;
	sr->ds = sr->es = sr->fs = sr->gs = sr->ss = data;
	/* SDM 3C 26.3.1.2: TR type 3 or 11 outside IA-32e mode, even in real mode. */
	sr->tr = (struct vcpu_segment){
	    .limit = GB_REAL_LIMIT,
	    .type = GB_SEG_TYPE_TSS_BUSY,
	    .present = true,
	};
	sr->gdtr_limit = GB_REAL_LIMIT;
	sr->idtr_limit = GB_REAL_LIMIT;
	sr->cr0 = GB_CR0_ET;
	sr->rip = entry - sr->cs.base;
	sr->rsp = GUEST_BOOT_REAL_SP;
	return 0;
}

gpa_t guest_boot_tables_gpa(enum vcpu_start_mode mode, uint64_t ram_size)
{
	switch (mode) {
	case VCPU_START_LONG64:
		return ram_size - GUEST_BOOT_LONG64_PAGES * PAGE_SIZE;
	case VCPU_START_PROT32:
		return ram_size - GUEST_BOOT_PROT32_PAGES * PAGE_SIZE;
	case VCPU_START_REAL:
		break;
	}
	return ram_size;
}

int guest_boot_setup(uint8_t *ram, uint64_t ram_size, enum vcpu_start_mode mode, gpa_t entry_gpa,
		     gpa_t image_end_gpa, struct vcpu_sregs *sregs,
		     char reason[GUEST_BOOT_REASON_MAX])
{
	gpa_t tables;

	memset(sregs, 0, sizeof(*sregs));
	reason[0] = '\0';
	if (mode != VCPU_START_REAL && mode != VCPU_START_PROT32 && mode != VCPU_START_LONG64)
		return gb_fail(reason, "unknown start mode %d", (int)mode);
	/* The tables need their pages; 1 MiB also keeps the real-mode stack in RAM. */
	if (!IS_ALIGNED(ram_size, PAGE_SIZE) || ram_size < SZ_1M || ram_size > GUEST_MMIO_BASE)
		return gb_fail(reason,
			       "guest RAM size 0x%llx unusable (page multiple, 1 MiB..3 GiB)",
			       (unsigned long long)ram_size);
	tables = guest_boot_tables_gpa(mode, ram_size);
	if (image_end_gpa > tables)
		return gb_fail(reason, "image ends at 0x%llx, above the boot tables at 0x%llx",
			       (unsigned long long)image_end_gpa, (unsigned long long)tables);
	if (entry_gpa >= tables)
		return gb_fail(reason, "entry 0x%llx not below the boot tables at 0x%llx",
			       (unsigned long long)entry_gpa, (unsigned long long)tables);

	/* LDTR unusable (SDM 3C 26.3.1.2 then skips its checks); no IDT until the guest sets one.
	 */
	sregs->ldtr.unusable = true;
	sregs->rflags = GB_RFLAGS_FIXED;
	sregs->xcr0 = GB_XCR0_X87;

	switch (mode) {
	case VCPU_START_LONG64:
		gb_long64(ram, tables, entry_gpa, sregs);
		return 0;
	case VCPU_START_PROT32:
		gb_prot32(ram, tables, entry_gpa, sregs);
		return 0;
	case VCPU_START_REAL:
		break;
	}
	return gb_real(entry_gpa, sregs, reason);
}

void guest_boot_sipi_state(uint8_t vector, struct vcpu_sregs *sregs)
{
	char unused[GUEST_BOOT_REASON_MAX];

	memset(sregs, 0, sizeof(*sregs));
	sregs->ldtr.unusable = true;
	sregs->rflags = GB_RFLAGS_FIXED;
	sregs->xcr0 = GB_XCR0_X87;
	/* SDM 3A 8.4.4.1: CS = vector << 8, IP = 0; below 1 MiB by construction, so no failure. */
	gb_real((gpa_t)vector << PAGE_SHIFT, sregs, unused);
	sregs->rsp = 0; /* SDM 3A Table 9-1: after INIT, RSP is 0 */
}
