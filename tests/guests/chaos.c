/*
 * chaos: a seeded random walk over the exits a guest can cause: ports of
 * every size (also INS/OUTS with REP, either direction), MSRs allowed and
 * not (reads and writes of random values), CR8, CR4 reserved bits, XSETBV,
 * debug registers, MMIO loads and stores of every size, hypercalls with
 * random numbers and pointers, CPUID, INVLPG, RDPMC, MONITOR, INT3, ICEBP,
 * INT n, IRETQ, exits in STI and MOV-SS shadows, descriptor-table loads.
 * Every outcome must be defined: emulated, or a #GP/#UD/#PF the guest
 * recovers from (trap.h). Prints "chaos: seed S", a line per 4096
 * operations and "chaos: done <ops> operations"; the scenario counts the
 * exits.
 *
 * With a second vCPU, vCPU 1 runs a walk of its own at the same time over
 * the exits that raise no exception (trap.h's recovery state is one per
 * guest): ports, string I/O, MMIO, CPUID, CR8, hypercalls, the shadows,
 * INT n and IRETQ; any exception there ends the guest with a trap report.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/trap.h"
#include "tests/guests/lib/x86.h"

#define SEED	      0x5eedul
#define OPS	      100000ul
#define DEBUG_EXIT    0xf4 /* writing it ends the guest: never chosen */
#define MMIO_BASE     0xc0000000ul
#define MMIO_SIZE     0x40000000ul
#define TIMER_VECTOR  0x30
#define CR4_RESERVED  (1ul << 63)

#define AP_SEED	      0xa9ul
#define AP_STACK_SIZE 8192

static uint64_t state;

/* xorshift64*: the same seed gives the same walk. */
static uint64_t next_of(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t next(void)
{
	return next_of(&state);
}

static uint16_t random_port(uint64_t *s)
{
	uint16_t port;
	do
		port = (uint16_t)next_of(s);
	while (port == DEBUG_EXIT || (port >= GUEST_UART_PORT && port < GUEST_UART_PORT + 8));
	return port;
}

static uint8_t buf[64] __attribute__((aligned(64)));

static void op_port(void)
{
	uint16_t port = random_port(&state);
	uint64_t v = next();
	switch (next() % 6) {
	case 0:
		outb(port, v);
		break;
	case 1:
		outw(port, v);
		break;
	case 2:
		outl(port, v);
		break;
	case 3:
		(void)inb(port);
		break;
	case 4:
		(void)inl(port);
		break;
	default: {
		unsigned long count = 1 + next() % 8;
		uint8_t *p = buf + 32;
		bool down = next() & 1;
		if (next() & 1)
			asm volatile("cmpb $0, %b3; je 1f; std; 1: rep insb; cld"
				     : "+D"(p), "+c"(count)
				     : "d"(port), "q"(down)
				     : "memory");
		else
			asm volatile("cmpb $0, %b3; je 1f; std; 1: rep outsb; cld"
				     : "+S"(p), "+c"(count)
				     : "d"(port), "q"(down)
				     : "memory");
	}
	}
}

static const uint32_t msrs[] = {0x10,	    0x1b,	0x3a,	    0xfe,	0x174,
				0x175,	    0x176,	0x1a0,	    0x277,	0x2ff,
				0x480,	    0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083,
				0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103};

static void op_msr(void)
{
	uint32_t msr = (next() & 1) ? msrs[next() % (sizeof(msrs) / sizeof(msrs[0]))]
				    : (uint32_t)next();
	uint64_t v;
	if (next() & 1 || msr == 0xc0000080 || msr == 0xc0000100) {
		rdmsr_try(msr, &v); /* EFER and FS.base are the guest's own footing: read only */
		return;
	}
	v = next();
	if (next() & 1)
		v &= 0xffffffffful; /* canonical and small, often accepted */
	wrmsr_try(msr, v);
}

static void op_control(void)
{
	uint64_t v = next();
	switch (next() % 5) {
	case 0:
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("mov %0, %%cr8") : : "r"(v & 31) : "memory");
		trap_end();
		asm volatile("mov %0, %%cr8" : : "r"(0ul) : "memory");
		break;
	case 1:
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("mov %0, %%cr4")
			     :
			     : "r"(read_cr4() | CR4_RESERVED)
			     : "memory");
		trap_end();
		break;
	case 2:
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("xsetbv")
			     :
			     : "c"(next() & 1), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			     : "memory");
		trap_end();
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("xsetbv") : : "c"(0), "a"(3), "d"(0) : "memory");
		trap_end();
		break;
	case 3:
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("mov %0, %%dr7") : : "r"(v) : "memory");
		trap_end();
		break;
	default:
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("mov %0, %%dr0") : : "r"(v) : "memory");
		trap_end();
		break;
	}
}

