/*
 * clone: an instance of a copy-on-write clone guest (config `clone = yes`,
 * kernel/guest/guest_cow.h). Every clone starts from the template's RAM,
 * so each must find the word below with the value the image gave it; if one
 * clone's write reached the template, every clone started after it would
 * see that clone's number. Each then writes its own number there and into
 * TOUCH_PAGES pages of its own, reads them back, says PASS, and halts until
 * it is stopped (scaled in).
 */
#include <stdint.h>

#include "kernel/guest/hypercall_abi.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/x86.h"

#define SEED	    0x5eedc10e5eedc10eULL
#define TOUCH_PAGES 4

static volatile uint64_t word = SEED; /* .data: the image's value, in the template's RAM */
static volatile uint8_t pages[TOUCH_PAGES][4096] __attribute__((aligned(4096)));

int main(void)
{
	uint32_t number = cpuid(SHOJI_CPUID_INSTANCE, 0).eax;
	uint64_t seen = word;
	if (seen != SEED) {
		gprintf("clone %u: FAIL: the template's word reads 0x%lx, not the image's 0x%lx\n",
			(unsigned)number, (unsigned long)seen, (unsigned long)SEED);
		return GUEST_EXIT_FAIL;
	}
	word = SEED ^ number;
	for (unsigned i = 0; i < TOUCH_PAGES; i++)
		pages[i][i * 8] = (uint8_t)(number + i);
	for (unsigned i = 0; i < TOUCH_PAGES; i++)
		if (pages[i][i * 8] != (uint8_t)(number + i) || word != (SEED ^ number)) {
			gprintf("clone %u: FAIL: page %u does not hold what it wrote\n",
				(unsigned)number, i);
			return GUEST_EXIT_FAIL;
		}
	gprintf("clone %u: PASS: the template's word intact, its own writes its own\n",
		(unsigned)number);
	for (;;)
		asm volatile("sti; hlt; cli" : : : "memory");
}
