/*
 * i8254 PIT (Intel 82C54 datasheet). Owns channel 0 (only to silence it),
 * channel 2 and the timer-2 gate bit of port 0x61 while a wait runs; the
 * speaker-data bit of port 0x61 is kept off during a wait and restored after.
 * Not reentrant: one caller at a time (the BSP during boot calibration).
 */
#include <errno.h>

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "drivers/pit.h"
#include "kernel/core/log.h"

#define PIT_PORT_CH0	0x40
#define PIT_PORT_CH2	0x42
#define PIT_PORT_CMD	0x43
#define PIT_PORT_NMI_SC 0x61 /* NMI status and control (AT port B) */

/* Control word fields (82C54: bits 7:6 counter, 5:4 access, 3:1 mode, 0 BCD). */
#define PIT_CMD_CH0	    (0U << 6)
#define PIT_CMD_CH2	    (2U << 6)
#define PIT_CMD_ACCESS_LOHI (3U << 4)
#define PIT_CMD_MODE0	    (0U << 1) /* interrupt on terminal count */
#define PIT_CMD_BINARY	    0U

/* Port 0x61 bits. */
#define NMI_SC_TIM2_GATE (1U << 0)
#define NMI_SC_SPKR_DATA (1U << 1)
#define NMI_SC_TIM2_OUT	 (1U << 5) /* read-only: channel 2 OUT */

#define PIT_US_PER_SEC	 1000000ULL
#define PIT_US_PER_CHUNK 50000U /* 59659 ticks: fits the 16-bit counter */

/*
 * Counts loaded with at least this many ticks (~54 us) must still have OUT low
 * right after loading; if OUT already reads high, nothing is counting.
 */
#define PIT_PRESENCE_MIN_TICKS 64U

/*
 * Bound on polls of port 0x61 per wait. A poll costs ~1 us on real chipsets and
 * rarely under 50 ns in an emulator, so 20M polls cover a 55 ms wait many times
 * over while still ending a wait on a machine whose port 0x61 never changes.
 */
#define PIT_SPIN_LIMIT 20000000UL

int pit_wait_ticks(uint16_t ticks)
{
	uint8_t saved, port_b;
	unsigned long spins;
	int ret = 0;

	if (ticks == 0)
		return 0;

	/* Gate high starts counting on load; speaker data off keeps it silent. */
	saved = inb(PIT_PORT_NMI_SC);
	port_b = (saved & ~NMI_SC_SPKR_DATA) | NMI_SC_TIM2_GATE;
	outb(PIT_PORT_NMI_SC, port_b);

	/* 82C54 mode 0: OUT goes low on the control word, stays low while the
	 * count runs down and goes high at terminal count. */
	outb(PIT_PORT_CMD, PIT_CMD_CH2 | PIT_CMD_ACCESS_LOHI | PIT_CMD_MODE0 | PIT_CMD_BINARY);
	outb(PIT_PORT_CH2, ticks & 0xff);
	outb(PIT_PORT_CH2, ticks >> 8);

	if (ticks >= PIT_PRESENCE_MIN_TICKS && (inb(PIT_PORT_NMI_SC) & NMI_SC_TIM2_OUT)) {
		ret = -ENODEV;
		goto out;
	}

	for (spins = 0; !(inb(PIT_PORT_NMI_SC) & NMI_SC_TIM2_OUT); spins++) {
		if (spins >= PIT_SPIN_LIMIT) {
			ret = -ETIMEDOUT;
			goto out;
		}
		cpu_relax();
	}
out:
	/* Bits 7:4 read back status and ignore writes; bits 3:2 (NMI source
	 * enables) were never changed: writing back the saved byte restores it. */
	outb(PIT_PORT_NMI_SC, saved);
	return ret;
}

int pit_wait_us(uint32_t us)
{
	while (us > 0) {
		uint32_t chunk = MIN(us, PIT_US_PER_CHUNK);
		/* Round up: a wait is never shorter than asked. */
		uint64_t ticks = (chunk * PIT_HZ + PIT_US_PER_SEC - 1) / PIT_US_PER_SEC;
		int ret = pit_wait_ticks((uint16_t)ticks);

		if (ret)
			return ret;
		us -= chunk;
	}
	return 0;
}

void pit_disable(void)
{
	/*
	 * 82C54 mode 0: after the control word OUT is low and the counter waits
	 * for a count that is never written, so no rising edge reaches IRQ 0.
	 * Whatever periodic mode firmware left behind stops with it.
	 */
	outb(PIT_PORT_CMD, PIT_CMD_CH0 | PIT_CMD_ACCESS_LOHI | PIT_CMD_MODE0 | PIT_CMD_BINARY);
}
