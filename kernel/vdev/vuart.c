/*
 * Virtual 16550A UART: the register model of the National PC16550D, with an
 * infinitely fast transmitter feeding the guest's console line by line.
 * Owns one struct vuart per guest; it touches no host hardware (the
 * hypervisor's own COM1 is drivers/uart16550.c) and raises no interrupt by
 * itself: the virtual PIC asks vuart_irq_pending().
 *
 * Guest-controlled state only: nothing here asserts, every value a guest
 * writes has a defined effect.
 */
#include "kernel/vdev/vuart.h"

#include <string.h>

#include "kernel/guest/guest.h"

/* Divisor at reset is undefined (PC16550D); the PC BIOS default is 9600 baud at 1.8432 MHz. */
#define VUART_RESET_DLL	     0x0c
#define VUART_PEER_READY_MSR (VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD)

static bool vuart_fifo_on(const struct vuart *u)
{
	return u->fcr & VUART_FCR_ENABLE;
}

static bool vuart_loopback(const struct vuart *u)
{
	return u->mcr & VUART_MCR_LOOP;
}

/* PC16550D FCR6-7: RX FIFO interrupt trigger level 1, 4, 8 or 14 bytes. */
static unsigned vuart_rx_trigger(const struct vuart *u)
{
	static const uint8_t levels[4] = {1, 4, 8, 14};
	return levels[(u->fcr & VUART_FCR_TRIGGER_MASK) >> 6];
}

static unsigned vuart_rx_capacity(const struct vuart *u)
{
	/* 16450 mode: the receiver buffer register holds a single byte. */
	return vuart_fifo_on(u) ? VUART_RX_FIFO_SIZE : 1;
}

static void vuart_rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static void vuart_rx_push(struct vuart *u, uint8_t byte)
{
	if (!vuart_fifo_on(u)) {
		/* PC16550D LSR1 (16450 mode): the new byte overwrites an unread RBR. */
		if (u->rx_count)
			u->lsr_errors |= VUART_LSR_OE;
		u->rx_head = 0;
		u->rx[0] = byte;
		u->rx_count = 1;
		return;
	}
	if (u->rx_count == VUART_RX_FIFO_SIZE) {
		/* PC16550D LSR1 (FIFO mode): the new byte is lost, the FIFO is kept. */
		u->lsr_errors |= VUART_LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_RX_FIFO_SIZE] = byte;
	u->rx_count++;
}

static uint8_t vuart_rx_pop(struct vuart *u)
{
	/* Reading an empty RBR returns the last byte again, as the register still holds it. */
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO_SIZE;
		u->rx_count--;
	}
	return u->rbr;
}

/* MSR bits 4-7 as the chip sees its modem inputs. */
static uint8_t vuart_msr_lines(const struct vuart *u)
{
	if (!vuart_loopback(u))
		return VUART_PEER_READY_MSR; /* a peer that is always ready */

	/* PC16550D MCR4: in loopback CTS<-RTS, DSR<-DTR, RI<-OUT1, DCD<-OUT2. */
	uint8_t lines = 0;
	if (u->mcr & VUART_MCR_RTS)
		lines |= VUART_MSR_CTS;
	if (u->mcr & VUART_MCR_DTR)
		lines |= VUART_MSR_DSR;
	if (u->mcr & VUART_MCR_OUT1)
		lines |= VUART_MSR_RI;
	if (u->mcr & VUART_MCR_OUT2)
		lines |= VUART_MSR_DCD;
	return lines;
}

static void vuart_update_msr(struct vuart *u)
{
	uint8_t now = vuart_msr_lines(u);
	uint8_t changed = now ^ u->msr_lines;

	if (changed & VUART_MSR_CTS)
		u->msr_deltas |= VUART_MSR_DCTS;
	if (changed & VUART_MSR_DSR)
		u->msr_deltas |= VUART_MSR_DDSR;
	if (changed & VUART_MSR_DCD)
		u->msr_deltas |= VUART_MSR_DDCD;
	/* PC16550D MSR2: TERI flags only the trailing edge, RI going from on to off. */
	if ((u->msr_lines & VUART_MSR_RI) && !(now & VUART_MSR_RI))
		u->msr_deltas |= VUART_MSR_TERI;
	u->msr_lines = now;
}

/*
 * The highest-priority pending enabled interrupt (PC16550D Table IV):
 * line status > received data (or character timeout) > THR empty > modem status.
 */
