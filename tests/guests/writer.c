/*
 * writer: a guest whose write rate steps up, for the duplex checkpoint
 * figures (tests/system/duplex.py, bochs-duplex-rates). Each phase prints
 * "writer: phase W pages per line", then PHASE_LINES lines, each after
 * writing W distinct 4 KiB pages of its data area (cycling through it) and
 * sending a heartbeat: W = 1, 4, 16, 64. Then "writer: done", and it
 * idles in the same loop at W = 0 until the console stops it.
 */
#include <stdint.h>

#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"

#define DATA_PAGES	256
#define QWORDS_PER_PAGE 512
#define PHASE_LINES	100
#define DELAY_PAUSES	20000ul /* as counter.c: a line every few ms */

/* Volatile: stores nobody reads back must still reach memory. */
static volatile uint64_t data[DATA_PAGES][QWORDS_PER_PAGE] __attribute__((aligned(4096)));
static const unsigned rates[] = {1, 4, 16, 64};

static void pause_a_while(void)
{
	for (unsigned long i = 0; i < DELAY_PAUSES; i++)
		asm volatile("pause" : : : "memory");
}

int main(void)
{
	unsigned next = 0;
	uint64_t line = 0;
	for (unsigned p = 0; p < sizeof(rates) / sizeof(rates[0]); p++) {
		gprintf("writer: phase %u pages per line\n", rates[p]);
		for (unsigned l = 0; l < PHASE_LINES; l++) {
			line++;
			/* One store dirties a page: a checkpoint copies it whole. */
			for (unsigned w = 0; w < rates[p]; w++, next = (next + 1) % DATA_PAGES)
				data[next][0] = line;
			gprintf("writer: line %lu\n", (unsigned long)line);
			hypercall(HC_HEARTBEAT, 0, 0, 0);
			pause_a_while();
		}
	}
	gprintf("writer: done\n");
	for (;;) {
		hypercall(HC_HEARTBEAT, 0, 0, 0);
		pause_a_while();
	}
}
