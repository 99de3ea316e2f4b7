/*
 * Test guests: polled UART output and the debug-exit port. No UART set-up:
 * the virtual UART needs none, and every access is an exit we would rather
 * not spend.
 */
#include "tests/guests/lib/serial.h"

#include "kernel/guest/hypercall_abi.h"
#include "tests/guests/lib/x86.h"

#define UART_THR      0 /* transmit holding register */
#define UART_LSR      5 /* line status register */
#define UART_LSR_THRE 0x20
/* Give up waiting for THRE after this many polls: a stuck UART must not hang the test. */
#define UART_POLL_LIMIT 100000

void serial_putc(char c)
{
	for (unsigned i = 0; i < UART_POLL_LIMIT; i++)
		if (inb(GUEST_UART_PORT + UART_LSR) & UART_LSR_THRE)
			break;
	outb(GUEST_UART_PORT + UART_THR, (uint8_t)c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

void debug_exit(unsigned code)
{
	outb(GUEST_DEBUG_EXIT_PORT, (uint8_t)code);
	/* Only reached if the port did not stop us; interrupts are off, so this parks. */
	for (;;)
		asm volatile("cli; hlt");
}
