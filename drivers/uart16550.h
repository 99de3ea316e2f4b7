/* 16550 UART (COM1) used as the hypervisor's serial console. */
#ifndef SHOJI_DRIVERS_UART16550_H
#define SHOJI_DRIVERS_UART16550_H

#include <stddef.h>
#include <stdint.h>

#define UART_COM1_PORT 0x3f8

/* 115200 8N1, FIFOs on, interrupts off. An absent UART is detected and skipped. */
void uart16550_init(uint16_t port);
/* Writes bytes; "\n" goes out as "\r\n". */
void uart16550_write(const char *s, size_t len);
/* One received byte, or -1 if none is waiting. */
int uart16550_getc(void);

#endif
