/*
 * A guest's first architectural state for each start mode (enum
 * vcpu_start_mode), and the tables that state points at, written into guest
 * RAM. Pure: guest RAM is a host buffer + size (GPA 0 = ram[0]). The state
 * is the architectural intent; the backend (VMX/SVM) applies its own fixed
 * bits (e.g. VMX's CR0/CR4 fixed-0 masks) when it loads it.
 *
 * Guest-physical layout written here (ram_size is page aligned):
 *   long64  [ram_size - 7 pages, ram_size): PML4, PDPT, 4 PDs, GDT+TSS page;
 *           RSP = start of that block
 *   prot32  [ram_size - 1 page, ram_size): GDT+TSS page; RSP = its start
 *   real    nothing; SS:SP = 0000:7000
 * In the GDT page: GDT at offset 0 (selectors below), 104-byte TSS at 0x80.
 * General registers are not part of the state: they start at zero (no
 * Multiboot magic in EAX or info pointer in EBX, since no info is built).
 */
#ifndef SHOJI_KERNEL_GUEST_BOOT_H
#define SHOJI_KERNEL_GUEST_BOOT_H

#include "kernel/core/types.h"
#include "kernel/guest/vcpu.h"

#define GUEST_BOOT_REASON_MAX 128

/* Linux's boot protocol asks for __BOOT_CS 0x10 and __BOOT_DS 0x18; others take any. */
#define GUEST_BOOT_SEL_CODE 0x10
#define GUEST_BOOT_SEL_DATA 0x18
#define GUEST_BOOT_SEL_TSS  0x20

#define GUEST_BOOT_LONG64_PAGES 7      /* PML4 + PDPT + 4 PDs + GDT/TSS */
#define GUEST_BOOT_PROT32_PAGES 1      /* GDT/TSS */
#define GUEST_BOOT_TSS_OFFSET	0x80   /* of the TSS in the GDT page */
#define GUEST_BOOT_TSS_LIMIT	0x67   /* 104-byte TSS, no I/O bitmap (SDM 3A 7.7) */
#define GUEST_BOOT_REAL_SP	0x7000 /* real mode: below the default 0x8000 load GPA */

/* Guest-physical start of the boot tables for @mode (= @ram_size if none). */
gpa_t guest_boot_tables_gpa(enum vcpu_start_mode mode, uint64_t ram_size);

/*
 * Write the tables @mode needs into @ram (@ram_size bytes, page aligned,
 * below the MMIO window) and fill @sregs with the state that starts the
 * vCPU at @entry_gpa; sregs->rsp is the initial stack pointer.
 * @image_end_gpa (one past the highest image byte) must not reach the
 * tables. Returns 0, or -EINVAL with a one-line cause in @reason.
 */
int guest_boot_setup(uint8_t *ram, uint64_t ram_size, enum vcpu_start_mode mode, gpa_t entry_gpa,
		     gpa_t image_end_gpa, struct vcpu_sregs *sregs,
		     char reason[GUEST_BOOT_REASON_MAX]);

/*
 * The state a STARTUP IPI with @vector gives a vCPU waiting for SIPI (SDM 3A
 * 8.4.4.1, 10.6.1): real mode at @vector << 12 (CS = vector << 8, IP = 0),
 * otherwise as after INIT.
 */
void guest_boot_sipi_state(uint8_t vector, struct vcpu_sregs *sregs);

#endif
