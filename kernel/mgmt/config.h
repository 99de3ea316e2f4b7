/*
 * The kernel's parse of shoji.cfg: the list of guests to build. Pure: reads
 * the text and the loader's module list, writes only the result struct, and
 * logs each problem once as "cfg: FILE:LINE: reason". The loader's own scan
 * (boot/config_scan.c) only picks out cmdline and image paths; everything
 * else about the file is checked here.
 *
 * Syntax: '#' starts a comment (whole line or trailing); blank lines and
 * blanks around keys and values are ignored; CRLF is accepted.
 *
 * Top level (before the first section):
 *   cmdline = ...             the kernel's command line (the loader's; ignored here)
 *   script = FILE             console commands run at boot; a module the loader brought
 * Per guest:
 *   [guest NAME]              NAME: 1-31 characters of [A-Za-z0-9_-]
 *   image = PATH              required; a module the loader brought: an ELF, a
 *                             Linux bzImage or a flat binary, told apart by content
 *   kernel = PATH             as image, for a Linux bzImage or a Multiboot 1/2 kernel
 *                             (anything else is refused)
 *   initrd = PATH             Linux: the initramfs, a module the loader brought
 *   module = PATH [ARGS]      Multiboot: a boot module, a module the loader brought;
 *                             repeatable (up to 8), in order; its Multiboot string is
 *                             "PATH ARGS" (printable ASCII, up to 191 characters)
 *   disk = PATH               a virtio-blk disk (virtio-mmio) over the file, a module the
 *                             loader brought; needs devices = pc; one guest per file;
 *                             writes stay in memory until the hypervisor restarts
 *   cmdline = TEXT            the guest's command line: 0-255 printable characters
 *                             (no '#': it starts a comment); default empty
 *   memory = N[K|M|G]         default 16M; 1M..1G, a multiple of 4K
 *   mode = real|prot32|long64 ELF: from the class unless given; flat: real
 *   load = ADDR               flat binaries: load GPA (default 0x8000)
 *   entry = ADDR              flat binaries: entry GPA (default = load)
 *   autostart = yes|no        default yes
 *   vcpus = N                 1..8, default 1
 *   cpus = shared | LIST      default shared. LIST: pCPU indexes and ranges
 *                             ("1,3", "2-3"), one per vCPU in vCPU order; each
 *                             pCPU is the guest's alone. pCPU 0 runs the
 *                             management console and is never pinned.
 *   weight = N                shared guests only: 1..1000, default 100
 *   cap = N[%]                shared guests only: at most N% (1..100) of one pCPU
 *                             per vCPU; default none ("cap = none")
 *   instances = N             1..1024, default 1: N identical instances NAME-1 .. NAME-N
 *                             (N > 1; NAME then at most 26 characters), each with its
 *                             number in CPUID 0x40000002; shared placement, no disk;
 *                             memory is charged N times. The console's `scale` changes N.
 *                             (cpus, weight and cap are a guest's first values: the
 *                             console's `set` changes them at run time, and a restart
 *                             keeps what set gave)
 *   clone = yes|no            default no. yes: every instance is a copy-on-write clone of
 *                             a template loaded once from the image (its state at its first
 *                             instruction): the clones share its RAM read-only and own only
 *                             the pages they write. One vCPU, shared CPUs, no disk, no pc,
 *                             no redundancy; memory is charged once (the template's), the
 *                             pages clones write as they write them.
 *   redundancy = none|duplex|dual|tmr
 *                             default none. dual: two replicas side by side, on the two
 *                             pCPUs 'cpus' lists (one vCPU, no pc, no disk), output
 *                             compared (kernel/ha/vote.h); tmr: three, on three pCPUs,
 *                             majority vote. duplex: a primary on 'cpus' (one pCPU) and a
 *                             standby on 'standby-cpus' (kernel/ha/duplex.h). Memory is
 *                             charged once per replica.
 *   standby = hot|cold        duplex: hot (checkpointed every epoch; one vCPU, no pc,
 *                             no disk) or cold (booted from the image on failure); default hot
 *   standby-cpus = N          duplex: the standby's pCPU, its own as a pinned vCPU's is
 *   epoch-ms = N              hot standby: checkpoint interval, 1..1000 ms, default 20
 *   batch = NAME              duplex: a shared guest of one instance defined above, run on
 *                             the standby's pCPU while the primary is healthy; paused on
 *                             failover, then moved to the new standby's pCPU
 *   watchdog-ms = N           duplex, dual, tmr: fail the primary (dual, tmr: a replica) after N ms
 * (10..60000) without a heartbeat hypercall; default 0: no watchdog devices = NAME, ...       from
 * uart, debug-exit, pc (the virtual PC); default uart and debug-exit, and pc too for a 'kernel';
 * "none" for neither
 *
 * Numbers are decimal or 0x-prefixed hex. A guest section with any error is
 * dropped (with its messages); the others are kept, in file order. Checks
 * against the machine (pCPUs exist, memory remains) use what the caller
 * passes; memory is counted over the guests kept so far, in file order.
 */
