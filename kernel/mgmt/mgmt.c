/*
 * Management console: the shell's operations on the guests, and two input
 * sources, COM1 and a boot script. A script's `sleep` does not block CPU 0:
 * the script just resumes at a later housekeeping call.
 */
#include "kernel/mgmt/mgmt.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "drivers/uart16550.h"
#include "kernel/guest/exit_stats.h"
#include "kernel/guest/guest.h"
#include "kernel/ha/duplex.h"
#include "kernel/ha/vote.h"
#include "kernel/mgmt/autoscale.h"
#include "kernel/mgmt/autoscale_policy.h"
#include "kernel/mgmt/guests.h"
#include "kernel/core/log.h"
#include "kernel/core/parse_num.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"
#include "kernel/sched/sched.h"
#include "kernel/mgmt/shell.h"
#include "kernel/vdev/standard.h"

#define TENTHS_PER_UNIT 1000 /* shares are printed as percent with one decimal */

static struct {
	const char *script;
	size_t script_len, script_pos;
	uint64_t sleep_until;		  /* TSC */
	char waiting_for[GUEST_NAME_MAX]; /* the script holds until it no longer runs ("": none) */
	char watching[GUEST_NAME_MAX];	  /* the script holds until it prints watch_text ("") */
	char watch_text[SHELL_LINE_MAX + 1];
	char typing[GUEST_NAME_MAX]; /* `type`: the rest of type_text goes to its serial port */
	char type_text[SHELL_LINE_MAX + 2];
	size_t type_len, type_pos;
	struct shell_input input;
} mgmt;

static void out(void *ctx, const char *text)
{
	log_info("%s", text);
}

static const char *state_name(const struct guest *g)
{
	switch (g->state) {
	case GUEST_CREATED:
		return "created";
	case GUEST_RUNNING:
		return g->paused ? "paused" : "running";
	case GUEST_EXITED:
		return "exited";
	default:
		return "stopped by the hypervisor";
	}
}

static const char *vcpu_state_name(enum sched_state s)
{
	static const char *const names[] = {"stopped", "runnable", "running", "blocked", "parked"};
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int op_list(void *ctx)
{
	log_info("mgmt: %u guests", guests_count());
	for (unsigned i = 0; i < guests_count(); i++) {
		struct guest *g = guests_get(i);
		const char *duplex = duplex_role(g), *vote = vote_role(g);
		log_info("mgmt: %-12s %-26s %u vCPU%s %4llu MiB%s%s", g->name, state_name(g),
			 g->vcpu_count, g->vcpu_count > 1 ? "s" : "",
			 (unsigned long long)(g->mem_size / SZ_1M),
			 duplex ? ", duplex "
			 : vote ? ", voting "
				: "",
			 duplex ? duplex
			 : vote ? vote
				: "");
	}
	return 0;
}

/* Microseconds from now to a TSC deadline; negative when it has passed. */
static long long us_until(uint64_t deadline)
{
	uint64_t per_us = tsc_hz() / 1000000;
	return (long long)(deadline - rdtsc()) / (long long)(per_us ? per_us : 1);
}

/* What would wake or interrupt the vCPU: its timer, a pending interrupt or event. */
static void print_vcpu_events(const struct guest *g, unsigned i, const struct vcpu *v)
{
	char timer[32] = "off", wake[32] = "none";
	if (v->timer_deadline)
		snprintf(timer, sizeof(timer), "in %lld us", us_until(v->timer_deadline));
	if (v->se.wake_deadline)
		snprintf(wake, sizeof(wake), "in %lld us", us_until(v->se.wake_deadline));
	log_info("mgmt: guest %s vcpu %u: timer %s, wake-up %s, interrupt %s (vector %u), "
		 "event %s",
		 g->name, i, timer, wake, v->irq_pending ? "pending" : "none", v->irq_vector,
		 v->event_pending ? "pending" : "none");
}

/* What `set` and the config's weight, cap and cpus keys decide, as they are now. */
static void print_settings(const struct guest *g)
{
	char cpus[8 * GUEST_MAX_VCPUS] = "shared", cap[8] = "none";
	size_t n = 0;
	for (unsigned i = 0; g->vcpus[0].se.pinned && i < g->vcpu_count; i++)
		n += snprintf(cpus + n, sizeof(cpus) - n, "%s%u", i ? "," : "", g->vcpus[i].se.cpu);
	if (g->vcpus[0].se.cap_pct)
		snprintf(cap, sizeof(cap), "%u%%", g->vcpus[0].se.cap_pct);
	log_info("mgmt: guest %s: weight %u, cap %s, cpus %s", g->name, g->vcpus[0].se.weight, cap,
		 cpus);
}

/* A replica's role and its group's figures (kernel/ha), for info and stats. */
static void print_redundancy(const char *prefix, struct guest *g)
{
	if (!g->ha)
		return;
	char line[400];
	if (duplex_role(g))
		duplex_describe(g, line, sizeof(line));
	else
		vote_describe(g, line, sizeof(line));
	log_info("%s %s: %s", prefix, g->name, line);
}

static int op_info(void *ctx, const char *name)
{
	struct guest *g = guests_find(name);
	if (!g)
		return -ENOENT;
	log_info("mgmt: guest %s: %s, %llu MiB at host 0x%llx, exit code %d%s%s", g->name,
		 state_name(g), (unsigned long long)(g->mem_size / SZ_1M),
		 (unsigned long long)g->mem_hpa, g->exit_code, g->stop_reason[0] ? ", " : "",
		 g->stop_reason);
	const char *cmdline = guests_cmdline(g);
	log_info("mgmt: guest %s: devices:%s%s, cmdline \"%s\"", g->name,
		 (g->device_mask & GUEST_DEV_UART) ? " uart" : "",
		 (g->device_mask & GUEST_DEV_DEBUG_EXIT) ? " debug-exit" : "", cmdline);
	print_settings(g);
	print_redundancy("mgmt: guest", g);
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		const struct vcpu *v = &g->vcpus[i];
		uint64_t exits = 0;
		for (unsigned k = 0; k < VEXIT_KIND_COUNT; k++)
			exits += v->stats[k].count;
		log_info("mgmt: guest %s vcpu %u: CPU %u %s, %s, weight %u, cap %u%%, %llu exits",
			 g->name, i, v->se.cpu, v->se.pinned ? "pinned" : "shared",
			 vcpu_state_name(v->se.state), v->se.weight, v->se.cap_pct,
			 (unsigned long long)exits);
		print_vcpu_events(g, i, v);
	}
	return 0;
}

