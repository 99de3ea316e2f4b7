/*
 * Guest image inspection and loading (see guest_image.h). Everything the
 * image says is untrusted: each offset, size and address is checked for
 * overflow, against the file and against guest RAM before use. Writes only
 * the guest RAM buffer it is given and the result struct; no allocation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/core/elf.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_boot.h"
#include "kernel/guest/guest_image.h"

/* The fields this module uses, whatever the ELF class. */
struct gi_elf {
	uint64_t entry, phoff;
	uint32_t phnum, phentsize;
};

struct gi_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static int gi_fail(char *reason, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int gi_fail(char *reason, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, GUEST_IMAGE_REASON_MAX, fmt, ap);
	va_end(ap);
	return err;
}

/* "16 MiB", "1028 KiB", "4097 bytes": guest RAM sizes as people write them. */
static const char *gi_size(uint64_t bytes, char buf[32])
{
	if (bytes != 0 && IS_ALIGNED(bytes, SZ_1M))
		snprintf(buf, 32, "%llu MiB", (unsigned long long)(bytes / SZ_1M));
	else if (bytes != 0 && IS_ALIGNED(bytes, 1024))
		snprintf(buf, 32, "%llu KiB", (unsigned long long)(bytes / 1024));
	else
		snprintf(buf, 32, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

/* [gpa, gpa+len) must lie in guest RAM, which lies below the MMIO window (guest.h). */
static int gi_check_place(const char *what, gpa_t gpa, uint64_t len, uint64_t ram_size,
			  char *reason)
{
	unsigned long long g = gpa, l = len;
	char sz[32];
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return gi_fail(reason, -ENOEXEC, "%s 0x%llx + 0x%llx overflows", what, g, l);
	if (end > GUEST_MMIO_BASE)
		return gi_fail(reason, -ENOEXEC,
			       "%s 0x%llx + 0x%llx not below the MMIO window (0x%llx)", what, g, l,
			       (unsigned long long)GUEST_MMIO_BASE);
	if (end > ram_size)
		return gi_fail(reason, -ENOEXEC, "%s 0x%llx + 0x%llx beyond guest RAM (%s)", what,
			       g, l, gi_size(ram_size, sz));
	return 0;
}

static int gi_elf_header(const uint8_t *file, uint64_t size, enum guest_image_kind *kind,
			 struct gi_elf *elf, char *reason)
{
	uint16_t type, machine, want_machine;
	uint32_t version, ph_size;
	uint8_t class;

	if (size <= EI_VERSION)
		return gi_fail(reason, -ENOEXEC, "truncated ELF header");
	class = file[EI_CLASS];
	if (class == ELFCLASS64) {
		struct elf64_ehdr eh;

		if (size < sizeof(eh))
			return gi_fail(reason, -ENOEXEC, "truncated ELF header");
		memcpy(&eh, file, sizeof(eh)); /* no alignment promise on the buffer */
		type = eh.e_type;
		machine = eh.e_machine;
		version = eh.e_version;
		*elf = (struct gi_elf){eh.e_entry, eh.e_phoff, eh.e_phnum, eh.e_phentsize};
		*kind = GUEST_IMAGE_ELF64;
		want_machine = EM_X86_64;
		ph_size = sizeof(struct elf64_phdr);
	} else if (class == ELFCLASS32) {
		struct elf32_ehdr eh;

		if (size < sizeof(eh))
			return gi_fail(reason, -ENOEXEC, "truncated ELF header");
		memcpy(&eh, file, sizeof(eh));
		type = eh.e_type;
		machine = eh.e_machine;
		version = eh.e_version;
		*elf = (struct gi_elf){eh.e_entry, eh.e_phoff, eh.e_phnum, eh.e_phentsize};
		*kind = GUEST_IMAGE_ELF32;
		want_machine = EM_386;
		ph_size = sizeof(struct elf32_phdr);
	} else {
		return gi_fail(reason, -ENOEXEC, "unknown ELF class %u", class);
	}

	if (file[EI_DATA] != ELFDATA2LSB)
		return gi_fail(reason, -ENOEXEC, "not a little-endian ELF file");
	if (file[EI_VERSION] != EV_CURRENT || version != EV_CURRENT)
		return gi_fail(reason, -ENOEXEC, "unknown ELF version");
	if (machine != want_machine)
		return gi_fail(reason, -ENOEXEC, "%s image for the wrong machine (e_machine %u)",
			       class == ELFCLASS64 ? "ELF64" : "ELF32", machine);
	if (type != ET_EXEC)
		return gi_fail(reason, -ENOEXEC, "not an executable (e_type %u, expected ET_EXEC)",
			       type);
	if (elf->phnum == 0)
		return gi_fail(reason, -ENOEXEC, "no program headers");
	if (elf->phentsize != ph_size)
		return gi_fail(reason, -ENOEXEC, "bad program header size %u (e_phentsize)",
			       elf->phentsize);

	uint64_t ph_end;
	if (__builtin_add_overflow(elf->phoff, (uint64_t)elf->phnum * ph_size, &ph_end) ||
	    ph_end > size)
		return gi_fail(reason, -ENOEXEC, "program headers outside the image");
	return 0;
}

static struct gi_phdr gi_read_phdr(const uint8_t *file, enum guest_image_kind kind,
				   const struct gi_elf *elf, uint32_t i)
{
	const uint8_t *at = file + elf->phoff + (uint64_t)i * elf->phentsize;

	if (kind == GUEST_IMAGE_ELF64) {
		struct elf64_phdr ph;
		memcpy(&ph, at, sizeof(ph));
		return (struct gi_phdr){ph.p_type,  ph.p_offset, ph.p_vaddr,
					ph.p_paddr, ph.p_filesz, ph.p_memsz};
	}
	struct elf32_phdr ph;
	memcpy(&ph, at, sizeof(ph));
	return (struct gi_phdr){ph.p_type,  ph.p_offset, ph.p_vaddr,
				ph.p_paddr, ph.p_filesz, ph.p_memsz};
}

static int gi_add_segment(struct guest_image *img, const struct gi_phdr *ph, uint64_t size,
			  uint64_t ram_size, char *reason)
{
	uint64_t file_end;
	int ret;

	if (ph->filesz > ph->memsz)
		return gi_fail(reason, -ENOEXEC,
			       "segment 0x%llx: p_filesz 0x%llx larger than p_memsz 0x%llx",
			       (unsigned long long)ph->paddr, (unsigned long long)ph->filesz,
			       (unsigned long long)ph->memsz);
	if (__builtin_add_overflow(ph->offset, ph->filesz, &file_end) || file_end > size)
		return gi_fail(reason, -ENOEXEC,
			       "segment 0x%llx: file bytes 0x%llx + 0x%llx outside the image",
			       (unsigned long long)ph->paddr, (unsigned long long)ph->offset,
			       (unsigned long long)ph->filesz);
	if (ph->memsz == 0)
		return 0; /* occupies nothing */
	ret = gi_check_place("segment", ph->paddr, ph->memsz, ram_size, reason);
	if (ret)
		return ret;
	/* A later segment would silently overwrite an earlier one. */
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct guest_image_segment *s = &img->segments[i];

		if (ph->paddr < s->gpa + s->memsz && s->gpa < ph->paddr + ph->memsz)
			return gi_fail(reason, -ENOEXEC,
				       "segments 0x%llx + 0x%llx and 0x%llx + 0x%llx overlap",
				       (unsigned long long)s->gpa, (unsigned long long)s->memsz,
				       (unsigned long long)ph->paddr,
				       (unsigned long long)ph->memsz);
	}
	if (img->segment_count == GUEST_IMAGE_SEGMENTS_MAX)
		return gi_fail(reason, -ENOEXEC, "more than %u PT_LOAD segments",
			       GUEST_IMAGE_SEGMENTS_MAX);
	img->segments[img->segment_count++] = (struct guest_image_segment){
	    .gpa = ph->paddr,
	    .offset = ph->offset,
	    .filesz = ph->filesz,
	    .memsz = ph->memsz,
	};
	return 0;
}

static int gi_inspect_elf(const uint8_t *file, uint64_t size, const struct guest_image_opts *opts,
			  uint64_t ram_size, struct guest_image *img, char *reason)
{
	struct gi_elf elf = {0};
	bool entry_found = false;
	int ret;

	ret = gi_elf_header(file, size, &img->kind, &elf, reason);
	if (ret)
		return ret;
	if (opts->load_set || opts->entry_set)
		return gi_fail(
		    reason, -EINVAL,
		    "'load' and 'entry' are for flat binaries (an ELF image has its own)");

	for (uint32_t i = 0; i < elf.phnum; i++) {
		struct gi_phdr ph = gi_read_phdr(file, img->kind, &elf, i);

		if (ph.type != PT_LOAD)
			continue;
		ret = gi_add_segment(img, &ph, size, ram_size, reason);
		if (ret)
			return ret;
		/*
		 * The vCPU starts on an identity map (or with paging off): e_entry
		 * is a virtual address, so translate it through its segment. It
		 * must hold file bytes: entering zero-filled bss is never meant.
		 */
		if (!entry_found && ph.memsz != 0 && elf.entry >= ph.vaddr &&
		    elf.entry - ph.vaddr < ph.filesz) {
			img->entry_gpa = elf.entry - ph.vaddr + ph.paddr;
			entry_found = true;
		}
	}
	if (img->segment_count == 0)
		return gi_fail(reason, -ENOEXEC, "no loadable (PT_LOAD) segments");
	if (!entry_found)
		return gi_fail(reason, -ENOEXEC, "entry point 0x%llx not inside a loaded segment",
			       (unsigned long long)elf.entry);
	img->mode = img->kind == GUEST_IMAGE_ELF64 ? VCPU_START_LONG64 : VCPU_START_PROT32;
	return 0;
}

/*
 * A bzImage: its kernel where the setup header allows, the zero page and
 * command line page, and room for the initramfs; the boot tables of the
 * long64 start stay above all of them.
 */
static int gi_inspect_linux(const uint8_t *file, uint64_t size, const struct guest_image_opts *opts,
			    uint64_t ram_size, struct guest_image *img, char *reason)
{
	char why[LINUX_BOOT_REASON_MAX];
	int ret;

	img->kind = GUEST_IMAGE_LINUX;
	if (opts->load_set || opts->entry_set || (opts->mode_set && opts->mode != VCPU_START_LONG64))
		return gi_fail(reason, -EINVAL,
			       "a bzImage starts at its 64-bit entry: no 'load', 'entry' or 'mode'");
	img->usable_end = guest_boot_tables_gpa(VCPU_START_LONG64, ram_size);
	ret = linux_bzimage_inspect(file, size, img->usable_end, &img->bzimage, why);
	if (!ret)
		ret = linux_initrd_place(&img->bzimage, opts->initrd_size, img->usable_end,
					 &img->initrd_gpa, why);
	if (ret)
		return gi_fail(reason, ret, "%s", why);
	const struct linux_bzimage *bz = &img->bzimage;
	img->segments[0] = (struct guest_image_segment){bz->load_gpa, bz->setup_size,
							bz->kernel_size, bz->init_size};
	img->segments[1] = (struct guest_image_segment){LINUX_ZERO_PAGE_GPA, 0, 0,
							LINUX_LOW_END - LINUX_ZERO_PAGE_GPA};
	img->segment_count = 2;
	if (opts->initrd_size)
		img->segments[img->segment_count++] =
		    (struct guest_image_segment){img->initrd_gpa, 0, 0, opts->initrd_size};
	img->entry_gpa = bz->entry_gpa;
	img->mode = VCPU_START_LONG64;
	return 0;
}

/*
 * A Multiboot kernel: its header's address fields, or else its ELF headers
 * (an entry address tag overriding e_entry); then the modules and the
 * information page above it, one zero-filled segment.
 */
static int gi_inspect_multiboot(const uint8_t *file, uint64_t size,
				const struct guest_image_opts *opts, uint64_t ram_size,
				struct guest_image *img, char *reason)
{
	static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
	struct multiboot_guest_layout *mb = &img->multiboot;
	char why[MULTIBOOT_GUEST_REASON_MAX];
	int ret;

	ret = multiboot_guest_find(file, size, &mb->hdr, why);
	if (ret == -ENOENT)
		return gi_fail(reason, -ENOEXEC,
			       "neither a bzImage (no boot flag and HdrS header) nor a Multiboot "
			       "kernel (no Multiboot header)");
	if (ret)
		return gi_fail(reason, ret, "%s", why);
	if (opts->load_set || opts->entry_set ||
	    (opts->mode_set && opts->mode != VCPU_START_PROT32))
		return gi_fail(reason, -EINVAL,
			       "a Multiboot kernel starts in 32-bit protected mode: no 'load', "
			       "'entry' or 'mode'");
	if (mb->hdr.has_address) {
		struct multiboot_guest_aout aout;

		ret = multiboot_guest_aout(&mb->hdr, size, &aout, why);
		if (ret)
			return gi_fail(reason, ret, "Multiboot %u header: %s", mb->hdr.version,
				       why);
		struct gi_phdr ph = {PT_LOAD, aout.offset, aout.load_gpa, aout.load_gpa,
				     aout.filesz, aout.memsz};
		ret = gi_add_segment(img, &ph, size, ram_size, reason);
		if (ret)
			return ret;
		img->entry_gpa = aout.entry_gpa;
	} else {
		if (size < sizeof(elf_magic) || memcmp(file, elf_magic, sizeof(elf_magic)))
			return gi_fail(reason, -ENOEXEC,
				       "Multiboot %u header without load addresses (%s), and not "
				       "an ELF file", mb->hdr.version,
				       mb->hdr.version == 1 ? "flags bit 16" : "address tag");
		ret = gi_inspect_elf(file, size, opts, ram_size, img, reason);
		if (ret)
			return ret;
		if (mb->hdr.has_entry) { /* MB2 3.1.6: the physical address to jump to */
			bool inside = false;

			for (uint32_t i = 0; i < img->segment_count; i++) {
				const struct guest_image_segment *s = &img->segments[i];
				inside |= mb->hdr.entry_addr >= s->gpa &&
					  mb->hdr.entry_addr - s->gpa < s->filesz;
			}
			if (!inside)
				return gi_fail(reason, -ENOEXEC,
					       "entry address 0x%x not inside a loaded segment",
					       mb->hdr.entry_addr);
			img->entry_gpa = mb->hdr.entry_addr;
		}
	}
	img->kind = GUEST_IMAGE_MULTIBOOT;
	img->mode = VCPU_START_PROT32;

	gpa_t end = 0;
	for (uint32_t i = 0; i < img->segment_count; i++)
		end = MAX(end, img->segments[i].gpa + img->segments[i].memsz);
	img->usable_end = guest_boot_tables_gpa(VCPU_START_PROT32, ram_size);
	ret = multiboot_guest_place(mb, end, img->usable_end, opts->module_sizes,
				    opts->module_count, why);
	if (ret)
		return gi_fail(reason, ret, "%s", why);
	if (img->segment_count == GUEST_IMAGE_SEGMENTS_MAX)
		return gi_fail(reason, -ENOEXEC, "more than %u PT_LOAD segments",
			       GUEST_IMAGE_SEGMENTS_MAX - 1);
	img->segments[img->segment_count++] = (struct guest_image_segment){
	    mb->region_gpa, 0, 0, mb->info_gpa + MULTIBOOT_GUEST_INFO_SIZE - mb->region_gpa};
	return 0;
}

static int gi_inspect_flat(uint64_t size, const struct guest_image_opts *opts, uint64_t ram_size,
			   struct guest_image *img, char *reason)
{
	gpa_t load = opts->load_set ? opts->load_gpa : GUEST_IMAGE_FLAT_LOAD_DEFAULT;
	gpa_t entry = opts->entry_set ? opts->entry_gpa : load;
	int ret;

	img->kind = GUEST_IMAGE_FLAT;
	if (size == 0)
		return gi_fail(reason, -ENOEXEC, "empty image");
	ret = gi_check_place("image", load, size, ram_size, reason);
	if (ret)
		return ret;
	if (entry < load || entry - load >= size)
		return gi_fail(
		    reason, -EINVAL, "entry point 0x%llx not inside the image (0x%llx + 0x%llx)",
		    (unsigned long long)entry, (unsigned long long)load, (unsigned long long)size);
	img->segments[0] = (struct guest_image_segment){load, 0, size, size};
	img->segment_count = 1;
	img->entry_gpa = entry;
	img->mode = VCPU_START_REAL;
	return 0;
}

int guest_image_inspect(const void *image, uint64_t size, const struct guest_image_opts *opts,
			uint64_t ram_size, struct guest_image *img,
			char reason[GUEST_IMAGE_REASON_MAX])
{
	static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
	const uint8_t *file = image;
	char sz[32];
	int ret;

	memset(img, 0, sizeof(*img));
	reason[0] = '\0';
	if (ram_size > GUEST_MMIO_BASE)
		return gi_fail(reason, -EINVAL, "guest RAM (%s) overlaps the MMIO window (0x%llx)",
			       gi_size(ram_size, sz), (unsigned long long)GUEST_MMIO_BASE);

	/*
	 * 'kernel' names a bzImage or a Multiboot kernel; 'image' keeps its
	 * meaning (a Multiboot ELF is a plain ELF there). Anything that
	 * claims to be ELF is held to it, never loaded as flat.
	 */
	if (opts->kernel_only && !linux_bzimage_probe(file, size))
		ret = gi_inspect_multiboot(file, size, opts, ram_size, img, reason);
	else if (!opts->kernel_only && size >= sizeof(elf_magic) &&
		 memcmp(file, elf_magic, sizeof(elf_magic)) == 0)
		ret = gi_inspect_elf(file, size, opts, ram_size, img, reason);
	else if (linux_bzimage_probe(file, size))
		ret = gi_inspect_linux(file, size, opts, ram_size, img, reason);
	else
		ret = gi_inspect_flat(size, opts, ram_size, img, reason);
	if (ret)
		return ret;
	if (opts->initrd_size && img->kind != GUEST_IMAGE_LINUX)
		return gi_fail(reason, -EINVAL, "an 'initrd' is for a Linux kernel (bzImage) only");
	if (opts->module_count && img->kind != GUEST_IMAGE_MULTIBOOT)
		return gi_fail(reason, -EINVAL, "a 'module' is for a Multiboot kernel only");

	if (opts->mode_set)
		img->mode = opts->mode;
	img->start_gpa = UINT64_MAX;
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct guest_image_segment *s = &img->segments[i];

		img->start_gpa = MIN(img->start_gpa, s->gpa);
		img->end_gpa = MAX(img->end_gpa, s->gpa + s->memsz);
	}
	return 0;
}

int guest_image_load(const void *image, uint64_t size, const struct guest_image_opts *opts,
		     uint8_t *ram, uint64_t ram_size, struct guest_image *img,
		     char reason[GUEST_IMAGE_REASON_MAX])
{
	const uint8_t *file = image;
	int ret;

	ret = guest_image_inspect(image, size, opts, ram_size, img, reason);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct guest_image_segment *s = &img->segments[i];

		memcpy(ram + s->gpa, file + s->offset, s->filesz);
		memset(ram + s->gpa + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
