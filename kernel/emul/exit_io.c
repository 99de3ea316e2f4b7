/*
 * Port I/O and MMIO emulation. MMIO exits carry no instruction, so the
 * instruction at CS:RIP is fetched through the guest's own page tables,
 * decoded and carried out against the device (kernel/emul/x86_decode.c,
 * mmio_emulate.c). A guest-physical access outside RAM and outside the MMIO
 * window is an escape attempt: the guest is stopped.
 */
#include "kernel/emul/exit_io.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/emul/exit.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_cow.h"
#include "kernel/guest/guest_dirty.h"
#include "kernel/emul/guest_mem.h"
#include "kernel/core/log.h"
#include "kernel/emul/mmio_emulate.h"
#include "kernel/emul/msr_policy.h"
#include "kernel/guest/virq.h"
#include "kernel/guest/virt.h"
#include "kernel/emul/x86_decode.h"
#include "kernel/emul/x86_decode_memo.h"
#include "kernel/core/pcpu.h"

#define VECTOR_SS 12
#define VECTOR_GP 13
#define VECTOR_AC 17
#define VECTOR_PF 14
#define ALL_ONES  (~0ULL)
#define PAGE_OFFSET_MASK (PAGE_SIZE - 1)
#define LA32_MASK 0xffffffffULL /* outside 64-bit mode linear addresses wrap at 4 GiB */

/*
 * A device access: the device that claims it (vdev_find) under the guest's
 * device lock, or nobody's, which gets the defined answer (reads all ones,
 * writes ignored, counted in *unclaimed). size is 1, 2, 4 or 8: port exits
 * report 1, 2 and 4 (SDM 3C table 28-5), emulated MMIO operands are 1, 2, 4
 * or 8 bytes.
 */
static inline __attribute__((always_inline)) uint64_t unclaimed_access(unsigned size,
								       uint64_t *unclaimed)
{
	__atomic_fetch_add(unclaimed, 1, __ATOMIC_RELAXED);
	return ALL_ONES & vdev_size_mask(size);
}

static inline __attribute__((always_inline)) uint64_t claimed_access(struct guest *g,
								     struct vdev *d, uint64_t addr,
								     unsigned size, bool in,
								     uint64_t value)
{
	spin_lock(&g->dev_lock);
	if (in)
		value = vdev_read(d, addr, size);
	else
		vdev_write(d, addr, size, value);
	spin_unlock(&g->dev_lock);
	return value;
}

static inline __attribute__((always_inline)) uint64_t
port_access(struct guest *g, uint16_t port, unsigned size, bool in, uint64_t value)
{
	struct vdev *d = vdev_find(&g->vdevs, VDEV_PIO, port, size);
	if (!d)
		return unclaimed_access(size, &g->unclaimed_io);
	return claimed_access(g, d, port, size, in, value);
}

static const struct vcpu_segment *segment_of(const struct vcpu_sregs *s, enum x86_seg seg)
{
	switch (seg) {
	case X86_SEG_ES:
		return &s->es;
	case X86_SEG_CS:
		return &s->cs;
	case X86_SEG_SS:
		return &s->ss;
	case X86_SEG_FS:
		return &s->fs;
	case X86_SEG_GS:
		return &s->gs;
	default:
		return &s->ds;
	}
}

/* The CPL: SS.DPL in protected mode (SDM 3A 5.5), 0 in real mode. */
static unsigned cpl_of(const struct vcpu_insn_state *st)
{
	return (st->cr0 & CR0_PE) ? st->ss_dpl : 0;
}

/* The rights a data access (string element, MMIO operand) is checked with, as the CPU would. */
static unsigned data_access(const struct vcpu_insn_state *st, bool write)
{
	unsigned access = write ? GUEST_ACCESS_WRITE : 0;
	if (cpl_of(st) == 3)
		access |= GUEST_ACCESS_USER;
	if (st->rflags & RFLAGS_AC)
		access |= GUEST_ACCESS_AC; /* SMAP lets supervisor accesses through with AC set */
	return access;
}

/*
 * Faults an element raises before any page is walked: a non-canonical
 * address in 64-bit mode is #GP(0), or #SS(0) through SS (SDM 3A 6.15), and
 * a misaligned one at CPL 3 with CR0.AM and RFLAGS.AC is #AC(0). True if one
 * was queued.
 */
