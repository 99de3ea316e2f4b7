/*
 * AP bring-up and cross-CPU calls (see smp.h). Owns the trampoline page
 * below 1 MiB, the APs' stacks, each CPU's start-up state and cross-call
 * slot, and the SMP IPI vectors. It does not own struct pcpu (pcpu.c), the
 * GDT/TSS layout (gdt.c) or the local APIC registers (lapic.c).
 *
 * Ownership of shared state:
 *  - smp_cpus[i].state: the BSP moves it to STARTING and, on timeout, from
 *    STARTING to FAILED; the AP moves it from STARTING to ONLINE (or FAILED).
 *    Both sides use compare-and-swap, so exactly one of them decides.
 *  - smp_cpus[i].call: written by the holder of call_lock while the slot is
 *    IDLE; the target takes it by CAS REQUESTED -> RUNNING and frees it.
 *  - everything else: written by the BSP in smp_init before the AP it
 *    concerns is started, read-only afterwards.
 */
#include "arch/x86/smp.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
#include "arch/x86/kernel_map.h"
#include "arch/x86/msr.h"
#include "arch/x86/smp_trampoline.h"
#include "arch/x86/stacks.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/pcpu.h"
#include "kernel/mm/pmm.h"
#include "kernel/core/spinlock.h"

/* SDM 3A 9.4.4.1: INIT, wait 10 ms, SIPI, wait 200 us, second SIPI if needed. */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
/* From the first SIPI until the AP says it is online (VMXON, logging included). */
#define AP_START_TIMEOUT_US 1000000
/* A cross-call the target has started must finish within this, or the hypervisor is broken. */
#define SMP_CALL_RUNNING_LIMIT_US (10ULL * SMP_CALL_TIMEOUT_US)
/* SIPI vector = page number; vectors 0xa0-0xbf are reserved (SDM 3A 11.6.1), so stay below. */
#define SIPI_PAGE_LIMIT 0xa0000
#define US_PER_S	1000000ULL
/* Only if the TSC was never calibrated: a guess that keeps timeouts finite. */
#define FALLBACK_TSC_HZ 1000000000ULL
#define XCR0		0

enum ap_stack {
	AP_STACK_MAIN,
	AP_STACK_NMI, /* IST1 */
	AP_STACK_DF,  /* IST2 */
	AP_STACK_MC,  /* IST3 */
	AP_STACK_COUNT,
};

enum cpu_state {
	CPU_UNUSED = 0, /* no CPU has this index */
	CPU_STARTING,
	CPU_ONLINE,
	CPU_FAILED,
};

enum call_state {
	CALL_IDLE = 0,
	CALL_REQUESTED,
	CALL_RUNNING,
};

struct call_slot {
	void (*fn)(void *);
	void *arg;
	uint32_t state; /* enum call_state */
};

struct smp_cpu {
	uint32_t apic_id;
	uint32_t state; /* enum cpu_state */
	bool virt_ready;
	hpa_t stacks[AP_STACK_COUNT]; /* each a struct guarded_stack: guard page first */
	struct call_slot call;
} __attribute__((aligned(64)));

static struct smp_cpu smp_cpus[MAX_CPUS] = {[0] = {.state = CPU_ONLINE}};
/* Main stack tops by CPU index: the trampoline loads RSP from here. */
static uint64_t ap_stack_tops[MAX_CPUS];
static unsigned index_limit = 1;
static unsigned online_count = 1;

static const struct acpi_info *smp_acpi;
/* The virtualization backend's per-CPU set-up (NULL: none), run on each AP. */
static int (*virt_cpu_init)(void);
static const char *virt_name;
static uint8_t *tramp;	    /* the trampoline page, 1:1 mapped */
static bool tramp_stranded; /* an AP took its index but never reported: keep the page */
static bool bsp_osxsave;
static uint64_t bsp_xcr0, bsp_pat;

static struct spinlock call_lock = SPINLOCK_INIT;

extern const char smp_trampoline_start[], smp_trampoline_pm32[], smp_trampoline_lm64[],
    smp_trampoline_end[];

static uint64_t us_to_tsc(uint64_t us)
{
	uint64_t hz = tsc_hz() ? tsc_hz() : FALLBACK_TSC_HZ;
	return hz * us / US_PER_S;
}