static void op_mmio(void)
{
	uint64_t gpa = MMIO_BASE + next() % (MMIO_SIZE - 8);
	uint64_t v = next();
	uint8_t b;
	uint32_t w;
	switch (next() % 5) {
	case 0:
		mmio_read8_try(gpa, &b);
		break;
	case 1:
		mmio_read32_try(gpa, &w);
		break;
	case 2:
		mmio_read64_try(gpa, &v);
		break;
	case 3:
		mmio_write8_try(gpa, v);
		break;
	default:
		mmio_write32_try(gpa, v);
		break;
	}
}

static void op_hypercall(void)
{
	long nr = next() % 12;
	long a0 = next(), a1 = next() % 256, a2 = next();
	if (nr == HC_EXIT || nr == HC_VCPU_START)
		nr = HC_VERSION; /* ending or forking the walk is not the point */
	if (nr == HC_CONSOLE_WRITE)
		a1 %= 16; /* random bytes from anywhere, a few at a time */
	if (nr == HC_SET_TIMER) {
		a0 = 1 + next() % 100000;
		a1 = TIMER_VECTOR + next() % 16; /* the trap table's interrupt vectors */
	}
	hypercall(nr, a0, a1, a2);
}

struct table_register {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Ops without exceptions, for either vCPU (s: the walk's own state). */
static void op_quiet(uint64_t *s)
{
	uint32_t a = (uint32_t)next_of(s) % 0x20, b, c = 0, d;
	uint16_t ss;
	struct table_register gdtr, idtr;
	switch (next_of(s) % 8) {
	case 0: /* an exit in MOV SS's shadow: skipping it must end the shadow */
		asm volatile("mov %%ss, %1; mov %1, %%ss; cpuid"
			     : "+a"(a), "=&r"(ss), "=b"(b), "+c"(c), "=d"(d)
			     :
			     : "memory");
		break;
	case 1: /* an exit in STI's shadow, then whatever interrupt is due */
		asm volatile("sti; cpuid; cli" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
		break;
	case 2: /* a software interrupt to one of the trap table's interrupt vectors */
		switch (next_of(s) % 3) {
		case 0:
			asm volatile("int $0x30" ::: "memory");
			break;
		case 1:
			asm volatile("int $0x3f" ::: "memory");
			break;
		default:
			asm volatile("int $0x21" ::: "memory");
			break;
		}
		break;
	case 3: /* IRETQ to the next instruction, same privilege, IF clear */
		asm volatile("mov %%ss, %%eax; pushq %%rax; pushq %%rsp; addq $8, (%%rsp);"
			     "pushfq; mov %%cs, %%eax; pushq %%rax; lea 1f(%%rip), %%rax;"
			     "pushq %%rax; iretq; 1:"
			     :
			     :
			     : "rax", "memory");
		break;
	case 4: /* the descriptor tables loaded again, and an empty LDT */
		asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
		asm volatile("lgdt %0; lidt %1; lldt %w2" : : "m"(gdtr), "m"(idtr), "r"(0) : "memory");
		break;
	case 5:
		asm volatile("mov %0, %%cr8; mov %1, %%cr8"
			     :
			     : "r"(next_of(s) % 16), "r"(0ul)
			     : "memory");
		break;
	case 6:
		asm volatile("invlpg (%0)" : : "r"(next_of(s)) : "memory");
		break;
	default:
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
		break;
	}
}

static void op_misc(void)
{
	uint32_t a, b, c, d;
	switch (next() % 8) {
	case 6:
		op_quiet(&state);
		return;
	case 7: /* ICEBP: a #DB trap after it (counted), or #UD where QEMU's TCG decodes none */
		trap_begin();
		asm volatile(TRAP_SKIPPABLE(".byte 0xf1") ::: "memory");
		trap_end();
		return;
	case 0:
	case 1:
		a = (uint32_t)next() % 0x20;
		if (next() & 1)
			a |= (next() & 1) ? 0x40000000 : 0x80000000;
		c = (uint32_t)next() % 4;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
		break;
	case 2:
		asm volatile("invlpg (%0)" : : "r"(next()) : "memory");
		break;
	case 3:
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("rdpmc") : "=a"(a), "=d"(d) : "c"((uint32_t)next()));
		trap_end();
		break;
	case 4:
		trap_begin();
		asm volatile(TRAP_SKIPPABLE("monitor") : : "a"(buf), "c"(0), "d"(0) : "memory");
		trap_end();
		break;
	default:
		asm volatile("int3" ::: "memory");
		break;
	}
}

static uint8_t ap_stack[AP_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t ap_buf[64] __attribute__((aligned(64)));
static struct table_register boot_gdtr, boot_idtr;
static volatile bool ap_stop;
static volatile unsigned long ap_ops;

/* vCPU 1's walk: ports, string I/O, MMIO, hypercalls and op_quiet. */
static void ap_step(uint64_t *s)
{
	uint16_t port = random_port(s);
	uint64_t v = next_of(s), gpa = MMIO_BASE + next_of(s) % (MMIO_SIZE - 8);
	switch (next_of(s) % 6) {
	case 0:
		if (v & 1)
			outl(port, (uint32_t)v);
		else
			(void)inw(port);
		break;
	case 1: {
		unsigned long count = 1 + v % 8;
		uint8_t *p = ap_buf;
		asm volatile("rep insb" : "+D"(p), "+c"(count) : "d"(port) : "memory");
		break;
	}
	case 2:
		if (v & 1)
			*(volatile uint32_t *)gpa = (uint32_t)v;
		else
			(void)*(volatile uint64_t *)gpa;
		break;
	case 3: {
		static const long quiet[] = {HC_VERSION, HC_TIME_NS, HC_YIELD, HC_SET_TIMER, 99};
		long nr = quiet[v % 5];
		hypercall(nr, nr == HC_SET_TIMER ? 1 + (long)(v % 100000) : (long)v,
			  TIMER_VECTOR, 0);
		break;
	}
	default:
		op_quiet(s);
		break;
	}
}

static void ap_main(void)
{
	/* Started in vCPU 0's mode on the hypervisor's tables: take the guest's own. */
	asm volatile("lgdt %0; lidt %1; pushq $0x08; lea 1f(%%rip), %%rax; pushq %%rax; lretq;"
		     "1: mov $0x10, %%eax; mov %%eax, %%ds; mov %%eax, %%es; mov %%eax, %%ss"
		     :
		     : "m"(boot_gdtr), "m"(boot_idtr)
		     : "rax", "memory");
	uint64_t s = AP_SEED;
	while (!ap_stop) {
		ap_step(&s);
		ap_ops++;
	}
	for (;;)
		asm volatile("cli; hlt");
}

/* A second vCPU, if the guest has one, walks beside vCPU 0; 0 if it has not. */
static bool start_ap(void)
{
	asm volatile("sgdt %0; sidt %1" : "=m"(boot_gdtr), "=m"(boot_idtr));
	return hypercall(HC_VCPU_START, 1, (long)ap_main,
			 (long)(ap_stack + AP_STACK_SIZE - 8)) == 0;
}

int main(void)
{
	void (*const ops[])(void) = {op_port, op_msr, op_control, op_mmio, op_hypercall, op_misc};
	trap_init("chaos");
	state = SEED;
	bool ap = start_ap();
	gprintf("chaos: seed %lu, %lu operations%s\n", SEED, OPS,
		ap ? ", vCPU 1 beside" : "");
	for (unsigned long i = 1; i <= OPS; i++) {
		ops[next() % (sizeof(ops) / sizeof(ops[0]))]();
		if (!(i % 4096))
			gprintf("chaos: %lu operations\n", i);
	}
	ap_stop = true;
	gprintf("chaos: done %lu operations\n", OPS);
	if (ap) {
		gprintf("chaos: vCPU 1 did %lu operations\n", ap_ops);
		if (!ap_ops) {
			gprintf("chaos: FAIL vCPU 1 did not run\n");
			return GUEST_EXIT_FAIL;
		}
	}
	return GUEST_EXIT_PASS;
}
