/*
 * guest_image: ELF64 / ELF32 / flat images checked against guest RAM and
 * copied into it. Images are built with the host's <elf.h>, which also
 * cross-checks the module's private header layouts. Every rejection is
 * checked by its exact reason and leaves guest RAM untouched.
 */
/* unit-test-sources: kernel/guest/guest_image.c kernel/guest/guest_boot.c kernel/guest/linux_boot.c kernel/guest/multiboot_guest.c */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/guest_image.h"

#define RAM_SIZE (16 * SZ_1M)
#define IMG_SIZE 0x3000
#define TEXT_OFF 0x1000
#define DATA_OFF 0x2000
#define RAM_FILL 0xaa

static uint8_t *ram;
static uint8_t img_bytes[IMG_SIZE];
static struct guest_image img;
static char reason[GUEST_IMAGE_REASON_MAX];
static const struct guest_image_opts no_opts;

static int setup(void **state)
{
	ram = malloc(RAM_SIZE);
	memset(ram, RAM_FILL, RAM_SIZE);
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static Elf64_Ehdr *eh64(void)
{
	return (Elf64_Ehdr *)img_bytes;
}

static Elf64_Phdr *ph64(void)
{
	return (Elf64_Phdr *)(img_bytes + sizeof(Elf64_Ehdr));
}

static Elf32_Ehdr *eh32(void)
{
	return (Elf32_Ehdr *)img_bytes;
}

static Elf32_Phdr *ph32(void)
{
	return (Elf32_Phdr *)(img_bytes + sizeof(Elf32_Ehdr));
}

/* Text at 0x200000 (entry 0x200010 inside), a note, data+bss at 0x201000. */
static void build_elf64(void)
{
	memset(img_bytes, 0, sizeof(img_bytes));
	memcpy(eh64()->e_ident, ELFMAG, SELFMAG);
	eh64()->e_ident[EI_CLASS] = ELFCLASS64;
	eh64()->e_ident[EI_DATA] = ELFDATA2LSB;
	eh64()->e_ident[EI_VERSION] = EV_CURRENT;
	eh64()->e_type = ET_EXEC;
	eh64()->e_machine = EM_X86_64;
	eh64()->e_version = EV_CURRENT;
	eh64()->e_entry = 0x200010;
	eh64()->e_phoff = sizeof(Elf64_Ehdr);
	eh64()->e_ehsize = sizeof(Elf64_Ehdr);
	eh64()->e_phentsize = sizeof(Elf64_Phdr);
	eh64()->e_phnum = 3;
	ph64()[0] = (Elf64_Phdr){.p_type = PT_LOAD,
				 .p_offset = TEXT_OFF,
				 .p_vaddr = 0x200000,
				 .p_paddr = 0x200000,
				 .p_filesz = 0x100,
				 .p_memsz = 0x100};
	ph64()[1] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = 0xfffffff, .p_filesz = 0x1000};
	ph64()[2] = (Elf64_Phdr){.p_type = PT_LOAD,
				 .p_offset = DATA_OFF,
				 .p_vaddr = 0x201000,
				 .p_paddr = 0x201000,
				 .p_filesz = 0x10,
				 .p_memsz = 0x1800};
	memset(img_bytes + TEXT_OFF, 0xcc, 0x100);
	memset(img_bytes + DATA_OFF, 0x11, 0x10);
}

