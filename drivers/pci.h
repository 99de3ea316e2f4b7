/*
 * PCI configuration space for the hypervisor's own inventory: reads through
 * ECAM (when the MCFG gave a region for segment 0) or the legacy 0xcf8/0xcfc
 * ports, and a brute-force scan of every bus, device and function.
 */
#ifndef SHOJI_DRIVERS_PCI_H
#define SHOJI_DRIVERS_PCI_H

#include "drivers/acpi.h"
#include "kernel/core/types.h"

#define PCI_MAX_BUSES	  256
#define PCI_MAX_DEVICES	  32 /* per bus */
#define PCI_MAX_FUNCTIONS 8  /* per device */

/* PCI Local Bus 3.0 6.1: the type 0/1 common header. */
#define PCI_CFG_VENDOR_ID	      0x00 /* 16 bits; device ID in the upper half */
#define PCI_CFG_CLASS_REV	      0x08 /* revision, prog-if, subclass, class */
#define PCI_CFG_HEADER_DWORD	      0x0c /* header type is bits 23:16 */
#define PCI_HEADER_TYPE_MASK	      0x7f
#define PCI_HEADER_TYPE_MULTIFUNCTION 0x80

#define PCI_CFG_INVALID 0xffffffffU /* what a read of an absent function returns */

struct pci_device {
	uint8_t bus, dev, fn;
	uint16_t vendor_id, device_id;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type; /* layout: 0 device, 1 PCI bridge, 2 CardBus bridge */
	bool multifunction;  /* header type bit 7 of function 0 */
};

typedef uint32_t pci_read32_fn(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
typedef void pci_device_fn(const struct pci_device *pdev, void *ctx);

/* Pick ECAM (MCFG segment 0) or the legacy ports, and log the choice. acpi may be NULL. */
void pci_init(const struct acpi_info *acpi);

/* A dword of configuration space; PCI_CFG_INVALID if unreachable. off must be 4-aligned. */
uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);

/* Call fn for every function present on the buses pci_init chose; returns their number. */
unsigned pci_enumerate(pci_device_fn *fn, void *ctx);

/*
 * The scan itself, over any config reader: buses bus_first..bus_last, every
 * device, functions 1-7 only where function 0 says multi-function. fn may be NULL.
 */
unsigned pci_scan(pci_read32_fn *read32, unsigned bus_first, unsigned bus_last, pci_device_fn *fn,
		  void *ctx);

/* Log one line per function ("pci: 00:02.0 1af4:1001 class 01:00:00"), then the total. */
void pci_print_devices(void);

#endif