static bool string_fault(struct vcpu *v, const struct vcpu_insn_state *st, enum x86_seg seg,
			 gva_t la, unsigned size)
{
	if (x86_cpu_mode(st) == X86_MODE_64 && !msr_policy_canonical(la)) {
		exit_inject_exception(v, seg == X86_SEG_SS ? VECTOR_SS : VECTOR_GP, true, 0);
		return true;
	}
	if ((la & (size - 1)) && cpl_of(st) == 3 && (st->cr0 & CR0_AM) &&
	    (st->rflags & RFLAGS_AC)) {
		exit_inject_exception(v, VECTOR_AC, true, 0);
		return true;
	}
	return false;
}

/*
 * INS / OUTS, one element per exit (SDM 2 INS, OUTS, REP): the memory side
 * is ES:rDI (INS) or DS:rSI with any segment override (OUTS), translated
 * through the guest's page tables and required to be guest RAM. With REP
 * the instruction is re-executed until rCX reaches 0, so each element takes
 * one exit and the guest stays interruptible between them.
 */
static void string_io(struct vcpu *v, const struct vcpu_exit *e)
{
	struct guest *g = v->guest;
	struct vcpu_sregs s;
	virt->vcpu_get_sregs(v, &s);
	struct vcpu_insn_state st = vcpu_sregs_insn_state(&s);
	struct guest_fetch fetch;
	struct x86_insn insn;
	enum x86_mode mode = x86_cpu_mode(&st);
	if (guest_mem_fetch_insn(g, &st, &fetch)) {
		exit_stop_guest(v, GUEST_CRASHED, -1, "string I/O: cannot fetch the instruction");
		return;
	}
	/* The instruction decides the address size and the source segment; the exit gave the rest. */
	if (x86_decode(fetch.bytes, fetch.len, mode, &insn) ||
	    (insn.op != X86_OP_INS && insn.op != X86_OP_OUTS)) {
		exit_stop_guest(v, GUEST_CRASHED, -1, "string I/O exit without INS/OUTS at RIP");
		return;
	}
	unsigned addr_size = insn.addr_size;
	uint64_t amask = addr_size == 8 ? ALL_ONES : (1ULL << (8 * addr_size)) - 1;
	struct vcpu_regs *r = &v->regs;

	if (e->io.rep && !(r->rcx & amask)) {
		virt->vcpu_advance_rip(v, e->insn_len);
		return;
	}
	uint64_t *index = e->io.in ? &r->rdi : &r->rsi;
	enum x86_seg seg_id = e->io.in ? X86_SEG_ES : insn.seg;
	const struct vcpu_segment *seg = segment_of(&s, seg_id);
	uint64_t base = (mode == X86_MODE_64 && seg != &s.fs && seg != &s.gs) ? 0 : seg->base;
	gva_t la = base + (*index & amask);
	unsigned size = e->io.size;
	if (string_fault(v, &st, seg_id, la, size))
		return;
	unsigned access = data_access(&st, e->io.in);
	gva_t pf_la;
	uint32_t pf_error;
	uint64_t value = 0;
	/* Every page of the element is checked before the port is touched (INS reads it first). */
	int err = guest_mem_check_gva(g, &st, la, access, size, &pf_la, &pf_error);
	if (!err && e->io.in) {
		value = port_access(g, e->io.port, size, true, 0);
		err = guest_mem_write_gva(g, &st, la, access, &value, size, &pf_la, &pf_error);
	} else if (!err) {
		err = guest_mem_read_gva(g, &st, la, access, &value, size, &pf_la, &pf_error);
		if (!err)
			port_access(g, e->io.port, size, false, value);
	}
	if (err == -EFAULT) {
		virt->vcpu_write_cr(v, 2, pf_la);
		exit_inject_exception(v, VECTOR_PF, true, pf_error);
		return;
	}
	if (err) {
		exit_stop_guest(v, GUEST_CRASHED, -1,
				"string I/O on port 0x%x with memory at 0x%llx outside its RAM (%d)",
				e->io.port, (unsigned long long)la, err);
		return;
	}
	/* 16-bit address writes merge into the register, 32-bit ones zero-extend. */
	uint64_t keep = addr_size == 2 ? ~amask : 0;
	uint64_t step = (s.rflags & RFLAGS_DF) ? -(uint64_t)size : size;
	*index = (*index & keep) | ((*index + step) & amask);
	if (e->io.rep) {
		r->rcx = (r->rcx & keep) | ((r->rcx - 1) & amask);
		if (r->rcx & amask)
			return; /* RIP stays: the next element comes with the next exit */
	}
	virt->vcpu_advance_rip(v, e->insn_len);
}

