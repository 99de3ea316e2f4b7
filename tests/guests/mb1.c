/*
 * mb1: a Multiboot 1 test kernel (ELF32, or a flat binary with the a.out
 * kludge: mb1aout). Checks its entry state and the information structure
 * (MB1 spec 3.3) and prints "mb1: PASS" or the failing check.
 */
#include "tests/guests/lib/serial.h"
#include "tests/guests/mbcheck.h"

#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB1_INFO_MEMORY	     (1U << 0)
#define MB1_INFO_CMDLINE     (1U << 2)
#define MB1_INFO_MODS	     (1U << 3)
#define MB1_INFO_MMAP	     (1U << 6)
#define MB1_INFO_LOADER_NAME (1U << 9)
#define MB1_INFO_WANTED                                                                            \
	(MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME)

#ifdef MB_AOUT
#define WHO "mb1aout"
#else
#define WHO "mb1"
#endif

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb1_module {
	uint32_t start, end, string, reserved;
};

struct mb1_mmap {
	uint32_t size;
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

static struct mb_found found;

int main(void)
{
	int ret = mb_check_entry(WHO, MB1_BOOTLOADER_MAGIC);
	if (ret)
		return ret;
	const struct mb1_info *info = (const void *)(uintptr_t)mb_entry_ebx;
	if ((info->flags & MB1_INFO_WANTED) != MB1_INFO_WANTED)
		return mb_fail(WHO, "info flags", info->flags);
	found.cmdline = (const char *)(uintptr_t)info->cmdline;
	found.loader = (const char *)(uintptr_t)info->boot_loader_name;
	found.have_mem = true;
	found.mem_lower = info->mem_lower;
	found.mem_upper = info->mem_upper;
	if (info->mods_count > MB_MODULES_MAX)
		return mb_fail(WHO, "module count", info->mods_count);
	const struct mb1_module *mods = (const void *)(uintptr_t)info->mods_addr;
	for (uint32_t i = 0; i < info->mods_count; i++) {
		found.mods[i].start = mods[i].start;
		found.mods[i].end = mods[i].end;
		found.mods[i].string = (const char *)(uintptr_t)mods[i].string;
	}
	found.mod_count = info->mods_count;
	/* MB1 3.3: entries are 'size' + 4 bytes apart, size not counting itself. */
	for (uint32_t off = 0; off < info->mmap_length;) {
		const struct mb1_mmap *e = (const void *)(uintptr_t)(info->mmap_addr + off);
		if (found.map_count == MB_MAP_MAX || e->size < 20)
			return mb_fail(WHO, "memory map entries", e->size);
		found.map[found.map_count].base = e->base;
		found.map[found.map_count].length = e->length;
		found.map[found.map_count].type = e->type;
		found.map_count++;
		off += e->size + 4;
	}
	return mb_check_found(WHO, &found);
}
