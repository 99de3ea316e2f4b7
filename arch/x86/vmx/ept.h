/*
 * Extended page tables (SDM 3C 29.3): a guest's guest-physical -> host-
 * physical map, built with the shared page-table builder in EPT format.
 */
#ifndef SHOJI_ARCH_X86_VMX_EPT_H
#define SHOJI_ARCH_X86_VMX_EPT_H

#include "arch/x86/paging.h"
#include "kernel/guest/virt.h"

#define EPT_R	       (1ULL << 0)
#define EPT_W	       (1ULL << 1)
#define EPT_X	       (1ULL << 2)
#define EPT_MT_SHIFT   3
#define EPT_MT_UC      0ULL
#define EPT_MT_WB      6ULL
#define EPT_IGNORE_PAT (1ULL << 6)
#define EPT_ACCESSED   (1ULL << 8)
#define EPT_DIRTY      (1ULL << 9)

extern const struct pt_format ept_format;

struct ept {
	struct page_table pt;
	uint64_t eptp;
	/* The guest's APIC-access page (vmx_apic.c; 0: none yet) and where it is mapped. */
	hpa_t apic_access;
	gpa_t apic_access_gpa;
	bool apic_access_mapped;
};

int ept_init(struct ept *ept, bool allow_1g, bool allow_2m, bool ad_bits);
/* Remove [gpa, gpa+size) and invalidate this CPU's translations of it. */
int ept_unmap(struct ept *ept, gpa_t gpa, uint64_t size);
/* paging_prune of [gpa, gpa+size), then this CPU's translations invalidated. */
void ept_prune(struct ept *ept, gpa_t gpa, uint64_t size, void (*collect)(hpa_t table, void *ctx),
	       void *ctx);
int ept_map(struct ept *ept, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
	    enum gmap_type type);
/*
 * Free every table page of ept (after an INVEPT on this CPU). The guest's vCPUs are
 * gone and no other CPU holds translations of it (flushed by the caller).
 */
void ept_destroy(struct ept *ept);
/* INVEPT for this EPT (single-context when offered, else all-context). */
void ept_invalidate(const struct ept *ept);

#endif
