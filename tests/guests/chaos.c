/*
 * chaos: a seeded random walk over the exits a guest can cause: ports of
 * every size (also INS/OUTS with REP, either direction), MSRs allowed and
 * not (reads and writes of random values), CR8, CR4 reserved bits, XSETBV,
 * debug registers, MMIO loads and stores of every size, hypercalls with
 * random numbers and pointers, CPUID, INVLPG, RDPMC, MONITOR, INT3. Every
 * outcome must be defined: emulated, or a #GP/#UD/#PF the guest recovers
 * from (trap.h). Prints "chaos: seed S", a line per 4096 operations and
 * "chaos: done <ops> operations"; the scenario counts the exits.
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

static uint64_t state;

/* xorshift64*: the same seed gives the same walk. */
static uint64_t next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dull;
}

static uint16_t random_port(void)
{
	uint16_t port;
	do
		port = (uint16_t)next();
	while (port == DEBUG_EXIT || (port >= GUEST_UART_PORT && port < GUEST_UART_PORT + 8));
	return port;
}

static uint8_t buf[64] __attribute__((aligned(64)));

static void op_port(void)
{
	uint16_t port = random_port();
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

static void op_misc(void)
{
	uint32_t a, b, c, d;
	switch (next() % 6) {
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

int main(void)
{
	void (*const ops[])(void) = {op_port, op_msr, op_control, op_mmio, op_hypercall, op_misc};
	trap_init("chaos");
	state = SEED;
	gprintf("chaos: seed %lu, %lu operations\n", SEED, OPS);
	for (unsigned long i = 1; i <= OPS; i++) {
		ops[next() % (sizeof(ops) / sizeof(ops[0]))]();
		if (!(i % 4096))
			gprintf("chaos: %lu operations\n", i);
	}
	gprintf("chaos: done %lu operations\n", OPS);
	return GUEST_EXIT_PASS;
}
