/* unit-test-sources: kernel/guest/vdev.c kernel/vdev/vuart.c */
/*
 * Virtual 16550A through the port interface a guest sees (vdev_access on
 * 0x3f8-0x3ff): reset values, every register, DLAB, IIR priorities and the
 * THRE clear-on-read rule, FIFO control, loopback, console line assembly,
 * the RX FIFO and overruns. The console is a stub that records lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/guest/hypercall_abi.h"
#include "kernel/vdev/vuart.h"

/* --- stubs for kernel/guest/guest.c ------------------------------------------- */

#define MAX_LINES 16

static char lines[MAX_LINES][VUART_LINE_MAX + 8];
static unsigned line_count;

void guest_console_line(struct guest *g, const char *text)
{
	assert_true(strlen(text) <= VUART_LINE_MAX);
	assert_true(line_count < MAX_LINES);
	snprintf(lines[line_count++], sizeof(lines[0]), "%s", text);
}

void guest_stop(struct guest *g, enum guest_state state, int code, const char *fmt, ...)
{
	fail_msg("the UART never stops its guest");
}

/* --- fixture -------------------------------------------------------------- */

static struct guest guest;
static struct vuart uart;

static int setup(void **state)
{
	memset(&guest, 0, sizeof(guest));
	strcpy(guest.name, "t");
	line_count = 0;
	memset(lines, 0, sizeof(lines));
	assert_int_equal(vuart_attach(&guest, &uart, GUEST_UART_PORT), 0);
	return 0;
}

static void outb(unsigned reg, uint8_t value)
{
	uint64_t v = value;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_UART_PORT + reg, 1, true, &v));
}

static uint8_t inb(unsigned reg)
{
	uint64_t v = ~0ULL;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_UART_PORT + reg, 1, false, &v));
	return (uint8_t)v;
}

static void puts_uart(const char *s)
{
	while (*s)
		outb(VUART_THR, (uint8_t)*s++);
}

/* --- tests ----------------------------------------------------------------- */

static void test_attach_claims_eight_ports(void **state)
{
	uint64_t v = 0;
	assert_int_equal(uart.dev.base, GUEST_UART_PORT);
	assert_int_equal(uart.dev.length, 8);
	assert_int_equal(uart.dev.space, VDEV_PIO);
	assert_false(vdev_access(&guest, VDEV_PIO, GUEST_UART_PORT - 1, 1, false, &v));
	assert_false(vdev_access(&guest, VDEV_PIO, GUEST_UART_PORT + 8, 1, false, &v));
	assert_false(vdev_access(&guest, VDEV_PIO, GUEST_UART_PORT + 7, 2, false, &v));
	assert_false(vdev_access(&guest, VDEV_MMIO, GUEST_UART_PORT, 1, false, &v));

	struct vuart other;
	assert_int_equal(vuart_attach(&guest, &other, GUEST_UART_PORT + 4), -EBUSY);
	assert_int_equal(vuart_attach(&guest, &other, 0x2f8), 0); /* COM2 */
}

static void test_reset_values(void **state)
{
	/* PC16550D Table V. */
	assert_int_equal(inb(VUART_IER), 0);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_NO_INT);
	assert_int_equal(inb(VUART_LCR), 0);
	assert_int_equal(inb(VUART_MCR), 0);
	assert_int_equal(inb(VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD);
	assert_int_equal(inb(VUART_SCR), 0);
	assert_false(vuart_irq_pending(&uart));
	assert_int_equal(vuart_rx_room(&uart), 1); /* 16450 mode until FCR0 is set */
}

static void test_scratch(void **state)
{
	outb(VUART_SCR, 0xa5);
	assert_int_equal(inb(VUART_SCR), 0xa5);
	outb(VUART_SCR, 0x5a);
	assert_int_equal(inb(VUART_SCR), 0x5a);
}

static void test_ier_low_bits_only(void **state)
{
	outb(VUART_IER, 0xff);
	assert_int_equal(inb(VUART_IER), 0x0f);
	outb(VUART_IER, 0xf5);
	assert_int_equal(inb(VUART_IER), 0x05);
}

