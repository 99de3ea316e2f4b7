/*
 * Port I/O and MMIO emulation. MMIO exits carry no instruction, so the
 * instruction at CS:RIP is fetched through the guest's own page tables,
 * decoded and carried out against the device (kernel/x86_decode.c,
 * mmio_emulate.c). A guest-physical access outside RAM and outside the MMIO
 * window is an escape attempt: the guest is stopped.
 */
#include "kernel/exit_io.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/exit.h"
#include "kernel/guest.h"
#include "kernel/guest_paging.h"
#include "kernel/log.h"
#include "kernel/mmio_emulate.h"
#include "kernel/virt.h"
#include "kernel/x86_decode.h"

#define VECTOR_GP 13
#define VECTOR_PF 14
#define ALL_ONES  (~0ULL)

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ALL_ONES : (1ULL << (8 * size)) - 1;
}

void exit_io_port(struct vcpu *v, const struct vcpu_exit *e)
{
	struct guest *g = v->guest;
	if (e->io.string) {
		/* INS/OUTS are not emulated yet; a guest using them is stopped, not trusted. */
		exit_stop_guest(v, GUEST_CRASHED, -1, "string I/O on port 0x%x is not supported",
				e->io.port);
		return;
	}
	uint64_t mask = size_mask(e->io.size);
	uint64_t value = e->io.in ? 0 : (v->regs.rax & mask);
	spin_lock(&g->dev_lock);
	bool claimed = vdev_access(g, VDEV_PIO, e->io.port, e->io.size, !e->io.in, &value);
	spin_unlock(&g->dev_lock);
	if (!claimed) {
		__atomic_fetch_add(&g->unclaimed_io, 1, __ATOMIC_RELAXED);
		value = ALL_ONES;
	}
	if (e->io.in) {
		/* IN writes AL/AX (merging) or EAX (zero-extending in 64-bit mode: SDM 3A 3.4.1.1).
		 */
		if (e->io.size == 4)
			v->regs.rax = value & mask;
		else
			v->regs.rax = (v->regs.rax & ~mask) | (value & mask);
	}
	virt->vcpu_advance_rip(v, e->insn_len);
}

struct mmio_ctx {
	struct guest *g;
	gpa_t gpa;
};

static int mmio_device_access(void *ctx, bool write, unsigned size, uint64_t *value)
{
	struct mmio_ctx *m = ctx;
	spin_lock(&m->g->dev_lock);
	bool claimed = vdev_access(m->g, VDEV_MMIO, m->gpa, size, write, value);
	spin_unlock(&m->g->dev_lock);
	if (!claimed) {
		__atomic_fetch_add(&m->g->unclaimed_mmio, 1, __ATOMIC_RELAXED);
		if (!write)
			*value = ALL_ONES & size_mask(size);
	}
	return 0;
}

static int read_guest_ram(void *ctx, gpa_t gpa, void *buf, unsigned len)
{
	const void *src = guest_ram_ptr(ctx, gpa, len);
	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	return 0;
}

void exit_io_mmio(struct vcpu *v, const struct vcpu_exit *e)
{
	struct guest *g = v->guest;
	gpa_t gpa = e->npf.gpa;

	if (gpa < GUEST_MMIO_BASE || gpa >= GUEST_MMIO_END) {
		exit_stop_guest(v, GUEST_CRASHED, -1, "access to GPA 0x%llx outside its memory",
				(unsigned long long)gpa);
		return;
	}
	if (e->npf.fetch) {
		exit_stop_guest(v, GUEST_CRASHED, -1, "instruction fetch from MMIO at GPA 0x%llx",
				(unsigned long long)gpa);
		return;
	}

	struct vcpu_sregs s;
	virt->vcpu_get_sregs(v, &s);
	struct guest_paging pg = {.cr0 = s.cr0,
				  .cr3 = s.cr3,
				  .cr4 = s.cr4,
				  .efer = s.efer,
				  .read_gpa = read_guest_ram,
				  .ctx = g};
	struct guest_fetch fetch;
	int err = guest_fetch_insn(&pg, &s, &fetch);
	struct x86_insn insn;
	if (!err)
		err = x86_decode(fetch.bytes, fetch.len, x86_cpu_mode(&s), &insn);
	/*
	 * The code page is not mapped for this fetch (another vCPU changed the
	 * guest's page tables, or the instruction straddles into an unmapped
	 * page): the guest takes the #PF a real CPU would raise.
	 */
	if (err == -EFAULT || (err == -EINVAL && fetch.tail_error == -EFAULT)) {
		virt->vcpu_write_cr(v, 2, fetch.pf_la);
		exit_inject_exception(v, VECTOR_PF, true, fetch.pf_error);
		return;
	}
	if (err) {
		exit_stop_guest(v, GUEST_CRASHED, -1,
				"MMIO at GPA 0x%llx by an instruction that cannot be emulated (%d)",
				(unsigned long long)gpa, err);
		return;
	}

	struct mmio_ctx ctx = {.g = g, .gpa = gpa};
	bool advance = true;
	uint64_t rflags = s.rflags, rsp = s.rsp;
	err = mmio_emulate(&insn, &v->regs, &rsp, &rflags, mmio_device_access, &ctx, &advance);
	if (err) {
		exit_stop_guest(v, GUEST_CRASHED, -1, "MMIO at GPA 0x%llx: emulation failed (%d)",
				(unsigned long long)gpa, err);
		return;
	}
	if (rflags != s.rflags || rsp != s.rsp) {
		s.rflags = rflags;
		s.rsp = rsp;
		virt->vcpu_set_sregs(v, &s);
	}
	if (advance)
		virt->vcpu_advance_rip(v, insn.len);
}
