/*
 * Test guests (64-bit): exception handling that lets a test assert "this
 * instruction raised #GP". A risky instruction is written with
 * TRAP_SKIPPABLE(), which stores the instruction's length (computed by the
 * assembler) in trap_skip_len right before it. If it then raises #UD, #GP
 * or #PF, the handler records the vector and resumes after it. Any other
 * exception, or one outside a TRAP_SKIPPABLE instruction, prints a report
 * and exits with GUEST_EXIT_TRAP.
 *
 *	trap_begin();
 *	asm volatile(TRAP_SKIPPABLE("wrmsr") : : "c"(msr), "a"(lo), "d"(hi) : "memory");
 *	if (trap_end() == TRAP_GP) ...
 */
#ifndef SHOJI_TESTS_GUESTS_LIB_TRAP_H
#define SHOJI_TESTS_GUESTS_LIB_TRAP_H

#include <stdint.h>

#define TRAP_NONE (-1)
#define TRAP_UD	  6
#define TRAP_GP	  13
#define TRAP_PF	  14

extern volatile uint8_t trap_skip_len;
extern volatile int trap_vector;
extern volatile uint64_t trap_error_code, trap_cr2;
/*
 * Trap-type exceptions (#DB, #BP: the CPU pushes the address after the
 * instruction) are counted and return there: count, last vector and the
 * RIP they returned to.
 */
#define TRAP_DB 1
#define TRAP_BP 3
extern volatile unsigned trap_trap_count;
extern volatile int trap_last_trap;
extern volatile uint64_t trap_last_trap_rip;
/* Interrupts (vectors 32-63) taken so far, and the last one's vector. */
extern volatile unsigned trap_irq_count;
extern volatile int trap_last_irq;

/* Install the IDT (start64.S already loaded our own GDT); name prefixes reports. */
void trap_init(const char *guest_name);

/* The asm text of one skippable instruction; labels 1 and 2 are taken. */
#define TRAP_SKIPPABLE(insn) "movb $(2f - 1f), trap_skip_len(%%rip)\n1:\t" insn "\n2:\n\t"

static inline void trap_begin(void)
{
	trap_vector = TRAP_NONE;
}

/* Disarm; the vector the instruction raised, or TRAP_NONE. */
static inline int trap_end(void)
{
	trap_skip_len = 0;
	return trap_vector;
}

static inline int rdmsr_try(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	trap_begin();
	asm volatile(TRAP_SKIPPABLE("rdmsr") : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (uint64_t)hi << 32 | lo;
	return trap_end();
}

static inline int wrmsr_try(uint32_t msr, uint64_t val)
{
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("wrmsr")
		     :
		     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
	return trap_end();
}

/* Plain loads and stores of guest-physical (identity-mapped) addresses. */
static inline int mmio_read8_try(uint64_t gpa, uint8_t *val)
{
	uint8_t v = 0;

	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movb (%1), %0") : "+q"(v) : "r"(gpa) : "memory");
	*val = v;
	return trap_end();
}

static inline int mmio_read16_try(uint64_t gpa, uint16_t *val)
{
	uint16_t v = 0;

	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movw (%1), %0") : "+r"(v) : "r"(gpa) : "memory");
	*val = v;
	return trap_end();
}

static inline int mmio_read32_try(uint64_t gpa, uint32_t *val)
{
	uint32_t v = 0;

	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movl (%1), %0") : "+r"(v) : "r"(gpa) : "memory");
	*val = v;
	return trap_end();
}

static inline int mmio_read64_try(uint64_t gpa, uint64_t *val)
{
	uint64_t v = 0;

	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movq (%1), %0") : "+r"(v) : "r"(gpa) : "memory");
	*val = v;
	return trap_end();
}

static inline int mmio_write8_try(uint64_t gpa, uint8_t val)
{
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movb %0, (%1)") : : "q"(val), "r"(gpa) : "memory");
	return trap_end();
}

static inline int mmio_write32_try(uint64_t gpa, uint32_t val)
{
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movl %0, (%1)") : : "r"(val), "r"(gpa) : "memory");
	return trap_end();
}

static inline int mmio_write16_try(uint64_t gpa, uint16_t val)
{
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movw %0, (%1)") : : "r"(val), "r"(gpa) : "memory");
	return trap_end();
}

static inline int mmio_write64_try(uint64_t gpa, uint64_t val)
{
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movq %0, (%1)") : : "r"(val), "r"(gpa) : "memory");
	return trap_end();
}

#endif