#ifndef SHOJI_KERNEL_CONFIG_H
#define SHOJI_KERNEL_CONFIG_H

#include <stddef.h>

#include "kernel/core/boot_info.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_image.h"
#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"

#define CONFIG_GUESTS_MAX	 16
#define CONFIG_MEM_DEFAULT	 (16 * SZ_1M)
#define CONFIG_MEM_MIN		 SZ_1M
#define CONFIG_MEM_MAX		 SZ_1G
#define CONFIG_FLAT_LOAD_DEFAULT GUEST_IMAGE_FLAT_LOAD_DEFAULT
#define CONFIG_CMDLINE_MAX	 255 /* characters of a guest's cmdline, without the NUL */
#define CONFIG_VCPUS_MAX	 8
#define CONFIG_MODULES_MAX	 MULTIBOOT_GUEST_MODULES_MAX
#define CONFIG_MODULE_STRING_MAX 191 /* "path args" of a module, without the NUL */
#define CONFIG_WEIGHT_DEFAULT	 100
#define CONFIG_WEIGHT_MAX	 1000
#define CONFIG_INSTANCES_MAX	 1024
#define CONFIG_EPOCH_MS_DEFAULT	 20
#define CONFIG_REDUNDANCY_NONE	 0
#define CONFIG_REDUNDANCY_DUPLEX 1
#define CONFIG_REDUNDANCY_DUAL	 2
#define CONFIG_REDUNDANCY_TMR	 3
#define CONFIG_REPLICAS_MAX	 3 /* TMR's */
/* "-1024": what an instance number adds to its config guest's name. */
#define CONFIG_INSTANCE_SUFFIX_MAX 5
/* pCPU indexes accepted when the caller gives no CPU count: below this, MAX_CPUS (pcpu.h). */
#define CONFIG_PCPU_MAX 64
/* pCPU 0 runs the management console: it takes shared vCPUs but is never pinned. */
#define CONFIG_CONSOLE_PCPU 0

/* Virtual devices a guest may have (struct config_guest.devices). */
#define CONFIG_DEV_UART	      (1U << 0) /* "uart": COM1 16550 */
#define CONFIG_DEV_DEBUG_EXIT (1U << 1) /* "debug-exit": the test exit port */
#define CONFIG_DEV_PC	      (1U << 2) /* "pc": PIC pair, PIT, port 0x61 (default for 'kernel') */
#define CONFIG_DEV_DEFAULT    (CONFIG_DEV_UART | CONFIG_DEV_DEBUG_EXIT)

struct config_guest {
	char name[GUEST_NAME_MAX];
	const struct boot_module *image;  /* points into the caller's module list */
	const struct boot_module *initrd; /* likewise, or NULL */
	const struct boot_module *disk;	  /* likewise, or NULL: the virtio-blk disk's image */
	/* Multiboot modules in config order, each a loaded module and its string */
	uint32_t module_count;
	const struct boot_module *modules[CONFIG_MODULES_MAX];
	char module_strings[CONFIG_MODULES_MAX][CONFIG_MODULE_STRING_MAX + 1];
	uint64_t mem_size;
	/* mode (unset: from the image), load and entry (flat binaries only) */
	struct guest_image_opts opts;
	bool autostart;
	uint32_t line; /* of the [guest NAME] header, for later messages */

