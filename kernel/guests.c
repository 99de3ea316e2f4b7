/*
 * Boot-time guest start-up: config -> guest objects -> images in guest RAM
 * -> initial vCPU state -> run. A guest that cannot be built is reported
 * and skipped; the others still run.
 */
#include "kernel/guests.h"

#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/config.h"
#include "kernel/directmap.h"
#include "kernel/guest.h"
#include "kernel/guest_boot.h"
#include "kernel/guest_image.h"
#include "kernel/isolation.h"
#include "kernel/log.h"
#include "kernel/virt.h"

#define CONFIG_MODULE "shoji.cfg"

static const char *mode_name(enum vcpu_start_mode mode)
{
	switch (mode) {
	case VCPU_START_REAL:
		return "real mode";
	case VCPU_START_PROT32:
		return "32-bit protected mode";
	default:
		return "64-bit long mode";
	}
}

static struct guest *build_guest(const struct config_guest *cg)
{
	struct guest *g = guest_create(cg->name, cg->mem_size);
	if (!g)
		return NULL;
	uint8_t *ram = guest_ram_ptr(g, 0, g->mem_size);
	const struct boot_module *m = cg->image;
	struct guest_image img;
	char reason[GUEST_IMAGE_REASON_MAX];
	if (guest_image_load(phys_to_virt(m->base), m->size, &cg->opts, ram, g->mem_size, &img,
			     reason)) {
		log_err("guest %s: image %s: %s", g->name, m->name, reason);
		return NULL;
	}
	struct vcpu_sregs sregs;
	char why[GUEST_BOOT_REASON_MAX];
	if (guest_boot_setup(ram, g->mem_size, img.mode, img.entry_gpa, img.end_gpa, &sregs,
			     why)) {
		log_err("guest %s: cannot start in %s: %s", g->name, mode_name(img.mode), why);
		return NULL;
	}
	virt->vcpu_set_sregs(&g->vcpu, &sregs);
	log_info("guest %s: %s (%llu bytes), %llu MiB, %s at 0x%llx", g->name, m->name,
		 (unsigned long long)m->size, (unsigned long long)(g->mem_size / SZ_1M),
		 mode_name(img.mode), (unsigned long long)img.entry_gpa);
	return g;
}

void guests_start(const struct boot_info *bi, const char *why_no_virt)
{
	const struct boot_module *cfg_module = NULL;
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (!strcmp(bi->modules[i].name, CONFIG_MODULE))
			cfg_module = &bi->modules[i];
	if (!cfg_module) {
		log_info("guests: no %s, no guests", CONFIG_MODULE);
		return;
	}

	static struct config cfg;
	config_parse(CONFIG_MODULE, phys_to_virt(cfg_module->base), cfg_module->size,
		     bi->modules, bi->module_count, &cfg);
	if (!cfg.guest_count)
		return;
	if (!virt) {
		log_err("guests: %u configured, none started: %s", cfg.guest_count, why_no_virt);
		return;
	}

	/* Build every guest first: they all exist (and hold memory) while each one runs. */
	struct guest *guests[CONFIG_GUESTS_MAX];
	unsigned count = 0, failed = 0;
	for (uint32_t i = 0; i < cfg.guest_count; i++) {
		if (!cfg.guests[i].autostart)
			continue;
		struct guest *g = build_guest(&cfg.guests[i]);
		if (g)
			guests[count++] = g;
		else
			failed++;
	}

	bool check = cmdline_has_flag(bi->cmdline, "isolation-check");
	unsigned exited = 0, crashed = 0;
	for (unsigned i = 0; i < count; i++) {
		static struct isolation_snapshot before;
		if (check)
			isolation_snapshot(&before, guests, count, i);
		guest_run(guests[i]);
		if (check)
			isolation_verify(&before, guests, count, i);
		if (guests[i]->state == GUEST_EXITED)
			exited++;
		else
			crashed++;
	}
	log_info("guests: %u ran (%u exited, %u stopped by the hypervisor), %u failed to start",
		 count, exited, crashed, failed);
}
