/*
 * 4-level page tables: the hypervisor's own (SDM 3A 4.5), and through a
 * format descriptor the same builder serves EPT (SDM 3C 29.3) and AMD's
 * nested page tables. Pure table manipulation: frames for new tables come
 * from a caller-supplied allocator, so the builder runs (and is tested)
 * anywhere.
 */
#ifndef SHOJI_ARCH_X86_PAGING_H
#define SHOJI_ARCH_X86_PAGING_H

#include "kernel/core/types.h"

#define PTE_P	      (1ULL << 0)
#define PTE_W	      (1ULL << 1)
#define PTE_US	      (1ULL << 2)
#define PTE_PWT	      (1ULL << 3)
#define PTE_PCD	      (1ULL << 4)
#define PTE_A	      (1ULL << 5)
#define PTE_D	      (1ULL << 6)
#define PTE_PS	      (1ULL << 7)
#define PTE_G	      (1ULL << 8)
#define PTE_NX	      (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
/* The leaf attributes a caller may ask for. */
#define PTE_LEAF_FLAGS (PTE_P | PTE_W | PTE_US | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

#define PT_ENTRIES 512

/* What distinguishes one table format from another; bit 7 is "large page" in all of them. */
struct pt_format {
	uint64_t present_mask; /* an entry with none of these bits is not present */
	uint64_t table_flags;  /* flags of an entry pointing to a lower table */
	uint64_t leaf_mask;    /* attributes a leaf keeps (rights, memory type) */
	uint64_t leaf_implied; /* always set in a leaf (x86: P) */
};

extern const struct pt_format pt_format_x86;

struct page_table {
	const struct pt_format *fmt;
	hpa_t root;			 /* PML4 */
	bool allow_1g;			 /* CPUID.80000001H:EDX[26] */
	hpa_t (*alloc_table)(void *ctx); /* a zeroed 4 KiB frame, or 0 */
	void *ctx;
};

/* An empty address space: allocates the PML4. */
int paging_create(struct page_table *pt);

/*
 * Map [va, va+size) to [hpa, hpa+size) with the given leaf flags (masked
 * by the format's leaf_mask, leaf_implied added), replacing what was there. Uses 1 GiB / 2 MiB
 * pages where both addresses are aligned and the range covers them; splits larger pages when a
 * smaller piece changes. All arguments must be 4 KiB aligned.
 */
int paging_map(struct page_table *pt, uint64_t va, hpa_t hpa, uint64_t size, uint64_t flags);

/*
 * Give every table back through free_table (each lower table, then the root) and
 * leave pt empty. No CPU may still walk or cache these tables: the caller flushed them.
 */
void paging_destroy(struct page_table *pt, void (*free_table)(hpa_t table, void *ctx));

/* Remove [va, va+size) (4 KiB aligned), splitting larger pages as needed. */
int paging_unmap(struct page_table *pt, uint64_t va, uint64_t size);

/*
 * Unlink the page tables (level 1, each covering 2 MiB) under [va, va+size),
 * 2 MiB aligned, clearing their entries in the directory above; each table
 * goes to collect, which frees it only once no CPU can cache it (the caller
 * flushes every CPU in between). Large leaves in the range are cleared too.
 */
void paging_prune(struct page_table *pt, uint64_t va, uint64_t size,
		  void (*collect)(hpa_t table, void *ctx), void *ctx);

/*
 * Translate va. Returns 0 and fills hpa, the leaf flags and the page size
 * in bytes, or -ENOENT if not mapped.
 */
int paging_lookup(const struct page_table *pt, uint64_t va, hpa_t *hpa, uint64_t *flags,
		  uint64_t *page_size);

#endif
