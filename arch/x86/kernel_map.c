/*
 * Builds and loads the hypervisor's page tables (see kernel_map.h). Coarse
 * mappings first, finer ones on top: the builder splits large pages where a
 * smaller piece needs other rights.
 */
#include "arch/x86/kernel_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/paging.h"
#include "arch/x86/stacks.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/mm/pmm.h"

extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];

static struct page_table kernel_pt;
static uint64_t kernel_nx; /* PTE_NX when EFER.NXE is on, else 0 */

/*
 * Windows live in [WINDOW_BASE, WINDOW_BASE + WINDOW_SIZE), above any RAM
 * this kernel maps 1:1; their page directories are made at boot, so that a
 * window's only tables are its own page tables and the frames a window
 * takes all come back when it goes.
 */
#define WINDOW_BASE    (1ULL << 40)
#define WINDOW_SIZE    (16ULL << 30)
#define WINDOW_GRANULE SZ_2M
#define WINDOW_SLOTS   (WINDOW_SIZE / WINDOW_GRANULE)
static uint64_t window_used[WINDOW_SLOTS / 64];
static bool windows_ok;
static hpa_t *window_tables; /* unlinked, waiting for release: a small stack */
static unsigned window_tables_count, window_tables_cap;

static hpa_t alloc_zeroed_table(void *ctx)
{
	hpa_t hpa = pmm_alloc_frame();
	/* Tables are written through the boot map, which covers only the low 4 GiB. */
	BUG_ON(hpa >= SZ_4G);
	if (hpa)
		memset(phys_to_virt(hpa), 0, PAGE_SIZE);
	return hpa;
}

static void map_or_panic(uint64_t start, uint64_t end, uint64_t flags, const char *what)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	if (end > start && paging_map(&kernel_pt, start, start, end - start, flags))
		panic("paging: cannot map %s 0x%llx-0x%llx", what, (unsigned long long)start,
		      (unsigned long long)end);
}

static bool is_ram(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS || type == BOOT_MEM_FIRMWARE_RUNTIME;
}

void kernel_map_init(const struct boot_info *bi)
{
	struct cpuid_regs ext = {0};
	if (cpuid_max_leaf(0x80000000) >= 0x80000001)
		ext = cpuid(0x80000001, 0);
	uint64_t nx = 0;
	if (ext.edx & CPUID_80000001_EDX_NX) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		nx = PTE_NX;
	}
	kernel_nx = nx;

	kernel_pt.fmt = &pt_format_x86;
	kernel_pt.allow_1g = ext.edx & CPUID_80000001_EDX_PAGE1GB;
	kernel_pt.alloc_table = alloc_zeroed_table;
	if (paging_create(&kernel_pt))
		panic("paging: no memory for the kernel page tables");

	/* Low 4 GiB: MMIO (APIC, HPET, ECAM, framebuffer) lives here; uncached unless RAM. */
	map_or_panic(0, SZ_4G, PTE_W | PTE_PCD | PTE_PWT | nx, "low 4 GiB");
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		if (is_ram(r->type))
			map_or_panic(r->base, r->base + r->length, PTE_W | nx, "RAM");
	}
	if (bi->fb.base)
		map_or_panic(bi->fb.base, bi->fb.base + (uint64_t)bi->fb.pitch * bi->fb.height,
			     PTE_W | PTE_PCD | PTE_PWT | nx, "framebuffer");

	uint64_t text = (uint64_t)(uintptr_t)__kernel_start;
	uint64_t rodata = (uint64_t)(uintptr_t)__text_end;
	uint64_t data = (uint64_t)(uintptr_t)__rodata_end;
	uint64_t end = (uint64_t)(uintptr_t)__kernel_end;
	map_or_panic(text, rodata, 0, "kernel text");
	map_or_panic(rodata, data, nx, "kernel rodata");
	map_or_panic(data, end, PTE_W | nx, "kernel data");

	/* Null pointers and stack overflows fault at once. */
	paging_unmap(&kernel_pt, 0, PAGE_SIZE);
	for (int s = 0; s < KERNEL_STACK_COUNT; s++)
		paging_unmap(&kernel_pt, (uint64_t)(uintptr_t)kernel_stacks[s].guard,
			     STACK_GUARD_SIZE);

	/* The windows' page directories, ahead of any window (see WINDOW_BASE). */
	uint64_t ram_end = 0;
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (is_ram(bi->mmap[i].type))
			ram_end = MAX(ram_end, bi->mmap[i].base + bi->mmap[i].length);
	windows_ok = ram_end <= WINDOW_BASE;
	for (uint64_t va = WINDOW_BASE; windows_ok && va < WINDOW_BASE + WINDOW_SIZE; va += SZ_1G)
		windows_ok = !paging_map(&kernel_pt, va, 0, WINDOW_GRANULE, 0) &&
			     !paging_unmap(&kernel_pt, va, WINDOW_GRANULE);

	write_cr3(kernel_pt.root);
	/* Supervisor writes honour read-only pages (SDM 3A 4.6.1). */
	write_cr0(read_cr0() | CR0_WP);
	log_info("paging: kernel map at 0x%llx, %s pages, NX %s",
		 (unsigned long long)kernel_pt.root, kernel_pt.allow_1g ? "1 GiB" : "2 MiB",
		 nx ? "on" : "off");
}

