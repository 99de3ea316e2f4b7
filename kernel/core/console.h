/*
 * The hypervisor's console: every line goes to COM1 and, when there is one,
 * the framebuffer. Output is serialized by one lock so lines from different
 * CPUs never interleave mid-line. COM1 output is buffered and sent by the
 * UART's transmit interrupt: whoever ends the run or halts for good calls
 * console_flush (or console_sync) first.
 */
#ifndef SHOJI_KERNEL_CONSOLE_H
#define SHOJI_KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct boot_framebuffer;

void console_init_serial(void);
void console_init_framebuffer(const struct boot_framebuffer *fb);
/* Never waits on the UART unless its 64 KiB buffer is full. */
void console_write(const char *s, size_t len);

/*
 * Send COM1 output by its transmit interrupt from now on: IRQ 4 through the
 * I/O APIC to this CPU, or through the 8259 on a machine without one. Call on
 * the boot CPU after lapic_init and ioapic_init.
 */
void console_start_irq(bool have_ioapic);
/* Send everything buffered, waiting on the UART: before the emulator ends or the CPU halts. */
void console_flush(void);
/* console_flush, then every later write waits on the UART itself (panic reports). */
void console_sync(void);

#endif
