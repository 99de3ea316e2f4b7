/* fuzz-sources: kernel/guest/multiboot_guest.c kernel/guest/guest_image.c kernel/guest/guest_boot.c kernel/guest/linux_boot.c */
/*
 * libFuzzer: Multiboot guest kernels from arbitrary image bytes, as named by
 * 'kernel' (guest_image_inspect / _load with kernel_only), with up to three
 * modules. Guest RAM and every module are buffers of exact size, so ASan
 * catches a read outside the image or a write outside RAM. Either the image
 * is refused with a reason, or: the kernel's segments, the modules and the
 * information page lie in usable RAM without overlapping, the information
 * structure is written (never too big for its page), each of its pointers
 * and tags stays inside that page, and each module's bytes are in place.
 *
 * Input: byte 0 options (bits 0-1: module count, 2-3: RAM size), bytes 1-6
 * three module sizes (16 bits each, little endian), then the image.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest/guest_image.h"
#include "kernel/guest/multiboot_guest.h"

#define HEADER	    7
#define MODULES_MAX 3

static const uint64_t ram_sizes[4] = {0x100000, 0x180000, 0x400000, 0x1000000};
static uint8_t *rams[4];

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool within(uint64_t a, uint64_t len, uint64_t base, uint64_t size)
{
	return a >= base && len <= size && a - base <= size - len;
}

/* Not in the legacy hole [0x9f000, 1 MiB), which the memory map reserves. */
static bool clear_of_hole(uint64_t gpa, uint64_t len)
{
	return gpa >= 0x100000 || gpa + (len ? len : 1) <= 0x9f000;
}

static void check_info(const uint8_t *ram, const struct multiboot_guest_layout *mb)
{
	const uint8_t *info = ram + mb->info_gpa;
	const uint64_t page = MULTIBOOT_GUEST_INFO_SIZE;

	if (mb->hdr.version == 1) {
		/* cmdline, mods_addr, mmap_addr, boot_loader_name: inside the page. */
		static const unsigned ptrs[4] = {16, 24, 48, 64};
		for (unsigned i = 0; i < 4; i++)
			if (!within(le32(info + ptrs[i]), 1, mb->info_gpa, page))
				abort();
		if (le32(info + 20) != mb->module_count ||
		    !within(le32(info + 48), le32(info + 44), mb->info_gpa, page))
			abort();
		return;
	}
	uint32_t total = le32(info);
	if (total < 16 || total > page || le32(info + 4) != 0)
		abort();
	for (uint32_t off = 8;;) {
		if (off + 8 > total)
			abort(); /* ran out before the end tag */
		uint32_t type = le32(info + off), size = le32(info + off + 4);
		if (size < 8 || size > total - off)
			abort();
		if (type == 0) {
			if (size != 8 || off + 8 != total)
				abort();
			return;
		}
		off += (size + 7) & ~7U;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	unsigned which = (data[0] >> 2) & 3, count = data[0] & 3;
	uint64_t ram_size = ram_sizes[which];
	size_t image_size = size - HEADER;
	uint8_t *image = malloc(image_size ? image_size : 1);
	struct guest_image_opts opts = {.kernel_only = true};
	struct multiboot_guest_params p = {.cmdline = "console=ttyS0 memkib=16384"};
	uint8_t *mods[MODULES_MAX] = {0};
	static struct guest_image img;
	char reason[GUEST_IMAGE_REASON_MAX];

	if (count > MODULES_MAX)
		count = MODULES_MAX;
	memcpy(image, data + HEADER, image_size);
	/* The header parser on its own, over the raw bytes. */
	struct multiboot_guest_header hdr;
	char why[MULTIBOOT_GUEST_REASON_MAX];
	int found = multiboot_guest_find(image, image_size, &hdr, why);
	if (found == 0 && hdr.has_address) {
		struct multiboot_guest_aout aout;
		if (multiboot_guest_aout(&hdr, image_size, &aout, why) == 0 &&
		    (aout.offset > image_size || aout.filesz > image_size - aout.offset ||
		     aout.memsz < aout.filesz || aout.entry_gpa < aout.load_gpa ||
		     aout.entry_gpa - aout.load_gpa >= aout.filesz))
			abort();
	} else if (found != 0 && !why[0]) {
		abort();
	}

	for (unsigned i = 0; i < count; i++) {
		uint64_t n = data[1 + 2 * i] | data[2 + 2 * i] << 8;
		mods[i] = malloc(n ? n : 1);
		memset(mods[i], 0x30 + i, n);
		opts.module_sizes[i] = n;
		p.modules[i] = (struct multiboot_guest_module){mods[i], n, "guests/mod args"};
	}
	opts.module_count = p.module_count = count;
	if (!rams[which])
		rams[which] = malloc(ram_size);
	uint8_t *ram = rams[which];

	int ret = guest_image_load(image, image_size, &opts, ram, ram_size, &img, reason);
	if (ret) {
		if (ret > 0 || !reason[0])
			abort();
		goto out;
	}
	const struct multiboot_guest_layout *mb = &img.multiboot;
	if (img.kind != GUEST_IMAGE_MULTIBOOT || img.mode != VCPU_START_PROT32 ||
	    mb->usable_end != ram_size - 0x1000 || img.end_gpa > mb->usable_end ||
	    !within(mb->info_gpa, MULTIBOOT_GUEST_INFO_SIZE, 0, mb->usable_end) ||
	    mb->module_count != count || mb->info_gpa % 0x1000 ||
	    !clear_of_hole(mb->info_gpa, MULTIBOOT_GUEST_INFO_SIZE))
		abort();
	/* Modules and the information page clear of the kernel's own segments. */
	for (uint32_t s = 0; s + 1 < img.segment_count; s++) {
		const struct guest_image_segment *seg = &img.segments[s];
		if (seg->gpa + seg->memsz > mb->region_gpa)
			abort();
	}
	for (unsigned i = 0; i < count; i++)
		if (mb->module_gpa[i] < mb->region_gpa || mb->module_gpa[i] % 0x1000 ||
		    !within(mb->module_gpa[i], mb->module_size[i], 0, mb->info_gpa) ||
		    !clear_of_hole(mb->module_gpa[i], mb->module_size[i]))
			abort();
	if (multiboot_guest_write_info(ram, ram_size, mb, &p, reason))
		abort(); /* a placed layout with bounded strings always fits its page */
	check_info(ram, mb);
	for (unsigned i = 0; i < count; i++)
		if (memcmp(ram + mb->module_gpa[i], mods[i], mb->module_size[i]))
			abort();
out:
	for (unsigned i = 0; i < count; i++)
		free(mods[i]);
	free(image);
	return 0;
}