hpa_t kernel_map_root(void)
{
	return kernel_pt.root;
}

static void flush_local(uint64_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		invlpg(va + off);
}

int kernel_map_unmap(uint64_t va, uint64_t size)
{
	int err = paging_unmap(&kernel_pt, va, size);
	if (err) {
		log_err("paging: cannot unmap 0x%llx-0x%llx: error %d", (unsigned long long)va,
			(unsigned long long)(va + size), err);
		return err;
	}
	flush_local(va, size);
	return 0;
}

int kernel_map_set_exec(uint64_t va, uint64_t size, bool exec)
{
	int err = paging_map(&kernel_pt, va, va, size, PTE_W | (exec ? 0 : kernel_nx));
	if (err) {
		log_err("paging: cannot remap 0x%llx-0x%llx: error %d", (unsigned long long)va,
			(unsigned long long)(va + size), err);
		return err;
	}
	flush_local(va, size);
	return 0;
}

static bool slot_used(uint64_t slot)
{
	return window_used[slot / 64] & (1ULL << (slot % 64));
}

static void set_slots(uint64_t first, uint64_t count, bool used)
{
	for (uint64_t s = first; s < first + count; s++) {
		if (used)
			window_used[s / 64] |= 1ULL << (s % 64);
		else
			window_used[s / 64] &= ~(1ULL << (s % 64));
	}
}

int kernel_window_alloc(uint64_t size, uint64_t *va)
{
	uint64_t need = ALIGN_UP(size, WINDOW_GRANULE) / WINDOW_GRANULE;
	if (!windows_ok || !need)
		return -ENOSPC;
	for (uint64_t first = 0; first + need <= WINDOW_SLOTS;) {
		uint64_t n = 0;
		while (n < need && !slot_used(first + n))
			n++;
		if (n == need) {
			set_slots(first, need, true);
			*va = WINDOW_BASE + first * WINDOW_GRANULE;
			return 0;
		}
		first += n + 1;
	}
	return -ENOSPC;
}

int kernel_window_map(uint64_t va, hpa_t hpa, uint64_t size, bool writable)
{
	if (va < WINDOW_BASE || va + size > WINDOW_BASE + WINDOW_SIZE)
		return -EINVAL;
	int err = paging_map(&kernel_pt, va, hpa, size, (writable ? PTE_W : 0) | kernel_nx);
	flush_local(va, size);
	return err;
}

static void collect_table(hpa_t table, void *ctx)
{
	(void)ctx;
	if (window_tables_count == window_tables_cap) {
		unsigned cap = window_tables_cap ? 2 * window_tables_cap : 64;
		hpa_t *grown = realloc(window_tables, cap * sizeof(*grown));
		if (!grown) {
			/* Kept linked nowhere and never freed: a leak, but never a stale walk. */
			log_err("paging: no heap to free a window's page table at 0x%llx",
				(unsigned long long)table);
			return;
		}
		window_tables = grown;
		window_tables_cap = cap;
	}
	window_tables[window_tables_count++] = table;
}

void kernel_window_unlink(uint64_t va, uint64_t size)
{
	size = ALIGN_UP(size, WINDOW_GRANULE);
	paging_unmap(&kernel_pt, va, size);
	paging_prune(&kernel_pt, va, size, collect_table, NULL);
}

void kernel_window_release(uint64_t va, uint64_t size)
{
	size = ALIGN_UP(size, WINDOW_GRANULE);
	while (window_tables_count)
		pmm_free_frames(window_tables[--window_tables_count], 1);
	set_slots((va - WINDOW_BASE) / WINDOW_GRANULE, size / WINDOW_GRANULE, false);
}

void kernel_map_flush_all_local(void)
{
	write_cr3(read_cr3());
}
