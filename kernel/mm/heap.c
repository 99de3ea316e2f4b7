/* Heap region for malloc: newlib's nano-malloc asks for more through sbrk. */
#include "kernel/mm/heap.h"

#include <errno.h>

#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"
#include "kernel/mm/pmm.h"
#include "kernel/core/types.h"

#define HEAP_MIN_BYTES SZ_1M

static uint8_t *heap_start, *heap_brk, *heap_end;

int heap_init(uint64_t max_bytes)
{
	for (uint64_t size = ALIGN_UP(max_bytes, PAGE_SIZE); size >= HEAP_MIN_BYTES; size /= 2) {
		hpa_t base = pmm_alloc_frames(size / PAGE_SIZE, PAGE_SIZE);
		if (base) {
			heap_start = heap_brk = phys_to_virt(base);
			heap_end = heap_start + size;
			log_info("heap: %llu KiB at 0x%llx", (unsigned long long)(size / 1024),
				 (unsigned long long)base);
			return 0;
		}
	}
	log_err("heap: no contiguous memory for a heap");
	return -ENOMEM;
}

void *heap_sbrk(intptr_t increment)
{
	uint8_t *old = heap_brk;
	if (!heap_start || (increment > 0 && increment > heap_end - heap_brk) ||
	    (increment < 0 && -increment > heap_brk - heap_start))
		return (void *)-1;
	heap_brk += increment;
	return old;
}
