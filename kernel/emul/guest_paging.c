/*
 * Guest page-table walker and instruction fetch. Owns the guest's paging
 * rules (SDM 3A chapter 4: 32-bit, PAE and 4-level paging, the permission
 * checks and #PF error codes). It reads guest memory only through the
 * caller's read_gpa callback and never writes it; it knows nothing of EPT/NPT
 * or of how guest RAM is backed.
 */
#include "kernel/emul/guest_paging.h"

#include <errno.h>

/* Control-register and EFER bits of the paging mode (SDM 3A 2.5, 4.1). */
#define GP_CR0_PE    (1ULL << 0)
#define GP_CR0_WP    (1ULL << 16)
#define GP_CR0_PG    (1ULL << 31)
#define GP_CR4_PSE   (1ULL << 4)
#define GP_CR4_PAE   (1ULL << 5)
#define GP_CR4_LA57  (1ULL << 12)
#define GP_CR4_SMEP  (1ULL << 20)
#define GP_CR4_SMAP  (1ULL << 21)
#define GP_EFER_LMA  (1ULL << 10)
#define GP_EFER_NXE  (1ULL << 11)
#define GP_RFLAGS_VM (1ULL << 17)

/* Paging-structure entry bits (SDM 3A 4.3-4.5). */
#define GP_PTE_P  (1ULL << 0)
#define GP_PTE_RW (1ULL << 1)
#define GP_PTE_US (1ULL << 2)
#define GP_PTE_PS (1ULL << 7)
#define GP_PTE_XD (1ULL << 63)

#define GP_MAXPHYADDR_DEFAULT 52
#define GP_MAXPHYADDR_MAX     52
#define GP_MAXPHYADDR_MIN     32
#define GP_LEGACY_LA_MASK     0xffffffffULL /* linear addresses outside IA-32e mode */
#define GP_PAGE_OFFSET_MASK   (PAGE_SIZE - 1)
#define GP_IP16_MASK	      0xffffULL /* IP in 16-bit code segments */

/* 32-bit paging: 4-byte entries, 10-bit indexes (SDM 3A 4.3). */
#define GP32_ENTRY_SIZE	    4
#define GP32_INDEX_BITS	    10
#define GP32_PDE_SHIFT	    22
#define GP32_FRAME_MASK	    0xfffff000ULL
#define GP32_4M_MASK	    0xffc00000ULL
#define GP32_PSE36_SHIFT    13 /* PDE bits 20:13 hold PA bits 39:32 of a 4 MiB page */
#define GP32_PSE36_BITS	    8
#define GP32_PSE36_PA_SHIFT 32
#define GP32_PSE36_MAX_PA   40
#define GP32_4M_RSVD_BIT    21

/* PAE and 4-level paging: 8-byte entries, 9-bit indexes (SDM 3A 4.4, 4.5). */
#define GP64_ENTRY_SIZE	       8
#define GP64_INDEX_BITS	       9
#define GP64_PML4_SHIFT	       39
#define GP64_PDPT_SHIFT	       30
#define GP64_PD_SHIFT	       21
#define GP64_PT_SHIFT	       12
#define GP64_CANONICAL_BITS    48
#define GPPAE_CR3_MASK	       0xffffffe0ULL /* the PDPT is 32-byte aligned */
#define GPPAE_PDPTE_COUNT_BITS 2
#define GPPAE_PDPTE_RSVD       0x1e6ULL /* bits 8:5 and 2:1 */
#define GPPAE_RSVD_TOP	       63	/* PAE PDE/PTE: bits 62:M reserved */
#define GP4L_RSVD_TOP	       52	/* 4-level: bits 51:M reserved */
#define GP_LARGE_RSVD_LOW      13	/* large-page entries: bits (shift-1):13 reserved */
#define GP_LARGE_RSVD_LOW_MASK ((1ULL << GP_LARGE_RSVD_LOW) - 1)

enum gp_mode { GP_MODE_NONE, GP_MODE_32, GP_MODE_PAE, GP_MODE_4LEVEL, GP_MODE_5LEVEL };

/*
 * What the walk found, for the permission checks (SDM 3A 4.6): R/W and U/S
 * count only when set at every level, XD when set at any (it is reserved
 * without EFER.NXE and absent from 32-bit entries, so it never gets here
 * then).
 */