/* The same shape as a Multiboot kernel: i386, 1 MiB and up. */
static void build_elf32(void)
{
	memset(img_bytes, 0, sizeof(img_bytes));
	memcpy(eh32()->e_ident, ELFMAG, SELFMAG);
	eh32()->e_ident[EI_CLASS] = ELFCLASS32;
	eh32()->e_ident[EI_DATA] = ELFDATA2LSB;
	eh32()->e_ident[EI_VERSION] = EV_CURRENT;
	eh32()->e_type = ET_EXEC;
	eh32()->e_machine = EM_386;
	eh32()->e_version = EV_CURRENT;
	eh32()->e_entry = 0x100000;
	eh32()->e_phoff = sizeof(Elf32_Ehdr);
	eh32()->e_ehsize = sizeof(Elf32_Ehdr);
	eh32()->e_phentsize = sizeof(Elf32_Phdr);
	eh32()->e_phnum = 2;
	ph32()[0] = (Elf32_Phdr){.p_type = PT_LOAD,
				 .p_offset = TEXT_OFF,
				 .p_vaddr = 0x100000,
				 .p_paddr = 0x100000,
				 .p_filesz = 0x200,
				 .p_memsz = 0x200};
	ph32()[1] = (Elf32_Phdr){.p_type = PT_LOAD,
				 .p_offset = DATA_OFF,
				 .p_vaddr = 0x102000,
				 .p_paddr = 0x102000,
				 .p_filesz = 0x8,
				 .p_memsz = 0x20};
	memset(img_bytes + TEXT_OFF, 0x90, 0x200);
	memset(img_bytes + DATA_OFF, 0x22, 0x8);
}

static int load(const struct guest_image_opts *opts)
{
	return guest_image_load(img_bytes, sizeof(img_bytes), opts, ram, RAM_SIZE, &img, reason);
}

static bool ram_untouched(void)
{
	for (uint64_t i = 0; i < RAM_SIZE; i++)
		if (ram[i] != RAM_FILL)
			return false;
	return true;
}

/* Load must fail with @err and exactly @why, without writing guest RAM. */
static void expect_fail(int err, const char *why)
{
	assert_int_equal(load(&no_opts), err);
	assert_string_equal(reason, why);
	assert_true(ram_untouched());
}

static void test_elf64(void **state)
{
	build_elf64();
	assert_int_equal(load(&no_opts), 0);
	assert_string_equal(reason, "");
	assert_int_equal(img.kind, GUEST_IMAGE_ELF64);
	assert_int_equal(img.mode, VCPU_START_LONG64);
	assert_int_equal(img.entry_gpa, 0x200010);
	assert_int_equal(img.start_gpa, 0x200000);
	assert_int_equal(img.end_gpa, 0x202800);
	assert_int_equal(img.segment_count, 2);

	assert_int_equal(ram[0x1fffff], RAM_FILL);
	for (int i = 0; i < 0x100; i++)
		assert_int_equal(ram[0x200000 + i], 0xcc);
	assert_int_equal(ram[0x200100], RAM_FILL);
	for (int i = 0; i < 0x10; i++)
		assert_int_equal(ram[0x201000 + i], 0x11);
	for (int i = 0x10; i < 0x1800; i++)
		assert_int_equal(ram[0x201000 + i], 0); /* bss zeroed */
	assert_int_equal(ram[0x202800], RAM_FILL);
}

static void test_elf32(void **state)
{
	build_elf32();
	assert_int_equal(load(&no_opts), 0);
	assert_int_equal(img.kind, GUEST_IMAGE_ELF32);
	assert_int_equal(img.mode, VCPU_START_PROT32);
	assert_int_equal(img.entry_gpa, 0x100000);
	assert_int_equal(img.start_gpa, 0x100000);
	assert_int_equal(img.end_gpa, 0x102020);
	assert_int_equal(ram[0x100000], 0x90);
	assert_int_equal(ram[0x102007], 0x22);
	assert_int_equal(ram[0x102008], 0);
	assert_int_equal(ram[0x10201f], 0);
	assert_int_equal(ram[0x102020], RAM_FILL);
}

/* p_paddr places, e_entry (virtual) is translated through its segment. */
static void test_elf_higher_half(void **state)
{
	build_elf64();
	ph64()[0].p_vaddr = 0xffffffff80200000ULL;
	eh64()->e_entry = 0xffffffff80200020ULL;
	assert_int_equal(load(&no_opts), 0);
	assert_int_equal(img.entry_gpa, 0x200020);
}

