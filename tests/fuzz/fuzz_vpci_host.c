/* fuzz-sources: kernel/vdev/vpci_host.c */
/*
 * libFuzzer: the virtual PCI mechanism #1 and reset control byte driven by
 * arbitrary port accesses of arbitrary sizes. Input: records of 6 bytes (op,
 * port offset, 4 value bytes); op bit 0 picks read or write, bits 1-3 the
 * size (0-7, so invalid sizes occur), bits 4-5 a port range (0xcf8-0xcff
 * mostly, or its neighbours).
 *
 * Checked: reads fit their size; the reset request is returned exactly for
 * a byte write of 0xcf9 with RST_CPU; only writable bits ever stay in
 * CONFIG_ADDRESS and only SYS_RST in the reset byte; CONFIG_DATA reads all
 * ones unless the address is enabled and names 00:00.0, and then each byte
 * agrees with the dword read and with the bridge's fixed identity (writes
 * never change it). ASan/UBSan catch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/vdev/vpci_host.h"

#define RECORD_SIZE 6
#define ALL_ONES    0xffffffffu
#define BDF_MASK    0x00ffff00u

static void check(bool ok)
{
	if (!ok)
		abort();
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? ALL_ONES : (1u << (size * 8)) - 1;
}

static uint32_t expected_dword(uint32_t addr)
{
	if (!(addr & VPCI_ADDR_ENABLE) || (addr & BDF_MASK))
		return ALL_ONES;
	switch (addr & VPCI_ADDR_REG_MASK) {
	case 0x00:
		return 0x12378086;
	case 0x04:
		return 0x02800006;
	case 0x08:
		return 0x06000002;
	default:
		return 0;
	}
}

static void check_data_window(struct vpci_host *p)
{
	uint32_t want = expected_dword(p->config_address);
	uint32_t bytes = 0;

	check(vpci_host_read(p, VPCI_HOST_CONFIG_DATA, 4) == want);
	for (unsigned i = 0; i < 4; i++)
		bytes |= vpci_host_read(p, (uint16_t)(VPCI_HOST_CONFIG_DATA + i), 1) << (8 * i);
	check(bytes == want);
	check(vpci_host_read(p, VPCI_HOST_CONFIG_DATA + 2, 2) == want >> 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpci_host pci;
	static const uint16_t bases[4] = {0xcf8, 0xcf8, 0xcf0, 0xd00};

	vpci_host_reset(&pci);
	for (size_t i = 0; i + RECORD_SIZE <= size; i += RECORD_SIZE) {
		uint8_t op = data[i];
		unsigned sz = (op >> 1) & 7;
		uint16_t port = (uint16_t)(bases[(op >> 4) & 3] + (data[i + 1] & 7));
		uint32_t value;

		memcpy(&value, data + i + 2, sizeof(value));
		if (op & 0x80) /* steer towards 00:00.0 so the bridge is read often */
			value =
			    (value & (VPCI_ADDR_ENABLE | VPCI_ADDR_REG_MASK)) | VPCI_ADDR_ENABLE;
		if (op & 1) {
			uint32_t got = vpci_host_read(&pci, port, sz);
			check((got & ~size_mask(sz)) == 0 || got == ALL_ONES);
			if (sz != 1 && sz != 2 && sz != 4)
				check(got == ALL_ONES);
			else if (port < 0xcf8 || port > 0xcff)
				check(got == size_mask(sz));
		} else {
			struct vpci_host before = pci;
			enum vpci_host_result r = vpci_host_write(&pci, port, sz, value);
			bool reset_write = port == VPCI_HOST_RESET_CONTROL && sz == 1;

			check(r == ((reset_write && (value & VPCI_RST_CPU))
					? VPCI_HOST_RESET
					: VPCI_HOST_WRITE_DONE));
			if (!(port == VPCI_HOST_CONFIG_ADDRESS && sz == 4))
				check(pci.config_address == before.config_address);
			if (!reset_write)
				check(pci.reset_control == before.reset_control);
		}
		check((pci.config_address & ~VPCI_ADDR_WRITABLE) == 0);
		check((pci.reset_control & ~VPCI_RST_SYS_RST) == 0);
		check(vpci_host_read(&pci, VPCI_HOST_CONFIG_ADDRESS, 4) == pci.config_address);
		check(vpci_host_read(&pci, VPCI_HOST_RESET_CONTROL, 1) == pci.reset_control);
		check_data_window(&pci);
	}
	return 0;
}