static uint8_t vuart_iir_id(const struct vuart *u)
{
	if ((u->ier & VUART_IER_ELSI) && u->lsr_errors)
		return VUART_IIR_RLSI;
	if ((u->ier & VUART_IER_ERBFI) && u->rx_count) {
		/*
		 * Below the trigger level the chip reports a character timeout once
		 * four character times pass without FIFO activity. A virtual line has
		 * no character time, so the timeout is taken to have expired already.
		 */
		if (vuart_fifo_on(u) && u->rx_count < vuart_rx_trigger(u))
			return VUART_IIR_CTI;
		return VUART_IIR_RDI;
	}
	if ((u->ier & VUART_IER_ETBEI) && u->thre_pending)
		return VUART_IIR_THRI;
	if ((u->ier & VUART_IER_EDSSI) && u->msr_deltas)
		return VUART_IIR_MSI;
	return VUART_IIR_NO_INT;
}

static void vuart_line_emit(struct vuart *u)
{
	u->line[u->line_len] = '\0';
	guest_console_line(u->dev.guest, u->line);
	u->line_len = 0;
}

static void vuart_console_put(struct vuart *u, uint8_t byte)
{
	if (byte == '\n') {
		vuart_line_emit(u);
		return;
	}
	if (byte == '\r')
		return;
	/* Full: hand the line over before it would grow past VUART_LINE_MAX. */
	if (u->line_len == VUART_LINE_MAX)
		vuart_line_emit(u);
	/* The guest's bytes reach the host console: keep control characters off it. */
	u->line[u->line_len++] = (byte >= 0x20 && byte < 0x7f) ? (char)byte : '.';
}

/* After an access or arrival: tell the interrupt controller if the line moved. */
static void vuart_tell_line(struct vuart *u)
{
	if (!u->line_change)
		return;
	bool level = vuart_irq_line(u);
	if (level != u->line_told) {
		u->line_told = level;
		u->line_change(u->line_ctx, level);
	}
}

static void vuart_transmit(struct vuart *u, uint8_t byte)
{
	/*
	 * LCR word length is ignored: guests that print without programming the
	 * UART leave LCR at its reset value (5 bits) and still mean 8-bit bytes.
	 */
	if (vuart_loopback(u))
		vuart_rx_push(u, byte); /* PC16550D MCR4: TX is looped back to RX */
	else
		vuart_console_put(u, byte);
	/* The byte left at once: THR is empty again, which is itself an interrupt condition. */
	u->thre_pending = true;
}

static void vuart_write_fcr(struct vuart *u, uint8_t value)
{
	/* PC16550D FCR0: switching between FIFO and 16450 mode clears the FIFOs. */
	if ((value ^ u->fcr) & VUART_FCR_ENABLE)
		vuart_rx_clear(u);
	if (!(value & VUART_FCR_ENABLE)) {
		/* FCR0 must be 1 for the other FCR bits to be programmed. */
		u->fcr &= (uint8_t)~VUART_FCR_ENABLE;
		return;
	}
	if (value & VUART_FCR_CLEAR_RX)
		vuart_rx_clear(u);
	/* FCR2 (clear TX FIFO) has nothing to do: the transmitter never holds a byte. */
	u->fcr = value & (VUART_FCR_ENABLE | VUART_FCR_TRIGGER_MASK);
}

static void vuart_write_ier(struct vuart *u, uint8_t value)
{
	uint8_t ier = value & VUART_IER_MASK;
	/*
	 * Enabling ETBEI while THR is empty raises the THRE interrupt at once;
	 * 8250-family drivers (Linux among them) rely on it to start transmitting.
	 */
	if ((ier ^ u->ier) & VUART_IER_ETBEI)
		u->thre_pending = ier & VUART_IER_ETBEI;
	u->ier = ier;
}

/* Reads that clear an interrupt condition tell the line; the others (most polls) cannot move it. */
static uint8_t vuart_read_reg(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & VUART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case VUART_RBR:
		if (dlab)
			return u->dll;
		v = vuart_rx_pop(u);
		vuart_tell_line(u);
		return v;
	case VUART_IER:
		return dlab ? u->dlm : u->ier;
	case VUART_IIR:
		v = vuart_iir_id(u);
		/* PC16550D Table IV: reading IIR clears THRE when THRE is the source shown. */
		if (v == VUART_IIR_THRI) {
			u->thre_pending = false;
			vuart_tell_line(u);
		}
		return v | (vuart_fifo_on(u) ? VUART_IIR_FIFO_ON : 0);
	case VUART_LCR:
		return u->lcr;
	case VUART_MCR:
		return u->mcr;
	case VUART_LSR:
		/* THRE and TEMT always: the transmitter is infinitely fast. */
		v = VUART_LSR_THRE | VUART_LSR_TEMT | u->lsr_errors;
		if (u->rx_count)
			v |= VUART_LSR_DR;
		if (u->lsr_errors) {
			u->lsr_errors = 0; /* PC16550D LSR1-4: cleared when the CPU reads LSR */
			vuart_tell_line(u);
		}
		return v;
	case VUART_MSR:
		v = u->msr_lines | u->msr_deltas;
		if (u->msr_deltas) {
			u->msr_deltas = 0;
			vuart_tell_line(u);
		}
		return v;
	case VUART_SCR:
	default:
		return u->scr;
	}
}

