/*
 * Nested page tables (APM 2 15.25): a guest's guest-physical -> host-
 * physical map, in the ordinary x86-64 long-mode format, built with the
 * shared page-table builder.
 */
#ifndef SHOJI_ARCH_X86_SVM_NPT_H
#define SHOJI_ARCH_X86_SVM_NPT_H

#include "arch/x86/paging.h"
#include "kernel/guest/virt.h"

extern const struct pt_format npt_format;

struct npt {
	struct page_table pt;
	uint64_t generation; /* bumped on every change: vCPUs flush their ASID when it moves */
};

int npt_init(struct npt *npt, bool allow_1g);
/*
 * Free every table page of npt. No vCPU of its guest runs any more; the ASID is
 * flushed by whichever vCPU next uses it (svm_vcpu.c tlb_control).
 */
void npt_destroy(struct npt *npt);
/* Remove [gpa, gpa+size); each vCPU flushes at its next VMRUN (generation). */
int npt_unmap(struct npt *npt, gpa_t gpa, uint64_t size);
/* paging_prune of [gpa, gpa+size); vCPUs flush at their next VMRUN (generation). */
void npt_prune(struct npt *npt, gpa_t gpa, uint64_t size, void (*collect)(hpa_t table, void *ctx),
	       void *ctx);
int npt_map(struct npt *npt, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
	    enum gmap_type type);

#endif
