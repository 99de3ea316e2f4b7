/*
 * Byte layouts of the ACPI tables drivers/acpi.c reads (ACPI 6.5 chapter 5,
 * PCI Firmware 3.3 for MCFG, IA-PC HPET 1.0a for HPET). Layouts only: no
 * logic lives here. Every struct is packed because firmware places tables
 * and their fields at any byte offset (an XSDT's 64-bit entries start at
 * offset 36).
 */
#ifndef SHOJI_DRIVERS_ACPI_TABLES_H
#define SHOJI_DRIVERS_ACPI_TABLES_H

#include "kernel/core/types.h"

#define ACPI_RSDP_SIGNATURE	"RSD PTR "
#define ACPI_RSDP_V1_LENGTH	20 /* ACPI 5.2.5.3: checksum covers these bytes */
#define ACPI_RSDP_V2_MIN_LENGTH 36 /* the whole ACPI 2.0 structure */
#define ACPI_RSDP_REVISION_2	2

/* ACPI 5.2.5.3 Root System Description Pointer. */
struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	/* ACPI 2.0+ (revision >= 2) */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

/* ACPI 5.2.6 System Description Table Header. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* whole table, header included */
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_FADT "FACP"
#define ACPI_SIG_HPET "HPET"
#define ACPI_SIG_MCFG "MCFG"

/* ACPI 5.2.3.2 Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_SYSTEM_MEMORY 0
#define ACPI_GAS_SYSTEM_IO     1

/* ACPI 5.2.12 Multiple APIC Description Table. Entries follow the header. */
struct acpi_madt {
	struct acpi_sdt_header header;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));

#define ACPI_MADT_PCAT_COMPAT (1U << 0)

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));

#define ACPI_MADT_TYPE_LAPIC	      0
#define ACPI_MADT_TYPE_IOAPIC	      1
#define ACPI_MADT_TYPE_LAPIC_OVERRIDE 5
#define ACPI_MADT_TYPE_X2APIC	      9

/* ACPI 5.2.12.2 Local APIC Flags (shared by LAPIC and x2APIC entries). */
#define ACPI_MADT_CPU_ENABLED	     (1U << 0)
#define ACPI_MADT_CPU_ONLINE_CAPABLE (1U << 1)
/* ACPI 6.3 defined Online Capable; in older MADTs the bit is reserved. */
#define ACPI_MADT_REV_ONLINE_CAPABLE 5

#define ACPI_LAPIC_ID_INVALID  0xff
#define ACPI_X2APIC_ID_INVALID 0xffffffffU

