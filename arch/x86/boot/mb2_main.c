/*
 * The Multiboot2 path's bridge into the kernel: check GRUB's magic, turn the
 * tags into a struct boot_info and continue exactly as the UEFI path does.
 */
#include <stdint.h>

#include "arch/x86/boot/multiboot2.h"
#include "arch/x86/cpu.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/kernel.h"
#include "kernel/core/console.h"
#include "kernel/core/log.h"

extern char __kernel_start[], __kernel_end[];

static struct boot_info mb2_boot_info;

void mb2_main(uint32_t magic, uint64_t info);

void mb2_main(uint32_t magic, uint64_t info)
{
	const char *why = "";
	console_init_serial();
	if (magic != MB2_BOOTLOADER_MAGIC) {
		log_err("shoji: error: not started by a Multiboot2 loader (magic 0x%x)", magic);
		console_flush();
		cpu_halt_forever();
	}
	const uint32_t *mbi = phys_to_virt(info);
	if (mb2_parse(mbi, *mbi, &mb2_boot_info, &why)) {
		log_err("shoji: error: bad Multiboot2 information: %s", why);
		console_flush();
		cpu_halt_forever();
	}
	mb2_boot_info.kernel_start = (uint64_t)(uintptr_t)__kernel_start;
	mb2_boot_info.kernel_end = (uint64_t)(uintptr_t)__kernel_end;
	kernel_main(&mb2_boot_info);
}
