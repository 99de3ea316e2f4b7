/*
 * kernel_main: the loader-agnostic start. Everything the kernel knows about
 * the machine arrives in struct boot_info; from here on nothing asks which
 * loader ran. Order matters: own CPU tables before touching memory the
 * firmware used, memory before drivers, drivers before the summary line.
 */
#include "kernel/core/kernel.h"

#include <stdio.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
#include "arch/x86/kernel_map.h"
#include "arch/x86/smp.h"
#include "arch/x86/stacks.h"
#include "drivers/acpi.h"
#include "drivers/hpet.h"
#include "drivers/wallclock.h"
#include "drivers/i8259.h"
#include "drivers/ioapic.h"
#include "drivers/lapic.h"
#include "drivers/pci.h"
#include "drivers/pit.h"
#include "drivers/tsc.h"
#include "kernel/core/cmdline.h"
#include "kernel/core/console.h"
#include "kernel/mgmt/guests.h"
#include "kernel/mm/heap.h"
#include "kernel/core/log.h"
#include "kernel/mm/mm.h"
#include "kernel/core/panic.h"
#include "kernel/core/pcpu.h"
#include "kernel/sched/sched.h"
#include "kernel/vm/vcpu_run.h"
#include "kernel/init/selftest.h"
#include "kernel/core/test_exit.h"
#include "kernel/guest/virt.h"

#define HEAP_BYTES (16 * SZ_1M)

static struct boot_info boot_info;
static struct acpi_info acpi;

static const char *loader_name(uint32_t loader)
{
	switch (loader) {
	case BOOT_LOADER_UEFI:
		return "uefi";
	case BOOT_LOADER_MULTIBOOT2:
		return "multiboot2";
	default:
		return "unknown";
	}
}

static void apply_cmdline(const char *cmdline)
{
	static const char *const levels[] = {"err", "warn", "info", "debug"};
	char value[16];
	if (cmdline_get(cmdline, "loglevel", value, sizeof(value))) {
		for (unsigned i = 0; i < 4; i++)
			if (!strcmp(value, levels[i]))
				log_set_level((enum log_level)i);
	}
	test_exit_enable(cmdline_has_flag(cmdline, "test-exit"));
	vcpu_run_set_exit_timing(cmdline_has_flag(cmdline, "exit-timing"));
}

static void print_summary(const struct boot_info *bi, const char *why_no_virt)
{
	char fb[32] = "none";
	if (bi->fb.base)
		snprintf(fb, sizeof(fb), "%ux%u", bi->fb.width, bi->fb.height);
	uint64_t khz = tsc_hz() / 1000;
	char virt_desc[128];
	if (virt)
		snprintf(virt_desc, sizeof(virt_desc), "%s", virt->name);
	else
		snprintf(virt_desc, sizeof(virt_desc), "none (%s)", why_no_virt);
	log_info("shoji %s: boot=%s mem=%llu cpus=%u tsc=%llu.%03llu fb=%s virt=%s", SHOJI_VERSION,
		 loader_name(bi->loader), (unsigned long long)(mm_usable_bytes(bi) / SZ_1M),
		 acpi.cpu_count, (unsigned long long)(khz / 1000), (unsigned long long)(khz % 1000),
		 fb, virt_desc);
}

void kernel_main(const struct boot_info *loader_bi)
{
	/* The loader's copy lives in memory the allocator will hand out: keep our own. */
	boot_info = *loader_bi;
	struct boot_info *bi = &boot_info;

	console_init_serial();
	if (bi->magic != BOOT_INFO_MAGIC) {
		log_err("shoji: error: bad boot_info magic 0x%llx", (unsigned long long)bi->magic);
		console_flush();
		cpu_halt_forever();
	}
	apply_cmdline(bi->cmdline);
	log_info("shoji %s starting (%s), cmdline \"%s\"", SHOJI_VERSION, loader_name(bi->loader),
		 bi->cmdline);

	pcpu_init(0);
	gdt_load(&this_pcpu()->tables, stack_top(STACK_IST_NMI), stack_top(STACK_IST_DF),
		 stack_top(STACK_IST_MC));
	idt_init();
	idt_load();

	mm_init(bi);
	kernel_map_init(bi);
	if (heap_init(HEAP_BYTES))
		panic("no heap");
	console_init_framebuffer(&bi->fb);

	if (acpi_parse(bi->rsdp, bi->rsdp_length, &acpi))
		log_err("acpi: no valid RSDP; continuing without ACPI");
	else
		acpi_print(&acpi);
	i8259_disable();
	lapic_init(&acpi);
	ioapic_init(&acpi);
	console_start_irq(acpi.ioapic_count > 0);
	pit_disable();
	hpet_init(&acpi);
	/* The LAPIC timer counts through tsc_init: one wait calibrates both. */
	lapic_timer_calibrate_start();
	tsc_init();
	lapic_timer_calibrate();
	wallclock_init();
	pci_init(&acpi);
	pci_print_devices();

	const char *why_no_virt = NULL;
	virt = virt_probe(bi->cmdline, &why_no_virt);
	if (virt && virt->cpu_init()) {
		why_no_virt = "could not enable virtualization on the boot CPU";
		virt = NULL;
	}
	print_summary(bi, why_no_virt);
	for (uint32_t i = 0; i < bi->module_count; i++)
		log_info("boot: module %s (%llu bytes at 0x%llx)", bi->modules[i].name,
			 (unsigned long long)bi->modules[i].size,
			 (unsigned long long)bi->modules[i].base);

	/* FXSR/XSAVE on before the APs start: they copy the boot CPU's CR4 and XCR0. */
	fpu_init_boot_cpu();
	/* Run queues first: the APs enter the scheduler as they come up. */
	sched_init(vcpu_run_entity, vcpu_run_reload);
	/* After the boot CPU's virt->cpu_init: the APs run theirs as they come up. */
	smp_init(&acpi, bi, virt ? virt->cpu_init : NULL, virt ? virt->name : NULL);
	selftest_run_from_cmdline(bi->cmdline);
	guests_start(bi, why_no_virt);

	/* Warn level: the start-up meter (tools/bench.py) must read it at every log level. */
	log_warn("startup: entry-tsc=%llu ready-tsc=%llu", (unsigned long long)boot_entry_tsc,
		 (unsigned long long)rdtsc());
	log_info("shoji: boot complete");
	if (virt)
		sched_idle_loop(); /* runs the guests; CPU 0's housekeeping ends a test run */
	test_exit(TEST_EXIT_PASS);
	log_info("shoji: no guests to run; idle");
	console_flush(); /* interrupts stay off from here on */
	cpu_halt_forever();
}
