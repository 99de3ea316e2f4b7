/*
 * Dirty-page log of a guest's RAM, for checkpoints (kernel/ha): which 4 KiB
 * pages changed since the last collect. Write protection in EPT/NPT: while
 * the log is on, every RAM page is mapped read+execute until the guest's
 * first write to it faults; the fault marks the page and maps it writable
 * again, so each page costs one exit per epoch however often it is written.
 * The hypervisor's own writes into guest RAM (device DMA, emulated string
 * input, hypercall results) go through guest_ram_ptr, which marks the range.
 *
 * EPT A/D bits and PML would save those exits; Bochs and QEMU's TCG offer
 * neither with the features used here, so write protection is the one
 * mechanism, on both backends (guest_dirty_method says which is in use).
 */
#ifndef SHOJI_KERNEL_GUEST_DIRTY_H
#define SHOJI_KERNEL_GUEST_DIRTY_H

#include "kernel/core/types.h"

struct guest;

/* Per guest while the log is on (g->dirty). */
struct guest_dirty {
	uint64_t *bits;	       /* one per 4 KiB page of RAM: written since the last collect */
	uint64_t pages;	       /* RAM pages */
	uint64_t marked;       /* pages set in bits now */
	uint64_t write_faults; /* guest writes that found a page protected (all time) */
};

/* "write protection": the tracking method, for the console. */
const char *guest_dirty_method(void);

/*
 * Start logging g's RAM: all of it becomes ready (guest_ram.h) and mapped
 * read+execute on every CPU, and the log starts empty. 0, -ENOMEM, or the
 * backend's error. g's vCPUs may be stopped or running (each CPU flushes).
 */
int guest_dirty_start(struct guest *g);

/* Stop logging: RAM mapped writable again on every CPU, the log freed. */
void guest_dirty_stop(struct guest *g);

/*
 * A write fault of g at RAM address gpa: mark the page and map it
 * writable again (this CPU; no other CPU can hold a writable translation
 * of a page it never had writable). False if the log is off or gpa is not RAM.
 */
bool guest_dirty_write_fault(struct guest *g, gpa_t gpa);

/* The hypervisor writes (or may write) [gpa, gpa+len) of g's RAM. */
void guest_dirty_mark(struct guest *g, gpa_t gpa, uint64_t len);

/*
 * Hand each page marked since the last collect to fn (its GPA and host
 * contents), clear the log and write-protect those pages again. Only on
 * the CPU that runs g's only vCPU, at one of its exits (so g is stopped and
 * only this CPU caches g's translations): the flush is local. Stops at
 * fn's first error and returns it. A run the backend fails to protect
 * stays in the log (and its error is returned): it may still be writable.
 */
int guest_dirty_collect(struct guest *g, int (*fn)(void *ctx, gpa_t gpa, const void *page),
			void *ctx);

/*
 * Undo g's writes since its last collect: every page marked in its log is
 * copied from `from`, which holds the state of that moment (RAM of one
 * size, g stopped). After a failover the failed replica is rolled back so
 * to the checkpoint the other resumes from, before that one runs. The
 * number of pages copied, or -EINVAL.
 */
int guest_dirty_roll_back(struct guest *g, const struct guest *from);

/* Hand every page of g's RAM to fn (a full copy), leaving the log as it is. */
int guest_dirty_each_page(struct guest *g, int (*fn)(void *ctx, gpa_t gpa, const void *page),
			  void *ctx);

#endif