static uint64_t irq_save(void)
{
	uint64_t flags = read_rflags();
	irq_disable();
	return flags;
}

static void irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		irq_enable();
}

static uint64_t xgetbv(uint32_t index)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return (uint64_t)hi << 32 | lo;
}

static void xsetbv(uint32_t index, uint64_t value)
{
	__asm__ volatile("xsetbv"
			 :
			 : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static uint64_t stack_top_of(hpa_t guarded_stack)
{
	return guarded_stack + GUARDED_STACK_SIZE;
}

/* ---- queries ------------------------------------------------------------ */

unsigned smp_cpu_count(void)
{
	return __atomic_load_n(&online_count, __ATOMIC_ACQUIRE);
}

unsigned smp_cpu_index_limit(void)
{
	return __atomic_load_n(&index_limit, __ATOMIC_ACQUIRE);
}

bool smp_cpu_online(unsigned index)
{
	return index < MAX_CPUS &&
	       __atomic_load_n(&smp_cpus[index].state, __ATOMIC_ACQUIRE) == CPU_ONLINE;
}

uint32_t smp_apic_id(unsigned index)
{
	return index < MAX_CPUS ? smp_cpus[index].apic_id : 0;
}

bool smp_cpu_virt_ready(unsigned index)
{
	return smp_cpu_online(index) && smp_cpus[index].virt_ready;
}

bool smp_stack_contains(uint64_t addr, uint64_t len)
{
	unsigned limit = smp_cpu_index_limit();
	for (unsigned i = 1; i < limit; i++) {
		for (int s = 0; s < AP_STACK_COUNT; s++) {
			hpa_t base = smp_cpus[i].stacks[s];
			uint64_t lo = base + STACK_GUARD_SIZE;
			if (base && addr >= lo && addr + len >= addr &&
			    addr + len <= lo + STACK_SIZE)
				return true;
		}
	}
	return false;
}

/* ---- cross-calls -------------------------------------------------------- */

/* Run this CPU's pending cross-call, if any. Interrupts are off. */
static void run_pending_call(void)
{
	if (!pcpu_ready())
		return;
	struct call_slot *s = &smp_cpus[this_pcpu()->index].call;
	uint32_t expected = CALL_REQUESTED;
	if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) != CALL_REQUESTED ||
	    !__atomic_compare_exchange_n(&s->state, &expected, CALL_RUNNING, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	s->fn(s->arg);
	__atomic_store_n(&s->state, CALL_IDLE, __ATOMIC_RELEASE);
}

void smp_handle_ipi_vector(uint8_t vector)
{
	if (vector == SMP_VECTOR_WAKEUP || vector == SMP_VECTOR_CALL)
		lapic_eoi();
	/* Any vector: a call posted while this CPU was busy may have lost its IPI to an earlier
	 * one. */
	run_pending_call();
}

static void smp_ipi_interrupt(struct trap_frame *frame)
{
	smp_handle_ipi_vector((uint8_t)frame->vector);
}

/* Take call_lock, answering calls meanwhile: its holder may be waiting for this CPU. */
static void call_lock_acquire(void)
{
	while (!spin_trylock(&call_lock)) {
		run_pending_call();
		cpu_relax();
	}
}

static void post_call(unsigned index, void (*fn)(void *), void *arg)
{
	struct call_slot *s = &smp_cpus[index].call;
	BUG_ON(__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != CALL_IDLE);
	s->fn = fn;
	s->arg = arg;
	__atomic_store_n(&s->state, CALL_REQUESTED, __ATOMIC_RELEASE);
}

static int send_call_ipi(unsigned index)
{
	return lapic_send_ipi(smp_cpus[index].apic_id, SMP_VECTOR_CALL);
}

/*
 * Wait until CPU index has run its call. A call not picked up by `deadline`
 * (TSC) is cancelled; one that has started is waited for (fn may use memory
 * of the caller's) up to SMP_CALL_RUNNING_LIMIT_US.
 */
static int wait_call(unsigned index, uint64_t start, uint64_t timeout)
{
	struct call_slot *s = &smp_cpus[index].call;
	uint64_t running_limit = us_to_tsc(SMP_CALL_RUNNING_LIMIT_US);
	for (;;) {
		uint32_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (state == CALL_IDLE)
			return 0;
		uint64_t elapsed = rdtsc() - start;
		if (state == CALL_REQUESTED && elapsed >= timeout) {
			uint32_t expected = CALL_REQUESTED;
			if (__atomic_compare_exchange_n(&s->state, &expected, CALL_IDLE, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				log_err("smp: CPU %u (APIC %u) did not answer a cross-call within "
					"%llu ms",
					index, smp_cpus[index].apic_id,
					(unsigned long long)(SMP_CALL_TIMEOUT_US / 1000));
				return -ETIMEDOUT;
			}
			continue;
		}
		if (state == CALL_RUNNING && elapsed >= running_limit)
			panic("smp: cross-call on CPU %u still running after %llu ms", index,
			      (unsigned long long)(SMP_CALL_RUNNING_LIMIT_US / 1000));
		cpu_relax();
	}
}

int smp_call_on_cpu(unsigned cpu_index, void (*fn)(void *), void *arg)
{
	if (cpu_index >= MAX_CPUS) {
		log_err("smp: cross-call to CPU %u: no such CPU", cpu_index);
		return -EINVAL;
	}
	if (!smp_cpu_online(cpu_index)) {
		log_err("smp: cross-call to CPU %u, which is offline", cpu_index);
		return -ENODEV;
	}
	uint64_t flags = irq_save();
	if (cpu_index == this_pcpu()->index) {
		fn(arg);
		irq_restore(flags);
		return 0;
	}
	call_lock_acquire();
	post_call(cpu_index, fn, arg);
	uint64_t start = rdtsc();
	/* If the IPI cannot be sent (logged by lapic), cancel at once unless already taken. */
	uint64_t timeout = send_call_ipi(cpu_index) ? 0 : us_to_tsc(SMP_CALL_TIMEOUT_US);
	int err = wait_call(cpu_index, start, timeout);
	spin_unlock(&call_lock);
	irq_restore(flags);
	return err;
}

int smp_call_all_others(void (*fn)(void *), void *arg)
{
	uint64_t flags = irq_save();
	unsigned self = this_pcpu()->index, limit = smp_cpu_index_limit();
	bool ipi_failed[MAX_CPUS] = {false};
	int err = 0;

	call_lock_acquire();
	for (unsigned i = 0; i < limit; i++)
		if (i != self && smp_cpu_online(i))
			post_call(i, fn, arg);
	uint64_t start = rdtsc();
	for (unsigned i = 0; i < limit; i++)
		if (i != self && smp_cpu_online(i))
			ipi_failed[i] = send_call_ipi(i) != 0;
	uint64_t timeout = us_to_tsc(SMP_CALL_TIMEOUT_US);
	for (unsigned i = 0; i < limit; i++)
		if (i != self && smp_cpu_online(i) &&
		    wait_call(i, start, ipi_failed[i] ? 0 : timeout))
			err = -ETIMEDOUT;
	spin_unlock(&call_lock);
	irq_restore(flags);
	return err;
}

void smp_send_wakeup(unsigned cpu_index)
{
	if (!smp_cpu_online(cpu_index) || cpu_index == this_pcpu()->index)
		return;
	(void)lapic_send_ipi(smp_cpus[cpu_index].apic_id, SMP_VECTOR_WAKEUP);
}

/* ---- the APs' side ------------------------------------------------------ */

__attribute__((weak, noreturn)) void sched_idle_loop(void)
{
	for (;;)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* Give up on this AP's start-up (the reason is logged): unless the BSP already has. */
static __attribute__((noreturn)) void ap_give_up(struct smp_cpu *c)
{
	uint32_t expected = CPU_STARTING;
	__atomic_compare_exchange_n(&c->state, &expected, CPU_FAILED, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	cpu_halt_forever();
}

/* Entered from the trampoline in long mode, on the CPU's own main stack, interrupts off. */
static __attribute__((noreturn, used)) void ap_main(unsigned cpu_index)
{
	struct smp_cpu *c = &smp_cpus[cpu_index];

	/* GS first: logging and newlib reach per-CPU data through it. */
	pcpu_init(cpu_index);
	this_pcpu()->apic_id = c->apic_id;
	gdt_load(&this_pcpu()->tables, stack_top_of(c->stacks[AP_STACK_NMI]),
		 stack_top_of(c->stacks[AP_STACK_DF]), stack_top_of(c->stacks[AP_STACK_MC]));
	idt_load();
	/* INIT reset these; the BSP's values are what the kernel was built against. */
	if (bsp_osxsave)
		xsetbv(XCR0, bsp_xcr0);
	wrmsr(MSR_IA32_PAT, bsp_pat);

	if (lapic_init(smp_acpi)) {
		log_err("smp: CPU %u (APIC %u): local APIC set-up failed", cpu_index, c->apic_id);
		ap_give_up(c);
	}
	uint32_t id = lapic_id();
	if (id != c->apic_id)
		log_warn("smp: CPU %u reports APIC ID %u, the MADT said %u", cpu_index, id,
			 c->apic_id);
	if (virt_cpu_init) {
		int err = virt_cpu_init();
		if (err)
			log_warn("smp: CPU %u: %s set-up failed (error %d); it runs no guests",
				 cpu_index, virt_name, err);
		else
			c->virt_ready = true;
	}

	log_info("smp: CPU %u (APIC %u) online", cpu_index, c->apic_id);
	uint32_t expected = CPU_STARTING;
	if (!__atomic_compare_exchange_n(&c->state, &expected, CPU_ONLINE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		log_err("smp: CPU %u came up after the boot CPU gave up on it; halting", cpu_index);
		cpu_halt_forever();
	}
	sched_idle_loop();
}

/* ---- the BSP's side ----------------------------------------------------- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The highest page below the SIPI limit that the memory map calls usable and nothing else uses. */
static hpa_t find_trampoline_page(const struct boot_info *bi)
{
	hpa_t best = 0;
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		if (r->type != BOOT_MEM_USABLE || r->base >= SIPI_PAGE_LIMIT)
			continue;
		uint64_t lo = ALIGN_UP(MAX(r->base, PAGE_SIZE), PAGE_SIZE); /* never page 0 */
		uint64_t hi = ALIGN_DOWN(MIN(r->base + r->length, SIPI_PAGE_LIMIT), PAGE_SIZE);
		for (uint64_t page = hi; page > lo && page - PAGE_SIZE > best;) {
			page -= PAGE_SIZE;
			bool taken = false;
			for (uint32_t j = 0; j < bi->mmap_count; j++)
				if (bi->mmap[j].type != BOOT_MEM_USABLE &&
				    overlaps(page, PAGE_SIZE, bi->mmap[j].base, bi->mmap[j].length))
					taken = true;
			for (uint32_t m = 0; m < bi->module_count; m++)
				if (overlaps(page, PAGE_SIZE, bi->modules[m].base,
					     bi->modules[m].size))
					taken = true;
			if (overlaps(page, PAGE_SIZE, bi->kernel_start,
				     bi->kernel_end - bi->kernel_start))
				taken = true;
			if (!taken) {
				best = page;
				break;
			}
		}
	}
	return best;
}

static void put32(unsigned offset, uint32_t value)
{
	memcpy(tramp + TRAMP_DATA + offset, &value, sizeof(value));
}

static void put64(unsigned offset, uint64_t value)
{
	memcpy(tramp + TRAMP_DATA + offset, &value, sizeof(value));
}

static uint32_t *tramp_cpu_slot(void)
{
	return (uint32_t *)(tramp + TRAMP_DATA + TD_CPU_INDEX);
}

static int trampoline_install(hpa_t page)
{
	size_t size = (size_t)(smp_trampoline_end - smp_trampoline_start);
	hpa_t cr3 = kernel_map_root();

	BUG_ON(size > PAGE_SIZE || size != TRAMP_DATA + TD_SIZE);
	/* The 32-bit stage loads CR3 with a 32-bit move. */
	if (!cr3 || cr3 >= SZ_4G) {
		log_err("smp: kernel page tables at 0x%llx, out of the trampoline's reach",
			(unsigned long long)cr3);
		return -EINVAL;
	}
	/* The AP runs on in this page after turning paging on: it must be executable. */
	int err = kernel_map_set_exec(page, PAGE_SIZE, true);
	if (err)
		return err;
	tramp = phys_to_virt(page);
	memcpy(tramp, smp_trampoline_start, size);
	put32(TD_GDT_PTR + 2, (uint32_t)(page + TRAMP_DATA + TD_GDT));
	put32(TD_FAR32, (uint32_t)(page + (smp_trampoline_pm32 - smp_trampoline_start)));
	put32(TD_FAR64, (uint32_t)(page + (smp_trampoline_lm64 - smp_trampoline_start)));
	put64(TD_CR3, cr3);
	/* VMXE is virt->cpu_init's to set, after its own checks. */
	put64(TD_CR4, read_cr4() & ~CR4_VMXE);
	put64(TD_CR0, read_cr0());
	put64(TD_EFER, EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE));
	put64(TD_ENTRY, (uint64_t)(uintptr_t)ap_main);
	put64(TD_STACKS, (uint64_t)(uintptr_t)ap_stack_tops);
	__atomic_store_n(tramp_cpu_slot(), TRAMP_NO_CPU, __ATOMIC_SEQ_CST);
	return 0;
}

static void flush_trampoline_tlb(void *arg)
{
	invlpg((uint64_t)(uintptr_t)arg);
}

/* Back to a plain NX RAM page, on every CPU, unless an AP may still be on its way through it. */
static void trampoline_remove(void)
{
	if (tramp_stranded) {
		log_warn("smp: an AP may still run the trampoline at 0x%llx; leaving it in place",
			 (unsigned long long)virt_to_phys(tramp));
		return;
	}
	if (kernel_map_set_exec(virt_to_phys(tramp), PAGE_SIZE, false))
		return;
	smp_call_all_others(flush_trampoline_tlb, tramp);
}

/* A struct guarded_stack from the frame allocator, its guard page unmapped; 0 if none. */
static hpa_t alloc_guarded_stack(void)
{
	hpa_t base = pmm_alloc_frames(GUARDED_STACK_SIZE / PAGE_SIZE, PAGE_SIZE);
	if (!base)
		return 0;
	/* On failure nothing was unmapped: the frames can go back as they are. */
	if (kernel_map_unmap(base, STACK_GUARD_SIZE)) {
		pmm_free_frames(base, GUARDED_STACK_SIZE / PAGE_SIZE);
		return 0;
	}
	return base;
}

static int alloc_ap_stacks(unsigned index)
{
	struct smp_cpu *c = &smp_cpus[index];
	for (int s = 0; s < AP_STACK_COUNT; s++) {
		c->stacks[s] = alloc_guarded_stack();
		if (!c->stacks[s]) {
			log_err("smp: CPU %u (APIC %u): no memory for its stacks", index,
				c->apic_id);
			/* Stacks already taken stay allocated: their guard pages are unmapped. */
			return -ENOMEM;
		}
	}
	ap_stack_tops[index] = stack_top_of(c->stacks[AP_STACK_MAIN]);
	return 0;
}

static bool wait_while_starting(struct smp_cpu *c, uint64_t us)
{
	uint64_t start = rdtsc(), ticks = us_to_tsc(us);
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_STARTING) {
		if (rdtsc() - start >= ticks)
			return false;
		cpu_relax();
	}
	return true;
}

/* INIT-SIPI-SIPI (SDM 3A 9.4.4.1) and wait for the AP to report. True if it is online. */
static bool start_ap(unsigned index)
{
	struct smp_cpu *c = &smp_cpus[index];
	uint32_t *slot = tramp_cpu_slot();
	uint8_t vector = (uint8_t)(virt_to_phys(tramp) >> PAGE_SHIFT);

	__atomic_store_n(&c->state, CPU_STARTING, __ATOMIC_SEQ_CST);
	__atomic_store_n(slot, index, __ATOMIC_SEQ_CST);
	if (!lapic_send_init(c->apic_id)) {
		tsc_delay_us(INIT_DELAY_US);
		if (!lapic_send_sipi(c->apic_id, vector)) {
			tsc_delay_us(SIPI_DELAY_US);
			/* The AP takes its index first thing: still posted, it has not started. */
			if (__atomic_load_n(slot, __ATOMIC_SEQ_CST) == index &&
			    !lapic_send_sipi(c->apic_id, vector))
				tsc_delay_us(SIPI_DELAY_US);
			wait_while_starting(c, AP_START_TIMEOUT_US);
		}
	}

	/* Take the index back: an AP arriving from now on parks in the trampoline. */
	uint32_t left = __atomic_exchange_n(slot, TRAMP_NO_CPU, __ATOMIC_SEQ_CST);
	uint32_t expected = CPU_STARTING;
	if (__atomic_compare_exchange_n(&c->state, &expected, CPU_FAILED, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		if (left != index)
			tramp_stranded = true;
		return false;
	}
	return expected == CPU_ONLINE;
}

void smp_init(const struct acpi_info *acpi, const struct boot_info *bi, int (*cpu_init)(void),
	      const char *name)
{
	virt_cpu_init = cpu_init;
	virt_name = name;
	uint32_t bsp_id = lapic_id();
	unsigned madt_count = acpi->cpu_count;
	bool bsp_listed = false;

	smp_acpi = acpi;
	smp_cpus[0].apic_id = bsp_id;
	smp_cpus[0].virt_ready = cpu_init != NULL;
	pcpus[0].apic_id = bsp_id;
	idt_set_handler(SMP_VECTOR_WAKEUP, smp_ipi_interrupt);
	idt_set_handler(SMP_VECTOR_CALL, smp_ipi_interrupt);

	/* Indices in MADT order, the boot CPU being 0. */
	unsigned next = 1;
	for (unsigned i = 0; i < acpi->cpu_count; i++) {
		uint32_t id = acpi->apic_ids[i];
		if (id == bsp_id) {
			bsp_listed = true;
			continue;
		}
		if (next == MAX_CPUS) {
			log_warn("smp: APIC %u left out: at most %u CPUs are supported", id,
				 MAX_CPUS);
			continue;
		}
		smp_cpus[next++].apic_id = id;
	}
	if (!acpi->cpu_count)
		log_warn("smp: the MADT lists no CPUs; only the boot CPU runs");
	else if (!bsp_listed)
		log_warn("smp: the boot CPU (APIC %u) is not in the MADT", bsp_id);
	if (!bsp_listed)
		madt_count++;
	__atomic_store_n(&index_limit, next, __ATOMIC_RELEASE);

	hpa_t page = 0;
	if (next > 1) {
		page = find_trampoline_page(bi);
		if (!page)
			log_err("smp: no usable page below 0x%x for the trampoline",
				SIPI_PAGE_LIMIT);
		else if (trampoline_install(page))
			page = 0;
	}
	if (page) {
		bsp_osxsave = read_cr4() & CR4_OSXSAVE;
		if (bsp_osxsave)
			bsp_xcr0 = xgetbv(XCR0);
		bsp_pat = rdmsr(MSR_IA32_PAT);
		log_info("smp: starting %u CPU%s through the trampoline at 0x%llx", next - 1,
			 next == 2 ? "" : "s", (unsigned long long)page);
		/* All stacks first: unmapping guard pages needs no TLB shootdown yet. */
		bool have_stacks[MAX_CPUS];
		for (unsigned i = 1; i < next; i++)
			have_stacks[i] = !alloc_ap_stacks(i);
		for (unsigned i = 1; i < next; i++) {
			if (have_stacks[i] && start_ap(i)) {
				__atomic_fetch_add(&online_count, 1, __ATOMIC_ACQ_REL);
				continue;
			}
			__atomic_store_n(&smp_cpus[i].state, CPU_FAILED, __ATOMIC_RELEASE);
			log_err("smp: CPU %u (APIC %u) did not start", i, smp_cpus[i].apic_id);
		}
		trampoline_remove();
	} else {
		for (unsigned i = 1; i < next; i++) {
			__atomic_store_n(&smp_cpus[i].state, CPU_FAILED, __ATOMIC_RELEASE);
			log_err("smp: CPU %u (APIC %u) did not start", i, smp_cpus[i].apic_id);
		}
	}
	log_info("smp: %u of %u CPUs online", smp_cpu_count(), madt_count);
}