/* A share in tenths of a percent, of `total` cycles. */
static unsigned tenths(uint64_t part, uint64_t total)
{
	return total ? (unsigned)(part / (total / TENTHS_PER_UNIT ? total / TENTHS_PER_UNIT : 1))
		     : 0;
}

static void print_shares(struct guest *g)
{
	uint64_t elapsed = rdtsc() - g->start_tsc;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		const struct vcpu *v = &g->vcpus[i];
		uint64_t runtime = sched_runtime(&v->se) - v->runtime_at_start;
		unsigned t = tenths(runtime, elapsed);
		log_info("stats: %s vcpu %u cpu %u share=%u.%u%% runtime=%llu", g->name, i,
			 v->se.cpu, t / 10, t % 10, (unsigned long long)runtime);
	}
}

/*
 * What the hypervisor holds: free frames of the physical allocator and
 * bytes the heap has handed out. Starting and stopping guests any number of
 * times must bring both back to where they were (the restart soak checks).
 */
static void print_memory(void)
{
	struct pmm_stats st;
	pmm_get_stats(&st);
	struct mallinfo mi = mallinfo();
	log_info("stats: memory free-frames=%llu of %llu heap-in-use=%llu heap-arena=%llu",
		 (unsigned long long)st.free_frames, (unsigned long long)st.total_frames,
		 (unsigned long long)mi.uordblks, (unsigned long long)mi.arena);
}

static int op_stats(void *ctx, const char *name)
{
	if (name) {
		struct guest *g = guests_find(name);
		if (!g)
			return -ENOENT;
		exit_stats_print(g);
		print_shares(g);
		print_redundancy("stats:", g);
		return 0;
	}
	for (unsigned i = 0; i < guests_count(); i++) {
		exit_stats_print(guests_get(i));
		print_shares(guests_get(i));
		print_redundancy("stats:", guests_get(i));
	}
	print_memory();
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
		struct sched_cpu_stats s;
		sched_get_cpu_stats(cpu, &s);
		if (!s.entities)
			continue;
		uint64_t elapsed = rdtsc() - s.since;
		unsigned busy = tenths(s.busy_cycles, elapsed),
			 idle = tenths(s.idle_cycles, elapsed);
		log_info("stats: cpu %u %s %u vCPUs busy=%u.%u%% idle=%u.%u%% switches=%llu "
			 "switch-cost=%llu",
			 cpu,
			 sched_cpu_failed(cpu) ? "failed"
			 : s.pinned	       ? "pinned"
					       : "shared",
			 s.entities, busy / 10, busy % 10, idle / 10, idle % 10,
			 (unsigned long long)s.switches,
			 (unsigned long long)(s.switches ? s.switch_cycles / s.switches : 0));
	}
	return 0;
}

#define GUEST_OP(op_name, fn)                                                                      \
	static int op_name(void *ctx, const char *name)                                            \
	{                                                                                          \
		struct guest *g = guests_find(name);                                               \
		return g ? fn(g) : -ENOENT;                                                        \
	}