struct gp_walk {
	uint64_t all; /* entry bits set at every level */
	uint64_t any; /* entry bits set at some level */
};

static enum gp_mode gp_mode(const struct guest_paging *pg)
{
	if (!(pg->regs->cr0 & GP_CR0_PG))
		return GP_MODE_NONE;
	if (!(pg->regs->cr4 & GP_CR4_PAE))
		return GP_MODE_32;
	if (!(pg->regs->efer & GP_EFER_LMA))
		return GP_MODE_PAE;
	return (pg->regs->cr4 & GP_CR4_LA57) ? GP_MODE_5LEVEL : GP_MODE_4LEVEL;
}

static unsigned gp_maxphyaddr(const struct guest_paging *pg)
{
	unsigned m = pg->maxphyaddr ? pg->maxphyaddr : GP_MAXPHYADDR_DEFAULT;

	return MIN(MAX(m, GP_MAXPHYADDR_MIN), GP_MAXPHYADDR_MAX);
}

/* Bits [hi-1, lo] set (empty when hi <= lo). */
static uint64_t bit_range(unsigned hi, unsigned lo)
{
	uint64_t top = hi >= 64 ? ~0ULL : (1ULL << hi) - 1;

	return hi <= lo ? 0 : top & ~((1ULL << lo) - 1);
}

/*
 * One paging entry of `size` bytes, read once where it lies (another vCPU may
 * be rewriting it; the walk must see one value). Entries are naturally
 * aligned: tables are page-aligned, the PAE PDPT 32-byte aligned. Their
 * addresses come from CR3 or an entry's frame bits, below 2^52, so gpa +
 * size cannot wrap.
 */
/* RAM outside the flat run, through ram_at; NULL: not RAM. */
static __attribute__((noinline)) const uint8_t *gp_ram_at(const struct guest_paging *pg, gpa_t gpa,
							  uint64_t len)
{
	return pg->ram_at ? pg->ram_at(pg->ram_ctx, gpa, len) : NULL;
}

static __attribute__((noinline)) int gp_read_entry_slow(const struct guest_paging *pg, gpa_t gpa,
							unsigned size, uint64_t *entry)
{
	const uint8_t *p = gp_ram_at(pg, gpa, size);
	if (!p)
		return -EIO;
	if (size == GP64_ENTRY_SIZE)
		*entry = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	else
		*entry = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	return 0;
}

static inline __attribute__((always_inline)) int
gp_read_entry(const struct guest_paging *pg, gpa_t gpa, unsigned size, uint64_t *entry)
{
	if (gpa + size > pg->ram_size)
		return gp_read_entry_slow(pg, gpa, size, entry);
	if (size == GP64_ENTRY_SIZE)
		*entry = __atomic_load_n((const uint64_t *)(pg->ram + gpa), __ATOMIC_RELAXED);
	else
		*entry = __atomic_load_n((const uint32_t *)(pg->ram + gpa), __ATOMIC_RELAXED);
	return 0;
}

static uint32_t gp_fault_bits(const struct guest_paging *pg, unsigned access, enum gp_mode mode)
{
	uint32_t err = 0;

	if (access & GUEST_ACCESS_WRITE)
		err |= GUEST_PF_W;
	if (access & GUEST_ACCESS_USER)
		err |= GUEST_PF_U;
	/* SDM 3A 4.7: I/D is reported only when NX or SMEP makes fetches checkable. */
	if ((access & GUEST_ACCESS_FETCH) &&
	    (((pg->regs->efer & GP_EFER_NXE) && mode != GP_MODE_32) ||
	     (pg->regs->cr4 & GP_CR4_SMEP)))
		err |= GUEST_PF_I;
	return err;
}

