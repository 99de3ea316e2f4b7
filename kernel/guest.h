/*
 * A guest (VM): a name, guest-physical memory backed by one contiguous run
 * of host frames, its vCPU, its virtual devices and counters.
 *
 * Guest-physical layout: RAM at [0, mem_size); the MMIO window
 * [GUEST_MMIO_BASE, 4 GiB) holds virtual devices, and unclaimed accesses
 * there get the defined answer (reads all ones, writes ignored, counted).
 * Anything else is outside the guest: the guest is stopped.
 */
#ifndef SHOJI_KERNEL_GUEST_H
#define SHOJI_KERNEL_GUEST_H

#include "kernel/types.h"
#include "kernel/vcpu.h"
#include "kernel/vdev.h"

#define GUEST_NAME_MAX 32
#define GUEST_MMIO_BASE 0xc0000000ULL
#define GUEST_MMIO_END SZ_4G

enum guest_state {
	GUEST_CREATED,
	GUEST_RUNNING,
	GUEST_EXITED,  /* the guest asked to stop (debug-exit port, exit hypercall) */
	GUEST_CRASHED, /* stopped by the hypervisor: fault, bad state, escape attempt */
};

struct exit_stat {
	uint64_t count;
	uint64_t cycles; /* TSC cycles spent handling this kind of exit */
};

struct guest {
	char name[GUEST_NAME_MAX];
	unsigned id;
	enum guest_state state;
	int exit_code;
	char stop_reason[160];

	uint64_t mem_size;
	hpa_t mem_hpa; /* host backing of guest RAM [0, mem_size) */
	void *arch_mm; /* backend's EPT / NPT root */

	struct vcpu vcpu; /* one vCPU per guest for now */

	struct vdev *vdevs[GUEST_MAX_VDEVS];
	unsigned vdev_count;
	void *devices; /* the standard devices' storage (guest.c) */

	struct exit_stat stats[VEXIT_KIND_COUNT];
	uint64_t unclaimed_io, unclaimed_mmio, msr_gp;
};

/* A guest with mem_size bytes of zeroed RAM, its vCPU, a UART and the debug-exit port. */
struct guest *guest_create(const char *name, uint64_t mem_size);

/* Run g's vCPU until the guest stops, then print its exit statistics. */
void guest_run(struct guest *g);

/*
 * Stop g: state becomes `state` (EXITED or CRASHED), one log line reports
 * guest, reason and RIP. The vCPU is not entered again.
 */
void guest_stop(struct guest *g, enum guest_state state, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Host pointer to guest RAM [gpa, gpa+len), or NULL if any of it lies outside RAM. */
void *guest_ram_ptr(struct guest *g, gpa_t gpa, uint64_t len);

/* Console line from the guest (its virtual UART), printed as "[name] text". */
void guest_console_line(struct guest *g, const char *text);

#endif
