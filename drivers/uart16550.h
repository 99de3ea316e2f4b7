/* 16550 UART (COM1) used as the hypervisor's serial console. */
#ifndef SHOJI_DRIVERS_UART16550_H
#define SHOJI_DRIVERS_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1_PORT 0x3f8

/* 115200 8N1, FIFOs on, interrupts off. An absent UART is detected and skipped. */
void uart16550_init(uint16_t port);
/* Writes bytes, waiting for room (polled); "\n" goes out as "\r\n". */
void uart16550_write(const char *s, size_t len);
/* The same without the "\r" insertion: for bytes already in wire form. */
void uart16550_write_raw(const char *s, size_t len);
/* Wait (bounded) until the last byte has left the shift register. */
void uart16550_wait_sent(void);
bool uart16550_present(void);
/* Without waiting: as many raw bytes as the transmit FIFO takes now (0 if it is busy). */
size_t uart16550_tx_burst(const char *s, size_t len);
/* Interrupt on IRQ 4 when the transmit FIFO runs empty (IER.ETBEI). */
void uart16550_tx_irq(bool on);
/* Read IIR: clears a pending THRE interrupt. */
void uart16550_irq_ack(void);
/* One received byte, or -1 if none is waiting. */
int uart16550_getc(void);

#endif
