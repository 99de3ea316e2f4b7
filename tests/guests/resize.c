/*
 * resize: follows what the console offers it (`set resize vcpus=N
 * memory=SIZE`, kernel/guest/guest_resize.h). It asks to be told
 * (HC_NOTIFY) and at each notification:
 *   - vCPUs: starts the offered secondaries that do not run (HC_VCPU_START)
 *     and asks those beyond the offer to stop (they call HC_VCPU_STOP);
 *     then every running one must make progress: "resize: N vCPUs run".
 *   - memory: fills RAM added above its top (HC_MEM_TOP) with a pattern
 *     (each qword its own GPA, scrambled); when asked to hold less
 *     (HC_MEM_TARGET), gives pages back from the top down (HC_BALLOON),
 *     down to a floor its own code and data sit below, and never the page
 *     tables the hypervisor built for it at the top of its boot RAM (from
 *     CR3 up). After each change it
 *     checks the pattern of every page it holds: "resize: holds N KiB ...".
 * After its second shrink it reads a page it gave back: the hypervisor must
 * stop it (the scenario checks the reason).
 */
#include <stdint.h>

#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/trap.h"

#define NOTIFY_VECTOR 0x31 /* the trap library takes vectors 32..63 */
#define MAX_VCPUS     8
#define AP_STACK_SIZE 4096
#define PAGE	      4096ul
#define FLOOR	      0x200000ul /* never given back: the image, its stacks and data lie below */
#define RANGES_MAX    32
#define WAIT_SPINS    10000000ul
#define SCRAMBLE      0x5bd1e9955bd1e995ul

static uint8_t ap_stacks[MAX_VCPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static volatile uint64_t ap_counter[MAX_VCPUS];
static volatile int ap_running[MAX_VCPUS];
static volatile int ap_stop[MAX_VCPUS];

/* What it holds at or above FLOOR: [start, end) ranges, ascending. */
static struct {
	uint64_t start, end;
} held[RANGES_MAX];
static unsigned ranges;
static uint64_t top;	 /* the end of its RAM as last told */
static uint64_t tables; /* bytes of boot RAM from CR3 up: its page tables, kept */
static unsigned failures, shrinks;

static void ap_main(uint64_t id)
{
	/*
	 * Interrupts on (nothing sends this vCPU any): Bochs 2.7 lets a host IPI
	 * end a guest's run only while the guest's IF is set, though external-
	 * interrupt exiting ignores IF (SDM 3C 25.2); with IF clear from its
	 * VM entry on, this vCPU would keep its CPU from another vCPU woken there.
	 */
	asm volatile("sti");
	ap_running[id] = 1;
	for (;;) {
		__atomic_fetch_add(&ap_counter[id], 1, __ATOMIC_RELAXED);
		if (ap_stop[id]) {
			ap_running[id] = 0;
			hypercall(HC_VCPU_STOP, 0, 0, 0);
			for (;;) /* never reached: the vCPU stops at that exit */
				asm volatile("pause");
		}
	}
}

/* Entered with the id in no register: each AP has its own entry that passes it. */
#define AP_ENTRY(n)                                                                                \
	static void ap_entry_##n(void)                                                             \
	{                                                                                          \
		ap_main(n);                                                                        \
	}
AP_ENTRY(1)
AP_ENTRY(2)
AP_ENTRY(3)
AP_ENTRY(4)
AP_ENTRY(5)
AP_ENTRY(6)
AP_ENTRY(7)
static void (*const ap_entries[MAX_VCPUS])(void) = {
    0, ap_entry_1, ap_entry_2, ap_entry_3, ap_entry_4, ap_entry_5, ap_entry_6, ap_entry_7};

static void fail(const char *what, long got)
{
	gprintf("resize: FAIL %s (%ld)\n", what, got);
	failures++;
}

static void apply_vcpus(void)
{
	long offered = hypercall(HC_VCPUS, 0, 0, 0);
	if (offered < 1 || offered > MAX_VCPUS) {
		fail("vCPUs offered", offered);
		return;
	}
	for (long id = 1; id < MAX_VCPUS; id++) {
		if (id < offered && !ap_running[id]) {
			ap_stop[id] = 0;
			long r = hypercall(HC_VCPU_START, id, (long)ap_entries[id],
					   (long)(ap_stacks[id] + AP_STACK_SIZE - 8));
			if (r)
				fail("start of an offered vCPU", r);
		} else if (id >= offered && ap_running[id]) {
			ap_stop[id] = 1;
		}
	}
	/* Those told to stop are gone, and the hypervisor refuses to start them. */
	for (long id = offered; id < MAX_VCPUS; id++) {
		for (uint64_t i = 0; i < WAIT_SPINS && ap_running[id]; i++)
			hypercall(HC_YIELD, 0, 0, 0);
		if (ap_running[id])
			fail("a vCPU beyond the offer still runs", id);
	}
	if (offered < MAX_VCPUS &&
	    hypercall(HC_VCPU_START, offered, (long)ap_entries[1], 0) != HC_EINVAL)
		fail("start of a vCPU beyond the offer accepted", offered);
	/* Every offered one makes progress. */
	for (long id = 1; id < offered; id++) {
		uint64_t before = ap_counter[id];
		for (uint64_t i = 0; i < WAIT_SPINS && ap_counter[id] - before < 1000; i++)
			hypercall(HC_YIELD, 0, 0, 0);
		if (ap_counter[id] - before < 1000)
			fail("an offered vCPU does not run", id);
	}
	gprintf("resize: %ld vCPU%s run\n", offered, offered == 1 ? "" : "s");
}

static uint64_t pattern(uint64_t gpa)
{
	return (gpa + 8) * SCRAMBLE;
}

static void fill(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end; a += 8)
		*(volatile uint64_t *)a = pattern(a);
}

