/*
 * Test guests: console output through the 16550 at GUEST_UART_PORT and the
 * debug-exit port. Shared by the 32-bit and 64-bit guests.
 */
#ifndef SHOJI_TESTS_GUESTS_LIB_SERIAL_H
#define SHOJI_TESTS_GUESTS_LIB_SERIAL_H

/* Exit codes every guest uses on the debug-exit port. */
#define GUEST_EXIT_PASS 0
#define GUEST_EXIT_FAIL 1
#define GUEST_EXIT_TRAP 2 /* an exception nobody expected */

void serial_putc(char c);
void serial_puts(const char *s);

/* Write code to GUEST_DEBUG_EXIT_PORT; the hypervisor stops the guest there. */
__attribute__((noreturn)) void debug_exit(unsigned code);

#endif