void exit_io_port(struct vcpu *v, const struct vcpu_exit *e)
{
	if (e->io.string) {
		string_io(v, e);
		return;
	}
	unsigned size = e->io.size;
	uint64_t mask = vdev_size_mask(size);
	if (e->io.in) {
		uint64_t value = port_access(v->guest, e->io.port, size, true, 0);
		/* IN writes AL/AX (merging) or EAX (zero-extending in 64-bit mode: SDM 3A 3.4.1.1). */
		v->regs.rax = size == 4 ? value : (v->regs.rax & ~mask) | value;
	} else {
		port_access(v->guest, e->io.port, size, false, v->regs.rax & mask);
	}
	virt->vcpu_advance_rip(v, e->insn_len);
}

struct mmio_ctx {
	struct vcpu *v;
	struct guest *g;
	gpa_t gpa;
};

/* The empty bus: reads float high; counted so that a guest probing it shows in stats. */
static inline __attribute__((always_inline)) void mmio_empty_bus(struct mmio_ctx *m, bool write,
								 unsigned size, uint64_t *value)
{
	if (write)
		unclaimed_access(size, &m->g->unclaimed_mmio);
	else
		*value = unclaimed_access(size, &m->g->unclaimed_mmio);
}

/* No device's, for a vCPU with a local APIC: its page, or the empty bus. Off the hot path. */
static __attribute__((noinline)) void mmio_unclaimed_chip(struct mmio_ctx *m, bool write,
							 unsigned size, uint64_t *value)
{
	struct virq_chip *chip = m->v->irq_chip;
	if (!chip->mmio || !chip->mmio(chip, m->gpa, size, write, value))
		mmio_empty_bus(m, write, size, value);
}

/* Out of line: the unclaimed answer needs no registers saved for a device's handler. */
static __attribute__((noinline)) void
mmio_claimed_access(struct mmio_ctx *m, struct vdev *d, bool write, unsigned size, uint64_t *value)
{
	uint64_t result = claimed_access(m->g, d, m->gpa, size, !write, *value);
	if (!write)
		*value = result;
}

/* Inlined into mmio_emulate's load path; the other instructions call it through the pointer. */
static inline __attribute__((always_inline)) int mmio_device_access(void *ctx, bool write,
								    unsigned size, uint64_t *value)
{
	struct mmio_ctx *m = ctx;
	struct vdev *d = vdev_find(&m->g->vdevs, VDEV_MMIO, m->gpa, size);
	if (d)
		mmio_claimed_access(m, d, write, size, value);
	else if (m->v->irq_chip)
		mmio_unclaimed_chip(m, write, size, value);
	else
		mmio_empty_bus(m, write, size, value);
	return 0;
}

/*
 * Whether an access of size bytes whose exit reported gpa may straddle a page
 * boundary: it runs past the end of gpa's page, or gpa starts a page (for a
 * split access the exit reports the first byte in the page that faulted, so
 * the access may have begun in the page before). One compare on every exit.
 */
static inline bool mmio_may_straddle(gpa_t gpa, unsigned size)
{
	return ((gpa - 1) & PAGE_OFFSET_MASK) + size >= PAGE_SIZE;
}

/*
 * For an exit at the start of a page: whether the operand certainly starts
 * there too, worked out cheaply for the common form only (64-bit mode, no
 * FS/GS base, base register plus displacement). False means "maybe not":
 * mmio_straddle() then works out the linear address in full.
 */
static inline bool mmio_starts_at_page(const struct x86_insn *insn, struct vcpu_regs *regs,
				       uint64_t rsp, enum x86_mode mode)
{
	uint64_t ea = (uint64_t)insn->disp;

	/* FS and GS are the last two segments: one compare for both. */
	if (mode != X86_MODE_64 || insn->seg >= X86_SEG_FS || insn->index != X86_REG_NONE ||
	    insn->rip_rel)
		return false;
	if (insn->base == MMIO_EMU_REG_SP)
		ea += rsp;
	else if (insn->base != X86_REG_NONE)
		ea += *vcpu_gpr(regs, insn->base);
	return !(ea & PAGE_OFFSET_MASK);
}

/* Whether the instruction writes its memory operand (the page walk then checks W). */
static bool mmio_insn_writes(const struct x86_insn *insn)
{
	switch (insn->op) {
	case X86_OP_MOV_LOAD:
	case X86_OP_MOVZX:
	case X86_OP_MOVSX:
	case X86_OP_CMP:
	case X86_OP_TEST:
	case X86_OP_BT:
	case X86_OP_LODS:
		return false;
	default:
		return true;
	}
}

