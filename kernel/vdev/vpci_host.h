/*
 * Virtual PCI host bridge with configuration mechanism #1 (PCI Local Bus
 * 3.0 3.2.2.3.2; Intel 82441FX/i440FX datasheet): CONFIG_ADDRESS at 0xcf8
 * (dword accesses only), CONFIG_DATA at 0xcfc-0xcff (byte, word, dword), and
 * one device behind it: the i440FX host bridge at 00:00.0. The byte at
 * 0xcf9 is the PC's reset control register (ICH datasheet "RST_CNT"); it
 * shares the port range, so this model answers it too and reports a reset
 * request to its owner.
 *
 * A pure register model: it knows nothing of guests or vCPUs. Its owner
 * routes accesses to ports 0xcf8-0xcff to vpci_host_read() and
 * vpci_host_write() and restarts the guest on VPCI_HOST_RESET. It does no
 * locking; its owner serialises calls.
 */
#ifndef SHOJI_KERNEL_VDEV_VPCI_HOST_H
#define SHOJI_KERNEL_VDEV_VPCI_HOST_H

#include "kernel/core/types.h"

#define VPCI_HOST_PORT_BASE	 0xcf8
#define VPCI_HOST_PORT_COUNT	 8
#define VPCI_HOST_CONFIG_ADDRESS 0xcf8
#define VPCI_HOST_RESET_CONTROL	 0xcf9
#define VPCI_HOST_CONFIG_DATA	 0xcfc

/* CONFIG_ADDRESS fields. */
#define VPCI_ADDR_ENABLE    (1u << 31)
#define VPCI_ADDR_BUS_SHIFT 16
#define VPCI_ADDR_DEV_SHIFT 11
#define VPCI_ADDR_FN_SHIFT  8
#define VPCI_ADDR_REG_MASK  0xfcu
#define VPCI_ADDR_WRITABLE  0x80fffffcu /* 82441FX CONFADD: bits 30:24 and 1:0 reserved, 0 */

/* Reset control register (0xcf9) bits. */
#define VPCI_RST_SYS_RST 0x02 /* hard rather than soft reset; the value the register keeps */
#define VPCI_RST_CPU	 0x04 /* writing 1 resets */

/* The bridge's identity (82441FX datasheet 3.2). */
#define VPCI_HOST_VENDOR   0x8086
#define VPCI_HOST_DEVICE   0x1237
#define VPCI_HOST_REVISION 0x02
#define VPCI_HOST_CLASS	   0x060000 /* bridge, host bridge, prog-if 0 */

enum vpci_host_result {
	VPCI_HOST_WRITE_DONE, /* handled (or ignored); nothing for the owner to do */
	VPCI_HOST_RESET,      /* RST_CPU written at 0xcf9: reset the machine */
};

struct vpci_host {
	uint32_t config_address; /* CONFIG_ADDRESS as last written (writable bits only) */
	uint8_t reset_control;	 /* 0xcf9: SYS_RST as last written */
};

/* Power-on: CONFIG_ADDRESS 0 (disabled), reset control 0. */
void vpci_host_reset(struct vpci_host *p);

/*
 * Read of size 1, 2 or 4 bytes at port (0xcf8-0xcff). CONFIG_ADDRESS as a
 * dword at 0xcf8; the reset control byte at 0xcf9; CONFIG_DATA at
 * 0xcfc + (0-3) within the dword the address selects: the bridge's register,
 * all ones for an absent function or with the enable bit clear. Anything
 * else (other sizes and ports, accesses past 0xcff) reads all ones.
 */
uint32_t vpci_host_read(struct vpci_host *p, uint16_t port, unsigned size);

/*
 * Write of size 1, 2 or 4 bytes at port. The bridge's configuration space
 * is read-only here (the i440FX's writable registers, PAM, SMRAM, DRAM
 * rows, belong to memory the hypervisor lays out, not the guest; command
 * writes change nothing the guest could see through this device). Returns
 * VPCI_HOST_RESET for a byte write of 0xcf9 with RST_CPU set.
 */
enum vpci_host_result vpci_host_write(struct vpci_host *p, uint16_t port, unsigned size,
				      uint32_t value);

#endif
