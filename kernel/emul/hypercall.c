/*
 * Hypercalls. Every argument comes from the guest: buffers are checked to
 * lie wholly inside guest RAM before a byte is read, unknown numbers and bad
 * arguments return an error code in RAX. Nothing a guest passes can fault
 * the hypervisor.
 */
#include "kernel/emul/hypercall.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "kernel/core/boot_info.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_resize.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/core/log.h"
#include "kernel/sched/sched.h"
#include "kernel/guest/virq.h"
#include "kernel/guest/virt.h"

#define CONSOLE_LINE_MAX 120

/* Print guest text as console lines: split on '\n', non-printables shown as '.'. */
static void console_write_guest(struct guest *g, const char *buf, uint64_t len)
{
	char line[CONSOLE_LINE_MAX + 1];
	unsigned n = 0;
	for (uint64_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '\n' || n == CONSOLE_LINE_MAX) {
			line[n] = '\0';
			guest_console_line(g, line);
			n = 0;
			if (c == '\n')
				continue;
		}
		if (c == '\r')
			continue;
		line[n++] = (c >= 0x20 && c < 0x7f) ? c : '.';
	}
	if (n) {
		line[n] = '\0';
		guest_console_line(g, line);
	}
}

static int64_t hc_console_write(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	if (len > HC_CONSOLE_MAX)
		return HC_EINVAL;
	const char *buf = guest_ram_read_ptr(v->guest, gpa, len);
	if (!buf)
		return HC_EFAULT;
	console_write_guest(v->guest, buf, len);
	return len;
}

/*
 * Start secondary vCPU `id` at rip/rsp in the mode the calling vCPU runs in
 * now (its segments, control registers and page tables), like an INIT/SIPI
 * start that already went through the mode switch. The state waits in the
 * vCPU, which sets it on its own CPU before its first entry (vcpu_run.c), as
 * a STARTUP IPI's does: no cross-CPU call inside this exit. Each vCPU starts
 * once per run (again after it stopped itself, HC_VCPU_STOP).
 */
static int64_t hc_vcpu_start(struct vcpu *v, uint64_t id, uint64_t rip, uint64_t rsp)
{
	struct guest *g = v->guest;
	if (id == 0 || id >= g->vcpus_offered)
		return HC_EINVAL;
	struct vcpu *t = &g->vcpus[id];
	struct vcpu_sregs *state = malloc(sizeof(*state));
	if (!state)
		return HC_ENOMEM;
	virt->vcpu_get_sregs(v, state);
	state->rip = rip;
	state->rsp = rsp;
	state->rflags = RFLAGS_RESERVED_ONE;
	spin_lock(&g->lock);
	bool started = t->se.state != SCHED_STOPPED || t->started;
	if (!started) {
		t->started = true;
		free(t->start_state); /* a start its guest's stop overtook */
		t->start_state = state;
		t->start_pending = true;
		state = NULL;
	}
	spin_unlock(&g->lock);
	free(state);
	if (started)
		return HC_EINVAL;
	__atomic_fetch_add(&g->vcpus_started, 1, __ATOMIC_SEQ_CST);
	sched_wake(&t->se);
	return 0;
}

/* A secondary vCPU stops itself at the end of this exit (vcpu_run.c). */
static int64_t hc_vcpu_stop(struct vcpu *v)
{
	if (v->id == 0)
		return HC_EINVAL;
	v->stopping = true;
	*sched_work_flag() = true;
	return 0;
}

static int64_t hc_notify(struct vcpu *v, uint64_t vector)
{
	if (vector && (vector < 32 || vector > 255))
		return HC_EINVAL;
	__atomic_store_n(&v->guest->notify_vector, (uint8_t)vector, __ATOMIC_RELEASE);
	return 0;
}

static int64_t hc_balloon(struct vcpu *v, uint64_t gpa, uint64_t pages)
{
	int64_t held = guest_resize_balloon(v->guest, gpa, pages);
	if (held == -ENOMEM)
		return HC_ENOMEM;
	return held < 0 ? HC_EINVAL : held;
}

/* Everything but the two hypercalls answered in place (hypercall_handle). */
static __attribute__((noinline)) int64_t hypercall_other(struct vcpu *v)
{
	struct vcpu_regs *r = &v->regs;

	switch (r->rax) {
	case HC_CONSOLE_WRITE:
		return hc_console_write(v, r->rdi, r->rsi);
	case HC_EXIT:
		guest_stop(v->guest, GUEST_EXITED, (int)r->rdi, "exit hypercall, code %d",
			   (int)r->rdi);
		return 0;
	case HC_YIELD:
		sched_yield(&v->se);
		return 0;
	case HC_SET_TIMER:
		if (r->rsi > 255 || virq_set_timer(v, r->rdi, (uint8_t)r->rsi))
			return HC_EINVAL;
		return 0;
	case HC_VCPU_START:
		return hc_vcpu_start(v, r->rdi, r->rsi, r->rdx);
	case HC_VCPU_STOP:
		return hc_vcpu_stop(v);
	case HC_NOTIFY:
		return hc_notify(v, r->rdi);
	case HC_VCPUS:
		return v->guest->vcpus_offered;
	case HC_MEM_TARGET:
		return (int64_t)guest_resize_target(v->guest);
	case HC_MEM_TOP:
		return (int64_t)guest_resize_top(v->guest);
	case HC_BALLOON:
		return hc_balloon(v, r->rdi, r->rsi);
	default:
		return HC_ENOSYS;
	}
}

void hypercall_handle(struct vcpu *v)
{
	struct vcpu_regs *r = &v->regs;

	switch (r->rax) {
	case HC_VERSION:
		r->rax = SHOJI_ABI_VERSION;
		break;
	case HC_TIME_NS:
		r->rax = tsc_to_ns(rdtsc() - boot_entry_tsc);
		break;
	case HC_HEARTBEAT: /* kernel/ha's watchdog reads it */
		v->guest->heartbeat_tsc = rdtsc();
		r->rax = 0;
		break;
	case HC_LOAD: /* kernel/mgmt's autoscaler reads it */
		if (r->rdi > 100) {
			r->rax = (uint64_t)HC_EINVAL;
			break;
		}
		v->guest->reported_load = (uint32_t)r->rdi;
		v->guest->load_tsc = rdtsc();
		r->rax = 0;
		break;
	case HC_INSTANCES:
		r->rax = v->guest->instance_count && *v->guest->instance_count
			     ? *v->guest->instance_count
			     : 1;
		break;
	default:
		r->rax = (uint64_t)hypercall_other(v);
		break;
	}
}