static void test_lcr_mcr(void **state)
{
	outb(VUART_LCR, 0x1b); /* 8 bits, 1 stop, even parity */
	assert_int_equal(inb(VUART_LCR), 0x1b);
	outb(VUART_MCR, 0xff);
	assert_int_equal(inb(VUART_MCR), 0x1f); /* five bits */
	outb(VUART_MCR, 0x0b);
	assert_int_equal(inb(VUART_MCR), 0x0b);
}

static void test_dlab_switches_offsets(void **state)
{
	outb(VUART_IER, 0x03);
	outb(VUART_LCR, VUART_LCR_DLAB | 0x03);
	outb(VUART_DLL, 0x01);
	outb(VUART_DLM, 0x02);
	assert_int_equal(inb(VUART_DLL), 0x01);
	assert_int_equal(inb(VUART_DLM), 0x02);
	assert_int_equal(inb(VUART_LCR), 0x83);
	assert_int_equal(line_count, 0);

	outb(VUART_LCR, 0x03);
	assert_int_equal(inb(VUART_IER), 0x03); /* untouched by the DLM write */
	puts_uart("ok\n");
	assert_int_equal(line_count, 1);
	assert_string_equal(lines[0], "ok");
	assert_int_equal(uart.dll, 0x01); /* untouched by the THR writes */

	/* With DLAB set the data port reads DLL, not the RX FIFO. */
	vuart_receive(&uart, 'r');
	outb(VUART_LCR, VUART_LCR_DLAB);
	assert_int_equal(inb(VUART_RBR), 0x01);
	outb(VUART_LCR, 0);
	assert_int_equal(inb(VUART_RBR), 'r');
}

static void test_lsr(void **state)
{
	/* The transmitter is infinitely fast: THRE and TEMT stay set while sending. */
	for (int i = 0; i < 40; i++) {
		outb(VUART_THR, 'x');
		assert_int_equal(inb(VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
	}
	vuart_receive(&uart, 'a');
	assert_int_equal(inb(VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT | VUART_LSR_DR);
	vuart_receive(&uart, 'b'); /* 16450 mode: overwrites the unread 'a' */
	assert_int_equal(inb(VUART_LSR),
			 VUART_LSR_THRE | VUART_LSR_TEMT | VUART_LSR_DR | VUART_LSR_OE);
	/* Reading LSR cleared OE; DR stays until the byte is read. */
	assert_int_equal(inb(VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT | VUART_LSR_DR);
	assert_int_equal(inb(VUART_RBR), 'b');
	assert_int_equal(inb(VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);

	outb(VUART_LSR, 0x00); /* writes ignored */
	assert_int_equal(inb(VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
}

static void test_fcr(void **state)
{
	/* FCR is write-only: offset 2 reads IIR, bits 6-7 show whether FIFOs are on. */
	outb(VUART_FCR, VUART_FCR_ENABLE);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_NO_INT);
	assert_int_equal(vuart_rx_room(&uart), VUART_RX_FIFO_SIZE);

	/* Clear RX FIFO. */
	vuart_receive(&uart, '1');
	vuart_receive(&uart, '2');
	outb(VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_CLEAR_RX | VUART_FCR_CLEAR_TX);
	assert_false(inb(VUART_LSR) & VUART_LSR_DR);
	assert_int_equal(vuart_rx_room(&uart), VUART_RX_FIFO_SIZE);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_NO_INT);

	/* Leaving FIFO mode clears the FIFO and the IIR FIFO bits. */
	vuart_receive(&uart, '3');
	outb(VUART_FCR, 0);
	assert_false(inb(VUART_LSR) & VUART_LSR_DR);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_NO_INT);
	assert_int_equal(vuart_rx_room(&uart), 1);

	/* Entering it clears too (the 16450 RBR byte is dropped). */
	vuart_receive(&uart, '4');
	outb(VUART_FCR, VUART_FCR_ENABLE);
	assert_false(inb(VUART_LSR) & VUART_LSR_DR);

	/* Rewriting FCR with FIFOs already on and no clear bit keeps the data. */
	vuart_receive(&uart, '5');
	outb(VUART_FCR, VUART_FCR_ENABLE);
	assert_true(inb(VUART_LSR) & VUART_LSR_DR);
	assert_int_equal(inb(VUART_RBR), '5');
}

static void test_iir_priorities(void **state)
{
	outb(VUART_FCR, VUART_FCR_ENABLE); /* trigger level 1 */

	/* Modem status delta: in and out of loopback drops and restores CTS, DSR, DCD. */
	outb(VUART_MCR, VUART_MCR_LOOP);
	outb(VUART_MCR, 0);
	/* THR empty: a byte was sent. */
	outb(VUART_THR, 'x');
	/* Data available plus an overrun: one byte more than the FIFO holds. */
	for (int i = 0; i < VUART_RX_FIFO_SIZE + 1; i++)
		vuart_receive(&uart, (uint8_t)('a' + i));

	/* Nothing enabled: nothing pending. */
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_NO_INT);
	assert_false(vuart_irq_pending(&uart));

	outb(VUART_IER, VUART_IER_MASK);
	assert_true(vuart_irq_pending(&uart));

	/* 1: receiver line status, cleared by reading LSR. */
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_RLSI);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_RLSI);
	assert_int_equal(inb(VUART_LSR),
			 VUART_LSR_THRE | VUART_LSR_TEMT | VUART_LSR_DR | VUART_LSR_OE);

	/* 2: received data, cleared by draining the FIFO; the overrun byte was lost. */
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_RDI);
	for (int i = 0; i < VUART_RX_FIFO_SIZE; i++)
		assert_int_equal(inb(VUART_RBR), 'a' + i);

	/* 3: THR empty, cleared by the very IIR read that reports it. */
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_THRI);
	assert_true(vuart_irq_pending(&uart));

	/* 4: modem status, cleared by reading MSR. */
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_MSI);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD |
					     VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_NO_INT);
	assert_false(vuart_irq_pending(&uart));
}

