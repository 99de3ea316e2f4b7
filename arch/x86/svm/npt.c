/*
 * NPT construction. Nested tables are walked as user-mode accesses, so
 * every level carries U=1 (APM 2 15.25.5: nested page table walks are
 * treated as user accesses). The memory type is that of the host PAT entry
 * the leaf's PAT/PCD/PWT select, combined with the guest's (APM 2 15.25.8):
 * RAM uses entry 0 (WB with the reset PAT, which Shoji keeps), device
 * ranges PCD|PWT (entry 3, UC), so a guest cannot make device memory
 * cacheable.
 */
#include "arch/x86/svm/npt.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/svm/svm_caps.h"
#include "kernel/mm/directmap.h"
#include "kernel/mm/pmm.h"

const struct pt_format npt_format = {
    .present_mask = PTE_P,
    .table_flags = PTE_P | PTE_W | PTE_US,
    .leaf_mask = PTE_P | PTE_W | PTE_US | PTE_PWT | PTE_PCD | PTE_NX,
    .leaf_implied = PTE_P | PTE_US,
};

static hpa_t npt_alloc_table(void *ctx)
{
	hpa_t hpa = pmm_alloc_frame();
	if (hpa)
		memset(phys_to_virt(hpa), 0, PAGE_SIZE);
	return hpa;
}

int npt_init(struct npt *npt, bool allow_1g)
{
	npt->pt = (struct page_table){
	    .fmt = &npt_format,
	    .allow_1g = allow_1g,
	    .alloc_table = npt_alloc_table,
	};
	npt->generation = 1;
	return paging_create(&npt->pt);
}

static void npt_free_table(hpa_t table, void *ctx)
{
	pmm_free_frames(table, 1);
}

void npt_destroy(struct npt *npt)
{
	paging_destroy(&npt->pt, npt_free_table);
}

int npt_unmap(struct npt *npt, gpa_t gpa, uint64_t size)
{
	int err = paging_unmap(&npt->pt, gpa, size);
	npt->generation++;
	return err;
}

void npt_prune(struct npt *npt, gpa_t gpa, uint64_t size, void (*collect)(hpa_t table, void *ctx),
	       void *ctx)
{
	paging_prune(&npt->pt, gpa, size, collect, ctx);
	npt->generation++;
}

int npt_map(struct npt *npt, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
	    enum gmap_type type)
{
	/* x86 entries cannot say "writable or executable but not readable". */
	if (!(rights & GMAP_READ))
		return -EINVAL;
	uint64_t flags = type == GMAP_WB ? 0 : PTE_PCD | PTE_PWT;
	if (rights & GMAP_WRITE)
		flags |= PTE_W;
	/* NX is a reserved bit unless the host runs with EFER.NXE (APM 2 15.25.5). */
	if (!(rights & GMAP_EXEC) && svm_caps.host_nxe)
		flags |= PTE_NX;
	int err = paging_map(&npt->pt, gpa, hpa, size, flags);
	npt->generation++;
	return err;
}
