/*
 * Page-table builder. Levels are numbered by the page size an entry maps
 * at that level: 3 = PML4 (512 GiB), 2 = PDPT (1 GiB), 1 = PD (2 MiB),
 * 0 = PT (4 KiB). Intermediate entries grant everything (x86: P|W, no NX;
 * EPT: RWX): the leaf decides (SDM 3A 4.6: access rights combine across
 * levels).
 */
#include "arch/x86/paging.h"

#include <errno.h>

#include "kernel/mm/directmap.h"

const struct pt_format pt_format_x86 = {
    .present_mask = PTE_P,
    .table_flags = PTE_P | PTE_W,
    .leaf_mask = PTE_LEAF_FLAGS,
    .leaf_implied = PTE_P,
};

/* In a 2 MiB / 1 GiB entry bit 12 is PAT; in a 4 KiB entry PAT is bit 7 (= PS). */
#define PTE_LARGE_PAT		  (1ULL << 12)
#define PTE_LARGE_ADDR_MASK(size) (PTE_ADDR_MASK & ~((size)-1))

static inline uint64_t level_size(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * level);
}

static inline unsigned level_index(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

static inline uint64_t *table_of(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR_MASK);
}

static inline bool is_present(const struct page_table *pt, uint64_t entry)
{
	return entry & pt->fmt->present_mask;
}

static inline bool is_leaf(uint64_t entry, int level)
{
	return level == 0 || (entry & PTE_PS);
}

int paging_create(struct page_table *pt)
{
	pt->root = pt->alloc_table(pt->ctx);
	return pt->root ? 0 : -ENOMEM;
}

/* The tables below `table` (one at `level`), then `table` itself; depth at most four. */
static void free_tree(struct page_table *pt, hpa_t table, int level,
		      void (*free_table)(hpa_t table, void *ctx))
{
	const uint64_t *entry = phys_to_virt(table);

	for (unsigned i = 0; level > 0 && i < PT_ENTRIES; i++)
		if (is_present(pt, entry[i]) && !is_leaf(entry[i], level))
			free_tree(pt, entry[i] & PTE_ADDR_MASK, level - 1, free_table);
	free_table(table, pt->ctx);
}

void paging_destroy(struct page_table *pt, void (*free_table)(hpa_t table, void *ctx))
{
	if (pt->root)
		free_tree(pt, pt->root, 3, free_table);
	pt->root = 0;
}

/* Replace a large leaf at `level` by a table of 512 next-level leaves with the same attributes. */
static int split_large(struct page_table *pt, uint64_t *entry, int level)
{
	hpa_t table = pt->alloc_table(pt->ctx);
	if (!table)
		return -ENOMEM;
	uint64_t *child = phys_to_virt(table);
	uint64_t child_size = level_size(level - 1);
	uint64_t base = *entry & PTE_LARGE_ADDR_MASK(level_size(level));
	uint64_t attrs = *entry & (pt->fmt->leaf_mask | pt->fmt->leaf_implied);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		child[i] = (base + i * child_size) | attrs | (level - 1 > 0 ? PTE_PS : 0);
	*entry = table | pt->fmt->table_flags;
	return 0;
}

/* The entry for va at `level`, creating or splitting the tables above it. */
static uint64_t *walk_create(struct page_table *pt, uint64_t va, int level)
{
	uint64_t *table = phys_to_virt(pt->root);
	for (int l = 3; l > level; l--) {
		uint64_t *entry = &table[level_index(va, l)];
		if (!is_present(pt, *entry)) {
			hpa_t t = pt->alloc_table(pt->ctx);
			if (!t)
				return NULL;
			*entry = t | pt->fmt->table_flags;
		} else if (is_leaf(*entry, l)) {
			if (split_large(pt, entry, l))
				return NULL;
		}
		table = table_of(*entry);
	}
	return &table[level_index(va, level)];
}

/* Largest level whose page fits va/hpa alignment and the remaining size. */
static int pick_level(const struct page_table *pt, uint64_t va, hpa_t hpa, uint64_t remaining)
{
	for (int level = pt->allow_1g ? 2 : 1; level > 0; level--) {
		uint64_t size = level_size(level);
		if (IS_ALIGNED(va | hpa, size) && remaining >= size)
			return level;
	}
	return 0;
}