static unsigned line_changes;
static bool line_level;

static void record_change(void *ctx, bool level)
{
	line_changes++;
	line_level = level;
}

/* The IRQ line (MCR OUT2 gated) and the hook that tells the interrupt controller each change. */
static void test_irq_line_and_change_hook(void **state)
{
	line_changes = 0;
	uart.line_change = record_change;
	uart.line_told = false;
	outb(VUART_IER, VUART_IER_ETBEI); /* THRE pending, but OUT2 is off: no line */
	assert_true(vuart_irq_pending(&uart));
	assert_false(vuart_irq_line(&uart));
	assert_int_equal(line_changes, 0);
	outb(VUART_MCR, VUART_MCR_OUT2);
	assert_true(vuart_irq_line(&uart));
	assert_int_equal(line_changes, 1);
	assert_true(line_level);
	assert_int_equal(inb(VUART_IIR) & VUART_IIR_ID_MASK, VUART_IIR_THRI); /* clears THRE */
	assert_false(vuart_irq_line(&uart));
	assert_int_equal(line_changes, 2);
	assert_false(line_level);
	outb(VUART_THR, 'x'); /* the byte leaves at once: THRE again */
	assert_true(vuart_irq_line(&uart));
	assert_int_equal(line_changes, 3);
	assert_true(line_level);
	outb(VUART_THR, 'y'); /* still high: no change to tell */
	assert_int_equal(line_changes, 3);
	outb(VUART_IER, 0);
	assert_int_equal(line_changes, 4);
	assert_false(line_level);
	outb(VUART_THR, 'z'); /* polled output: no interrupt, no hook */
	assert_int_equal(line_changes, 4);
	uart.line_change = NULL;
}