/*
 * The operand of an access straddling two linear pages: `first` bytes in the
 * first page, the rest in the second. Each part is guest RAM (ram[i]) or in
 * the MMIO window, at its own GPA: paging puts the pages anywhere.
 */
struct mmio_split {
	struct vcpu *v;
	struct guest *g;
	unsigned first;
	gpa_t gpa[2];
	bool ram[2];
};

/* len bytes of MMIO at gpa, as naturally aligned device accesses of 1, 2, 4 or 8 bytes. */
static void mmio_split_device(struct vcpu *v, gpa_t gpa, bool write, uint8_t *bytes,
			      unsigned len)
{
	while (len) {
		unsigned n = sizeof(uint64_t);
		uint64_t val = 0;
		struct mmio_ctx m = {.v = v, .g = v->guest, .gpa = gpa};

		while (n > len || (gpa & (n - 1)))
			n >>= 1;
		if (write)
			memcpy(&val, bytes, n);
		mmio_device_access(&m, write, n, &val);
		if (!write)
			memcpy(bytes, &val, n);
		gpa += n;
		bytes += n;
		len -= n;
	}
}

/* mmio_access_fn for a straddling operand: each part from or to RAM or the device. */
static int mmio_split_access(void *ctx, bool write, unsigned size, uint64_t *value)
{
	struct mmio_split *m = ctx;
	uint8_t *bytes = (uint8_t *)value; /* little-endian: byte i of the operand */
	unsigned off[2] = {0, m->first}, len[2];

	len[0] = MIN(size, m->first);
	len[1] = size - len[0];
	if (!write)
		*value = 0;
	for (int i = 0; i < 2; i++) {
		if (!len[i])
			continue;
		if (!m->ram[i])
			mmio_split_device(m->v, m->gpa[i], write, bytes + off[i], len[i]);
		else if (write)
			guest_mem_write_gpa(m->g, m->gpa[i], bytes + off[i], len[i]);
		else
			guest_mem_read_gpa(m->g, m->gpa[i], bytes + off[i], len[i]);
	}
	return 0;
}

/* After the emulation: stop the guest on an error, else write back flags and RSP, advance RIP. */
static inline __attribute__((always_inline)) void
mmio_finish(struct vcpu *v, const struct vcpu_insn_state *st, const struct x86_insn *insn,
	    gpa_t gpa, int err, uint64_t rflags, uint64_t rsp, bool advance)
{
	if (err) {
		exit_stop_guest(v, GUEST_CRASHED, -1, "MMIO at GPA 0x%llx: emulation failed (%d)",
				(unsigned long long)gpa, err);
		return;
	}
	if (rflags != st->rflags || rsp != st->rsp) {
		/* Arithmetic on a device register: rare enough for the whole state. */
		struct vcpu_sregs s;
		virt->vcpu_get_sregs(v, &s);
		s.rflags = rflags;
		s.rsp = rsp;
		virt->vcpu_set_sregs(v, &s);
	}
	if (advance)
		virt->vcpu_advance_rip(v, insn->len);
}

/*
 * An operand whose linear range crosses a page boundary, one page of it MMIO
 * (the exit's) and the other RAM or MMIO: both pages are translated as the
 * CPU would (#PF on either with CR2 = the address in it), then each byte goes
 * to RAM or to the device at its own GPA. False, with nothing done, if the
 * operand lies in one page after all (the common case of an access at the
 * start of a page): the caller carries on with the plain device access.
 */
