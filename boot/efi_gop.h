/*
 * The GOP framebuffer, if the firmware has one, described for the kernel's
 * console. The mode is left as the firmware set it.
 */
#ifndef SHOJI_BOOT_EFI_GOP_H
#define SHOJI_BOOT_EFI_GOP_H

#include <efi.h>

#include "kernel/core/boot_info.h"

/* Fill @fb; fb->base stays 0 without GOP or with a Blt-only mode. */
void efi_gop_find(struct boot_framebuffer *fb);

#endif
