/*
 * Virtual MC146818 CMOS real-time clock as in a PC (Motorola MC146818A
 * datasheet): index port 0x70 (bit 7 = NMI disable, kept but ignored), data
 * port 0x71, 128 bytes: the clock's registers 0x00-0x0d, the century at
 * 0x32 (as a PC BIOS keeps it) and battery-backed RAM at 0x0e-0x7f.
 *
 * A pure model: it knows nothing of guests, vCPUs or the host's clocks. Its
 * owner passes now_ns, nanoseconds since 1970-01-01 00:00:00 UTC on the
 * host's wall clock, to every call; the guest's clock is that plus an
 * offset the guest sets by writing the time registers. Interrupts (IRQ 8)
 * are a level the owner samples: vrtc_irq_line() says whether IRQF is set
 * now, vrtc_next_event_ns() when it may next rise, so the owner can arm a
 * timer and look again. It does no locking; its owner serialises calls,
 * with now_ns never going backwards (an earlier now_ns counts as the latest
 * one seen).
 */
#ifndef SHOJI_KERNEL_VDEV_VRTC_H
#define SHOJI_KERNEL_VDEV_VRTC_H

#include "kernel/core/types.h"

#define VRTC_PORT_INDEX 0x70
#define VRTC_PORT_DATA	0x71
#define VRTC_IRQ	8
#define VRTC_CMOS_SIZE	128

/* Register indices (MC146818A Figure 4, and the PC's century byte). */
#define VRTC_SECONDS	   0x00
#define VRTC_ALARM_SECONDS 0x01
#define VRTC_MINUTES	   0x02
#define VRTC_ALARM_MINUTES 0x03
#define VRTC_HOURS	   0x04
#define VRTC_ALARM_HOURS   0x05
#define VRTC_WEEKDAY	   0x06 /* 1 = Sunday */
#define VRTC_DAY	   0x07
#define VRTC_MONTH	   0x08
#define VRTC_YEAR	   0x09
#define VRTC_REG_A	   0x0a
#define VRTC_REG_B	   0x0b
#define VRTC_REG_C	   0x0c
#define VRTC_REG_D	   0x0d
#define VRTC_RAM_FIRST	   0x0e
#define VRTC_CENTURY	   0x32

/* Register A. */
#define VRTC_A_UIP	0x80 /* read-only: an update is due within 244 us */
#define VRTC_A_DV_MASK	0x70 /* divider select; recorded (the clock always runs) */
#define VRTC_A_RS_MASK	0x0f /* periodic rate select */
#define VRTC_A_WRITABLE (VRTC_A_DV_MASK | VRTC_A_RS_MASK)
#define VRTC_A_RESET	0x26 /* 32.768 kHz time base, 1024 Hz periodic rate (as a BIOS sets) */
/* Register B. */
#define VRTC_B_SET	 0x80
#define VRTC_B_PIE	 0x40
#define VRTC_B_AIE	 0x20
#define VRTC_B_UIE	 0x10
#define VRTC_B_SQWE	 0x08
#define VRTC_B_DM_BINARY 0x04
#define VRTC_B_24H	 0x02
#define VRTC_B_DSE	 0x01 /* recorded, not modelled: guest time is plain UTC-style seconds */
#define VRTC_B_RESET	 VRTC_B_24H
/* Register C (read-only, cleared by a read). */
#define VRTC_C_IRQF 0x80
#define VRTC_C_PF   0x40
#define VRTC_C_AF   0x20
#define VRTC_C_UF   0x10
/* Register D. */
#define VRTC_D_VRT 0x80 /* valid RAM and time: the battery is good */

#define VRTC_HOUR_PM	    0x80 /* 12-hour mode */
#define VRTC_ALARM_DONTCARE 0xc0 /* an alarm byte 0xc0-0xff matches any value */
#define VRTC_UIP_NS	    244000ull

struct vrtc {
	uint8_t index;	   /* selected register, 0-127 */
	bool nmi_disabled; /* index port bit 7: kept, ignored (the NMI gate is not ours) */
	uint8_t cmos[VRTC_CMOS_SIZE]; /* RAM, alarms, A, B; time bytes only while SET is held */
	uint8_t flags;		      /* register C's PF/AF/UF as of eval_ns */
	uint8_t weekday_delta;	      /* 0-6: days the guest's weekday runs ahead of the date's */
	int64_t offset_s;	      /* guest seconds = (now_ns + phase_ns) / 1e9 + offset_s */
	uint64_t phase_ns;	      /* 0..1e9-1: where in its second the guest clock is */
	uint64_t eval_ns;	      /* latest now_ns seen; flags hold events up to it */
};

/*
 * Power-on: guest time = host time, register A 0x26, B 0x02 (24 hours,
 * BCD), C clear, D VRT, alarms and RAM zero, index 0.
 */
void vrtc_reset(struct vrtc *r, uint64_t now_ns);

/*
 * The owner's fill of a RAM byte (memory sizes, equipment) at reset; index
 * 0x0e-0x7f, except the century 0x32, which is the clock's. Others ignored.
 */
void vrtc_set_cmos(struct vrtc *r, uint8_t index, uint8_t value);

/* Byte read of port 0x70 (write-only: 0xff) or 0x71; any other port reads 0xff. */
uint8_t vrtc_read(struct vrtc *r, uint16_t port, uint64_t now_ns);

/* Byte write of port 0x70 or 0x71; any other port is ignored. */
void vrtc_write(struct vrtc *r, uint16_t port, uint8_t value, uint64_t now_ns);

/* IRQF at now_ns: an enabled flag (PF/PIE, AF/AIE, UF/UIE) is set in register C. */
bool vrtc_irq_line(const struct vrtc *r, uint64_t now_ns);

/*
 * The earliest host time (>= now_ns) at which vrtc_irq_line() may turn
 * true, or 0 if nothing enabled can raise it, or if it is already true (it
 * falls only on a register C read, a port access after which the owner asks
 * again; so it must after every vrtc_write() too).
 */
uint64_t vrtc_next_event_ns(const struct vrtc *r, uint64_t now_ns);

#endif