/* SDM 3A 4.6: access rights from the whole walk. True when the access is allowed. */
static bool gp_access_ok(const struct guest_paging *pg, unsigned access, const struct gp_walk *w)
{
	bool user = access & GUEST_ACCESS_USER;
	bool user_page = w->all & GP_PTE_US, writable = w->all & GP_PTE_RW;

	if (access & GUEST_ACCESS_FETCH) {
		if (w->any & GP_PTE_XD)
			return false;
		if (user)
			return user_page;
		/* SMEP: no supervisor fetches from user pages. */
		return !(user_page && (pg->regs->cr4 & GP_CR4_SMEP));
	}
	if (user) {
		if (!user_page)
			return false;
		return !(access & GUEST_ACCESS_WRITE) || writable;
	}
	/* SMAP: no supervisor data accesses to user pages unless RFLAGS.AC. */
	if (user_page && (pg->regs->cr4 & GP_CR4_SMAP) && !(access & GUEST_ACCESS_AC))
		return false;
	/* CR0.WP=0 lets supervisor writes ignore R/W. */
	return !(access & GUEST_ACCESS_WRITE) || writable || !(pg->regs->cr0 & GP_CR0_WP);
}

static void gp_accumulate(struct gp_walk *w, uint64_t entry)
{
	w->all &= entry;
	w->any |= entry;
}

static inline __attribute__((always_inline)) int gp_walk_32(const struct guest_paging *pg,
							    uint32_t la, struct gp_walk *w,
							    gpa_t *gpa, uint32_t *fault)
{
	uint64_t pde, pte, idx_mask = (1ULL << GP32_INDEX_BITS) - 1;
	unsigned m = gp_maxphyaddr(pg);
	int ret;

	ret = gp_read_entry(pg,
			    (pg->regs->cr3 & GP32_FRAME_MASK) +
				((la >> GP32_PDE_SHIFT) & idx_mask) * GP32_ENTRY_SIZE,
			    GP32_ENTRY_SIZE, &pde);
	if (ret)
		return ret;
	if (!(pde & GP_PTE_P))
		return -EFAULT;
	gp_accumulate(w, pde);
	if ((pde & GP_PTE_PS) && (pg->regs->cr4 & GP_CR4_PSE)) {
		/* SDM 3A 4.3 (PSE-36): PA bits 39:32 come from PDE bits 20:13. */
		unsigned high_bits = MIN(m, GP32_PSE36_MAX_PA) - GP32_PSE36_PA_SHIFT;
		uint64_t rsvd =
		    (1ULL << GP32_4M_RSVD_BIT) |
		    bit_range(GP32_PSE36_SHIFT + GP32_PSE36_BITS, GP32_PSE36_SHIFT + high_bits);
		uint64_t high = (pde >> GP32_PSE36_SHIFT) & ((1ULL << GP32_PSE36_BITS) - 1);

		if (pde & rsvd) {
			*fault = GUEST_PF_RSVD | GUEST_PF_P;
			return -EFAULT;
		}
		*gpa = (pde & GP32_4M_MASK) | (high << GP32_PSE36_PA_SHIFT) |
		       (la & ~GP32_4M_MASK & GP_LEGACY_LA_MASK);
		return 0;
	}
	ret = gp_read_entry(
	    pg, (pde & GP32_FRAME_MASK) + ((la >> PAGE_SHIFT) & idx_mask) * GP32_ENTRY_SIZE,
	    GP32_ENTRY_SIZE, &pte);
	if (ret)
		return ret;
	if (!(pte & GP_PTE_P))
		return -EFAULT;
	gp_accumulate(w, pte);
	*gpa = (pte & GP32_FRAME_MASK) | (la & GP_PAGE_OFFSET_MASK);
	return 0;
}

/*
 * PAE and 4-level walks share the 8-byte entry format below the PDPT. Levels
 * are numbered by the address shift they translate. Inlined: each caller's
 * mode is a constant, and the walk runs on every MMIO exit.
 */
