/*
 * Guest objects: creation (memory, EPT/NPT, vCPU, standard devices), the
 * run loop, and stopping. One contiguous, zeroed run of host frames backs
 * guest RAM, mapped write-back; the MMIO window stays unmapped so that every
 * access there reaches a virtual device (or the defined unclaimed answer).
 */
#include "kernel/guest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "kernel/directmap.h"
#include "kernel/exit.h"
#include "kernel/exit_stats.h"
#include "kernel/hypercall_abi.h"
#include "kernel/log.h"
#include "kernel/pmm.h"
#include "kernel/vdev/debug_exit.h"
#include "kernel/vdev/vuart.h"
#include "kernel/virt.h"

/* The standard devices every guest gets. */
struct guest_devices {
	struct vuart uart;
	struct vdev debug_exit;
};

static unsigned next_guest_id;

struct guest *guest_create(const char *name, uint64_t mem_size)
{
	struct guest *g = calloc(1, sizeof(*g));
	struct guest_devices *devs = calloc(1, sizeof(*devs));
	if (!g || !devs) {
		log_err("guest %s: out of hypervisor heap", name);
		goto fail;
	}
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->id = next_guest_id++;
	g->mem_size = ALIGN_UP(mem_size, SZ_2M);
	g->devices = devs;

	/* 2 MiB-aligned backing lets EPT/NPT use large pages for all of RAM. */
	g->mem_hpa = pmm_alloc_frames(g->mem_size / PAGE_SIZE, SZ_2M);
	if (!g->mem_hpa) {
		log_err("guest %s: no %llu MiB of contiguous host memory", name,
			(unsigned long long)(g->mem_size / SZ_1M));
		goto fail;
	}
	memset(phys_to_virt(g->mem_hpa), 0, g->mem_size);

	int err = virt->guest_init(g);
	if (!err)
		err = virt->guest_map(g, 0, g->mem_hpa, g->mem_size, GMAP_RWX, GMAP_WB);
	if (!err) {
		g->vcpu.guest = g;
		err = virt->vcpu_create(&g->vcpu);
	}
	if (!err)
		err = vuart_attach(g, &devs->uart, GUEST_UART_PORT);
	if (!err)
		err = debug_exit_attach(g, &devs->debug_exit);
	if (err) {
		log_err("guest %s: set-up failed (%d)", name, err);
		goto fail;
	}
	g->state = GUEST_CREATED;
	return g;
fail:
	if (g && g->mem_hpa)
		pmm_free_frames(g->mem_hpa, g->mem_size / PAGE_SIZE);
	free(devs);
	free(g);
	return NULL;
}

void guest_stop(struct guest *g, enum guest_state state, int code, const char *fmt, ...)
{
	if (g->state == GUEST_EXITED || g->state == GUEST_CRASHED)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->stop_reason, sizeof(g->stop_reason), fmt, ap);
	va_end(ap);
	g->state = state;
	g->exit_code = code;
	struct guest_devices *devs = g->devices;
	vuart_flush(&devs->uart);
	log_info("guest %s: %s: %s (rip 0x%llx)", g->name,
		 state == GUEST_CRASHED ? "stopped by the hypervisor" : "exited", g->stop_reason,
		 (unsigned long long)virt->vcpu_get_rip(&g->vcpu));
}

void *guest_ram_ptr(struct guest *g, gpa_t gpa, uint64_t len)
{
	if (gpa >= g->mem_size || len > g->mem_size - gpa)
		return NULL;
	return (uint8_t *)phys_to_virt(g->mem_hpa) + gpa;
}

void guest_console_line(struct guest *g, const char *text)
{
	log_info("[%s] %s", g->name, text);
}

void guest_run(struct guest *g)
{
	struct vcpu *v = &g->vcpu;
	g->state = GUEST_RUNNING;
	log_info("guest %s: running", g->name);
	while (g->state == GUEST_RUNNING) {
		struct vcpu_exit exit;
		if (virt->vcpu_run(v, &exit)) {
			guest_stop(g, GUEST_CRASHED, -1, "VM entry failed (error %u)",
				   exit.raw_reason);
			break;
		}
		uint64_t start = rdtsc();
		exit_handle(v, &exit);
		v->exits++;
		g->stats[exit.kind].count++;
		g->stats[exit.kind].cycles += rdtsc() - start;
	}
	exit_stats_print(g);
}