static void test_mode_override(void **state)
{
	struct guest_image_opts opts = {.mode_set = true, .mode = VCPU_START_PROT32};

	build_elf64();
	assert_int_equal(load(&opts), 0);
	assert_int_equal(img.kind, GUEST_IMAGE_ELF64);
	assert_int_equal(img.mode, VCPU_START_PROT32);
	build_elf32();
	opts.mode = VCPU_START_LONG64;
	assert_int_equal(load(&opts), 0);
	assert_int_equal(img.mode, VCPU_START_LONG64);
}

static void test_elf_header_errors(void **state)
{
	build_elf64();
	assert_int_equal(guest_image_load(img_bytes, 6, &no_opts, ram, RAM_SIZE, &img, reason),
			 -ENOEXEC);
	assert_string_equal(reason, "truncated ELF header");
	assert_int_equal(guest_image_load(img_bytes, 63, &no_opts, ram, RAM_SIZE, &img, reason),
			 -ENOEXEC);
	assert_string_equal(reason, "truncated ELF header");
	build_elf32();
	assert_int_equal(guest_image_load(img_bytes, 51, &no_opts, ram, RAM_SIZE, &img, reason),
			 -ENOEXEC);
	assert_string_equal(reason, "truncated ELF header");

	build_elf64();
	eh64()->e_ident[EI_CLASS] = 3;
	expect_fail(-ENOEXEC, "unknown ELF class 3");
	build_elf64();
	eh64()->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_fail(-ENOEXEC, "not a little-endian ELF file");
	build_elf64();
	eh64()->e_version = 2;
	expect_fail(-ENOEXEC, "unknown ELF version");
	build_elf64();
	eh64()->e_machine = EM_AARCH64;
	expect_fail(-ENOEXEC, "ELF64 image for the wrong machine (e_machine 183)");
	build_elf32();
	eh32()->e_machine = EM_X86_64;
	expect_fail(-ENOEXEC, "ELF32 image for the wrong machine (e_machine 62)");
	build_elf64();
	eh64()->e_type = ET_DYN;
	expect_fail(-ENOEXEC, "not an executable (e_type 3, expected ET_EXEC)");
	build_elf64();
	eh64()->e_phnum = 0;
	expect_fail(-ENOEXEC, "no program headers");
	build_elf64();
	eh64()->e_phentsize = sizeof(Elf32_Phdr);
	expect_fail(-ENOEXEC, "bad program header size 32 (e_phentsize)");
	build_elf64();
	eh64()->e_phoff = IMG_SIZE - sizeof(Elf64_Phdr);
	expect_fail(-ENOEXEC, "program headers outside the image");
	build_elf64();
	eh64()->e_phoff = UINT64_MAX - 8;
	expect_fail(-ENOEXEC, "program headers outside the image");
	build_elf32();
	eh32()->e_phnum = 0xffff;
	expect_fail(-ENOEXEC, "program headers outside the image");
}

static void test_segment_errors(void **state)
{
	build_elf64();
	ph64()[2].p_filesz = 0x1801;
	expect_fail(-ENOEXEC, "segment 0x201000: p_filesz 0x1801 larger than p_memsz 0x1800");
	build_elf64();
	ph64()[2].p_offset = IMG_SIZE - 0xf;
	expect_fail(-ENOEXEC, "segment 0x201000: file bytes 0x2ff1 + 0x10 outside the image");
	build_elf64();
	ph64()[2].p_offset = UINT64_MAX - 4;
	expect_fail(-ENOEXEC,
		    "segment 0x201000: file bytes 0xfffffffffffffffb + 0x10 outside the image");
	build_elf64();
	ph64()[2].p_paddr = 0xfffffffffffff000ULL;
	expect_fail(-ENOEXEC, "segment 0xfffffffffffff000 + 0x1800 overflows");
	build_elf64();
	ph64()[2].p_paddr = RAM_SIZE;
	ph64()[2].p_memsz = 0x100;
	expect_fail(-ENOEXEC, "segment 0x1000000 + 0x100 beyond guest RAM (16 MiB)");
}

