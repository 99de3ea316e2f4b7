/*
 * Virtual PCI configuration mechanism #1 with an i440FX host bridge at
 * 00:00.0, plus the PC's reset control byte at 0xcf9. Owns one struct
 * vpci_host; touches no host hardware (the hypervisor's own PCI access is
 * drivers/pci.c), no guest and no vCPU. Every access a guest makes has a
 * defined answer: all ones where nothing decodes, nothing asserts.
 */
#include "kernel/vdev/vpci_host.h"

#define ALL_ONES	  0xffffffffu
#define BUS_MASK	  0xffu
#define DEV_MASK	  0x1fu
#define FN_MASK		  0x07u
#define DWORD_OFFSET_MASK 3u
#define BITS_PER_BYTE	  8

/* Configuration header offsets (PCI Local Bus 3.0 6.1). */
#define CFG_ID		 0x00
#define CFG_CMD_STATUS	 0x04
#define CFG_CLASS_REV	 0x08
#define CFG_HEADER_DWORD 0x0c

/*
 * 82441FX defaults: PCICMD 0x0006 (memory space and bus master, always on
 * in a host bridge), PCISTS 0x0280 (fast back-to-back capable, medium
 * DEVSEL timing); header type 0, single function; no BARs.
 */
#define HOST_COMMAND 0x0006u
#define HOST_STATUS  0x0280u

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? ALL_ONES : (1u << (size * BITS_PER_BYTE)) - 1;
}

static bool size_valid(unsigned size)
{
	return size == 1 || size == 2 || size == 4;
}

/* One dword of 00:00.0's configuration space. */
static uint32_t host_bridge_dword(uint8_t reg)
{
	switch (reg) {
	case CFG_ID:
		return (uint32_t)VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR;
	case CFG_CMD_STATUS:
		return HOST_STATUS << 16 | HOST_COMMAND;
	case CFG_CLASS_REV:
		return (uint32_t)VPCI_HOST_CLASS << 8 | VPCI_HOST_REVISION;
	default:
		return 0; /* header type 0, no BARs, no capabilities: the rest reads 0 */
	}
}

/* The dword CONFIG_ADDRESS selects, or all ones (disabled, absent function). */
static uint32_t config_dword(const struct vpci_host *p)
{
	uint32_t a = p->config_address;
	unsigned bus = (a >> VPCI_ADDR_BUS_SHIFT) & BUS_MASK;
	unsigned dev = (a >> VPCI_ADDR_DEV_SHIFT) & DEV_MASK;
	unsigned fn = (a >> VPCI_ADDR_FN_SHIFT) & FN_MASK;

	if (!(a & VPCI_ADDR_ENABLE) || bus != 0 || dev != 0 || fn != 0)
		return ALL_ONES;
	return host_bridge_dword((uint8_t)(a & VPCI_ADDR_REG_MASK));
}

void vpci_host_reset(struct vpci_host *p)
{
	p->config_address = 0;
	p->reset_control = 0;
}

uint32_t vpci_host_read(struct vpci_host *p, uint16_t port, unsigned size)
{
	unsigned byte = port & DWORD_OFFSET_MASK;

	if (!size_valid(size))
		return ALL_ONES;
	if (port == VPCI_HOST_CONFIG_ADDRESS && size == 4)
		return p->config_address;
	if (port == VPCI_HOST_RESET_CONTROL && size == 1)
		return p->reset_control;
	/* Within one dword of CONFIG_DATA; an access running past 0xcff decodes nowhere. */
	if (port >= VPCI_HOST_CONFIG_DATA && port < VPCI_HOST_PORT_BASE + VPCI_HOST_PORT_COUNT &&
	    byte + size <= 4)
		return (config_dword(p) >> (byte * BITS_PER_BYTE)) & size_mask(size);
	return size_mask(size);
}

enum vpci_host_result vpci_host_write(struct vpci_host *p, uint16_t port, unsigned size,
				      uint32_t value)
{
	if (port == VPCI_HOST_CONFIG_ADDRESS && size == 4) {
		p->config_address = value & VPCI_ADDR_WRITABLE;
	} else if (port == VPCI_HOST_RESET_CONTROL && size == 1) {
		/* ICH RST_CNT: RST_CPU initiates the reset; SYS_RST says which kind. */
		p->reset_control = value & VPCI_RST_SYS_RST;
		if (value & VPCI_RST_CPU)
			return VPCI_HOST_RESET;
	}
	/* CONFIG_DATA: the only function is the read-only host bridge; the rest decodes nowhere. */
	return VPCI_HOST_WRITE_DONE;
}
