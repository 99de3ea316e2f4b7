/* Multiboot2 tag parsing into struct boot_info. */
#include "arch/x86/boot/multiboot2.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_module {
	uint32_t type, size;
	uint32_t mod_start, mod_end;
	char string[];
};

struct mb2_mmap {
	uint32_t type, size;
	uint32_t entry_size, entry_version;
};

struct mb2_mmap_entry {
	uint64_t base, length;
	uint32_t type, reserved;
};

struct mb2_framebuffer {
	uint32_t type, size;
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, fb_type;
	uint16_t reserved;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
} __attribute__((packed));

#define MB2_TAG_ALIGN	8
#define MB2_INFO_HEADER 8

static uint32_t mb2_mem_type(uint32_t type)
{
	switch (type) {
	case MB2_MEMORY_AVAILABLE:
		return BOOT_MEM_USABLE;
	case MB2_MEMORY_ACPI_RECLAIMABLE:
		return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEMORY_NVS:
		return BOOT_MEM_ACPI_NVS;
	case MB2_MEMORY_BADRAM:
		return BOOT_MEM_BAD;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/* Copy a NUL-terminated string of at most `avail` bytes, always terminating dst. */
static void copy_string(char *dst, size_t dst_len, const char *src, size_t avail)
{
	size_t n = strnlen(src, avail);
	if (n >= dst_len)
		n = dst_len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int parse_module(const struct mb2_module *m, struct boot_info *bi, const char **why)
{
	if (m->size < sizeof(*m)) {
		*why = "module tag too short";
		return -EINVAL;
	}
	if (bi->module_count == BOOT_MODULES_MAX) {
		*why = "too many modules";
		return -EINVAL;
	}
	if (m->mod_end < m->mod_start) {
		*why = "module ends before it starts";
		return -EINVAL;
	}
	struct boot_module *mod = &bi->modules[bi->module_count++];
	mod->base = m->mod_start;
	mod->size = m->mod_end - m->mod_start;

	/* The string is "name args...": the first word names the module. */
	char text[BOOT_MODULE_NAME_MAX + BOOT_MODULE_ARGS_MAX];
	copy_string(text, sizeof(text), m->string, m->size - sizeof(*m));
	char *space = strchr(text, ' ');
	if (space) {
		*space = '\0';
		copy_string(mod->args, sizeof(mod->args), space + 1, sizeof(text));
	}
	copy_string(mod->name, sizeof(mod->name), text, sizeof(text));
	return 0;
}

static int parse_mmap(const struct mb2_mmap *t, struct boot_info *bi, const char **why)
{
	/*
	 * Multiboot2 3.6.8: entry_size is a multiple of 8, which keeps every
	 * entry's 64-bit fields aligned; anything else is a corrupt tag.
	 */
	if (t->size < sizeof(*t) || t->entry_size < sizeof(struct mb2_mmap_entry) ||
	    t->entry_size % MB2_TAG_ALIGN) {
		*why = "bad memory map tag";
		return -EINVAL;
	}
	const uint8_t *p = (const uint8_t *)(t + 1);
	const uint8_t *end = (const uint8_t *)t + t->size;
	for (; p + sizeof(struct mb2_mmap_entry) <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;
		if (!e->length)
			continue;
		if (bi->mmap_count == BOOT_MMAP_MAX) {
			*why = "memory map has too many entries";
			return -EINVAL;
		}
		bi->mmap[bi->mmap_count++] = (struct boot_mem_region){
		    .base = e->base, .length = e->length, .type = mb2_mem_type(e->type)};
	}
	return 0;
}

static void parse_framebuffer(const struct mb2_framebuffer *t, struct boot_info *bi)
{
	if (t->size < sizeof(*t) || t->fb_type != MB2_FRAMEBUFFER_TYPE_RGB)
		return; /* indexed or text mode: no pixel console */
	bi->fb = (struct boot_framebuffer){
	    .base = t->addr,
	    .width = t->width,
	    .height = t->height,
	    .pitch = t->pitch,
	    .bpp = t->bpp,
	    .red_shift = t->red_pos,
	    .green_shift = t->green_pos,
	    .blue_shift = t->blue_pos,
	};
}

static void parse_rsdp(const struct mb2_tag *t, struct boot_info *bi)
{
	uint32_t len = t->size - sizeof(*t);
	if (len > BOOT_RSDP_MAX)
		len = BOOT_RSDP_MAX;
	memcpy(bi->rsdp, t + 1, len);
	bi->rsdp_length = len;
}

int mb2_parse(const void *info, uint64_t max_size, struct boot_info *bi, const char **why)
{
	const uint8_t *base = info;
	uint32_t total;
	bool have_new_acpi = false;

	/* total_size is itself one of the bytes that must be known readable. */
	if (max_size < MB2_INFO_HEADER) {
		*why = "bad total size";
		return -EINVAL;
	}
	total = *(const uint32_t *)info;
	if (total < MB2_INFO_HEADER || total > max_size) {
		*why = "bad total size";
		return -EINVAL;
	}
	bi->magic = BOOT_INFO_MAGIC;
	bi->loader = BOOT_LOADER_MULTIBOOT2;

	for (uint32_t off = MB2_INFO_HEADER; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *tag = (const void *)(base + off);
		if (tag->size < sizeof(*tag) || tag->size > total - off) {
			*why = "tag runs past the end";
			return -EINVAL;
		}
		int err = 0;
		switch (tag->type) {
		case MB2_TAG_END:
			return 0;
		case MB2_TAG_CMDLINE:
			copy_string(bi->cmdline, sizeof(bi->cmdline), (const char *)(tag + 1),
				    tag->size - sizeof(*tag));
			break;
		case MB2_TAG_MODULE:
			err = parse_module((const void *)tag, bi, why);
			break;
		case MB2_TAG_MMAP:
			err = parse_mmap((const void *)tag, bi, why);
			break;
		case MB2_TAG_FRAMEBUFFER:
			parse_framebuffer((const void *)tag, bi);
			break;
		case MB2_TAG_ACPI_OLD:
			if (!have_new_acpi)
				parse_rsdp(tag, bi);
			break;
		case MB2_TAG_ACPI_NEW:
			parse_rsdp(tag, bi);
			have_new_acpi = true;
			break;
		}
		if (err)
			return err;
		off += (tag->size + MB2_TAG_ALIGN - 1) & ~(uint32_t)(MB2_TAG_ALIGN - 1);
	}
	*why = "no end tag";
	return -EINVAL;
}