static void test_segment_place_errors(void **state)
{
	build_elf64();
	ph64()[2].p_paddr = RAM_SIZE - 0x10;
	expect_fail(-ENOEXEC, "segment 0xfffff0 + 0x1800 beyond guest RAM (16 MiB)");
	build_elf64();
	ph64()[2].p_paddr = 0xbffff000;
	expect_fail(-ENOEXEC, "segment 0xbffff000 + 0x1800 not below the MMIO window (0xc0000000)");
	build_elf32();
	ph32()[1].p_paddr = 0xfffff000;
	ph32()[1].p_memsz = 0x1000;
	expect_fail(-ENOEXEC, "segment 0xfffff000 + 0x1000 not below the MMIO window (0xc0000000)");
	build_elf64();
	ph64()[2].p_paddr = 0x2000ff;
	expect_fail(-ENOEXEC, "segments 0x200000 + 0x100 and 0x2000ff + 0x1800 overlap");
}

static void test_segment_count_and_entry(void **state)
{
	/* Empty PT_LOADs take no slot; a 17th real one is refused. */
	build_elf64();
	eh64()->e_phnum = 21;
	for (int i = 0; i < 21; i++)
		ph64()[i] = (Elf64_Phdr){.p_type = PT_LOAD,
					 .p_offset = TEXT_OFF,
					 .p_vaddr = 0x200000 + i * 0x1000,
					 .p_paddr = 0x200000 + i * 0x1000,
					 .p_filesz = i < 4 ? 0 : 0x100,
					 .p_memsz = i < 4 ? 0 : 0x100};
	expect_fail(-ENOEXEC, "more than 16 PT_LOAD segments");
	eh64()->e_phnum = 20;
	eh64()->e_entry = 0x204000;
	assert_int_equal(load(&no_opts), 0);
	assert_int_equal(img.segment_count, 16);
	assert_int_equal(img.start_gpa, 0x204000);
	assert_int_equal(img.end_gpa, 0x213100);
	memset(ram, RAM_FILL, RAM_SIZE);

	build_elf64();
	ph64()[0].p_type = PT_NULL;
	ph64()[2].p_type = PT_DYNAMIC;
	expect_fail(-ENOEXEC, "no loadable (PT_LOAD) segments");
	build_elf64();
	eh64()->e_entry = 0x300000;
	expect_fail(-ENOEXEC, "entry point 0x300000 not inside a loaded segment");
	build_elf64();
	eh64()->e_entry = 0x201010; /* in bss: zeroes, never code */
	expect_fail(-ENOEXEC, "entry point 0x201010 not inside a loaded segment");
	build_elf64();
	eh64()->e_entry = 0x200100; /* one past the text */
	expect_fail(-ENOEXEC, "entry point 0x200100 not inside a loaded segment");
}

static void test_elf_rejects_flat_options(void **state)
{
	struct guest_image_opts opts = {.load_set = true, .load_gpa = 0x8000};

	build_elf64();
	assert_int_equal(load(&opts), -EINVAL);
	assert_string_equal(reason,
			    "'load' and 'entry' are for flat binaries (an ELF image has its own)");
	opts = (struct guest_image_opts){.entry_set = true, .entry_gpa = 0x200010};
	assert_int_equal(load(&opts), -EINVAL);
	assert_true(ram_untouched());
}

