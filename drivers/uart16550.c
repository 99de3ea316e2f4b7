/*
 * 16550 driver (PC16550D datasheet). Two ways out: uart16550_write waits on
 * LSR.THRE (bounded, so a dead UART cannot hang it) for panics and flushes;
 * uart16550_tx_burst never waits, it fills an empty transmit FIFO, and the
 * THRE interrupt (IER.ETBEI) says when the next burst fits. Callers serialize.
 */
#include "drivers/uart16550.h"

#include <stdbool.h>

#include "arch/x86/io.h"
#include "kernel/core/types.h"

#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_RBR 0 /* receive buffer (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_IIR 2 /* read */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LCR_8N1			  0x03
#define LCR_DLAB		  0x80
#define FCR_ENABLE_CLEAR	  0x07
#define MCR_DTR_RTS_OUT2	  0x0b
#define LSR_DATA_READY		  0x01
#define LSR_THRE		  0x20
#define LSR_TEMT		  0x40 /* FIFO and shift register both empty */
#define IER_ETBEI		  0x02 /* transmit holding register empty interrupt */
#define UART_TX_FIFO_BYTES	  16   /* 16550A: FCR bit 0 set in uart16550_init */
#define UART_CLOCK_DIVISOR_115200 1
#define UART_TX_SPIN_LIMIT	  100000

static uint16_t uart_port;
static bool uart_present;

void uart16550_init(uint16_t port)
{
	uart_port = port;
	/* The scratch register holds what is written only if a UART is there. */
	outb(port + UART_SCR, 0x5a);
	uart_present = inb(port + UART_SCR) == 0x5a;
	if (!uart_present)
		return;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, UART_CLOCK_DIVISOR_115200);
	outb(port + UART_DLM, 0);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void uart_putc(char c)
{
	for (int i = 0; i < UART_TX_SPIN_LIMIT; i++) {
		if (inb(uart_port + UART_LSR) & LSR_THRE)
			break;
		__asm__ volatile("pause");
	}
	outb(uart_port + UART_THR, (uint8_t)c);
}

void uart16550_write(const char *s, size_t len)
{
	if (!uart_present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void uart16550_write_raw(const char *s, size_t len)
{
	if (!uart_present)
		return;
	for (size_t i = 0; i < len; i++)
		uart_putc(s[i]);
}

void uart16550_wait_sent(void)
{
	for (int i = 0; uart_present && i < UART_TX_SPIN_LIMIT; i++) {
		if (inb(uart_port + UART_LSR) & LSR_TEMT)
			break;
		__asm__ volatile("pause");
	}
}

bool uart16550_present(void)
{
	return uart_present;
}

size_t uart16550_tx_burst(const char *s, size_t len)
{
	/* THRE with FIFOs on: the whole transmit FIFO is empty. */
	if (!uart_present || !(inb(uart_port + UART_LSR) & LSR_THRE))
		return 0;
	size_t n = MIN(len, (size_t)UART_TX_FIFO_BYTES);
	for (size_t i = 0; i < n; i++)
		outb(uart_port + UART_THR, (uint8_t)s[i]);
	return n;
}

void uart16550_tx_irq(bool on)
{
	if (uart_present)
		outb(uart_port + UART_IER, on ? IER_ETBEI : 0);
}

void uart16550_irq_ack(void)
{
	if (uart_present)
		(void)inb(uart_port + UART_IIR);
}

int uart16550_getc(void)
{
	if (!uart_present || !(inb(uart_port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(uart_port + UART_RBR);
}
