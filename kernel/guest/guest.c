/*
 * Guest objects: creation (memory, EPT/NPT, vCPUs), devices' bus,
 * stopping, and accounting. One contiguous run of host frames backs
 * guest RAM, mapped write-back as it is first touched (guest_ram.c); the
 * MMIO window stays unmapped so that every access there reaches a virtual
 * device (or the defined unclaimed answer).
 * Running them is the scheduler's job (kernel/sched/sched.c).
 */
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_cow.h"
#include "kernel/guest/guest_dirty.h"
#include "kernel/guest/guest_resize.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "arch/x86/cpu.h"
#include "arch/x86/kernel_map.h"
#include "arch/x86/smp.h"
#include "kernel/guest/exit_stats.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/core/log.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"
#include "kernel/sched/sched.h"
#include "kernel/guest/virq.h"
#include "kernel/guest/virt.h"

static unsigned next_guest_id;
static void (*stopped_hook)(struct guest *g);

/*
 * Host frames for mem_size bytes of RAM: 2 MiB-aligned backing lets
 * EPT/NPT use large pages for its whole 2 MiB chunks; a 1 MiB guest is
 * 1 MiB-aligned (the frame search steps by the alignment: 4 KiB steps cost
 * a build 220 K instructions).
 */
static hpa_t alloc_ram(uint64_t mem_size)
{
	return pmm_alloc_frames(mem_size / PAGE_SIZE, mem_size >= SZ_2M ? SZ_2M : SZ_1M);
}

/* guest_create's, or a clone's of template t (t != NULL: its RAM is shared, guest_cow.h). */
static struct guest *create(const char *name, uint64_t mem_size, unsigned vcpu_count,
			    struct guest_template *t)
{
	if (!vcpu_count || vcpu_count > GUEST_MAX_VCPUS) {
		log_err("guest %s: %u vCPUs (1..%u)", name, vcpu_count, GUEST_MAX_VCPUS);
		return NULL;
	}
	struct guest *g = calloc(1, sizeof(*g));
	if (!g) {
		log_err("guest %s: out of hypervisor heap", name);
		goto fail;
	}
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->id = next_guest_id++;
	g->mem_size = guest_ram_footprint(mem_size);
	g->vcpus = calloc(vcpu_count, sizeof(*g->vcpus));
	if (!g->vcpus) {
		log_err("guest %s: out of hypervisor heap", name);
		goto fail;
	}
	g->vcpu_count = vcpu_count;
	g->vcpus_offered = vcpu_count;
	for (unsigned i = 0; i < vcpu_count; i++) {
		g->vcpus[i].guest = g;
		g->vcpus[i].id = i;
		if (fpu_state_init(&g->vcpus[i].fpu)) {
			log_err("guest %s: out of hypervisor heap", name);
			goto fail;
		}
	}

	int err = 0;
	if (t) {
		err = virt->guest_init(g);
		if (!err)
			err = guest_cow_init(g, t);
	} else {
		g->mem_hpa = alloc_ram(g->mem_size);
		if (!g->mem_hpa) {
			log_err("guest %s: no %llu MiB of contiguous host memory", name,
				(unsigned long long)(g->mem_size / SZ_1M));
			goto fail;
		}
		/* Neither zeroed nor mapped here: on first touch, or by the loader (guest_ram.h). */
		err = guest_ram_init(g);
		if (!err)
			err = virt->guest_init(g);
	}
	if (err) {
		log_err("guest %s: set-up failed (%d)", name, err);
		goto fail;
	}
	g->state = GUEST_CREATED;
	return g;
fail:
	/* Nothing of it ever ran: its tables and areas go back as they are. */
	if (g && g->cow) {
		guest_cow_unlink(g);
		kernel_map_flush_all_local(); /* only this CPU ever used its window */
		guest_cow_release(g);
	}
	if (g && g->arch_mm)
		virt->guest_destroy(g);
	if (g && g->mem_hpa)
		pmm_free_frames(g->mem_hpa, g->mem_size / PAGE_SIZE);
	if (g) {
		free(g->ram.page_zeroed);
		free(g->ram.ready_end);
	}
	for (unsigned i = 0; g && g->vcpus && i < vcpu_count; i++)
		free(g->vcpus[i].fpu.area);
	if (g)
		free(g->vcpus);
	free(g);
	return NULL;
}

