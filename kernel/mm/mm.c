/*
 * Boot-time memory set-up: turns the loader's memory map into the frame
 * allocator's view. Keeps out of the allocator: the first MiB (real-mode
 * structures, the future SMP trampoline), the kernel image and the modules.
 */
#include "kernel/mm/mm.h"

#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/mm/pmm.h"

#define LOW_MEMORY_END SZ_1M

uint64_t mm_usable_bytes(const struct boot_info *bi)
{
	uint64_t total = 0;
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BOOT_MEM_USABLE)
			total += bi->mmap[i].length;
	return total;
}

uint64_t mm_usable_top(const struct boot_info *bi)
{
	uint64_t top = 0;
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BOOT_MEM_USABLE)
			top = MAX(top, bi->mmap[i].base + bi->mmap[i].length);
	return top;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* First byte at or after `at` where [at, at+size) clears the kernel and the modules. */
static uint64_t skip_taken(const struct boot_info *bi, uint64_t at, uint64_t size)
{
	bool moved = true;
	while (moved) {
		moved = false;
		if (overlaps(at, size, bi->kernel_start, bi->kernel_end - bi->kernel_start)) {
			at = ALIGN_UP(bi->kernel_end, PAGE_SIZE);
			moved = true;
		}
		for (uint32_t m = 0; m < bi->module_count; m++) {
			const struct boot_module *mod = &bi->modules[m];
			if (overlaps(at, size, mod->base, mod->size)) {
				at = ALIGN_UP(mod->base + mod->size, PAGE_SIZE);
				moved = true;
			}
		}
	}
	return at;
}

hpa_t mm_find_free_range(const struct boot_info *bi, uint64_t size)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		if (r->type != BOOT_MEM_USABLE)
			continue;
		uint64_t end = ALIGN_DOWN(r->base + r->length, PAGE_SIZE);
		uint64_t at =
		    skip_taken(bi, ALIGN_UP(MAX(r->base, LOW_MEMORY_END), PAGE_SIZE), size);
		/* Below 4 GiB: until the kernel map is live only the boot map's 4 GiB are
		 * reachable. */
		if (at + size <= end && at + size > at && at + size <= SZ_4G)
			return at;
	}
	return 0;
}

void mm_init(const struct boot_info *bi)
{
	uint64_t frames = mm_usable_top(bi) / PAGE_SIZE;
	uint64_t bitmap_bytes = ALIGN_UP(pmm_bitmap_bytes(frames), PAGE_SIZE);
	hpa_t bitmap = mm_find_free_range(bi, bitmap_bytes);
	if (!bitmap)
		panic("mm: no room for the frame bitmap (%llu bytes)",
		      (unsigned long long)bitmap_bytes);

	pmm_init(phys_to_virt(bitmap), frames);
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BOOT_MEM_USABLE)
			pmm_release_range(bi->mmap[i].base, bi->mmap[i].length);
	pmm_reserve_range(0, LOW_MEMORY_END);
	pmm_reserve_range(bi->kernel_start, bi->kernel_end - bi->kernel_start);
	for (uint32_t m = 0; m < bi->module_count; m++)
		pmm_reserve_range(bi->modules[m].base, bi->modules[m].size);
	pmm_reserve_range(bitmap, bitmap_bytes);

	struct pmm_stats st;
	pmm_get_stats(&st);
	log_info("mm: %llu MiB usable in %u map entries, %llu MiB free, frame bitmap at 0x%llx",
		 (unsigned long long)(mm_usable_bytes(bi) / SZ_1M), bi->mmap_count,
		 (unsigned long long)(st.free_frames * PAGE_SIZE / SZ_1M),
		 (unsigned long long)bitmap);
}
