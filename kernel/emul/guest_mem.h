/*
 * Guest memory as the emulation paths see it: by guest-physical address
 * (guest RAM only, never MMIO) and by guest-virtual address through the
 * vCPU's own page tables (kernel/emul/guest_paging.h). Every copy to or from
 * guest RAM on behalf of an exit, and every page-walk context, is made here.
 */
#ifndef SHOJI_KERNEL_GUEST_MEM_H
#define SHOJI_KERNEL_GUEST_MEM_H

#include "kernel/core/types.h"
#include "kernel/emul/guest_paging.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/vcpu.h"

/* Copy len bytes of guest RAM at gpa. 0, or -EFAULT if any byte is outside RAM. */
int guest_mem_read_gpa(struct guest *g, gpa_t gpa, void *buf, size_t len);
int guest_mem_write_gpa(struct guest *g, gpa_t gpa, const void *buf, size_t len);

/* Whether [gpa, gpa + len) is guest RAM. */
bool guest_mem_is_ram(struct guest *g, gpa_t gpa, size_t len);

/*
 * The page-walk context for the paging state in st (which must outlive it),
 * reading g's RAM where guest_ram_ptr() maps it: one window, GPA [0,
 * mem_size). Inline, with the fetch below: both run on every MMIO exit.
 */
/* The page walk of a guest whose RAM was resized (guest_resize.h): entries read one by one. */
void guest_mem_paging_resized(struct guest_paging *pg, struct guest *g);

static inline void guest_mem_paging(struct guest_paging *pg, struct guest *g,
				    const struct vcpu_insn_state *st)
{
	const uint8_t *ram = guest_ram_read_ptr(g, 0, g->mem_size); /* walks only read */

	*pg = (struct guest_paging){.regs = st, .ram = ram, .ram_size = ram ? g->mem_size : 0};
	if (g->resize) /* RAM above, or holes in it: reads beyond the run ask guest_ram */
		guest_mem_paging_resized(pg, g);
}

/* guest_paging_translate() under the paging state in st. */
int guest_mem_translate(struct guest *g, const struct vcpu_insn_state *st, gva_t la, unsigned access,
			gpa_t *gpa, uint32_t *pf_error);

/*
 * Copy len bytes at linear address la, translating each page for `access`
 * (GUEST_ACCESS_*; the write bit is implied for writes). Every page is
 * translated before any byte is copied, so a fault leaves guest memory as it
 * was. 0; -EFAULT with *pf_la and *pf_error set (the guest takes a #PF);
 * -EIO if a page or paging structure is outside RAM; other translate errors.
 */
int guest_mem_read_gva(struct guest *g, const struct vcpu_insn_state *st, gva_t la, unsigned access,
		       void *buf, size_t len, gva_t *pf_la, uint32_t *pf_error);
int guest_mem_write_gva(struct guest *g, const struct vcpu_insn_state *st, gva_t la, unsigned access,
			const void *buf, size_t len, gva_t *pf_la, uint32_t *pf_error);

/* As guest_mem_read_gva/write_gva with the same access, without copying anything. */
int guest_mem_check_gva(struct guest *g, const struct vcpu_insn_state *st, gva_t la, unsigned access,
			size_t len, gva_t *pf_la, uint32_t *pf_error);

/* guest_fetch_insn() at CS:RIP of st, through g's RAM. */
static inline int guest_mem_fetch_insn(struct guest *g, const struct vcpu_insn_state *st,
				       struct guest_fetch *out)
{
	struct guest_paging pg;

	guest_mem_paging(&pg, g, st);
	return guest_fetch_insn(&pg, st, out);
}

#endif