static void test_thre_clear_only_when_shown(void **state)
{
	outb(VUART_IER, VUART_IER_ERBFI | VUART_IER_ETBEI);
	/* Enabling ETBEI with THR empty raises THRE at once. */
	assert_true(vuart_irq_pending(&uart));
	vuart_receive(&uart, 'z');

	/* RDI outranks THRE: reading IIR then must not clear the THRE condition. */
	assert_int_equal(inb(VUART_IIR), VUART_IIR_RDI);
	assert_int_equal(inb(VUART_RBR), 'z');
	assert_int_equal(inb(VUART_IIR), VUART_IIR_THRI);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_NO_INT);

	/* Writing THR: the byte is gone at once and THRE is pending again. */
	outb(VUART_THR, 'a');
	assert_true(vuart_irq_pending(&uart));
	assert_int_equal(inb(VUART_IIR), VUART_IIR_THRI);
	assert_false(vuart_irq_pending(&uart));

	/* Masking ETBEI hides it; unmasking with THR empty raises it afresh. */
	outb(VUART_IER, VUART_IER_ERBFI);
	assert_false(vuart_irq_pending(&uart));
	outb(VUART_IER, VUART_IER_ERBFI | VUART_IER_ETBEI);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_THRI);
	/* Rewriting IER with ETBEI already set raises nothing new. */
	outb(VUART_IER, VUART_IER_ERBFI | VUART_IER_ETBEI);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_NO_INT);
}

static void test_rx_trigger_and_timeout(void **state)
{
	outb(VUART_IER, VUART_IER_ERBFI);
	/* 16450 mode: any byte is "data available". */
	vuart_receive(&uart, 'a');
	assert_int_equal(inb(VUART_IIR), VUART_IIR_RDI);
	inb(VUART_RBR);

	/* FIFO, trigger 14: below it the chip reports a character timeout. */
	outb(VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_TRIGGER_MASK);
	for (int i = 0; i < 13; i++)
		vuart_receive(&uart, 'b');
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_CTI);
	assert_true(vuart_irq_pending(&uart));
	vuart_receive(&uart, 'b');
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_RDI);
	inb(VUART_RBR);
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_CTI);

	/* Trigger 4 (FCR 01xxxxxx). */
	outb(VUART_FCR, VUART_FCR_ENABLE | VUART_FCR_CLEAR_RX | 0x40);
	for (int i = 0; i < 4; i++)
		vuart_receive(&uart, 'c');
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_RDI);
}

static void test_msr_idle(void **state)
{
	/* Not in loopback: an always-ready peer, no deltas, writes ignored. */
	outb(VUART_MSR, 0x0f);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD);
	outb(VUART_MCR, VUART_MCR_DTR | VUART_MCR_RTS | VUART_MCR_OUT2);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD);
	outb(VUART_IER, VUART_IER_EDSSI);
	assert_false(vuart_irq_pending(&uart));
}

static void test_loopback(void **state)
{
	outb(VUART_FCR, VUART_FCR_ENABLE);
	outb(VUART_MCR, VUART_MCR_LOOP);
	inb(VUART_MSR); /* drop the deltas of entering loopback with every output off */
	assert_int_equal(inb(VUART_MSR), 0);

	/* TX goes to RX, not to the console. */
	puts_uart("hi\n");
	assert_int_equal(line_count, 0);
	assert_true(inb(VUART_LSR) & VUART_LSR_DR);
	assert_int_equal(inb(VUART_RBR), 'h');
	assert_int_equal(inb(VUART_RBR), 'i');
	assert_int_equal(inb(VUART_RBR), '\n');
	assert_false(inb(VUART_LSR) & VUART_LSR_DR);

	/* The serial input is disconnected: host bytes are dropped. */
	assert_int_equal(vuart_rx_room(&uart), 0);
	vuart_receive(&uart, 'X');
	assert_false(inb(VUART_LSR) & VUART_LSR_DR);

	/* Modem status mirrors MCR: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD, with deltas. */
	outb(VUART_MCR, VUART_MCR_LOOP | VUART_MCR_RTS);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_CTS | VUART_MSR_DCTS);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_CTS);
	outb(VUART_MCR, VUART_MCR_LOOP | VUART_MCR_DTR);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_DSR | VUART_MSR_DCTS | VUART_MSR_DDSR);
	outb(VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT2);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_DCD | VUART_MSR_DDSR | VUART_MSR_DDCD);
	/* RI: rising edge flags nothing, trailing edge sets TERI. */
	outb(VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT2 | VUART_MCR_OUT1);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_DCD | VUART_MSR_RI);
	outb(VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT2);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_DCD | VUART_MSR_TERI);

	/* A delta with EDSSI set is a modem status interrupt. */
	outb(VUART_IER, VUART_IER_EDSSI);
	assert_false(vuart_irq_pending(&uart));
	outb(VUART_MCR, VUART_MCR_LOOP);
	assert_true(vuart_irq_pending(&uart));
	assert_int_equal(inb(VUART_IIR), VUART_IIR_FIFO_ON | VUART_IIR_MSI);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_DDCD);
	assert_false(vuart_irq_pending(&uart));

	/* Loopback overrun behaves like a line overrun. */
	for (int i = 0; i < VUART_RX_FIFO_SIZE + 1; i++)
		outb(VUART_THR, (uint8_t)i);
	assert_true(inb(VUART_LSR) & VUART_LSR_OE);

	/* Leaving loopback: the peer is back (deltas on CTS, DSR, DCD); output reaches the console.
	 */
	outb(VUART_MCR, 0);
	assert_int_equal(inb(VUART_MSR), VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD |
					     VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);
	puts_uart("out\n");
	assert_int_equal(line_count, 1);
	assert_string_equal(lines[0], "out");
}