	char cmdline[CONFIG_CMDLINE_MAX + 1]; /* NUL terminated, printable ASCII */
	uint32_t vcpus;			      /* 1..CONFIG_VCPUS_MAX */
	/*
	 * Pinned: vCPU i runs on pCPU cpus[i] alone, i < vcpus; the pCPUs are
	 * distinct, never CONFIG_CONSOLE_PCPU, and no other guest kept pins them.
	 * Shared (!pinned): cpus[] is unused; weight and cap apply.
	 */
	bool pinned;
	uint32_t cpus[CONFIG_VCPUS_MAX];
	uint32_t weight;      /* 1..CONFIG_WEIGHT_MAX; CONFIG_WEIGHT_DEFAULT if pinned */
	uint32_t cap_percent; /* 1..100 of one pCPU per vCPU; 0: no cap */
	uint32_t devices;     /* CONFIG_DEV_* bits */
	uint32_t instances;   /* 1..CONFIG_INSTANCES_MAX: > 1 makes NAME-1 .. NAME-N */
	bool clone;	      /* instances are copy-on-write clones of one template */
	/* Redundancy: CONFIG_REDUNDANCY_*; a duplex's standby (hot or cold) and its pCPU. */
	uint32_t redundancy;
	bool standby_hot, standby_cpu_set;
	uint32_t standby_cpu;
	uint32_t epoch_ms, watchdog_ms; /* watchdog_ms 0: none */
	/* Duplex: the guest that runs on the standby's pCPU while the primary is healthy. */
	char batch[GUEST_NAME_MAX]; /* "" for none */
	/* A duplex's batch guest: its vCPUs go to that duplex's standby pCPU, batch_cpu. */
	bool is_batch;
	uint32_t batch_cpu;
};

/* Copies of the guest that run or wait: 1, 2 for duplex and dual, 3 for TMR. */
static inline unsigned config_replicas(const struct config_guest *g)
{
	return g->redundancy == CONFIG_REDUNDANCY_NONE	? 1
	       : g->redundancy == CONFIG_REDUNDANCY_TMR ? 3
							: 2;
}

/* The redundancy's name as the config writes it. */
static inline const char *config_redundancy_name(const struct config_guest *g)
{
	static const char *const names[] = {"none", "duplex", "dual", "tmr"};
	return g->redundancy < sizeof(names) / sizeof(names[0]) ? names[g->redundancy] : "?";
}

/* Whether the guest's replicas vote on their output (dual, TMR): cpus lists one per replica. */
static inline bool config_voting(const struct config_guest *g)
{
	return g->redundancy == CONFIG_REDUNDANCY_DUAL || g->redundancy == CONFIG_REDUNDANCY_TMR;
}

/* The pCPUs a pinned guest's cpus lists: one per vCPU, or one per voting replica. */
static inline unsigned config_pinned_cpus(const struct config_guest *g)
{
	return config_voting(g) ? config_replicas(g) : g->vcpus;
}

/* Host RAM the guest's config asks for: each instance's, once per replica. */
static inline uint64_t config_guest_footprint(const struct config_guest *g)
{
	if (g->clone) /* the template's; each clone's pages are taken as it writes them */
		return guest_ram_footprint(g->mem_size);
	return guest_ram_footprint(g->mem_size) * g->instances * config_replicas(g);
}

struct config {
	uint32_t guest_count;
	struct config_guest guests[CONFIG_GUESTS_MAX];
	/* Top-level "script": the module with console commands to run at boot, or NULL. */
	const struct boot_module *script;
	uint32_t error_count; /* messages logged with log_err */
};

/*
 * Parse @len bytes of @text (need not be NUL terminated; may hold NULs),
 * the contents of the module named @file. Each "image" and the "script"
 * must name one of the @module_count @modules exactly. @cpu_count: online
 * pCPUs (pinned pCPUs must exist; 0: not checked). @free_memory: bytes of
 * RAM for all guests together (0: not checked). Fills @out with the good
 * guests. Returns 0 if the file had no error, -EINVAL if any was logged
 * (@out still holds the guests that were fine).
 */
/*
 * The name of instance @number (1..CONFIG_INSTANCES_MAX) of config guest
 * @base: "base-number", into @out. 0, -EINVAL (number out of range) or
 * -ENAMETOOLONG (it would not fit GUEST_NAME_MAX with its NUL).
 */
int config_instance_name(char out[GUEST_NAME_MAX], const char *base, unsigned number);

int config_parse(const char *file, const char *text, size_t len, const struct boot_module *modules,
		 uint32_t module_count, uint32_t cpu_count, uint64_t free_memory,
		 struct config *out);

#endif
