/*
 * RSDP lookup (see efi_acpi.h). Reads the configuration table and the RSDP
 * bytes; parses nothing beyond the RSDP's own length fields.
 */
#include <efi.h>
#include <efilib.h>
#include <string.h>

#include "boot/efi_acpi.h"
#include "boot/efi_console.h"

/* ACPI 6.5 5.2.5.3: RSDP layout. */
#define ACPI_RSDP_SIGNATURE    "RSD PTR "
#define ACPI_RSDP_REVISION_OFF 15
#define ACPI_RSDP_LENGTH_OFF   20
#define ACPI_RSDP_V1_LENGTH    20
#define ACPI_RSDP_V2_LENGTH    36

static const uint8_t *efi_acpi_table(EFI_SYSTEM_TABLE *st, EFI_GUID guid)
{
	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
		if (memcmp(&t->VendorGuid, &guid, sizeof(guid)) == 0)
			return t->VendorTable;
	}
	return NULL;
}

void efi_acpi_find_rsdp(EFI_SYSTEM_TABLE *st, struct boot_info *bi)
{
	const uint8_t *rsdp = efi_acpi_table(st, (EFI_GUID)ACPI_20_TABLE_GUID);
	uint32_t length = ACPI_RSDP_V1_LENGTH;

	bi->rsdp_length = 0;
	if (!rsdp)
		rsdp = efi_acpi_table(st, (EFI_GUID)ACPI_TABLE_GUID);
	if (!rsdp) {
		efi_console_printf(
		    "shoji.efi: warning: no ACPI RSDP in the UEFI configuration table\n");
		return;
	}
	if (memcmp(rsdp, ACPI_RSDP_SIGNATURE, strlen(ACPI_RSDP_SIGNATURE)) != 0) {
		efi_console_error("ACPI RSDP", "bad signature, not passed to the kernel");
		return;
	}
	/* Revision 0 is ACPI 1.0's 20-byte RSDP without a length field. */
	if (rsdp[ACPI_RSDP_REVISION_OFF] != 0)
		memcpy(&length, rsdp + ACPI_RSDP_LENGTH_OFF, sizeof(length));
	if (length < ACPI_RSDP_V1_LENGTH ||
	    (rsdp[ACPI_RSDP_REVISION_OFF] != 0 && length < ACPI_RSDP_V2_LENGTH) ||
	    length > BOOT_RSDP_MAX) {
		efi_console_error("ACPI RSDP", "length %u not in %u..%u, not passed to the kernel",
				  length, ACPI_RSDP_V1_LENGTH, BOOT_RSDP_MAX);
		return;
	}
	memcpy(bi->rsdp, rsdp, length);
	bi->rsdp_length = length;
}
