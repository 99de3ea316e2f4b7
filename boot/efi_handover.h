/*
 * The point of no return: final memory map, ExitBootServices, boot_info's
 * memory map, jump to the kernel. Owns the memory-map buffer.
 */
#ifndef SHOJI_BOOT_EFI_HANDOVER_H
#define SHOJI_BOOT_EFI_HANDOVER_H

#include <efi.h>
#include <stdint.h>

#include "kernel/core/boot_info.h"

/* Before the "booting" line: size the map and allocate its buffer. */
EFI_STATUS efi_handover_prepare(void);

/*
 * Exit boot services and call @entry(@bi) with interrupts off. Returns
 * only if the firmware refuses to exit (no console or allocation is safe
 * then, but the caller may try to report it).
 */
EFI_STATUS efi_handover(EFI_HANDLE image, struct boot_info *bi, uint64_t entry);

#endif
