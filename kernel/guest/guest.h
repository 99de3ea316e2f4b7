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

#include "kernel/core/spinlock.h"
#include "kernel/guest/cpuid_cache.h"
#include "kernel/guest/guest_ram.h"
#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"
#include "kernel/guest/vdev.h"
#include "kernel/guest/virt.h"

#define GUEST_NAME_MAX	32
#define GUEST_MAX_VCPUS 8
#define GUEST_MMIO_BASE 0xc0000000ULL
#define GUEST_MMIO_END	SZ_4G

struct virq_chip;
struct guest_dirty;
struct guest_resize;

enum guest_state {
	GUEST_CREATED,
	GUEST_RUNNING,
	GUEST_EXITED,  /* the guest asked to stop (debug-exit port, exit hypercall) */
	GUEST_CRASHED, /* stopped by the hypervisor: fault, bad state, escape attempt */
};

struct guest {
	char name[GUEST_NAME_MAX];
	unsigned id;
	unsigned instance; /* 1..64 of its config guest's instances; 0: a plain guest (CPUID) */
	volatile enum guest_state state;
	int exit_code;
	char stop_reason[160];

	uint64_t mem_size;
	hpa_t mem_hpa;			    /* host backing of guest RAM [0, mem_size) */
	struct guest_ram ram;		    /* what of it is zeroed and mapped (guest_ram.h) */
	void *arch_mm;			    /* backend's EPT / NPT root */
	struct guest_dirty *volatile dirty; /* the dirty-page log while on (guest_dirty.h) */
	struct guest_cow *cow;		    /* a copy-on-write clone's pages (guest_cow.h) */
	struct guest_resize *resize;	    /* RAM hot-added and given back (guest_resize.h) */

	struct vcpu *vcpus; /* vcpu_count of them (a 1-vCPU guest holds one, not eight) */
	unsigned vcpu_count;
	unsigned vcpus_started, vcpus_stopped; /* of this run: all stopped = the guest is down */
	volatile unsigned vcpus_offered; /* vCPUs 0..n-1 may run (HC_VCPUS; the console's set) */
	volatile uint8_t notify_vector;	 /* raised on vCPU 0 when an offer changes (HC_NOTIFY) */
	volatile bool paused;
	bool restart_pending;	  /* start again once every vCPU has stopped */
	bool destroy_pending;	  /* scaled in: destroyed once every vCPU has stopped (mgmt) */
	uint64_t start_tsc;	  /* when it last started */
	struct spinlock lock;	  /* state changes (vCPUs may run on several CPUs) */
	struct spinlock dev_lock; /* its virtual devices */
	const void *config;	  /* its struct config_guest, to build it again on restart */

	struct vdev_table vdevs;
	void *devices;	      /* the standard devices' storage (kernel/vdev/standard.c) */
	unsigned device_mask; /* GUEST_DEV_* attached */

	/*
	 * Checkpoints (kernel/ha): once the TSC passes epoch_deadline (0: never),
	 * the run loop calls epoch_hook at the vCPU's next exit, on its CPU, v loaded.
	 * With console_hold set, the guest's console lines go there, not out.
	 */
	volatile uint64_t epoch_deadline;
	void (*epoch_hook)(struct vcpu *v);
	void (*console_hold)(struct guest *g, const char *line);
	void *ha;			 /* its redundancy group (kernel/ha), or NULL */
	volatile uint64_t heartbeat_tsc; /* its last HC_HEARTBEAT (the watchdog's) */
	/* Its last HC_LOAD (the autoscaler's) and when; and how many instances run (HC_INSTANCES).
	 */
	volatile uint32_t reported_load;
	volatile uint64_t load_tsc;
	const volatile unsigned *instance_count; /* NULL: a guest without instances */

	uint64_t unclaimed_io, unclaimed_mmio, msr_gp;
	struct cpuid_cache cpuid; /* its fixed CPUID answers (kernel/emul/exit.c fills it) */
};

/* Standard devices a guest may have (vdev_attach_standard's `devices`). */
#define GUEST_DEV_UART	     (1u << 0) /* 16550 at GUEST_UART_PORT */
#define GUEST_DEV_DEBUG_EXIT (1u << 1) /* GUEST_DEBUG_EXIT_PORT */
#define GUEST_DEV_PC	     (1u << 2) /* PIC pair, ELCR, PIT, port 0x61, local APICs, I/O APIC */

/*
 * Host bytes that back mem_size bytes of guest RAM: whole MiBs (EPT/NPT map
 * each whole 2 MiB of it with a large page, a last odd MiB with 4 KiB ones),
 * so that a 1 MiB guest costs 1 MiB. What guest_create allocates and what
 * the config's memory check charges: one rule for both.
 */
