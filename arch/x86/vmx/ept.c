/*
 * EPT construction. Rights and memory type live in the leaf; RAM is
 * write-back, device ranges uncached, and the memory type is forced with
 * "ignore PAT" so a guest's PAT cannot make RAM uncacheable behind its back
 * or device memory cacheable (SDM 3C 29.3.7.2).
 */
#include "arch/x86/vmx/ept.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/mm/directmap.h"
#include "kernel/mm/pmm.h"

#define EPTP_MT_WB	      6ULL
#define EPTP_WALK_4	      (3ULL << 3)
#define EPTP_AD_ENABLE	      (1ULL << 6)
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT    2

const struct pt_format ept_format = {
    .present_mask = EPT_R | EPT_W | EPT_X,
    .table_flags = EPT_R | EPT_W | EPT_X,
    .leaf_mask = EPT_R | EPT_W | EPT_X | (7ULL << EPT_MT_SHIFT) | EPT_IGNORE_PAT,
    .leaf_implied = 0,
};

static hpa_t ept_alloc_table(void *ctx)
{
	hpa_t hpa = pmm_alloc_frame();
	if (hpa)
		memset(phys_to_virt(hpa), 0, PAGE_SIZE);
	return hpa;
}

int ept_init(struct ept *ept, bool allow_1g, bool allow_2m, bool ad_bits)
{
	/* Without 2 MiB EPT pages, no large pages at all: the builder would pick 2 MiB first. */
	ept->pt = (struct page_table){
	    .fmt = &ept_format,
	    .allow_1g = allow_1g && allow_2m,
	    .alloc_table = ept_alloc_table,
	};
	if (!allow_2m)
		return -ENOTSUP; /* the builder always uses 2 MiB where aligned */
	int err = paging_create(&ept->pt);
	if (err)
		return err;
	ept->eptp = ept->pt.root | EPTP_MT_WB | EPTP_WALK_4 | (ad_bits ? EPTP_AD_ENABLE : 0);
	return 0;
}

int ept_map(struct ept *ept, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
	    enum gmap_type type)
{
	uint64_t flags =
	    ((type == GMAP_WB ? EPT_MT_WB : EPT_MT_UC) << EPT_MT_SHIFT) | EPT_IGNORE_PAT;
	if (rights & GMAP_READ)
		flags |= EPT_R;
	if (rights & GMAP_WRITE)
		flags |= EPT_W;
	if (rights & GMAP_EXEC)
		flags |= EPT_X;
	int err = paging_map(&ept->pt, gpa, hpa, size, flags);
	if (!err)
		ept_invalidate(ept);
	return err;
}

int ept_unmap(struct ept *ept, gpa_t gpa, uint64_t size)
{
	int err = paging_unmap(&ept->pt, gpa, size);
	ept_invalidate(ept); /* even after an error: part of the range may be gone */
	return err;
}

void ept_prune(struct ept *ept, gpa_t gpa, uint64_t size, void (*collect)(hpa_t table, void *ctx),
	       void *ctx)
{
	paging_prune(&ept->pt, gpa, size, collect, ctx);
	ept_invalidate(ept);
}

static void ept_free_table(hpa_t table, void *ctx)
{
	pmm_free_frames(table, 1);
}

void ept_destroy(struct ept *ept)
{
	if (!ept->pt.root)
		return;
	/* SDM 3C 29.4.3.1: translations tagged with this EPTP must not outlive its tables. */
	ept_invalidate(ept);
	paging_destroy(&ept->pt, ept_free_table);
	ept->eptp = 0;
}

void ept_invalidate(const struct ept *ept)
{
	struct {
		uint64_t eptp, reserved;
	} desc = {ept->eptp, 0};
	uint64_t type = (vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE) ? INVEPT_SINGLE_CONTEXT
								    : INVEPT_ALL_CONTEXT;
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}
