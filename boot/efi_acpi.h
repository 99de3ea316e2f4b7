/*
 * The ACPI RSDP from the UEFI configuration table, copied into boot_info
 * so the kernel never reads firmware tables through a loader pointer.
 */
#ifndef SHOJI_BOOT_EFI_ACPI_H
#define SHOJI_BOOT_EFI_ACPI_H

#include <efi.h>

#include "kernel/core/boot_info.h"

/* Fill bi->rsdp/rsdp_length (0 and a console message if none is usable). */
void efi_acpi_find_rsdp(EFI_SYSTEM_TABLE *st, struct boot_info *bi);

#endif