struct guest *guest_create(const char *name, uint64_t mem_size, unsigned vcpu_count)
{
	return create(name, mem_size, vcpu_count, NULL);
}

struct guest *guest_create_clone(const char *name, struct guest_template *t)
{
	return create(name, t->g->mem_size, 1, t);
}

static void flush_here(void *arg)
{
	struct guest *g = arg;
	if (smp_cpu_virt_ready(this_pcpu()->index))
		virt->guest_flush(g);
	if (g->cow) /* and its window, which a remap of its RAM changed too */
		kernel_map_flush_all_local();
}

void guest_flush_others(struct guest *g)
{
	/*
	 * Each other CPU flushes as a request its scheduler runs between two
	 * runs (sched_on_cpu), never in the middle of an exit, so a CPU busy
	 * with a guest answers at that guest's next exit.
	 */
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (cpu == this_pcpu()->index || !smp_cpu_online(cpu))
			continue;
		if (sched_on_cpu(cpu, flush_here, g))
			log_err("guest %s: CPU %u did not confirm the remap flush", g->name, cpu);
	}
}

int guest_map(struct guest *g, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
	      enum gmap_type type)
{
	int err = virt->guest_map(g, gpa, hpa, size, rights, type); /* flushes this CPU */
	if (!err)
		guest_flush_others(g);
	return err;
}

void guest_destroy(struct guest *g)
{
	guest_dirty_stop(g);
	if (g->cow) /* its window's tables detached now, freed once every CPU has flushed */
		guest_cow_unlink(g);
	/*
	 * VMX: translations tagged with g's EPTP outlive its vCPUs on the CPUs
	 * they ran on, and a new guest's root may reuse the frame (SDM 3C
	 * 29.4.3.1): every CPU invalidates before the tables go.
	 */
	for (unsigned cpu = 0; g->arch_mm && cpu < MAX_CPUS; cpu++) {
		if (!smp_cpu_online(cpu))
			continue;
		if (sched_on_cpu(cpu, flush_here, g))
			log_err("guest %s: CPU %u did not confirm the final flush", g->name, cpu);
	}
	if (g->arch_mm)
		virt->guest_destroy(g);
	guest_resize_release(g); /* its hot-added RAM (there is no table left to unmap it from) */
	guest_ram_release(g);
	if (g->mem_hpa)
		guest_ram_free_frames(g);
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		free(g->vcpus[i].fpu.area);
		free(g->vcpus[i].start_state);
	}
	log_info("guest %s: destroyed, %llu MiB returned", g->name,
		 (unsigned long long)(g->mem_size / SZ_1M));
	free(g->vcpus);
	free(g);
}

struct table_list {
	hpa_t *tables;
	unsigned count;
};

static void collect_table(hpa_t table, void *ctx)
{
	struct table_list *list = ctx;
	list->tables[list->count++] = table;
}

int guest_unmap_all(struct guest *g, gpa_t end)
{
	uint64_t size = ALIGN_UP(end, SZ_2M);
	struct table_list list = {.tables = calloc(size / SZ_2M, sizeof(hpa_t))};
	if (!list.tables)
		return -ENOMEM;
	virt->guest_prune(g, 0, size, collect_table, &list); /* this CPU flushed */
	guest_flush_others(g);
	for (unsigned i = 0; i < list.count; i++)
		pmm_free_frames(list.tables[i], 1);
	free(list.tables);
	memset(&g->ram.mapped, 0, sizeof(g->ram.mapped));
	return 0;
}

int guest_ram_renew(struct guest *g)
{
	hpa_t fresh = alloc_ram(g->mem_size);
	if (!fresh)
		return -ENOMEM;
	guest_ram_release(g);
	guest_ram_free_frames(g);
	g->mem_hpa = fresh;
	return guest_ram_init(g);
}

void guest_notify(struct guest *g)
{
	uint8_t vector = __atomic_load_n(&g->notify_vector, __ATOMIC_ACQUIRE);
	if (vector)
		virq_raise(&g->vcpus[0], vector);
}

