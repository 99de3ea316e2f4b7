/* fuzz-sources: kernel/guest/guest_image.c kernel/guest/guest_boot.c kernel/guest/linux_boot.c kernel/guest/multiboot_guest.c boot/elf_load.c */
/*
 * libFuzzer: the two ELF loaders on arbitrary image bytes. The guest image
 * loader (flat, ELF32, ELF64 guests) copies into a guest RAM buffer of exact
 * size and the kernel loader (boot/elf_load.c) into an exact-size window, so
 * ASan catches a read outside the image or a write outside RAM. Either the
 * image is refused with a reason, or every segment and the entry point lie
 * in RAM and RAM holds exactly the image's bytes and zeroed bss.
 *
 * Input: byte 0 options (bits 0-1: start mode, 2: mode given, 3: load GPA
 * given, 4: entry GPA given, 5-6: RAM size), bytes 1-4 load GPA, 5-8 entry
 * GPA (little endian), then the image.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/elf_load.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_image.h"

#define HEADER 9
/* The largest window elf_load_copy() gets here: segments span up to 4 GiB. */
#define WINDOW_MAX (4ULL << 20)

/* Small, odd and page-sized RAM sizes; the seeds' segments sit at 2 MiB. */
static const uint64_t ram_sizes[4] = {0x1000, 0x10123, 0x202000, 0x400000};
static uint8_t *rams[4];

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_guest_image(const uint8_t *image, uint64_t size, const uint8_t *hdr)
{
	struct guest_image_opts opts = {
	    .mode_set = hdr[0] & 4,
	    .mode = (enum vcpu_start_mode)((hdr[0] & 3) % 3),
	    .load_set = hdr[0] & 8,
	    .load_gpa = le32(hdr + 1),
	    .entry_set = hdr[0] & 16,
	    .entry_gpa = le32(hdr + 5),
	};
	unsigned which = (hdr[0] >> 5) & 3;
	uint64_t ram_size = ram_sizes[which];
	static struct guest_image img;
	char reason[GUEST_IMAGE_REASON_MAX];

	if (!rams[which])
		rams[which] = malloc(ram_size);
	uint8_t *ram = rams[which];

	/* Dirty only where the image goes (not all RAM: that would dominate each run). */
	int ret = guest_image_inspect(image, size, &opts, ram_size, &img, reason);
	for (uint32_t i = 0; ret == 0 && i < img.segment_count; i++)
		memset(ram + img.segments[i].gpa, 0xaa, img.segments[i].memsz);
	if (ret == 0)
		ret = guest_image_load(image, size, &opts, ram, ram_size, &img, reason);
	if (ret) {
		if (ret > 0 || !reason[0] || !memchr(reason, '\0', sizeof(reason)))
			abort();
		return;
	}
	if (img.segment_count == 0 || img.segment_count > GUEST_IMAGE_SEGMENTS_MAX)
		abort();
	bool entry_in_file_bytes = false;
	for (uint32_t i = 0; i < img.segment_count; i++) {
		const struct guest_image_segment *s = &img.segments[i];

		if (s->memsz == 0 || s->filesz > s->memsz || s->gpa > ram_size ||
		    s->memsz > ram_size - s->gpa || s->offset > size || s->filesz > size - s->offset)
			abort();
		if (memcmp(ram + s->gpa, image + s->offset, s->filesz))
			abort();
		for (uint64_t b = s->filesz; b < s->memsz; b++)
			if (ram[s->gpa + b])
				abort();
		for (uint32_t j = 0; j < i; j++) {
			const struct guest_image_segment *t = &img.segments[j];
			if (s->gpa < t->gpa + t->memsz && t->gpa < s->gpa + s->memsz)
				abort();
		}
		if (img.entry_gpa >= s->gpa && img.entry_gpa - s->gpa < s->filesz)
			entry_in_file_bytes = true;
		if (s->gpa < img.start_gpa || s->gpa + s->memsz > img.end_gpa)
			abort();
	}
	if (!entry_in_file_bytes || img.end_gpa > ram_size || img.end_gpa > GUEST_MMIO_BASE)
		abort();
}

static void check_elf_load(const uint8_t *image, size_t size)
{
	static struct elf_load_image img;
	const char *reason = NULL;

	if (elf_load_check(image, size, &img, &reason)) {
		if (!reason)
			abort();
		return;
	}
	if (img.segment_count == 0 || img.segment_count > ELF_LOAD_SEGMENTS_MAX ||
	    img.range_count == 0 || img.range_count > img.segment_count ||
	    img.phys_end > ELF_LOAD_PHYS_LIMIT)
		abort();
	for (uint32_t i = 0; i < img.range_count; i++) {
		const struct elf_load_range *r = &img.ranges[i];

		if (r->start >= r->end || r->start % 4096 || r->end % 4096 ||
		    (i > 0 && r->start <= img.ranges[i - 1].end))
			abort();
	}
	bool entry_ok = false;
	for (uint32_t i = 0; i < img.segment_count; i++) {
		const struct elf_load_segment *s = &img.segments[i];

		if (s->memsz == 0 || s->filesz > s->memsz || s->paddr < img.phys_start ||
		    s->paddr + s->memsz > img.phys_end || s->offset + s->filesz > size)
			abort();
		if (img.entry_phys >= s->paddr && img.entry_phys - s->paddr < s->filesz)
			entry_ok = true;
	}
	if (!entry_ok)
		abort();
	/* The copy, into a window of exactly the pages the loader would allocate. */
	uint64_t window_len = img.phys_end - img.phys_start;
	if (window_len > WINDOW_MAX)
		return;
	uint8_t *window = malloc(window_len);
	memset(window, 0xaa, window_len);
	elf_load_copy(image, &img, window, img.phys_start);
	for (uint32_t i = 0; i < img.segment_count; i++) {
		const struct elf_load_segment *s = &img.segments[i];
		const uint8_t *at = window + (s->paddr - img.phys_start);

		if (memcmp(at, image + s->offset, s->filesz))
			abort();
		for (uint64_t b = s->filesz; b < s->memsz; b++)
			if (at[b])
				abort();
	}
	free(window);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	size_t image_size = size - HEADER;
	uint8_t *image = malloc(image_size ? image_size : 1); /* exact size for ASan */

	memcpy(image, data + HEADER, image_size);
	check_guest_image(image, image_size, data);
	check_elf_load(image, image_size);
	free(image);
	return 0;
}