GUEST_OP(op_start, guests_start_one)
GUEST_OP(op_stop, guests_stop_one)
GUEST_OP(op_restart, guests_restart_one)
GUEST_OP(op_pause, guests_pause_one)
GUEST_OP(op_resume, guests_resume_one)

static int op_set(void *ctx, const char *name, const struct shell_settings *st, char *why)
{
	struct guest *g = guests_find(name);
	if (!g)
		return -ENOENT;
	int err = guests_set_one(g, st, why);
	if (!err)
		print_settings(g);
	return err;
}

static int op_sleep(void *ctx, uint32_t ms)
{
	mgmt.sleep_until = rdtsc() + tsc_hz() / 1000 * ms;
	return 0;
}

static int op_wait(void *ctx, const char *name)
{
	struct guest *g = guests_find(name);
	if (!g)
		return -ENOENT;
	snprintf(mgmt.waiting_for, sizeof(mgmt.waiting_for), "%s", g->name);
	return 0;
}

/*
 * Feed what `type` still has to send, as the guest's receive FIFO drains: a
 * serial line delivers at the pace of its reader, not all at once into a
 * 16-byte FIFO. True while bytes remain.
 */
static bool type_progress(void)
{
	if (!mgmt.typing[0])
		return false;
	struct guest *g = guests_find(mgmt.typing); /* gone if scaled in meanwhile */
	int n = g && g->state == GUEST_RUNNING
		    ? vdev_console_input(g, mgmt.type_text + mgmt.type_pos,
					 mgmt.type_len - mgmt.type_pos)
		    : -EINVAL;
	if (n > 0)
		mgmt.type_pos += (size_t)n;
	if (n >= 0 && mgmt.type_pos < mgmt.type_len)
		return true;
	if (n < 0)
		log_info("shell: type %s: the guest stopped reading; %zu bytes not sent",
			 mgmt.typing, mgmt.type_len - mgmt.type_pos);
	mgmt.typing[0] = '\0';
	return false;
}

static int op_type(void *ctx, const char *name, const char *text)
{
	struct guest *g = guests_find(name);
	if (!g)
		return -ENOENT;
	if (g->state != GUEST_RUNNING)
		return -EINVAL;
	if (!(g->device_mask & GUEST_DEV_UART))
		return -ENODEV;
	if (mgmt.typing[0])
		return -EAGAIN; /* the previous line is still on its way */
	/* The line and its carriage return, as a terminal sends Enter. */
	mgmt.type_len = (size_t)snprintf(mgmt.type_text, sizeof(mgmt.type_text), "%s\r", text);
	mgmt.type_pos = 0;
	snprintf(mgmt.typing, sizeof(mgmt.typing), "%s", g->name);
	type_progress();
	return 0;
}

static int op_wait_for(void *ctx, const char *name, const char *text)
{
	struct guest *g = guests_find(name);
	if (!g)
		return -ENOENT;
	if (g->state != GUEST_RUNNING && !vote_running(g) && !duplex_running(g))
		return -EINVAL;
	snprintf(mgmt.watch_text, sizeof(mgmt.watch_text), "%s", text);
	snprintf(mgmt.watching, sizeof(mgmt.watching), "%s", g->name);
	guest_console_watch(mgmt.watching, mgmt.watch_text);
	return 0;
}

/* `waitfor`: the text came, or the guest ended without it (said, and the script goes on). */
static bool watch_held(void)
{
	if (!mgmt.watching[0])
		return false;
	struct guest *g = guests_find(mgmt.watching); /* gone if scaled in meanwhile */
	/* A replica's name moves with its role: the group runs on while either runs. */
	bool ended = !g || (g->state != GUEST_RUNNING && !g->restart_pending && !vote_running(g) &&
			    !duplex_running(g));
	if (!g) {
		log_info("shell: waitfor %s: the guest is gone", mgmt.watching);
		mgmt.watching[0] = '\0';
		return false;
	}
	bool seen = guest_console_seen();
	if (!seen && !ended)
		return true;
	if (!seen)
		log_info("shell: waitfor %s: the guest ended before printing '%s'", g->name,
			 mgmt.watch_text);
	guest_console_watch(NULL, NULL);
	mgmt.watching[0] = '\0';
	return false;
}

static int op_fail(void *ctx, const char *name, const char *kind)
{
	struct guest *g = guests_find(name);
	if (!g)
		return -ENOENT;
	if (!strcmp(kind, "cpu")) /* any guest: the pCPU its (first) vCPU runs on */
		return guests_fail_cpu(g->vcpus[0].se.cpu);
	int err = duplex_fail(g, kind);
	if (err == -ENOENT)
		err = vote_fail(g, kind);
	return err == -ENOENT ? -EOPNOTSUPP : err; /* the guest is there: it is no replica */
}

