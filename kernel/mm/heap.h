/* The hypervisor heap: one contiguous run of frames that newlib's malloc grows into via sbrk. */
#ifndef SHOJI_KERNEL_HEAP_H
#define SHOJI_KERNEL_HEAP_H

#include <stdint.h>

/* Reserve up to `max_bytes` (fewer if RAM is short); returns 0 or -ENOMEM. */
int heap_init(uint64_t max_bytes);
/* sbrk semantics: returns the old break, or (void *)-1 when the heap is exhausted. */
void *heap_sbrk(intptr_t increment);

#endif