static inline __attribute__((always_inline)) int gp_walk_64(const struct guest_paging *pg,
							    enum gp_mode mode, uint64_t la,
							    struct gp_walk *w, gpa_t *gpa,
							    uint32_t *fault)
{
	unsigned m = gp_maxphyaddr(pg);
	bool nxe = pg->regs->efer & GP_EFER_NXE;
	uint64_t frame_mask = bit_range(m, PAGE_SHIFT);
	uint64_t idx_mask = (1ULL << GP64_INDEX_BITS) - 1;
	uint64_t rsvd_common = bit_range(mode == GP_MODE_PAE ? GPPAE_RSVD_TOP : GP4L_RSVD_TOP, m);
	uint64_t table, entry, rsvd;
	unsigned shift;
	int ret;

	if (!nxe)
		rsvd_common |= GP_PTE_XD;

	if (mode == GP_MODE_PAE) {
		/* SDM 3A 4.4.1: four PDPTEs, without R/W, U/S or XD. */
		uint64_t pdpte_rsvd = bit_range(64, m) | GPPAE_PDPTE_RSVD;
		uint64_t pdpt_idx =
		    (la >> GP64_PDPT_SHIFT) & ((1ULL << GPPAE_PDPTE_COUNT_BITS) - 1);

		ret =
		    gp_read_entry(pg, (pg->regs->cr3 & GPPAE_CR3_MASK) + pdpt_idx * GP64_ENTRY_SIZE,
				  GP64_ENTRY_SIZE, &entry);
		if (ret)
			return ret;
		if (!(entry & GP_PTE_P))
			return -EFAULT;
		if (entry & pdpte_rsvd) {
			*fault = GUEST_PF_RSVD | GUEST_PF_P;
			return -EFAULT;
		}
		table = entry & frame_mask;
		shift = GP64_PD_SHIFT;
	} else {
		table = pg->regs->cr3 & frame_mask;
		shift = GP64_PML4_SHIFT;
	}

	/*
	 * SDM 3A 4.5.4: PS is reserved in a PML4E. The loop runs a known number
	 * of times for each mode, so it is unrolled into straight code.
	 */
	rsvd = rsvd_common | (shift == GP64_PML4_SHIFT ? GP_PTE_PS : 0);
#pragma GCC unroll 4
	for (; shift >= GP64_PT_SHIFT; shift -= GP64_INDEX_BITS, rsvd = rsvd_common) {
		ret = gp_read_entry(pg, table + ((la >> shift) & idx_mask) * GP64_ENTRY_SIZE,
				    GP64_ENTRY_SIZE, &entry);
		if (ret)
			return ret;
		if (!(entry & GP_PTE_P))
			return -EFAULT;
		if (entry & rsvd)
			break;
		gp_accumulate(w, entry);
		/* 1 GiB and 2 MiB leaves end early; their bits (shift-1):13 are reserved. */
		if (shift == GP64_PT_SHIFT || (entry & GP_PTE_PS)) {
			uint64_t page_mask = (1ULL << shift) - 1;

			if (entry & page_mask & ~GP_LARGE_RSVD_LOW_MASK)
				break;
			*gpa = (entry & frame_mask & ~page_mask) | (la & page_mask);
			return 0;
		}
		table = entry & frame_mask;
	}
	*fault = GUEST_PF_RSVD | GUEST_PF_P;
	return -EFAULT;
}

static bool gp_canonical(uint64_t la)
{
	int64_t s = (int64_t)(la << (64 - GP64_CANONICAL_BITS)) >> (64 - GP64_CANONICAL_BITS);

	return (uint64_t)s == la;
}

/* Inlined into the instruction fetch, which walks on every MMIO exit. */
static inline __attribute__((always_inline)) int gp_translate(const struct guest_paging *pg,
							      gva_t la, unsigned access, gpa_t *gpa,
							      uint32_t *pf_error)
{
	enum gp_mode mode = gp_mode(pg);
	struct gp_walk w = {.all = ~0ULL, .any = 0};
	uint32_t fault = 0;
	int ret;

	*pf_error = 0;
	switch (mode) {
	case GP_MODE_NONE:
		*gpa = la & GP_LEGACY_LA_MASK;
		return 0;
	case GP_MODE_5LEVEL:
		return -ENOTSUP;
	case GP_MODE_4LEVEL:
		/* SDM 3A 3.3.7.1: a non-canonical address faults with #GP before any walk. */
		if (!gp_canonical(la))
			return -EINVAL;
		ret = gp_walk_64(pg, mode, la, &w, gpa, &fault);
		break;
	case GP_MODE_PAE:
		ret = gp_walk_64(pg, mode, la & GP_LEGACY_LA_MASK, &w, gpa, &fault);
		break;
	default:
		ret = gp_walk_32(pg, (uint32_t)la, &w, gpa, &fault);
		break;
	}
	if (ret == 0 && !gp_access_ok(pg, access, &w)) {
		fault = GUEST_PF_P;
		ret = -EFAULT;
	}
	if (ret == -EFAULT)
		*pf_error = fault | gp_fault_bits(pg, access, mode);
	return ret;
}

