/* Text console drawn on a linear 32-bpp framebuffer (GOP or Multiboot2). */
#ifndef SHOJI_DRIVERS_FBCON_H
#define SHOJI_DRIVERS_FBCON_H

#include <stddef.h>

#include "kernel/core/boot_info.h"

/* Does nothing if fb->base is 0 or the format is not 32 bpp. */
void fbcon_init(const struct boot_framebuffer *fb);
void fbcon_write(const char *s, size_t len);

#endif