/* Pages of the held ranges whose pattern is intact; a FAIL for the first one that is not. */
static uint64_t check_all(void)
{
	uint64_t pages = 0;
	for (unsigned r = 0; r < ranges; r++) {
		for (uint64_t a = held[r].start; a < held[r].end; a += 8) {
			if (*(volatile uint64_t *)a != pattern(a)) {
				fail("pattern broken at GPA", (long)a);
				return pages;
			}
			if ((a & (PAGE - 1)) == PAGE - 8)
				pages++;
		}
	}
	return pages;
}

static uint64_t held_bytes(void)
{
	uint64_t sum = FLOOR + tables;
	for (unsigned r = 0; r < ranges; r++)
		sum += held[r].end - held[r].start;
	return sum;
}

/* Give back up to `bytes` from the top down, in calls of up to 512 pages. */
static void give_back(uint64_t bytes)
{
	while (bytes && ranges) {
		uint64_t *end = &held[ranges - 1].end, start = held[ranges - 1].start;
		uint64_t pages = (*end - start) / PAGE;
		if (pages > bytes / PAGE)
			pages = bytes / PAGE;
		if (pages > 512)
			pages = 512;
		long r = hypercall(HC_BALLOON, (long)(*end - pages * PAGE), (long)pages, 0);
		if (r < 0) {
			fail("balloon", r);
			return;
		}
		*end -= pages * PAGE;
		bytes -= pages * PAGE;
		if (*end == start)
			ranges--;
		if ((uint64_t)r != held_bytes()) /* the hypervisor's count: all of its RAM */
			fail("bytes held after HC_BALLOON", r);
	}
}

static void apply_memory(void)
{
	uint64_t new_top = (uint64_t)hypercall(HC_MEM_TOP, 0, 0, 0);
	uint64_t target = (uint64_t)hypercall(HC_MEM_TARGET, 0, 0, 0);
	if (new_top > top) { /* hot-added above: fill it, and it is ours */
		if (ranges == RANGES_MAX) {
			fail("too many ranges", ranges);
			return;
		}
		fill(top, new_top);
		held[ranges].start = top;
		held[ranges].end = new_top;
		ranges++;
		top = new_top;
	}
	if (target < held_bytes()) {
		uint64_t keep = FLOOR + tables;
		uint64_t want = held_bytes() - (target > keep ? target : keep);
		uint64_t gone_top = held[ranges - 1].end - PAGE;
		give_back(want);
		shrinks++;
		/* What is gone cannot be given back twice, nor more than 512 pages at once. */
		if (hypercall(HC_BALLOON, (long)gone_top, 1, 0) != HC_EINVAL)
			fail("a page given back twice accepted", (long)gone_top);
		if (hypercall(HC_BALLOON, FLOOR, 513, 0) != HC_EINVAL)
			fail("513 pages at once accepted", 513);
		if (hypercall(HC_BALLOON, FLOOR, 0, 0) != HC_EINVAL)
			fail("0 pages accepted", 0);
	}
	uint64_t pages = check_all();
	gprintf("resize: holds %lu KiB (target %lu KiB, top 0x%lx), %lu pages checked\n",
		held_bytes() / 1024, target / 1024, top, pages);
}

int main(void)
{
	trap_init("resize");
	top = (uint64_t)hypercall(HC_MEM_TOP, 0, 0, 0);
	if ((uint64_t)hypercall(HC_MEM_TARGET, 0, 0, 0) != top || top <= FLOOR) {
		gprintf("resize: FAIL boot RAM 0x%lx, target %ld\n", top,
			hypercall(HC_MEM_TARGET, 0, 0, 0));
		return 1;
	}
	if (hypercall(HC_VCPU_STOP, 0, 0, 0) != HC_EINVAL)
		fail("vCPU 0 stopping itself accepted", 0);
	if (hypercall(HC_NOTIFY, 7, 0, 0) != HC_EINVAL)
		fail("notification vector 7 accepted", 7);
	uint64_t cr3;
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	cr3 &= ~(PAGE - 1);
	if (cr3 <= FLOOR || cr3 >= top) {
		gprintf("resize: FAIL page tables at 0x%lx, not between 0x%lx and 0x%lx\n", cr3,
			FLOOR, top);
		return 1;
	}
	tables = top - cr3;
	fill(FLOOR, cr3);
	held[0].start = FLOOR;
	held[0].end = cr3;
	ranges = 1;
	hypercall(HC_NOTIFY, NOTIFY_VECTOR, 0, 0);
	gprintf("resize: ready, %ld vCPUs offered, %lu KiB\n", hypercall(HC_VCPUS, 0, 0, 0),
		top / 1024);
	apply_vcpus(); /* what it is offered from the start */
	for (;;) {
		unsigned seen = trap_irq_count;
		while (trap_irq_count == seen)
			asm volatile("sti; hlt; cli" ::: "memory");
		if (trap_last_irq != NOTIFY_VECTOR)
			fail("interrupt vector", trap_last_irq);
		apply_memory();
		apply_vcpus();
		if (failures) {
			gprintf("resize: FAIL %u checks\n", failures);
			return 1;
		}
		if (shrinks == 2) {
			uint64_t gone = held[ranges - 1].end;
			gprintf("resize: reading GPA 0x%lx, which it gave back\n", gone);
			gprintf("resize: FAIL read %lx\n", *(volatile uint64_t *)gone);
			return 1;
		}
	}
}
