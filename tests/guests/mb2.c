/*
 * mb2: a Multiboot 2 test kernel (ELF32). Checks its entry state and the
 * information tags (MB2 spec 3.6: 8-byte aligned, sizes within total_size,
 * an end tag) and prints "mb2: PASS" or the failing check.
 */
#include "tests/guests/lib/serial.h"
#include "tests/guests/mbcheck.h"

#define MB2_BOOTLOADER_MAGIC  0x36d76289
#define MB2_TAG_END	      0
#define MB2_TAG_CMDLINE	      1
#define MB2_TAG_LOADER_NAME   2
#define MB2_TAG_MODULE	      3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP	      6

#define WHO "mb2"

static struct mb_found found;

int main(void)
{
	int ret = mb_check_entry(WHO, MB2_BOOTLOADER_MAGIC);
	if (ret)
		return ret;
	const uint8_t *info = (const uint8_t *)(uintptr_t)mb_entry_ebx;
	uint32_t total = *(const uint32_t *)info;
	bool end = false;

	if (mb_entry_ebx % 8)
		return mb_fail(WHO, "information 8-byte aligned", mb_entry_ebx);
	if (total < 16 || total > 0x10000)
		return mb_fail(WHO, "total_size", total);
	for (uint32_t off = 8; off + 8 <= total && !end;) {
		const uint32_t *tag = (const uint32_t *)(info + off);
		uint32_t type = tag[0], size = tag[1];

		if (size < 8 || size > total - off)
			return mb_fail(WHO, "tag size", size);
		switch (type) {
		case MB2_TAG_END:
			if (size != 8 || off + 8 != total)
				return mb_fail(WHO, "end tag last, 8 bytes", off);
			end = true;
			break;
		case MB2_TAG_CMDLINE:
			found.cmdline = (const char *)(tag + 2);
			break;
		case MB2_TAG_LOADER_NAME:
			found.loader = (const char *)(tag + 2);
			break;
		case MB2_TAG_MODULE:
			if (found.mod_count == MB_MODULES_MAX)
				return mb_fail(WHO, "module count", found.mod_count);
			found.mods[found.mod_count].start = tag[2];
			found.mods[found.mod_count].end = tag[3];
			found.mods[found.mod_count].string = (const char *)(tag + 4);
			found.mod_count++;
			break;
		case MB2_TAG_BASIC_MEMINFO:
			found.have_mem = true;
			found.mem_lower = tag[2];
			found.mem_upper = tag[3];
			break;
		case MB2_TAG_MMAP: {
			uint32_t entry_size = tag[2];
			if (entry_size != 24 || tag[3] != 0)
				return mb_fail(WHO, "mmap entry_size 24, version 0", entry_size);
			for (uint32_t e = 16; e + 24 <= size; e += 24) {
				const uint8_t *p = (const uint8_t *)tag + e;
				if (found.map_count == MB_MAP_MAX)
					return mb_fail(WHO, "memory map entries", found.map_count);
				found.map[found.map_count].base = *(const uint64_t *)p;
				found.map[found.map_count].length = *(const uint64_t *)(p + 8);
				found.map[found.map_count].type = *(const uint32_t *)(p + 16);
				found.map_count++;
			}
			break;
		}
		default:
			break;
		}
		off += (size + 7) & ~7U;
	}
	if (!end)
		return mb_fail(WHO, "end tag", total);
	return mb_check_found(WHO, &found);
}