static void test_line_assembly(void **state)
{
	puts_uart("hello, world\r\n");
	puts_uart("\n");
	puts_uart("second");
	assert_int_equal(line_count, 2);
	puts_uart("\r\n");
	assert_int_equal(line_count, 3);
	assert_string_equal(lines[0], "hello, world");
	assert_string_equal(lines[1], "");
	assert_string_equal(lines[2], "second");
}

static void test_non_printables(void **state)
{
	static const uint8_t bytes[] = {'a',  0x01, 'b', 0x7f, 0xff, 0x80, 'c',
					'\t', 0x1b, '~', ' ',  'z',  '\r', '\n'};
	for (unsigned i = 0; i < ARRAY_SIZE(bytes); i++)
		outb(VUART_THR, bytes[i]);
	assert_int_equal(line_count, 1);
	assert_string_equal(lines[0], "a.b...c..~ z");
}

static void test_long_lines_split(void **state)
{
	char expect[VUART_LINE_MAX + 1];

	/* 250 characters: 120 + 120 + 10. */
	for (int i = 0; i < 250; i++)
		outb(VUART_THR, (uint8_t)('0' + i % 10));
	assert_int_equal(line_count, 2);
	outb(VUART_THR, '\n');
	assert_int_equal(line_count, 3);
	for (int i = 0; i < VUART_LINE_MAX; i++)
		expect[i] = (char)('0' + i % 10);
	expect[VUART_LINE_MAX] = '\0';
	assert_string_equal(lines[0], expect);
	assert_string_equal(lines[1], expect);
	assert_string_equal(lines[2], "0123456789");

	/* Exactly 120 then a newline is one line, not a full one and an empty one. */
	line_count = 0;
	memset(expect, 'y', VUART_LINE_MAX);
	expect[VUART_LINE_MAX] = '\0';
	puts_uart(expect);
	puts_uart("\n");
	assert_int_equal(line_count, 1);
	assert_string_equal(lines[0], expect);

	/* '\r' takes no room in the line. */
	line_count = 0;
	for (int i = 0; i < VUART_LINE_MAX; i++) {
		outb(VUART_THR, 'q');
		outb(VUART_THR, '\r');
	}
	outb(VUART_THR, '\n');
	assert_int_equal(line_count, 1);
	assert_int_equal(strlen(lines[0]), VUART_LINE_MAX);
}

static void test_flush_partial_line(void **state)
{
	vuart_flush(&uart);
	assert_int_equal(line_count, 0); /* nothing buffered: nothing sent */
	puts_uart("no newline");
	vuart_flush(&uart);
	assert_int_equal(line_count, 1);
	assert_string_equal(lines[0], "no newline");
	puts_uart("next\n");
	assert_string_equal(lines[1], "next");
}