/* An initramfs goes with a Linux kernel only; a bzImage is placed by its setup header. */
static void test_initrd_and_bzimage(void **state)
{
	struct guest_image_opts opts = {.initrd_size = 0x1000};

	build_elf64();
	assert_int_equal(load(&opts), -EINVAL);
	assert_string_equal(reason, "an 'initrd' is for a Linux kernel (bzImage) only");
	assert_true(ram_untouched());

	/* A bzImage (boot.rst) for a 2.15 kernel: 3 setup sectors, then a 0x200-byte kernel. */
	static uint8_t bz[0xa00];
	memset(bz, 0, sizeof(bz));
	bz[0x1f1] = 3;
	bz[0x1f4] = 0x20; /* syssize: 0x200 bytes */
	bz[0x1fe] = 0x55, bz[0x1ff] = 0xaa, bz[0x201] = 0x6a;
	memcpy(bz + 0x202, "HdrS", 4);
	bz[0x206] = 0x0f, bz[0x207] = 0x02, bz[0x211] = 1, bz[0x234] = 1, bz[0x236] = 1;
	bz[0x22d] = 0xff, bz[0x22e] = 0xff, bz[0x22f] = 0x7f; /* initrd_addr_max */
	bz[0x232] = 0x20;				     /* kernel_alignment 2 MiB */
	bz[0x25a] = 0x80;				     /* pref_address 8 MiB */
	bz[0x262] = 0x01;				     /* init_size 64 KiB */
	memset(bz + 0x800, 0xcc, 0x200);
	assert_int_equal(guest_image_load(bz, sizeof(bz), &opts, ram, RAM_SIZE, &img, reason), 0);
	assert_int_equal(img.kind, GUEST_IMAGE_LINUX);
	assert_int_equal(img.mode, VCPU_START_LONG64);
	assert_int_equal(img.entry_gpa, 0x800200);
	assert_int_equal(img.segment_count, 3);
	assert_int_equal(img.segments[0].gpa, 0x800000);
	assert_int_equal(img.segments[0].memsz, 0x10000);
	assert_memory_equal(ram + 0x800000, bz + 0x800, 0x200);
	assert_int_equal(ram[0x800200], 0); /* init_size beyond the file: zeroed */
	/* The initramfs room: the highest page below the boot tables. */
	assert_int_equal(img.initrd_gpa, RAM_SIZE - 7 * PAGE_SIZE - 0x1000);
	/* Named by 'kernel': a bzImage or a Multiboot kernel, never a flat binary. */
	opts = (struct guest_image_opts){.kernel_only = true};
	memcpy(bz + 0x202, "HdrX", 4);
	assert_int_equal(guest_image_inspect(bz, sizeof(bz), &opts, RAM_SIZE, &img, reason),
			 -ENOEXEC);
	assert_string_equal(reason, "neither a bzImage (no boot flag and HdrS header) nor a "
				    "Multiboot kernel (no Multiboot header)");
	opts.kernel_only = false;
	assert_int_equal(guest_image_inspect(bz, sizeof(bz), &opts, RAM_SIZE, &img, reason), 0);
	assert_int_equal(img.kind, GUEST_IMAGE_FLAT);
	memcpy(bz + 0x202, "HdrS", 4);
	opts.initrd_size = 0x1000;
	opts.mode_set = true;
	opts.mode = VCPU_START_PROT32;
	assert_int_equal(guest_image_inspect(bz, sizeof(bz), &opts, RAM_SIZE, &img, reason),
			 -EINVAL);
	assert_string_equal(reason,
			    "a bzImage starts at its 64-bit entry: no 'load', 'entry' or 'mode'");
}

static void test_flat(void **state)
{
	static const uint8_t code[] = {0xfa, 0xf4, 0xeb, 0xfd, 'E', 'L', 'F'}; /* cli; hlt; jmp */
	struct guest_image_opts opts = {0};

	assert_int_equal(guest_image_load(code, sizeof(code), &opts, ram, RAM_SIZE, &img, reason),
			 0);
	assert_int_equal(img.kind, GUEST_IMAGE_FLAT);
	assert_int_equal(img.mode, VCPU_START_REAL);
	assert_int_equal(img.entry_gpa, 0x8000);
	assert_int_equal(img.start_gpa, 0x8000);
	assert_int_equal(img.end_gpa, 0x8000 + sizeof(code));
	assert_memory_equal(ram + 0x8000, code, sizeof(code));
	assert_int_equal(ram[0x7fff], RAM_FILL);
	assert_int_equal(ram[0x8000 + sizeof(code)], RAM_FILL);

	opts = (struct guest_image_opts){.load_set = true,
					 .load_gpa = 0x7c00,
					 .entry_set = true,
					 .entry_gpa = 0x7c02,
					 .mode_set = true,
					 .mode = VCPU_START_PROT32};
	assert_int_equal(guest_image_load(code, sizeof(code), &opts, ram, RAM_SIZE, &img, reason),
			 0);
	assert_int_equal(img.entry_gpa, 0x7c02);
	assert_int_equal(img.mode, VCPU_START_PROT32);
	assert_memory_equal(ram + 0x7c00, code, sizeof(code));

	/* The last byte of RAM is fine, one more is not. */
	opts = (struct guest_image_opts){.load_set = true, .load_gpa = RAM_SIZE - sizeof(code)};
	assert_int_equal(guest_image_inspect(code, sizeof(code), &opts, RAM_SIZE, &img, reason), 0);
	opts.load_gpa++;
	assert_int_equal(guest_image_inspect(code, sizeof(code), &opts, RAM_SIZE, &img, reason),
			 -ENOEXEC);
	assert_string_equal(reason, "image 0xfffffa + 0x7 beyond guest RAM (16 MiB)");
}

