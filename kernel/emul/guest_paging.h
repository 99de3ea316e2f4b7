/*
 * Guest page-table walks: translate a guest-linear address to guest-physical
 * through the guest's own paging structures (read through a callback, never
 * written: no accessed/dirty updates), and fetch the instruction bytes at
 * CS:RIP for the instruction emulator.
 */
#ifndef SHOJI_KERNEL_GUEST_PAGING_H
#define SHOJI_KERNEL_GUEST_PAGING_H

#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"
#include "kernel/emul/x86_decode.h"

/* The paging state of a vCPU and its guest RAM as the hypervisor maps it. */
struct guest_paging {
	/* CR0, CR3, CR4 and EFER are read there, in place: the walk copies nothing. */
	const struct vcpu_insn_state *regs;
	unsigned maxphyaddr; /* guest MAXPHYADDR in bits; 0 means 52 */
	/*
	 * Guest RAM, GPA [0, ram_size), mapped at `ram`: paging entries and code
	 * are read there in place. A structure outside it is -EIO, not a #PF.
	 */
	const uint8_t *ram;
	uint64_t ram_size;
	/*
	 * RAM that is not one run there (a guest that hot-added memory or gave
	 * pages back): a read outside [0, ram_size) asks here, per entry or
	 * code window; NULL from it, or no ram_at, means outside RAM.
	 */
	const void *(*ram_at)(void *ctx, uint64_t gpa, uint64_t len);
	void *ram_ctx;
};

/* Access kinds, or'ed together; none of them means a supervisor data read. */
#define GUEST_ACCESS_WRITE (1u << 0)
#define GUEST_ACCESS_USER  (1u << 1) /* CPL 3 */
#define GUEST_ACCESS_FETCH (1u << 2)
#define GUEST_ACCESS_AC	   (1u << 3) /* RFLAGS.AC=1: SMAP does not apply to this data access */

/* #PF error code bits (SDM 3A 4.7). */
#define GUEST_PF_P    (1u << 0) /* protection violation (clear: not present) */
#define GUEST_PF_W    (1u << 1)
#define GUEST_PF_U    (1u << 2)
#define GUEST_PF_RSVD (1u << 3)
#define GUEST_PF_I    (1u << 4)

/*
 * Translate linear address la for `access` (GUEST_ACCESS_*). 0 with *gpa set;
 * -EFAULT when the guest takes a #PF (*pf_error gets the error code, CR2 is
 * la); -EINVAL for a non-canonical la in IA-32e paging (#GP, not #PF);
 * -ENOTSUP for 5-level paging (CR4.LA57); -EIO for a paging structure
 * outside guest RAM.
 */
int guest_paging_translate(const struct guest_paging *pg, gva_t la, unsigned access, gpa_t *gpa,
			   uint32_t *pf_error);

/* The instruction bytes at CS:RIP, and the mode to decode them in. */
struct guest_fetch {
	enum x86_mode mode; /* x86_cpu_mode() of the state fetched for */
	uint8_t bytes[X86_INSN_BUF_LEN];
	unsigned len; /* valid bytes, at most X86_MAX_INSN_LEN */
	/*
	 * Why len stopped short of X86_MAX_INSN_LEN: 0 (all fetched), -EFAULT
	 * (the next byte takes a #PF: pf_la, pf_error), -ERANGE (CS limit) or
	 * -EIO (outside RAM). Whether that matters depends on the decoded length.
	 */
	int tail_error;
	gva_t pf_la;
	uint32_t pf_error;
};

/*
 * Fetch up to 15 bytes at CS.base + RIP (64-bit mode: RIP; 16-bit modes: IP)
 * for the CPL of st (SS.DPL; 3 in virtual-8086 mode), translating each page
 * separately. Returns 0 when at least one byte was fetched, or the first
 * byte's error: -EFAULT with pf_la/pf_error (inject #PF), -ERANGE (RIP past
 * the CS limit: #GP), -ENOTSUP/-EINVAL/-EIO as guest_paging_translate.
 */
int guest_fetch_insn(const struct guest_paging *pg, const struct vcpu_insn_state *st,
		     struct guest_fetch *out);

#endif