static inline uint64_t guest_ram_footprint(uint64_t mem_size)
{
	return ALIGN_UP(mem_size, SZ_1M);
}

/*
 * A guest with mem_size bytes of RAM and vcpu_count vCPUs, no devices yet.
 * None of the RAM is zeroed or mapped yet: that happens on first touch
 * (guest_ram.h), and the loader populates what it writes.
 */
struct guest *guest_create(const char *name, uint64_t mem_size, unsigned vcpu_count);

struct guest_template;
/* A copy-on-write clone of template t (guest_cow.h): one vCPU, t's RAM shared, no devices yet. */
struct guest *guest_create_clone(const char *name, struct guest_template *t);

/*
 * Free what guest_create gave g, and g itself: its RAM frames (scrubbed
 * first, guest_ram_release: nothing of g reaches their next owner), its
 * EPT/NPT tables (after every CPU has dropped its cached translations of
 * g), the vCPUs' FPU areas. The caller has made sure that no vCPU of g runs
 * or will run again and has freed what lies above this layer: each vCPU's
 * backend state and scheduler entry, the devices (kernel/mgmt/guests.c).
 */
void guest_destroy(struct guest *g);

/* Mark g running and make vCPU 0 runnable (its state must be loaded). */
void guest_start(struct guest *g);

/*
 * g is stopped: remove every guest-physical mapping below `end` and the
 * page tables under them (freed once every CPU has flushed), so that a
 * restart maps its RAM afresh and holds the tables a first start would.
 * 0 or -ENOMEM.
 */
int guest_unmap_all(struct guest *g, gpa_t end);

/*
 * New frames for g's RAM, all of it, the old ones freed: for a restart
 * after the guest gave pages back (HC_BALLOON), whose frames are gone.
 * g is stopped and unmapped (guest_unmap_all); nothing is zeroed or
 * mapped (guest_ram_init). 0 or -errno.
 */
int guest_ram_renew(struct guest *g);

/* Tell g that what it is offered changed: its HC_NOTIFY vector on vCPU 0, if it set one. */
void guest_notify(struct guest *g);

/* Pause (park every vCPU at its next exit) or resume g; the caller says why, if it should. */
void guest_set_paused(struct guest *g, bool paused);

/* A vCPU of g left the scheduler for good; the last one ends the run (stats, hook). */
void guest_vcpu_stopped(struct guest *g, struct vcpu *v);

/* Called (on the CPU of g's last vCPU) when every vCPU of g has stopped. */
void guest_on_stopped(void (*hook)(struct guest *g));

/* Exit counters of g summed over its vCPUs. */
void guest_exit_stats(const struct guest *g, struct exit_stat out[VEXIT_KIND_COUNT]);

/*
 * Stop g: state becomes `state` (EXITED or CRASHED), one log line reports
 * guest and reason. No vCPU of g is entered again; callable from any CPU.
 */
void guest_stop(struct guest *g, enum guest_state state, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Map guest-physical [gpa, gpa+size) to host [hpa, ...) with `rights`, and
 * make every CPU drop stale translations before returning (vCPUs of g may
 * be running anywhere).
 */
/*
 * Every CPU but this one drops its cached translations of g (EPT/NPT, and a
 * clone's window), each between two runs: a CPU running g's vCPU answers at
 * its next exit. The caller holds no lock such an exit may take.
 */
void guest_flush_others(struct guest *g);

int guest_map(struct guest *g, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned rights,
	      enum gmap_type type);

/*
 * Host pointer to guest RAM [gpa, gpa+len), or NULL if any of it lies
 * outside RAM. The range is zeroed first where this run has not zeroed it
 * yet (guest_ram.c), so nothing of a previous owner shows through.
 */
void *guest_ram_ptr(struct guest *g, gpa_t gpa, uint64_t len);

/*
 * The same for reading only: while g's writes are logged for checkpoints
 * (guest_dirty.h), guest_ram_ptr marks the range as written; this does not.
 */
const void *guest_ram_read_ptr(struct guest *g, gpa_t gpa, uint64_t len);

/*
 * Console line from the guest (its virtual UART), printed as "[name] text"
 * at warn level, or handed to g->console_hold while that is set.
 */
void guest_console_line(struct guest *g, const char *text);

/* The same line printed now, whatever holds g's output: as `name` ("[name] text"). */
void guest_console_emit(struct guest *g, const char *name, const char *text);

/*
 * The console's `waitfor`: from now on, note a line printed as `name` (the
 * name the log shows, whichever replica prints under it) holding `text`;
 * NULL name: watch nothing. Whether such a line was printed since.
 */
void guest_console_watch(const char *name, const char *text);
bool guest_console_seen(void);

#endif