static void test_flat_errors(void **state)
{
	static const uint8_t code[16];
	struct guest_image_opts opts = {.entry_set = true, .entry_gpa = 0x8010};

	assert_int_equal(guest_image_load(code, sizeof(code), &opts, ram, RAM_SIZE, &img, reason),
			 -EINVAL);
	assert_string_equal(reason, "entry point 0x8010 not inside the image (0x8000 + 0x10)");
	opts.entry_gpa = 0x7fff;
	assert_int_equal(guest_image_load(code, sizeof(code), &opts, ram, RAM_SIZE, &img, reason),
			 -EINVAL);
	assert_int_equal(guest_image_load(code, 0, &no_opts, ram, RAM_SIZE, &img, reason),
			 -ENOEXEC);
	assert_string_equal(reason, "empty image");
	/* Sizes from a hostile caller: no wrap-around. */
	opts = (struct guest_image_opts){.load_set = true, .load_gpa = 0x1000};
	assert_int_equal(guest_image_inspect(code, UINT64_MAX, &opts, RAM_SIZE, &img, reason),
			 -ENOEXEC);
	assert_string_equal(reason, "image 0x1000 + 0xffffffffffffffff overflows");
	assert_int_equal(guest_image_inspect(code, 0x10, &opts, RAM_SIZE + 0x1001, &img, reason),
			 0);
	assert_int_equal(guest_image_inspect(code, 0x10, &opts, 0x1008, &img, reason), -ENOEXEC);
	assert_string_equal(reason, "image 0x1000 + 0x10 beyond guest RAM (4104 bytes)");
	assert_int_equal(guest_image_inspect(code, 0x10, &opts, 0x800, &img, reason), -ENOEXEC);
	assert_string_equal(reason, "image 0x1000 + 0x10 beyond guest RAM (2 KiB)");
	assert_int_equal(
	    guest_image_inspect(code, 0x10, &opts, GUEST_MMIO_BASE + SZ_1M, &img, reason), -EINVAL);
	assert_string_equal(reason, "guest RAM (3073 MiB) overlaps the MMIO window (0xc0000000)");
	assert_true(ram_untouched());
}

/* Mutated ELF headers and program headers: never a crash, never a write outside RAM. */
static void test_fuzz(void **state)
{
	unsigned seed = 777;

	for (int iter = 0; iter < 20000; iter++) {
		if (iter % 2)
			build_elf64();
		else
			build_elf32();
		for (int m = 0; m < 1 + iter % 6; m++) {
			seed = seed * 1103515245 + 12345;
			size_t at = (seed >> 8) % 0x100;
			seed = seed * 1103515245 + 12345;
			img_bytes[at] = (uint8_t)(seed >> 16);
		}
		if (load(&no_opts) == 0) {
			assert_true(img.end_gpa <= RAM_SIZE);
			assert_true(img.entry_gpa >= img.start_gpa && img.entry_gpa < img.end_gpa);
		} else {
			assert_true(strlen(reason) > 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_elf64, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_elf32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_elf_higher_half, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mode_override, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_elf_header_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_segment_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_segment_place_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_segment_count_and_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_elf_rejects_flat_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initrd_and_bzimage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flat, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flat_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