static int op_autoscale(void *ctx, const char *name, const char *text)
{
	char why[AUTOSCALE_WHY_MAX] = "";
	int err = autoscale_set(name, text, why, sizeof(why));
	if (err == -EINVAL)
		log_info("mgmt: autoscale %s: %s", name, why);
	return err;
}

static int op_fail_cpu(void *ctx, uint32_t cpu)
{
	return guests_fail_cpu(cpu);
}

static int op_failover(void *ctx, const char *name)
{
	struct guest *g = guests_find(name);
	if (!g)
		return -ENOENT;
	int err = duplex_failover(g);
	return err == -ENOENT ? -EOPNOTSUPP : err;
}

/* `flip`: one bit of guest RAM inverted, as a memory fault would (fault-injection tests). */
static int op_flip(void *ctx, const char *name, const char *text)
{
	struct guest *g = guests_find(name);
	uint64_t gpa;
	bool overflow;
	size_t n = strlen(text);
	if (!g)
		return -ENOENT;
	if (parse_u64(text, n, &gpa, &overflow) != n || overflow)
		return -EINVAL;
	uint8_t *byte = guest_ram_ptr(g, gpa, 1); /* a write: a checkpoint must carry it */
	if (!byte)
		return -EFAULT;
	*byte ^= 1;
	log_info("mgmt: guest %s: bit 0 of GPA 0x%llx flipped", g->name, (unsigned long long)gpa);
	return 0;
}

static int op_scale(void *ctx, const char *name, uint32_t count)
{
	char reply[96] = "";
	int err = guests_scale(name, count, reply, sizeof(reply));
	if (reply[0])
		log_info("mgmt: %s", reply);
	return err;
}

/*
 * Whether a `sleep`, a `wait`, a `waitfor`, a `type` still sending or a
 * scale-in (until the instances are destroyed) holds the script now. `wait` goes by name: a guest
 * scaled in meanwhile is gone, and no longer waited for.
 */
static bool script_held(void)
{
	if (rdtsc() < mgmt.sleep_until) /* the usual hold, checked first: this runs every slice */
		return true;
	const struct guest *g = mgmt.waiting_for[0] ? guests_find(mgmt.waiting_for) : NULL;
	if (!g || (g->state != GUEST_RUNNING && !g->restart_pending)) /* a restart: not ended */
		mgmt.waiting_for[0] = '\0';
	if (watch_held() || type_progress())
		return true;
	return mgmt.waiting_for[0] || guests_scaling();
}

static const struct shell_ops ops = {
    .out = out,
    .list = op_list,
    .info = op_info,
    .stats = op_stats,
    .start = op_start,
    .stop = op_stop,
    .restart = op_restart,
    .pause = op_pause,
    .resume = op_resume,
    .sleep_ms = op_sleep,
    .wait = op_wait,
    .type = op_type,
    .wait_for = op_wait_for,
    .scale = op_scale,
    .fail = op_fail,
    .fail_cpu = op_fail_cpu,
    .autoscale = op_autoscale,
    .failover = op_failover,
    .flip = op_flip,
    .set = op_set,
};

void mgmt_init(const char *script, size_t script_len)
{
	mgmt.script = script;
	mgmt.script_len = script ? script_len : 0;
	shell_input_init(&mgmt.input, &ops, NULL);
	log_info("mgmt: console on COM1%s (type help)", script ? ", running the boot script" : "");
}

/* Run script lines until one sleeps or the script ends. */
static void script_step(void)
{
	/* The usual case, inline: this runs between every two slices on CPU 0. */
	if (mgmt.script_pos >= mgmt.script_len || rdtsc() < mgmt.sleep_until)
		return;
	while (mgmt.script_pos < mgmt.script_len && !script_held()) {
		const char *line = mgmt.script + mgmt.script_pos;
		const char *end = memchr(line, '\n', mgmt.script_len - mgmt.script_pos);
		size_t len = end ? (size_t)(end - line) : mgmt.script_len - mgmt.script_pos;
		mgmt.script_pos += len + (end ? 1 : 0);
		/* shell_run_script checks and echoes one line: hand it exactly one. */
		shell_run_script(line, len, &ops, NULL);
	}
}

void mgmt_poll(void)
{
	int c;
	while ((c = uart16550_getc()) >= 0)
		shell_input_byte(&mgmt.input, (uint8_t)c, &ops, NULL);
	if (mgmt.typing[0])
		type_progress();
	script_step();
}

bool mgmt_script_done(void)
{
	return mgmt.script_pos >= mgmt.script_len && !script_held();
}
