/*
 * Guest memory access for the emulation paths (see guest_mem.h). Built on
 * guest_ram_ptr(), the one mapping of guest RAM; owns no state. The paging
 * rules belong to kernel/emul/guest_paging.c.
 */
#include "kernel/emul/guest_mem.h"

#include <errno.h>
#include <string.h>

#define GM_PAGE_OFFSET_MASK (PAGE_SIZE - 1)

int guest_mem_read_gpa(struct guest *g, gpa_t gpa, void *buf, size_t len)
{
	const void *src = guest_ram_read_ptr(g, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	return 0;
}

int guest_mem_write_gpa(struct guest *g, gpa_t gpa, const void *buf, size_t len)
{
	void *dst = guest_ram_ptr(g, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, buf, len);
	return 0;
}

static const void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	return guest_ram_read_ptr(ctx, gpa, len);
}

void guest_mem_paging_resized(struct guest_paging *pg, struct guest *g)
{
	pg->ram_at = ram_at;
	pg->ram_ctx = g;
}

bool guest_mem_is_ram(struct guest *g, gpa_t gpa, size_t len)
{
	return guest_ram_read_ptr(g, gpa, len) != NULL;
}

int guest_mem_translate(struct guest *g, const struct vcpu_insn_state *st, gva_t la,
			unsigned access, gpa_t *gpa, uint32_t *pf_error)
{
	struct guest_paging pg;

	guest_mem_paging(&pg, g, st);
	return guest_paging_translate(&pg, la, access, gpa, pf_error);
}

/*
 * Translate every page of [la, la + len) and check it is RAM, then copy:
 * into buf when !write, out of wbuf when write; neither when both are NULL.
 */
static int gm_copy_gva(struct guest *g, const struct vcpu_insn_state *st, gva_t la, unsigned access,
		       void *buf, const void *wbuf, size_t len, gva_t *pf_la, uint32_t *pf_error)
{
	struct guest_paging pg;
	size_t done;

	guest_mem_paging(&pg, g, st);
	*pf_la = 0;
	*pf_error = 0;
	for (int copy = 0; copy < 2; copy++) {
		for (done = 0; done < len;) {
			gva_t page_la = la + done;
			size_t chunk = MIN(len - done, PAGE_SIZE - (page_la & GM_PAGE_OFFSET_MASK));
			gpa_t gpa;
			int ret = guest_paging_translate(&pg, page_la, access, &gpa, pf_error);

			if (ret == -EFAULT)
				*pf_la = page_la;
			if (ret)
				return ret;
			if (!guest_mem_is_ram(g, gpa, chunk))
				return -EIO;
			if (copy && wbuf)
				guest_mem_write_gpa(g, gpa, (const uint8_t *)wbuf + done, chunk);
			else if (copy && buf)
				guest_mem_read_gpa(g, gpa, (uint8_t *)buf + done, chunk);
			done += chunk;
		}
	}
	return 0;
}

int guest_mem_read_gva(struct guest *g, const struct vcpu_insn_state *st, gva_t la, unsigned access,
		       void *buf, size_t len, gva_t *pf_la, uint32_t *pf_error)
{
	return gm_copy_gva(g, st, la, access & ~GUEST_ACCESS_WRITE, buf, NULL, len, pf_la,
			   pf_error);
}

int guest_mem_write_gva(struct guest *g, const struct vcpu_insn_state *st, gva_t la,
			unsigned access, const void *buf, size_t len, gva_t *pf_la,
			uint32_t *pf_error)
{
	return gm_copy_gva(g, st, la, access | GUEST_ACCESS_WRITE, NULL, buf, len, pf_la, pf_error);
}

int guest_mem_check_gva(struct guest *g, const struct vcpu_insn_state *st, gva_t la, unsigned access,
			size_t len, gva_t *pf_la, uint32_t *pf_error)
{
	return gm_copy_gva(g, st, la, access, NULL, NULL, len, pf_la, pf_error);
}