void guest_on_stopped(void (*hook)(struct guest *g))
{
	stopped_hook = hook;
}

void guest_start(struct guest *g)
{
	spin_lock(&g->lock);
	g->state = GUEST_RUNNING;
	g->paused = false;
	g->vcpus_stopped = 0;
	g->stop_reason[0] = '\0';
	g->start_tsc = rdtsc();
	for (unsigned i = 0; i < g->vcpu_count; i++)
		g->vcpus[i].runtime_at_start = g->vcpus[i].se.runtime;
	spin_unlock(&g->lock);
	log_info("guest %s: started", g->name);
	sched_wake(&g->vcpus[0].se);
}

void guest_stop(struct guest *g, enum guest_state state, int code, const char *fmt, ...)
{
	spin_lock(&g->lock);
	if (g->state != GUEST_RUNNING) {
		spin_unlock(&g->lock);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->stop_reason, sizeof(g->stop_reason), fmt, ap);
	va_end(ap);
	g->state = state;
	g->exit_code = code;
	spin_unlock(&g->lock);

	log_info("guest %s: %s: %s", g->name,
		 state == GUEST_CRASHED ? "stopped by the hypervisor" : "exited", g->stop_reason);
	/*
	 * Running vCPUs notice at their next exit, waiting ones are queued to
	 * notice; one about to block in HLT does not (sched_notify).
	 */
	for (unsigned i = 0; i < g->vcpu_count; i++)
		sched_notify(&g->vcpus[i].se);
}

void guest_vcpu_stopped(struct guest *g, struct vcpu *v)
{
	spin_lock(&g->lock);
	unsigned stopped = ++g->vcpus_stopped;
	spin_unlock(&g->lock);
	if (stopped < g->vcpus_started)
		return;
	/*
	 * Only now that no vCPU of g runs: until then the guest may still
	 * finish the line its UART holds, which a flush at guest_stop printed twice.
	 */
	vdev_stop_all(g);
	exit_stats_print(g);
	if (stopped_hook)
		stopped_hook(g);
}

void guest_set_paused(struct guest *g, bool paused)
{
	g->paused = paused;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];
		if (!paused && v->se.state == SCHED_PARKED)
			sched_wake(&v->se);
		else
			sched_kick(&v->se);
	}
}

void guest_console_line(struct guest *g, const char *text)
{
	if (g->console_hold)
		g->console_hold(g, text);
	else
		guest_console_emit(g, g->name, text);
}

/* The console's `waitfor` (one at a time: scripts run one line after another). */
static struct console_watch {
	struct spinlock lock;
	char name[GUEST_NAME_MAX];
	char text[128];
	volatile bool seen;
} console_watch = {.lock = SPINLOCK_INIT};

void guest_console_emit(struct guest *g, const char *name, const char *text)
{
	/* The guest's own output, not the hypervisor's chatter: loglevel=warn keeps it. */
	log_warn("[%s] %s", name, text);
	struct console_watch *w = &console_watch;
	spin_lock(&w->lock);
	if (w->name[0] && !strcmp(name, w->name) && strstr(text, w->text))
		w->seen = true;
	spin_unlock(&w->lock);
}

void guest_console_watch(const char *name, const char *text)
{
	struct console_watch *w = &console_watch;
	spin_lock(&w->lock);
	snprintf(w->name, sizeof(w->name), "%s", name ? name : "");
	snprintf(w->text, sizeof(w->text), "%s", text ? text : "");
	w->seen = false;
	spin_unlock(&w->lock);
}

bool guest_console_seen(void)
{
	return console_watch.seen;
}

void guest_exit_stats(const struct guest *g, struct exit_stat out[VEXIT_KIND_COUNT])
{
	for (unsigned k = 0; k < VEXIT_KIND_COUNT; k++) {
		out[k] = (struct exit_stat){0};
		for (unsigned i = 0; i < g->vcpu_count; i++) {
			out[k].count += g->vcpus[i].stats[k].count;
			out[k].cycles += g->vcpus[i].stats[k].cycles;
		}
	}
}
