/* Loading a guest from its image (see guest_load.h). */
#include "kernel/mgmt/guest_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/acpi_tables.h"
#include "drivers/tsc.h"
#include "kernel/core/log.h"
#include "kernel/emul/exit.h"
#include "kernel/emul/exit_msr.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_resize.h"
#include "kernel/guest/guest_acpi.h"
#include "kernel/guest/guest_boot.h"
#include "kernel/guest/guest_cow.h"
#include "kernel/guest/guest_image.h"
#include "kernel/guest/virt.h"
#include "kernel/mgmt/config.h"
#include "kernel/mm/directmap.h"
#include "kernel/sched/sched.h"
#include "kernel/vdev/standard.h"
#include "kernel/vm/vcpu_run.h"

#define ACPI_TABLES_GPA	 0xe0000ULL /* the BIOS area up to 1 MiB, reserved in e820 */
#define ACPI_TABLES_ROOM 0x20000ULL

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

struct state_job {
	struct vcpu *v;
	const struct vcpu_sregs *sregs;
	int err;
};

static void set_state_here(void *arg)
{
	struct state_job *job = arg;
	job->err = exit_msr_reset(job->v);
	if (!job->err)
		job->err = virt->vcpu_set_sregs(job->v, job->sregs);
}

/*
 * Zero and map the pages the loader writes: the image's segments and the
 * boot tables (guest_boot.h). The rest of RAM is zeroed on first touch.
 */
static int load_populate(struct guest *g, const struct guest_image *img)
{
	gpa_t tables = guest_boot_tables_gpa(img->mode, g->mem_size);
	int err = tables < g->mem_size ? guest_ram_populate(g, tables, g->mem_size - tables) : 0;
	for (uint32_t i = 0; !err && i < img->segment_count; i++)
		err = guest_ram_populate(g, img->segments[i].gpa, img->segments[i].memsz);
	if (err)
		log_err("guest %s: cannot map its memory (%d)", g->name, err);
	return err;
}

/*
 * A PC guest's ACPI tables, in the BIOS area where legacy scanners look for
 * the RSDP (ACPI 6.5 5.2.5.1) and which the e820 map reserves. *rsdp = 0: none
 * (no PC platform, or an image that occupies that area).
 */
static int load_acpi_tables(struct guest *g, const struct guest_image *img, gpa_t *rsdp)
{
	struct guest_acpi_config cfg;
	*rsdp = 0;
	if (vdev_standard_acpi(g, &cfg))
		return 0;
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct guest_image_segment *s = &img->segments[i];
		if (s->gpa < ACPI_TABLES_GPA + ACPI_TABLES_ROOM &&
		    s->gpa + s->memsz > ACPI_TABLES_GPA) {
			log_warn("guest %s: no ACPI tables: its image occupies 0x%llx", g->name,
				 (unsigned long long)ACPI_TABLES_GPA);
			return 0;
		}
	}
	int err = guest_ram_populate(g, ACPI_TABLES_GPA, ACPI_TABLES_ROOM);
	if (!err)
		err = guest_acpi_write(guest_ram_base(g), g->mem_size, ACPI_TABLES_GPA,
				       ACPI_TABLES_ROOM, &cfg, rsdp);
	if (err)
		log_err("guest %s: cannot write its ACPI tables (%d)", g->name, err);
	return err;
}

