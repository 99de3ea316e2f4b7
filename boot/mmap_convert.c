/*
 * UEFI memory map conversion (see mmap_convert.h). Runs after
 * ExitBootServices: no firmware calls, no allocation, no library beyond
 * memcpy (which gnu-efi and the host both provide).
 */
#include <errno.h>
#include <string.h>

#include "boot/mmap_convert.h"
#include "kernel/core/types.h"

uint32_t mmap_convert_type(uint32_t efi_type)
{
	switch (efi_type) {
	case MMAP_EFI_CONVENTIONAL:
	/* Boot services memory is free once they exited; loader memory holds the
	 * kernel, modules and boot_info, which the kernel reserves itself. */
	case MMAP_EFI_BOOT_SERVICES_CODE:
	case MMAP_EFI_BOOT_SERVICES_DATA:
	case MMAP_EFI_LOADER_CODE:
	case MMAP_EFI_LOADER_DATA:
		return BOOT_MEM_USABLE;
	case MMAP_EFI_RUNTIME_SERVICES_CODE:
	case MMAP_EFI_RUNTIME_SERVICES_DATA:
		return BOOT_MEM_FIRMWARE_RUNTIME;
	case MMAP_EFI_ACPI_RECLAIM:
		return BOOT_MEM_ACPI_RECLAIM;
	case MMAP_EFI_ACPI_NVS:
		return BOOT_MEM_ACPI_NVS;
	case MMAP_EFI_UNUSABLE:
		return BOOT_MEM_BAD;
	default:
		return BOOT_MEM_RESERVED;
	}
}

static struct mmap_efi_desc mmap_desc_at(const uint8_t *map, size_t i, size_t stride)
{
	struct mmap_efi_desc d;

	memcpy(&d, map + i * stride, sizeof(d));
	return d;
}

static void mmap_swap(uint8_t *a, uint8_t *b, size_t len)
{
	for (size_t k = 0; k < len; k++) {
		uint8_t t = a[k];
		a[k] = b[k];
		b[k] = t;
	}
}

/* Insertion sort by base: a few hundred descriptors, mostly sorted already. */
static void mmap_sort(uint8_t *map, size_t n, size_t stride)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			if (mmap_desc_at(map, j - 1, stride).phys_start <=
			    mmap_desc_at(map, j, stride).phys_start)
				break;
			mmap_swap(map + (j - 1) * stride, map + j * stride, stride);
		}
}

/* Index of the region to drop when full: out_max means @r itself, -1 none. */
static long mmap_pick_victim(const struct boot_mem_region *out, uint32_t count,
			     const struct boot_mem_region *r)
{
	long victim = -1;
	uint64_t best = 0;

	for (uint32_t i = 0; i < count; i++) {
		if (out[i].type != BOOT_MEM_USABLE)
			continue;
		if (victim < 0 || out[i].length < best) {
			victim = i;
			best = out[i].length;
		}
	}
	/* @r has the highest base, so a tie keeps the existing (lower) region. */
	if (r->type == BOOT_MEM_USABLE && (victim < 0 || r->length < best))
		victim = count;
	return victim;
}

static void mmap_push(struct boot_mem_region *out, uint32_t *count, uint32_t out_max,
		      struct boot_mem_region r, int *dropped)
{
	for (;;) {
		if (*count > 0) {
			struct boot_mem_region *last = &out[*count - 1];
			uint64_t last_end = last->base + last->length;

			/* Overlapping descriptors of different types pass through as given. */
			if (last->type == r.type && r.base <= last_end) {
				last->length = MAX(last_end, r.base + r.length) - last->base;
				return;
			}
		}
		if (*count < out_max) {
			out[(*count)++] = r;
			return;
		}

		long victim = mmap_pick_victim(out, *count, &r);
		(*dropped)++;
		if (victim < 0 || victim == (long)*count)
			return; /* drop @r: nothing usable to give up, or it is the smallest */
		for (uint32_t i = (uint32_t)victim; i + 1 < *count; i++)
			out[i] = out[i + 1];
		(*count)--;
		/* retry: @r may now merge with the new last region */
	}
}

int mmap_convert(void *efi_map, size_t map_size, size_t desc_size, struct boot_mem_region *out,
		 uint32_t out_max, uint32_t *out_count)
{
	uint8_t *map = efi_map;
	size_t n;
	int dropped = 0;

	*out_count = 0;
	if (desc_size < sizeof(struct mmap_efi_desc) || out_max == 0)
		return -EINVAL;
	n = map_size / desc_size;
	mmap_sort(map, n, desc_size);

	for (size_t i = 0; i < n; i++) {
		struct mmap_efi_desc d = mmap_desc_at(map, i, desc_size);
		uint64_t length, end;

		if (d.num_pages == 0 || d.num_pages > (UINT64_MAX >> MMAP_EFI_PAGE_SHIFT))
			continue;
		length = d.num_pages << MMAP_EFI_PAGE_SHIFT;
		if (__builtin_add_overflow(d.phys_start, length, &end))
			continue;
		mmap_push(out, out_count, out_max,
			  (struct boot_mem_region){.base = d.phys_start,
						   .length = length,
						   .type = mmap_convert_type(d.type)},
			  &dropped);
	}
	return dropped;
}