int paging_map(struct page_table *pt, uint64_t va, hpa_t hpa, uint64_t size, uint64_t flags)
{
	if (!IS_ALIGNED(va | hpa | size, PAGE_SIZE) || va + size < va)
		return -EINVAL;
	flags = (flags & pt->fmt->leaf_mask) | pt->fmt->leaf_implied;
	while (size) {
		int level = pick_level(pt, va, hpa, size);
		uint64_t *entry = walk_create(pt, va, level);
		if (!entry)
			return -ENOMEM;
		/* A table below a large-page slot keeps its finer mappings: map through it. */
		while (level > 0 && is_present(pt, *entry) && !is_leaf(*entry, level)) {
			level--;
			entry = &table_of(*entry)[level_index(va, level)];
		}
		/* Tables below a replaced large slot are not freed: callers map coarse first. */
		*entry = hpa | flags | (level > 0 ? PTE_PS : 0);
		va += level_size(level);
		hpa += level_size(level);
		size -= level_size(level);
		/*
		 * 4 KiB pages: the rest of this table's run is filled here, without
		 * walking from the root for each page (a 1 MiB guest maps 256).
		 */
		while (level == 0 && size && (va & (level_size(1) - 1))) {
			*++entry = hpa | flags;
			va += PAGE_SIZE;
			hpa += PAGE_SIZE;
			size -= PAGE_SIZE;
		}
	}
	return 0;
}

int paging_unmap(struct page_table *pt, uint64_t va, uint64_t size)
{
	if (!IS_ALIGNED(va | size, PAGE_SIZE) || va + size < va)
		return -EINVAL;
	while (size) {
		uint64_t *table = phys_to_virt(pt->root);
		int level = 3;
		uint64_t *entry = NULL;
		/* Descend to the entry covering va; split large pages only if partly unmapped. */
		for (;;) {
			entry = &table[level_index(va, level)];
			if (!is_present(pt, *entry))
				break;
			if (is_leaf(*entry, level)) {
				if (IS_ALIGNED(va, level_size(level)) && size >= level_size(level))
					break;
				if (split_large(pt, entry, level))
					return -ENOMEM;
			}
			table = table_of(*entry);
			level--;
		}
		uint64_t step = level_size(level) - (va & (level_size(level) - 1));
		*entry = 0;
		if (step > size)
			step = size;
		va += step;
		size -= step;
	}
	return 0;
}

void paging_prune(struct page_table *pt, uint64_t va, uint64_t size,
		  void (*collect)(hpa_t table, void *ctx), void *ctx)
{
	for (uint64_t end = va + size; va < end; va += level_size(1)) {
		uint64_t *table = phys_to_virt(pt->root);
		uint64_t *entry = NULL;
		for (int level = 3; level >= 1; level--) {
			entry = &table[level_index(va, level)];
			if (!is_present(pt, *entry) || (level > 1 && is_leaf(*entry, level))) {
				entry = NULL; /* nothing below, or a 1 GiB leaf: not a window's */
				break;
			}
			if (level > 1)
				table = table_of(*entry);
		}
		if (!entry)
			continue;
		if (!is_leaf(*entry, 1))
			collect(*entry & PTE_ADDR_MASK, ctx);
		*entry = 0;
	}
}

int paging_lookup(const struct page_table *pt, uint64_t va, hpa_t *hpa, uint64_t *flags,
		  uint64_t *page_size)
{
	const uint64_t *table = phys_to_virt(pt->root);
	for (int level = 3; level >= 0; level--) {
		uint64_t entry = table[level_index(va, level)];
		if (!is_present(pt, entry))
			return -ENOENT;
		if (is_leaf(entry, level)) {
			uint64_t size = level_size(level);
			uint64_t mask = level ? PTE_LARGE_ADDR_MASK(size) : PTE_ADDR_MASK;
			if (hpa)
				*hpa = (entry & mask) + (va & (size - 1));
			if (flags)
				*flags = entry & (pt->fmt->leaf_mask | pt->fmt->leaf_implied);
			if (page_size)
				*page_size = size;
			return 0;
		}
		table = table_of(entry);
	}
	return -ENOENT;
}