/* ACPI 5.2.12.2 Processor Local APIC Structure. */
struct acpi_madt_lapic {
	struct acpi_madt_entry entry;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

/* ACPI 5.2.12.3 I/O APIC Structure. */
struct acpi_madt_ioapic {
	struct acpi_madt_entry entry;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

/* ACPI 5.2.12.8 Local APIC Address Override Structure. */
struct acpi_madt_lapic_override {
	struct acpi_madt_entry entry;
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));

/* ACPI 5.2.12.12 Processor Local x2APIC Structure. */
struct acpi_madt_x2apic {
	struct acpi_madt_entry entry;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t processor_uid;
} __attribute__((packed));

/* ACPI 5.2.9 Fixed ACPI Description Table (ACPI 6.5 layout, 276 bytes). */
struct acpi_fadt {
	struct acpi_sdt_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	/* end of the ACPI 1.0 FADT (116 bytes) */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	/* end of the "version 2" FADT (132 bytes) */
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	/* end of the ACPI 2.0 FADT (244 bytes) */
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

#define ACPI_FADT_V1_LENGTH   116
#define ACPI_FADT_V2_LENGTH   132
#define ACPI_FADT_TMR_VAL_EXT (1U << 8) /* ACPI 5.2.9 Table 5.10: 32-bit PM timer */

/* IA-PC HPET 1.0a 3.2.4 HPET Description Table. */
struct acpi_hpet {
	struct acpi_sdt_header header;
	uint32_t event_timer_block_id;
	struct acpi_gas base_address;
	uint8_t hpet_number;
	uint16_t min_clock_tick;
	uint8_t page_protection;
} __attribute__((packed));

/* PCI Firmware 3.3 4.1.2 MCFG: header, 8 reserved bytes, then allocations. */
struct acpi_mcfg {
	struct acpi_sdt_header header;
	uint8_t reserved[8];
} __attribute__((packed));

struct acpi_mcfg_allocation {
	uint64_t base_address;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS layout");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC layout");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC layout");
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "MADT override layout");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC layout");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT layout");
_Static_assert(__builtin_offsetof(struct acpi_fadt, flags) + 4 == ACPI_FADT_V1_LENGTH,
	       "FADT 1.0 layout");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_firmware_ctrl) == ACPI_FADT_V2_LENGTH,
	       "FADT 2 layout");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(__builtin_offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT boot arch");
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET layout");
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG layout");
_Static_assert(sizeof(struct acpi_mcfg_allocation) == 16, "MCFG allocation layout");

/*
 * Added for the tables the hypervisor writes for its guests
 * (kernel/guest/guest_acpi.c); layouts of ACPI 6.5 chapter 5.
 */
#define ACPI_SIG_DSDT "DSDT"
#define ACPI_SIG_FACS "FACS"

#define ACPI_MADT_TYPE_ISO	 2 /* 5.2.12.5 Interrupt Source Override */
#define ACPI_MADT_TYPE_LAPIC_NMI 4 /* 5.2.12.7 Local APIC NMI */

/* ACPI 5.2.12.5 MPS INTI flags (ISO and NMI entries). */
#define ACPI_MPS_POLARITY_CONFORMS 0x0
#define ACPI_MPS_POLARITY_HIGH	   0x1
#define ACPI_MPS_POLARITY_LOW	   0x3
#define ACPI_MPS_TRIGGER_CONFORMS  (0x0 << 2)
#define ACPI_MPS_TRIGGER_EDGE	   (0x1 << 2)
#define ACPI_MPS_TRIGGER_LEVEL	   (0x3 << 2)

#define ACPI_MADT_BUS_ISA	 0    /* 5.2.12.5: the only defined bus, 0 = ISA */
#define ACPI_MADT_ALL_PROCESSORS 0xff /* 5.2.12.7: an NMI entry for every processor */

/* ACPI 5.2.12.5 Interrupt Source Override Structure. */
struct acpi_madt_iso {
	struct acpi_madt_entry entry;
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

/* ACPI 5.2.12.7 Local APIC NMI Structure. */
struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry entry;
	uint8_t processor_uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

/* ACPI 5.2.9 Table 5.10 Fixed ACPI Description Table Fixed Feature Flags. */
#define ACPI_FADT_WBINVD	  (1U << 0)
#define ACPI_FADT_PROC_C1	  (1U << 2)
#define ACPI_FADT_PWR_BUTTON	  (1U << 4)
#define ACPI_FADT_SLP_BUTTON	  (1U << 5)
#define ACPI_FADT_FIX_RTC	  (1U << 6)
#define ACPI_FADT_RESET_REG_SUP	  (1U << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1U << 20)

/* ACPI 5.2.9.3 IA-PC Boot Architecture Flags. */
#define ACPI_FADT_BOOT_LEGACY_DEVICES	    (1U << 0)
#define ACPI_FADT_BOOT_8042		    (1U << 1)
#define ACPI_FADT_BOOT_VGA_NOT_PRESENT	    (1U << 2)
#define ACPI_FADT_BOOT_MSI_NOT_SUPPORTED    (1U << 3)
#define ACPI_FADT_BOOT_PCIE_ASPM_CONTROLS   (1U << 4)
#define ACPI_FADT_BOOT_CMOS_RTC_NOT_PRESENT (1U << 5)

/* ACPI 5.2.3.2 Generic Address Structure access sizes. */
#define ACPI_GAS_ACCESS_UNDEFINED 0
#define ACPI_GAS_ACCESS_BYTE	  1
#define ACPI_GAS_ACCESS_WORD	  2
#define ACPI_GAS_ACCESS_DWORD	  3

/* ACPI 5.2.10 Firmware ACPI Control Structure (64 bytes, 64-byte aligned, no checksum). */
struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));

#define ACPI_FACS_ALIGN 64

_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO layout");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI layout");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS layout");
_Static_assert(__builtin_offsetof(struct acpi_fadt, sleep_control_reg) == 244,
	       "FADT SLEEP_CONTROL_REG");

#endif
