/*
 * ELF64 kernel image validation and copy. Everything the file says is
 * untrusted: every offset, size and address is checked for overflow and
 * against the file before use. No firmware calls, no allocation.
 */
#include <errno.h>
#include <string.h>

#include "boot/elf_load.h"
#include "kernel/core/elf.h"
#include "kernel/core/types.h"

static int elf_load_fail(const char **reason, const char *why)
{
	*reason = why;
	return -ENOEXEC;
}

static int elf_load_check_header(const uint8_t *file, size_t size, struct elf64_ehdr *eh,
				 const char **reason)
{
	static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};

	if (size < sizeof(magic) || memcmp(file, magic, sizeof(magic)) != 0)
		return elf_load_fail(reason, "not an ELF64 file (bad magic)");
	if (size <= EI_CLASS || file[EI_CLASS] != ELFCLASS64)
		return elf_load_fail(reason, "not an ELF64 file (not ELFCLASS64)");
	if (size < sizeof(*eh))
		return elf_load_fail(reason, "truncated ELF header");
	/* Copy: the buffer carries no alignment promise. */
	memcpy(eh, file, sizeof(*eh));
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return elf_load_fail(reason, "not a little-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return elf_load_fail(reason, "unknown ELF version");
	if (eh->e_machine != EM_X86_64)
		return elf_load_fail(reason, "not an x86-64 ELF file (wrong e_machine)");
	if (eh->e_type != ET_EXEC)
		return elf_load_fail(reason, "not an executable ELF file (e_type is not ET_EXEC)");
	if (eh->e_phnum == 0)
		return elf_load_fail(reason, "no program headers");
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return elf_load_fail(reason, "bad program header size (e_phentsize)");

	uint64_t ph_bytes = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), ph_end;
	if (__builtin_add_overflow(eh->e_phoff, ph_bytes, &ph_end) || ph_end > size)
		return elf_load_fail(reason, "program headers outside the file");
	return 0;
}

static int elf_load_add_segment(const struct elf64_phdr *ph, size_t size,
				struct elf_load_image *img, const char **reason)
{
	uint64_t file_end, phys_end, virt_end;

	if (ph->p_filesz > ph->p_memsz)
		return elf_load_fail(reason, "segment p_filesz larger than p_memsz");
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &file_end) || file_end > size)
		return elf_load_fail(reason, "segment data outside the file");
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &phys_end) ||
	    __builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &virt_end))
		return elf_load_fail(reason, "segment address range overflows");
	if (phys_end > ELF_LOAD_PHYS_LIMIT)
		return elf_load_fail(reason, "segment not below 4 GiB (p_paddr)");
	if (ph->p_memsz == 0)
		return 0; /* occupies nothing */
	if (img->segment_count == ELF_LOAD_SEGMENTS_MAX)
		return elf_load_fail(reason, "too many PT_LOAD segments");

	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_load_segment *s = &img->segments[i];
		if (ph->p_paddr < s->paddr + s->memsz && s->paddr < phys_end)
			return elf_load_fail(reason, "PT_LOAD segments overlap");
	}
	img->segments[img->segment_count++] = (struct elf_load_segment){
	    .paddr = ph->p_paddr,
	    .vaddr = ph->p_vaddr,
	    .offset = ph->p_offset,
	    .filesz = ph->p_filesz,
	    .memsz = ph->p_memsz,
	};
	return 0;
}

/* Page-rounded segment ranges, sorted and merged: segments may share a page. */
static void elf_load_build_ranges(struct elf_load_image *img)
{
	struct elf_load_range *r = img->ranges;
	uint32_t n = 0;

	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_load_segment *s = &img->segments[i];
		struct elf_load_range new = {ALIGN_DOWN(s->paddr, PAGE_SIZE),
					     ALIGN_UP(s->paddr + s->memsz, PAGE_SIZE)};
		uint32_t j = n;

		/* Insertion sort by start (at most ELF_LOAD_SEGMENTS_MAX entries). */
		while (j > 0 && r[j - 1].start > new.start) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = new;
		n++;
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (out > 0 && r[i].start <= r[out - 1].end) {
			r[out - 1].end = MAX(r[out - 1].end, r[i].end);
			continue;
		}
		r[out++] = r[i];
	}
	img->range_count = out;
	img->phys_start = r[0].start;
	img->phys_end = r[out - 1].end;
}

int elf_load_check(const void *file, size_t size, struct elf_load_image *img, const char **reason)
{
	const uint8_t *bytes = file;
	struct elf64_ehdr eh;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = elf_load_check_header(bytes, size, &eh, reason);
	if (ret)
		return ret;

	for (uint32_t i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, bytes + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		ret = elf_load_add_segment(&ph, size, img, reason);
		if (ret)
			return ret;
	}
	if (img->segment_count == 0)
		return elf_load_fail(reason, "no loadable (PT_LOAD) segments");

	/*
	 * The loader jumps with the firmware's identity map: translate e_entry
	 * through the segment holding it, which must carry file bytes (code).
	 */
	bool found = false;
	for (uint32_t i = 0; i < img->segment_count && !found; i++) {
		const struct elf_load_segment *s = &img->segments[i];
		if (eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->filesz) {
			img->entry_phys = eh.e_entry - s->vaddr + s->paddr;
			found = true;
		}
	}
	if (!found)
		return elf_load_fail(reason, "entry point outside the loadable segments");

	elf_load_build_ranges(img);
	return 0;
}

void elf_load_copy(const void *file, const struct elf_load_image *img, void *window,
		   uint64_t window_phys)
{
	const uint8_t *src = file;

	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct elf_load_segment *s = &img->segments[i];
		/* Integer arithmetic: the identity window starts at NULL. */
		uint8_t *at = (uint8_t *)((uintptr_t)window + (uintptr_t)(s->paddr - window_phys));

		memcpy(at, src + s->offset, s->filesz);
		memset(at + s->filesz, 0, s->memsz - s->filesz);
	}
}