static __attribute__((noinline)) bool mmio_straddle(struct vcpu *v,
						    const struct vcpu_insn_state *st,
						    const struct x86_insn *insn, gpa_t gpa)
{
	struct guest *g = v->guest;
	enum x86_mode mode = x86_cpu_mode(st);
	uint64_t ea, seg_base = 0, la_mask = mode == X86_MODE_64 ? ALL_ONES : LA32_MASK;
	unsigned size = insn->mem_size;

	if (x86_insn_ea(insn, &v->regs, st->rsp, st->rip, &ea))
		return false;
	/* SDM 3A 3.4.4: 64-bit mode adds only the FS and GS bases. */
	if (mode != X86_MODE_64 || insn->seg == X86_SEG_FS || insn->seg == X86_SEG_GS) {
		struct vcpu_sregs s;
		virt->vcpu_get_sregs(v, &s);
		seg_base = segment_of(&s, insn->seg)->base;
	}
	gva_t la = (seg_base + ea) & la_mask;
	struct mmio_split split = {.v = v, .g = g, .first = PAGE_SIZE - (la & PAGE_OFFSET_MASK)};
	if (split.first >= size)
		return false;

	unsigned access = data_access(st, mmio_insn_writes(insn));
	for (int i = 0; i < 2; i++) {
		gva_t page_la = i ? (la + split.first) & la_mask : la;
		unsigned len = i ? size - split.first : split.first;
		uint32_t pf_error;
		int err = guest_mem_translate(g, st, page_la, access, &split.gpa[i], &pf_error);

		if (err == -EFAULT) {
			virt->vcpu_write_cr(v, 2, page_la);
			exit_inject_exception(v, VECTOR_PF, true, pf_error);
			return true;
		}
		split.ram[i] = !err && guest_mem_is_ram(g, split.gpa[i], len);
		if (err || (!split.ram[i] && (split.gpa[i] < GUEST_MMIO_BASE ||
					       split.gpa[i] + len > GUEST_MMIO_END))) {
			exit_stop_guest(v, GUEST_CRASHED, -1,
					"MMIO at GPA 0x%llx straddles linear 0x%llx outside its memory (%d)",
					(unsigned long long)gpa, (unsigned long long)page_la, err);
			return true;
		}
	}

	bool advance = true;
	uint64_t rflags = st->rflags, rsp = st->rsp;
	int err = mmio_emulate(insn, &v->regs, &rsp, &rflags, mmio_split_access, &split, &advance);
	mmio_finish(v, st, insn, gpa, err, rflags, rsp, advance);
	return true;
}

/*
 * Each CPU's last MMIO instruction decoded: a device driver's loop hits the
 * same few instructions. Exact (x86_decode_memo.h); used only with
 * interrupts off, by the CPU that owns it. One cache line apart.
 */
static struct {
	struct x86_decode_memo memo;
} __attribute__((aligned(64))) mmio_decode[MAX_CPUS];

void exit_io_mmio(struct vcpu *v, const struct vcpu_exit *e)
{
	struct guest *g = v->guest;
	gpa_t gpa = e->npf.gpa;

	if (gpa < GUEST_MMIO_BASE || gpa >= GUEST_MMIO_END) {
		/* A write to RAM protected for the dirty log: logged, writable, retried. */
		if (e->npf.write && g->dirty && guest_dirty_write_fault(g, gpa))
			return;
		/* A clone's first write to a page it shares: its own copy, writable, retried. */
		if (e->npf.write && g->cow && guest_cow_write_fault(g, gpa))
			return;
		/* RAM is zeroed and mapped on first touch: then the guest retries. */
		if (guest_ram_fault(g, gpa))
			return;
		exit_stop_guest(v, GUEST_CRASHED, -1, "access to GPA 0x%llx outside its memory",
				(unsigned long long)gpa);
		return;
	}
	if (e->npf.fetch) {
		exit_stop_guest(v, GUEST_CRASHED, -1, "instruction fetch from MMIO at GPA 0x%llx",
				(unsigned long long)gpa);
		return;
	}

	struct vcpu_insn_state st;
	virt->vcpu_get_insn_state(v, &st);
	struct guest_fetch fetch;
	int err = guest_mem_fetch_insn(g, &st, &fetch);
	const struct x86_insn *insn = NULL;
	if (!err)
		err = x86_decode_memo(&mmio_decode[this_pcpu()->index].memo, fetch.bytes, fetch.len,
				      fetch.mode, &insn);
	if (!err && !mmio_emulate_supports(insn))
		err = -ENOTSUP;
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

	if (__builtin_expect(mmio_may_straddle(gpa, insn->mem_size), 0) &&
	    !((gpa & PAGE_OFFSET_MASK) == 0 &&
	      mmio_starts_at_page(insn, &v->regs, st.rsp, fetch.mode)) &&
	    mmio_straddle(v, &st, insn, gpa))
		return;

	struct mmio_ctx ctx = {.v = v, .g = g, .gpa = gpa};
	bool advance = true;
	uint64_t rflags = st.rflags, rsp = st.rsp;
	err = mmio_emulate(insn, &v->regs, &rsp, &rflags, mmio_device_access, &ctx, &advance);
	mmio_finish(v, &st, insn, gpa, err, rflags, rsp, advance);
}