/* Linux: the initramfs copied into the room the image left for it, then the zero page. */
static int load_linux_boot_params(struct guest *g, const struct guest_image *img, gpa_t rsdp)
{
	const struct config_guest *cg = g->config;
	uint8_t *ram = guest_ram_base(g);
	char reason[LINUX_BOOT_REASON_MAX];

	if (cg->initrd)
		memcpy(ram + img->initrd_gpa, phys_to_virt(cg->initrd->base), cg->initrd->size);
	if (linux_boot_params_write(ram, g->mem_size, img->usable_end,
				    phys_to_virt(cg->image->base), &img->bzimage, cg->cmdline,
				    (uint32_t)(tsc_hz() / 1000), img->initrd_gpa,
				    cg->opts.initrd_size, rsdp, reason)) {
		log_err("guest %s: kernel %s: %s", g->name, cg->image->name, reason);
		return -EINVAL;
	}
	log_info("guest %s: Linux boot protocol %u.%02u, kernel at 0x%llx, initramfs %llu bytes "
		 "at 0x%llx",
		 g->name, img->bzimage.version >> 8, img->bzimage.version & 0xff,
		 (unsigned long long)img->bzimage.load_gpa,
		 (unsigned long long)cg->opts.initrd_size, (unsigned long long)img->initrd_gpa);
	return 0;
}

/* Multiboot: the modules copied above the kernel, then the information structure. */
static int load_multiboot_info(struct guest *g, const struct guest_image *img, gpa_t rsdp)
{
	const struct config_guest *cg = g->config;
	const struct multiboot_guest_layout *mb = &img->multiboot;
	struct multiboot_guest_params params = {.cmdline = cg->cmdline,
						.module_count = cg->module_count};
	if (rsdp) { /* MB2: a copy of the ACPI 2.0 RSDP (tag 15) */
		params.rsdp = guest_ram_base(g) + rsdp;
		params.rsdp_length = sizeof(struct acpi_rsdp);
	}
	char reason[MULTIBOOT_GUEST_REASON_MAX];

	for (uint32_t i = 0; i < cg->module_count; i++)
		params.modules[i] =
		    (struct multiboot_guest_module){phys_to_virt(cg->modules[i]->base),
						    cg->modules[i]->size, cg->module_strings[i]};
	if (multiboot_guest_write_info(guest_ram_base(g), g->mem_size, mb, &params, reason)) {
		log_err("guest %s: kernel %s: %s", g->name, cg->image->name, reason);
		return -EINVAL;
	}
	log_info("guest %s: Multiboot %u kernel, %u module%s, information at 0x%llx", g->name,
		 mb->hdr.version, mb->module_count, mb->module_count == 1 ? "" : "s",
		 (unsigned long long)mb->info_gpa);
	return 0;
}

/*
 * g's image into its RAM (scrubbed first on a restart) with what its kind
 * needs, and the entry state of vCPU 0 that goes with it.
 */
static int load_image(struct guest *g, struct guest_entry_state *entry)
{
	const struct config_guest *cg = g->config;
	const struct boot_module *m = cg->image;
	struct guest_image img;
	char reason[GUEST_IMAGE_REASON_MAX];

	/* A restart: its configured RAM and vCPUs again, nothing of the previous run. */
	if (g->state != GUEST_CREATED && guest_resize_reset(g)) {
		log_err("guest %s: cannot give it its configured memory again", g->name);
		return -EIO;
	}
	if (g->state != GUEST_CREATED && guest_ram_scrub_all(g)) {
		log_err("guest %s: cannot map its memory again", g->name);
		return -EIO;
	}
	if (guest_image_inspect(phys_to_virt(m->base), m->size, &cg->opts, g->mem_size, &img,
				reason)) {
		log_err("guest %s: image %s: %s", g->name, m->name, reason);
		return -ENOEXEC;
	}
	if (load_populate(g, &img))
		return -ENOMEM;
	/* Writes only what load_populate zeroed and mapped. */
	uint8_t *ram = guest_ram_base(g);
	if (guest_image_load(phys_to_virt(m->base), m->size, &cg->opts, ram, g->mem_size, &img,
			     reason)) {
		log_err("guest %s: image %s: %s", g->name, m->name, reason);
		return -ENOEXEC;
	}
	gpa_t rsdp;
	if (load_acpi_tables(g, &img, &rsdp))
		return -EINVAL;
	if (img.kind == GUEST_IMAGE_LINUX && load_linux_boot_params(g, &img, rsdp))
		return -EINVAL;
	if (img.kind == GUEST_IMAGE_MULTIBOOT && load_multiboot_info(g, &img, rsdp))
		return -EINVAL;
	char why[GUEST_BOOT_REASON_MAX];
	*entry = (struct guest_entry_state){0};
	if (guest_boot_setup(ram, g->mem_size, img.mode, img.entry_gpa, img.end_gpa, &entry->sregs,
			     why)) {
		log_err("guest %s: cannot start in %s: %s", g->name, mode_name(img.mode), why);
		return -EINVAL;
	}
	if (img.kind == GUEST_IMAGE_LINUX) /* boot.rst: RSI points at the zero page */
		entry->rsi = LINUX_ZERO_PAGE_GPA;
	if (img.kind == GUEST_IMAGE_MULTIBOOT) { /* MB1 3.2, MB2 3.3: the magic, the information */
		entry->rax = multiboot_guest_eax(&img.multiboot);
		entry->rbx = img.multiboot.info_gpa;
	}
	log_info("guest %s: %s (%llu bytes), %llu MiB, %u vCPU%s, %s at 0x%llx", g->name, m->name,
		 (unsigned long long)m->size, (unsigned long long)(g->mem_size / SZ_1M),
		 g->vcpu_count, g->vcpu_count > 1 ? "s" : "", mode_name(img.mode),
		 (unsigned long long)img.entry_gpa);
	return 0;
}

