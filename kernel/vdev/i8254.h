/*
 * Virtual i8254 programmable interval timer (Intel 8254 datasheet, 231164),
 * counters 0 and 2 as a PC wires them, plus the PC's system control port B
 * (0x61) that gates counter 2 and shows its output.
 *
 * A pure model: time is whatever the caller says (now_ns, nanoseconds,
 * never going backwards), and the model neither reads a clock nor raises an
 * interrupt. Whoever owns it asks vpit_next_irq0_ns() when to look again and
 * vpit_irq0_edges() how many times OUT0 rose, and pulses IRQ 0 that often.
 *
 * Modelled: control words for counters 0 and 2, counter latch, read-back
 * (count and status), access modes LSB, MSB and LSB-then-MSB with their
 * flip-flops, modes 0, 2, 3 and 4 (6 and 7 alias 2 and 3), a count of 0
 * meaning 65536, counter 2's gate. Not modelled: counter 1 (DRAM refresh,
 * port 0x41), modes 1 and 5 (hardware triggered: they hold their count with
 * OUT high), BCD counting (the flag is kept for the status byte, counting is
 * binary), the one-clock delay between writing a count and loading it, and
 * the speaker itself.
 */
#ifndef SHOJI_KERNEL_VDEV_I8254_H
#define SHOJI_KERNEL_VDEV_I8254_H

#include "kernel/core/types.h"

#define VPIT_PORT_COUNTER0 0x40
#define VPIT_PORT_COUNTER2 0x42
#define VPIT_PORT_CONTROL  0x43
#define VPIT_PORT_SYSTEM   0x61 /* PC system control port B */

#define VPIT_CLOCK_HZ 1193182ULL /* the PC's 14.31818 MHz crystal divided by 12 */

/* Control word (8254 Figure 8): SC1 SC0 RW1 RW0 M2 M1 M0 BCD. */
#define VPIT_CW_SELECT_SHIFT 6
#define VPIT_CW_ACCESS_SHIFT 4
#define VPIT_CW_MODE_SHIFT   1
#define VPIT_CW_BCD	     0x01
#define VPIT_SELECT_READBACK 3

/* RW1 RW0: how the counter's 16 bits go through the 8-bit port. */
#define VPIT_ACCESS_LATCH   0 /* counter latch command */
#define VPIT_ACCESS_LSB	    1
#define VPIT_ACCESS_MSB	    2
#define VPIT_ACCESS_LSB_MSB 3

#define VPIT_MODE_TERMINAL_COUNT 0 /* interrupt on terminal count */
#define VPIT_MODE_ONE_SHOT	 1 /* hardware retriggerable one-shot (not modelled) */
#define VPIT_MODE_RATE		 2 /* rate generator */
#define VPIT_MODE_SQUARE	 3 /* square wave */
#define VPIT_MODE_SW_STROBE	 4 /* software triggered strobe */
#define VPIT_MODE_HW_STROBE	 5 /* hardware triggered strobe (not modelled) */

/* Read-back command (8254 Figure 13): 1 1 !COUNT !STATUS CNT2 CNT1 CNT0 0. */
#define VPIT_RB_NO_COUNT  0x20
#define VPIT_RB_NO_STATUS 0x10
#define VPIT_RB_COUNTER0  0x02
#define VPIT_RB_COUNTER2  0x08

/* Status byte (8254 Figure 14): OUTPUT NULL-COUNT RW1 RW0 M2 M1 M0 BCD. */
#define VPIT_STATUS_OUT	       0x80
#define VPIT_STATUS_NULL_COUNT 0x40

/* Port 0x61: bits 0-3 read back as written, 4 and 5 are inputs. */
#define VPIT_SYS_GATE2	  0x01
#define VPIT_SYS_SPEAKER  0x02
#define VPIT_SYS_WRITABLE 0x0f
#define VPIT_SYS_REFRESH  0x10 /* toggles on every read here, as a stand-in for 15 us */
#define VPIT_SYS_OUT2	  0x20

/* vpit_irq0_edges() never reports more than this: a long pause is not a storm. */
#define VPIT_IRQ0_EDGES_MAX 16

/* One counter's state; only i8254.c looks inside. */
struct vpit_counter {
	uint8_t mode_bits; /* M2-M0 as written, for the status byte */
	uint8_t mode;	   /* the mode they select: 6 and 7 are 2 and 3 */
	uint8_t access;
	bool bcd;
	bool gate;

	uint32_t reload;     /* count register, 1..65536 */
	bool has_count;	     /* a count was written since the control word */
	bool write_msb_next; /* LSB-then-MSB write flip-flop */
	uint8_t write_lsb;
	bool pending; /* modes 2, 3: reload waits for the end of the period */

	/* While running the counting element is a function of the tick count since epoch_ns. */
	bool running;
	uint64_t epoch_ns;
	uint64_t start_tick;   /* the tick at which the element held start_count */
	uint32_t start_count;  /* 1..65536 */
	bool tc_done;	       /* modes 0, 4: terminal count passed before start_tick */
	uint16_t frozen_count; /* element and OUT while not running */
	bool frozen_out;
	uint64_t edges_tick; /* counter 0: rising edges up to this tick are counted */

	bool count_latched;
	bool latch_msb_next;
	uint16_t latch;
	bool status_latched;
	uint8_t status;
	bool read_msb_next; /* LSB-then-MSB read flip-flop, unlatched reads */
};

struct vpit {
	struct vpit_counter counter0;
	struct vpit_counter counter2;
	uint8_t system;	     /* port 0x61 bits 0-3 */
	bool refresh;	     /* port 0x61 bit 4 */
	unsigned irq0_edges; /* rising edges of OUT0 not yet handed out, saturating */
};

/*
 * The state a PC BIOS leaves: counters 0 and 2 in mode 3, LSB then MSB,
 * count 65536 (18.2 Hz); counter 2's gate (port 0x61 bit 0) low.
 */
void vpit_reset(struct vpit *p, uint64_t now_ns);

/* An 8-bit IN or OUT on one of the VPIT_PORT_* ports; other ports read 0xff. */
uint8_t vpit_read(struct vpit *p, uint16_t port, uint64_t now_ns);
void vpit_write(struct vpit *p, uint16_t port, uint8_t value, uint64_t now_ns);

/*
 * Rising edges of counter 0's OUT since the last call (at most
 * VPIT_IRQ0_EDGES_MAX): the caller raises IRQ 0 that many times, or once.
 */
unsigned vpit_irq0_edges(struct vpit *p, uint64_t now_ns);

/*
 * When OUT0 next rises, after now_ns: the first nanosecond at which tick
 * T has passed, T counted at VPIT_CLOCK_HZ from when the count was loaded,
 * i.e. load time + ceil(T * 10^9 / VPIT_CLOCK_HZ). 0 if it never will.
 */
uint64_t vpit_next_irq0_ns(const struct vpit *p, uint64_t now_ns);

#endif
