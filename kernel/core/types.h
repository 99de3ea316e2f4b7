/*
 * Basic integer and address kinds shared by every layer. Host-physical,
 * guest-physical and guest-virtual addresses are kept apart by name.
 */
#ifndef SHOJI_KERNEL_TYPES_H
#define SHOJI_KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t hpa_t; /* host-physical address */
typedef uint64_t gpa_t; /* guest-physical address */
typedef uint64_t gva_t; /* guest-virtual address */

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ULL << PAGE_SHIFT)
#define SZ_1M	   (1ULL << 20)
#define SZ_2M	   (1ULL << 21)
#define SZ_1G	   (1ULL << 30)
#define SZ_4G	   (1ULL << 32)

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a)	 ALIGN_DOWN((x) + (uint64_t)(a)-1, (a))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a)-1)) == 0)
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#endif