/* Writes that may move the interrupt line tell it; LCR and SCR writes cannot. */
static void vuart_write_reg(struct vuart *u, unsigned reg, uint8_t value)
{
	bool dlab = u->lcr & VUART_LCR_DLAB;

	switch (reg) {
	case VUART_THR:
		if (dlab)
			u->dll = value;
		else
			vuart_transmit(u, value);
		vuart_tell_line(u);
		break;
	case VUART_IER:
		if (dlab)
			u->dlm = value;
		else
			vuart_write_ier(u, value);
		vuart_tell_line(u);
		break;
	case VUART_FCR:
		vuart_write_fcr(u, value);
		vuart_tell_line(u);
		break;
	case VUART_LCR:
		u->lcr = value;
		break;
	case VUART_MCR:
		u->mcr = value & VUART_MCR_MASK;
		vuart_update_msr(u);
		vuart_tell_line(u); /* and OUT2 connects the line */
		break;
	case VUART_SCR:
		u->scr = value;
		break;
	case VUART_LSR: /* read-only in normal operation (factory test only) */
	case VUART_MSR: /* the modem inputs are not the guest's to set */
	default:
		break;
	}
}

/* A wider access is split into byte cycles on consecutive ports, as the ISA bus does. */
static __attribute__((noinline)) uint64_t vuart_read_wide(struct vuart *u, uint64_t offset,
							  unsigned size)
{
	uint64_t value = 0;

	for (unsigned i = 0; i < size && offset + i < VUART_PORTS; i++)
		value |= (uint64_t)vuart_read_reg(u, offset + i) << (8 * i);
	return value;
}

static uint64_t vuart_read(struct vdev *d, uint64_t offset, unsigned size)
{
	/* INB, nearly every access, takes no byte loop. */
	return size == 1 ? vuart_read_reg(d->priv, offset) : vuart_read_wide(d->priv, offset, size);
}

static __attribute__((noinline)) void vuart_write_wide(struct vuart *u, uint64_t offset,
						       unsigned size, uint64_t value)
{
	for (unsigned i = 0; i < size && offset + i < VUART_PORTS; i++)
		vuart_write_reg(u, offset + i, (uint8_t)(value >> (8 * i)));
}

static void vuart_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	if (size == 1)
		vuart_write_reg(d->priv, offset, value);
	else
		vuart_write_wide(d->priv, offset, size, value);
}

static void vuart_stop(struct vdev *d)
{
	vuart_flush(d->priv);
}

static const struct vdev_ops vuart_ops = {
    .read = vuart_read,
    .write = vuart_write,
    .stop = vuart_stop,
};

int vuart_attach(struct guest *g, struct vuart *u, uint16_t base)
{
	/* PC16550D Table V, reset: IER, LCR, MCR, FCR zero; LSR THRE|TEMT; IIR no interrupt. */
	memset(u, 0, sizeof(*u));
	u->dll = VUART_RESET_DLL;
	u->msr_lines = vuart_msr_lines(u);

	u->dev.name = "vuart";
	u->dev.space = VDEV_PIO;
	u->dev.base = base;
	u->dev.length = VUART_PORTS;
	u->dev.ops = &vuart_ops;
	u->dev.priv = u;
	return vdev_register(g, &u->dev);
}

void vuart_receive(struct vuart *u, uint8_t byte)
{
	/* PC16550D MCR4: in loopback the serial input is disconnected from the receiver. */
	if (vuart_loopback(u))
		return;
	vuart_rx_push(u, byte);
	vuart_tell_line(u);
}

unsigned vuart_rx_room(const struct vuart *u)
{
	if (vuart_loopback(u))
		return 0;
	return vuart_rx_capacity(u) - u->rx_count;
}

bool vuart_irq_pending(const struct vuart *u)
{
	return vuart_iir_id(u) != VUART_IIR_NO_INT;
}

bool vuart_irq_line(const struct vuart *u)
{
	return (u->mcr & VUART_MCR_OUT2) && vuart_irq_pending(u);
}

void vuart_flush(struct vuart *u)
{
	if (u->line_len)
		vuart_line_emit(u);
}

void vuart_state_save(const struct vuart *u, void *buf)
{
	memcpy(buf, &u->ier, VUART_STATE_BYTES);
}

void vuart_state_load(struct vuart *u, const void *buf)
{
	memcpy(&u->ier, buf, VUART_STATE_BYTES);
}