static void test_rx_fifo_and_overrun(void **state)
{
	outb(VUART_FCR, VUART_FCR_ENABLE);
	for (int i = 0; i < VUART_RX_FIFO_SIZE; i++) {
		assert_int_equal(vuart_rx_room(&uart), VUART_RX_FIFO_SIZE - i);
		vuart_receive(&uart, (uint8_t)(0x40 + i));
	}
	assert_int_equal(vuart_rx_room(&uart), 0);
	assert_false(inb(VUART_LSR) & VUART_LSR_OE);

	/* One more: overrun, the new byte is lost and the FIFO kept (PC16550D LSR1). */
	vuart_receive(&uart, 0xee);
	assert_int_equal(inb(VUART_LSR),
			 VUART_LSR_THRE | VUART_LSR_TEMT | VUART_LSR_DR | VUART_LSR_OE);
	assert_false(inb(VUART_LSR) & VUART_LSR_OE);

	/* FIFO order, with wrap-around of the ring once half is drained and refilled. */
	for (int i = 0; i < 8; i++)
		assert_int_equal(inb(VUART_RBR), 0x40 + i);
	for (int i = 0; i < 8; i++)
		vuart_receive(&uart, (uint8_t)(0x60 + i));
	for (int i = 8; i < VUART_RX_FIFO_SIZE; i++)
		assert_int_equal(inb(VUART_RBR), 0x40 + i);
	for (int i = 0; i < 8; i++)
		assert_int_equal(inb(VUART_RBR), 0x60 + i);
	assert_false(inb(VUART_LSR) & VUART_LSR_DR);
	assert_false(inb(VUART_LSR) & VUART_LSR_OE);

	/* Reading an empty RBR gives the last byte again and changes nothing. */
	assert_int_equal(inb(VUART_RBR), 0x67);
	assert_false(inb(VUART_LSR) & VUART_LSR_DR);
}

static void test_wide_accesses_split_into_bytes(void **state)
{
	uint64_t v;

	/* OUTW to the base: THR gets the low byte, IER the high byte. */
	v = 0x0241;
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_UART_PORT, 2, true, &v));
	assert_int_equal(inb(VUART_IER), 0x02);
	outb(VUART_THR, '\n');
	assert_string_equal(lines[0], "A");

	/* INL at LCR..SCR reads LCR, MCR, LSR, MSR. */
	outb(VUART_LCR, 0x03);
	outb(VUART_MCR, 0x0b);
	assert_true(vdev_access(&guest, VDEV_PIO, GUEST_UART_PORT + 3, 4, false, &v));
	assert_int_equal(v, 0xb0600b03);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_attach_claims_eight_ports, setup),
	    cmocka_unit_test_setup(test_reset_values, setup),
	    cmocka_unit_test_setup(test_scratch, setup),
	    cmocka_unit_test_setup(test_ier_low_bits_only, setup),
	    cmocka_unit_test_setup(test_lcr_mcr, setup),
	    cmocka_unit_test_setup(test_dlab_switches_offsets, setup),
	    cmocka_unit_test_setup(test_lsr, setup),
	    cmocka_unit_test_setup(test_fcr, setup),
	    cmocka_unit_test_setup(test_iir_priorities, setup),
	    cmocka_unit_test_setup(test_irq_line_and_change_hook, setup),
	    cmocka_unit_test_setup(test_thre_clear_only_when_shown, setup),
	    cmocka_unit_test_setup(test_rx_trigger_and_timeout, setup),
	    cmocka_unit_test_setup(test_msr_idle, setup),
	    cmocka_unit_test_setup(test_loopback, setup),
	    cmocka_unit_test_setup(test_line_assembly, setup),
	    cmocka_unit_test_setup(test_non_printables, setup),
	    cmocka_unit_test_setup(test_long_lines_split, setup),
	    cmocka_unit_test_setup(test_flush_partial_line, setup),
	    cmocka_unit_test_setup(test_rx_fifo_and_overrun, setup),
	    cmocka_unit_test_setup(test_wide_accesses_split_into_bytes, setup),
	};
	return cmocka_run_group_tests_name("vuart", tests, NULL, NULL);
}
