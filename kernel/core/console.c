/* Console fan-out to COM1 and the framebuffer text console. */
#include "kernel/core/console.h"

#include "drivers/fbcon.h"
#include "drivers/uart16550.h"
#include "kernel/core/spinlock.h"

static struct spinlock console_lock = SPINLOCK_INIT;

void console_init_serial(void)
{
	uart16550_init(UART_COM1_PORT);
}

void console_init_framebuffer(const struct boot_framebuffer *fb)
{
	fbcon_init(fb);
}

void console_write(const char *s, size_t len)
{
	spin_lock(&console_lock);
	uart16550_write(s, len);
	fbcon_write(s, len);
	spin_unlock(&console_lock);
}
