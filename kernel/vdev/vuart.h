/*
 * Virtual 16550A UART (National PC16550D datasheet), one per guest, claiming
 * eight ports at its base (GUEST_UART_PORT, 0x3f8, for COM1).
 *
 * The transmitter is infinitely fast: THR is always empty (LSR THRE and TEMT
 * set) and every byte the guest sends goes straight to its console, one
 * line at a time through guest_console_line(). Received bytes come from the
 * hypervisor through vuart_receive() into a 16-byte RX FIFO.
 */
#ifndef SHOJI_KERNEL_VDEV_VUART_H
#define SHOJI_KERNEL_VDEV_VUART_H

#include <stddef.h>

#include "kernel/core/types.h"
#include "kernel/guest/vdev.h"

struct guest;

/* Register offsets from the base port (PC16550D Table II). */
#define VUART_RBR   0 /* read, DLAB=0: receiver buffer */
#define VUART_THR   0 /* write, DLAB=0: transmitter holding */
#define VUART_DLL   0 /* DLAB=1: divisor latch low */
#define VUART_IER   1 /* DLAB=0: interrupt enable */
#define VUART_DLM   1 /* DLAB=1: divisor latch high */
#define VUART_IIR   2 /* read: interrupt identification */
#define VUART_FCR   2 /* write: FIFO control */
#define VUART_LCR   3 /* line control */
#define VUART_MCR   4 /* modem control */
#define VUART_LSR   5 /* line status */
#define VUART_MSR   6 /* modem status */
#define VUART_SCR   7 /* scratch */
#define VUART_PORTS 8

#define VUART_IER_ERBFI 0x01 /* received data available */
#define VUART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define VUART_IER_ELSI	0x04 /* receiver line status */
#define VUART_IER_EDSSI 0x08 /* modem status */
#define VUART_IER_MASK	0x0f

#define VUART_IIR_NO_INT  0x01
#define VUART_IIR_ID_MASK 0x0e
#define VUART_IIR_MSI	  0x00 /* modem status */
#define VUART_IIR_THRI	  0x02 /* THR empty */
#define VUART_IIR_RDI	  0x04 /* received data available (at trigger level) */
#define VUART_IIR_RLSI	  0x06 /* receiver line status */
#define VUART_IIR_CTI	  0x0c /* character timeout: data below trigger level */
#define VUART_IIR_FIFO_ON 0xc0

#define VUART_FCR_ENABLE       0x01
#define VUART_FCR_CLEAR_RX     0x02
#define VUART_FCR_CLEAR_TX     0x04
#define VUART_FCR_TRIGGER_MASK 0xc0

#define VUART_LCR_DLAB 0x80

#define VUART_MCR_DTR  0x01
#define VUART_MCR_RTS  0x02
#define VUART_MCR_OUT1 0x04
#define VUART_MCR_OUT2 0x08
#define VUART_MCR_LOOP 0x10
#define VUART_MCR_MASK 0x1f

#define VUART_LSR_DR	 0x01
#define VUART_LSR_OE	 0x02
#define VUART_LSR_PE	 0x04
#define VUART_LSR_FE	 0x08
#define VUART_LSR_BI	 0x10
#define VUART_LSR_THRE	 0x20
#define VUART_LSR_TEMT	 0x40
#define VUART_LSR_ERRORS (VUART_LSR_OE | VUART_LSR_PE | VUART_LSR_FE | VUART_LSR_BI)

#define VUART_MSR_DCTS	 0x01
#define VUART_MSR_DDSR	 0x02
#define VUART_MSR_TERI	 0x04
#define VUART_MSR_DDCD	 0x08
#define VUART_MSR_DELTAS 0x0f
#define VUART_MSR_CTS	 0x10
#define VUART_MSR_DSR	 0x20
#define VUART_MSR_RI	 0x40
#define VUART_MSR_DCD	 0x80

#define VUART_RX_FIFO_SIZE 16
#define VUART_LINE_MAX	   120

struct vuart {
	struct vdev dev; /* dev.guest is the owning guest once attached */

	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;	    /* FIFO enable and RX trigger bits as last programmed */
	uint8_t lsr_errors; /* sticky LSR error bits, cleared by reading LSR */
	uint8_t msr_deltas; /* MSR bits 0-3, cleared by reading MSR */
	uint8_t msr_lines;  /* MSR bits 4-7 as last computed, for the deltas */
	bool thre_pending;  /* THRE interrupt condition (cleared by IIR read or THR write) */
	uint8_t rbr;	    /* last byte read out of RBR */

	uint8_t rx[VUART_RX_FIFO_SIZE];
	uint8_t rx_head, rx_count;

	char line[VUART_LINE_MAX + 1];
	unsigned line_len;

	/*
	 * Whoever wires the IRQ line (pc_platform.c), or NULL: told each time
	 * the line changes, with its new level, at the end of the access or
	 * arrival that changed it.
	 */
	void (*line_change)(void *ctx, bool level);
	void *line_ctx;
	bool line_told; /* the level line_change last reported */
};

/* Reset u to the chip's power-on state and claim [base, base+8) in g's port space. */
int vuart_attach(struct guest *g, struct vuart *u, uint16_t base);

/*
 * One byte arriving on the serial line. With the FIFO full (or RBR full in
 * 16450 mode) it is an overrun: LSR OE is set. Dropped in loopback mode,
 * where the chip disconnects its serial input.
 */
void vuart_receive(struct vuart *u, uint8_t byte);

/* Bytes vuart_receive() can take now without an overrun (0 in loopback mode). */
unsigned vuart_rx_room(const struct vuart *u);

/* True while an enabled interrupt condition is pending (IIR bit 0 would read 0). */
bool vuart_irq_pending(const struct vuart *u);

/* The PC's IRQ line from the UART: a pending interrupt, gated by MCR OUT2 as on a PC board. */
bool vuart_irq_line(const struct vuart *u);

/* Hand a partial console line (output not ended by '\n') to the guest console. */
void vuart_flush(struct vuart *u);

/*
 * The chip's state (registers, RX FIFO, the partial console line) without
 * its wiring, for checkpoints: VUART_STATE_BYTES copied out and back in.
 */
#define VUART_STATE_BYTES (offsetof(struct vuart, line_change) - offsetof(struct vuart, ier))
void vuart_state_save(const struct vuart *u, void *buf);
void vuart_state_load(struct vuart *u, const void *buf);

#endif