int guest_paging_translate(const struct guest_paging *pg, gva_t la, unsigned access, gpa_t *gpa,
			   uint32_t *pf_error)
{
	return gp_translate(pg, la, access, gpa, pf_error);
}

/*
 * Fetch bytes [out->len, out->len + len) of the instruction, all in one page
 * at linear address la. False, with out->tail_error (and the #PF details)
 * set, when that page cannot be fetched from.
 */
static inline __attribute__((always_inline)) bool gp_fetch_chunk(const struct guest_paging *pg,
								 gva_t la, unsigned access,
								 unsigned len,
								 struct guest_fetch *out)
{
	uint32_t pf_error;
	gpa_t gpa;
	int ret = gp_translate(pg, la, access, &gpa, &pf_error);
	const uint8_t *src = pg->ram + gpa;

	if (ret == 0 && (gpa >= pg->ram_size || len > pg->ram_size - gpa) &&
	    !(src = gp_ram_at(pg, gpa, len)))
		ret = -EIO;
	if (ret) {
		if (ret == -EFAULT) {
			out->pf_la = la;
			out->pf_error = pf_error;
		}
		out->tail_error = ret;
		return false;
	}
	/* The whole window in one go when it lies in one page (the usual case). */
	if (len == X86_MAX_INSN_LEN)
		__builtin_memcpy(out->bytes + out->len, src, X86_MAX_INSN_LEN);
	else
		for (unsigned i = 0; i < len; i++)
			out->bytes[out->len + i] = src[i];
	out->len += len;
	return true;
}

/* The rest of an instruction window that runs into the next page. */
static __attribute__((noinline)) void gp_fetch_next_page(const struct guest_paging *pg, gva_t la,
							 unsigned access, unsigned len,
							 struct guest_fetch *out)
{
	gp_fetch_chunk(pg, la, access, len, out);
}

int guest_fetch_insn(const struct guest_paging *pg, const struct vcpu_insn_state *st,
		     struct guest_fetch *out)
{
	enum x86_mode mode = x86_cpu_mode(st);
	unsigned access = GUEST_ACCESS_FETCH, avail = X86_MAX_INSN_LEN;
	uint64_t la = st->rip, la_mask = ~0ULL;

	out->mode = mode;
	out->len = 0;
	out->tail_error = 0;
	out->pf_la = 0;
	out->pf_error = 0;
	/* SDM 3A 5.5: CPL is SS.DPL in protected mode, 3 in virtual-8086, 0 in real mode. */
	if ((st->cr0 & GP_CR0_PE) && ((st->rflags & GP_RFLAGS_VM) || st->ss_dpl == 3))
		access |= GUEST_ACCESS_USER;

	if (mode != X86_MODE_64) {
		/*
		 * SDM 3A 3.4.3: the hidden CS.base is what the CPU adds, also in
		 * real mode (it is not selector << 4 right after reset).
		 */
		uint64_t ip = la & (mode == X86_MODE_16 ? GP_IP16_MASK : GP_LEGACY_LA_MASK);

		if (ip > st->cs_limit)
			return -ERANGE;
		avail = MIN((uint64_t)avail, (uint64_t)st->cs_limit - ip + 1);
		la_mask = GP_LEGACY_LA_MASK;
		la = (st->cs_base + ip) & la_mask;
	}

	/* 15 bytes span at most two pages. */
	unsigned first = MIN(avail, PAGE_SIZE - (la & GP_PAGE_OFFSET_MASK));

	if (!gp_fetch_chunk(pg, la, access, first, out)) {
		int ret = out->tail_error;

		out->tail_error = 0;
		return ret;
	}
	if (first < avail)
		gp_fetch_next_page(pg, (la + first) & la_mask, access, avail - first, out);
	if (out->tail_error == 0 && avail < X86_MAX_INSN_LEN)
		out->tail_error = -ERANGE;
	return 0;
}