int guest_load_template(struct guest *g, struct guest_entry_state *entry)
{
	return load_image(g, entry);
}

/* Devices reset, every vCPU fresh, vCPU 0's entry state set on its home CPU. */
static int start_state(struct guest *g, const struct guest_entry_state *entry)
{
	vdev_reset_standard(g);
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];
		memset(&v->regs, 0, sizeof(v->regs));
		v->event_pending = false;
		v->halted_if0 = false;
		v->started = false;
		v->stopping = false;
		v->start_pending = false;
		free(v->start_state); /* a HC_VCPU_START the stop overtook */
		v->start_state = NULL;
		exit_reset_debug_registers(v);
		v->irq_pending = false;
		v->timer_deadline = 0;
		v->chip_deadline = 0;
		v->chip_stale = true; /* the devices were reset: poll before the first entry */
		/* Fresh FPU registers too: nothing of the previous run may show through. */
		if (vcpu_run_forget_fpu(v)) {
			log_err("guest %s: a CPU holding vCPU %u's FPU state did not answer",
				g->name, v->id);
			return -EIO;
		}
		free(v->fpu.area);
		if (fpu_state_init(&v->fpu)) {
			log_err("guest %s: out of hypervisor heap", g->name);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < g->vcpu_count; i++)
		memset(g->vcpus[i].stats, 0, sizeof(g->vcpus[i].stats));
	g->vcpus[0].regs.rax = entry->rax;
	g->vcpus[0].regs.rbx = entry->rbx;
	g->vcpus[0].regs.rsi = entry->rsi;
	struct state_job job = {.v = &g->vcpus[0], .sregs = &entry->sregs};
	int err = sched_on_cpu(job.v->se.cpu, set_state_here, &job);
	if (err || job.err) {
		log_err("guest %s: cannot set the vCPU's state (%d)", g->name, err ? err : job.err);
		return -EIO;
	}
	return 0;
}

int guest_load(struct guest *g)
{
	struct guest_entry_state entry;
	if (g->cow) { /* a clone: the template's RAM and entry state, nothing of its own */
		if (g->state != GUEST_CREATED && guest_cow_reset(g)) {
			log_err("guest %s: cannot share its template's memory again", g->name);
			return -EIO;
		}
		entry = g->cow->tmpl->entry;
	} else {
		int err = load_image(g, &entry);
		if (err)
			return err;
	}
	return start_state(g, &entry);
}
