/*
 * PCI configuration access and bus scan for the hypervisor's inventory.
 * Owns the choice of access method (pci_cfg, written once by pci_init on the
 * boot CPU before any other CPU runs). It only reads configuration space:
 * BARs, commands and bridges are left as firmware set them.
 */
#include "drivers/pci.h"

#include "arch/x86/io.h"
#include "kernel/mm/directmap.h"
#include "kernel/core/log.h"

/* PCI Local Bus 3.0 3.2.2.3.2: configuration mechanism #1. */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA	   0xcfc
#define PCI_CONFIG_ENABLE  (1U << 31)
#define PCI_PORT_CFG_SIZE  256 /* the ports reach only the first 256 bytes */

/* PCIe 6.0 7.2.2: ECAM offset = bus << 20 | device << 15 | function << 12 | register. */
#define PCI_ECAM_CFG_SIZE  4096
#define PCI_ECAM_BUS_SHIFT 20
#define PCI_ECAM_DEV_SHIFT 15
#define PCI_ECAM_FN_SHIFT  12

#define PCI_VENDOR_NONE 0xffff

#define PCI_ALWAYS_INLINE inline __attribute__((always_inline))

static struct {
	bool ecam;
	hpa_t ecam_hpa; /* MCFG base: the address bus 0 would have */
	uint8_t bus_first, bus_last;
} pci_cfg = {.bus_first = 0, .bus_last = PCI_MAX_BUSES - 1};

static bool pci_addr_valid(uint8_t dev, uint8_t fn, uint16_t off, unsigned cfg_size)
{
	return dev < PCI_MAX_DEVICES && fn < PCI_MAX_FUNCTIONS && off < cfg_size &&
	       IS_ALIGNED(off, sizeof(uint32_t));
}

static uint32_t pci_ecam_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	hpa_t hpa;

	if (bus < pci_cfg.bus_first || bus > pci_cfg.bus_last ||
	    !pci_addr_valid(dev, fn, off, PCI_ECAM_CFG_SIZE))
		return PCI_CFG_INVALID;
	hpa = pci_cfg.ecam_hpa + ((uint64_t)bus << PCI_ECAM_BUS_SHIFT) +
	      ((uint64_t)dev << PCI_ECAM_DEV_SHIFT) + ((uint64_t)fn << PCI_ECAM_FN_SHIFT) + off;
	return *(const volatile uint32_t *)phys_to_virt(hpa);
}

/*
 * The address/data pair is not atomic: this is fine while only the boot CPU
 * scans; a caller on several CPUs would need a lock around it.
 */
static uint32_t pci_port_read32_unchecked(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
				     (uint32_t)fn << 8 | off);
	return inl(PCI_CONFIG_DATA);
}

static uint32_t pci_port_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	if (!pci_addr_valid(dev, fn, off, PCI_PORT_CFG_SIZE))
		return PCI_CFG_INVALID;
	return pci_port_read32_unchecked(bus, dev, fn, off);
}

void pci_init(const struct acpi_info *acpi)
{
	const struct acpi_mcfg_region *region = NULL;

	for (unsigned i = 0; acpi && i < acpi->mcfg_count; i++) {
		/* The scan speaks only of segment 0; other segments stay unlisted. */
		if (acpi->mcfg[i].segment == 0 && !region)
			region = &acpi->mcfg[i];
		else
			log_warn("pci: MCFG segment %u buses %02x-%02x ignored",
				 acpi->mcfg[i].segment, acpi->mcfg[i].bus_start,
				 acpi->mcfg[i].bus_end);
	}

	if (region) {
		pci_cfg.ecam = true;
		pci_cfg.ecam_hpa = region->base;
		pci_cfg.bus_first = region->bus_start;
		pci_cfg.bus_last = region->bus_end;
		log_info("pci: config access via ECAM at 0x%llx, buses %02x-%02x",
			 (unsigned long long)region->base, region->bus_start, region->bus_end);
	} else {
		pci_cfg.ecam = false;
		pci_cfg.bus_first = 0;
		pci_cfg.bus_last = PCI_MAX_BUSES - 1;
		log_info("pci: config access via ports 0xcf8/0xcfc");
	}
}

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return pci_cfg.ecam ? pci_ecam_read32(bus, dev, fn, off)
			    : pci_port_read32(bus, dev, fn, off);
}

/* Fill pdev from the function's header; false if no function answers there. */
static inline bool pci_probe_function(pci_read32_fn *read32, uint8_t bus, uint8_t dev, uint8_t fn,
				      struct pci_device *pdev)
{
	uint32_t id = read32(bus, dev, fn, PCI_CFG_VENDOR_ID);
	uint16_t vendor = id & 0xffff;
	uint32_t class_rev, header;

	/* PCI 3.0 6.2.1: 0xffff is never a vendor; 0 shows up on some broken bridges. */
	if (vendor == PCI_VENDOR_NONE || vendor == 0)
		return false;

	class_rev = read32(bus, dev, fn, PCI_CFG_CLASS_REV);
	header = read32(bus, dev, fn, PCI_CFG_HEADER_DWORD);
	pdev->bus = bus;
	pdev->dev = dev;
	pdev->fn = fn;
	pdev->vendor_id = vendor;
	pdev->device_id = id >> 16;
	pdev->revision = class_rev & 0xff;
	pdev->prog_if = (class_rev >> 8) & 0xff;
	pdev->subclass = (class_rev >> 16) & 0xff;
	pdev->class_code = class_rev >> 24;
	pdev->header_type = (header >> 16) & PCI_HEADER_TYPE_MASK;
	pdev->multifunction = (header >> 16) & PCI_HEADER_TYPE_MULTIFUNCTION;
	return true;
}

/*
 * The scan, inlined into each caller so that a constant read32 becomes
 * inline code: 8192 probes of empty slots on a legacy PC, where a call
 * chain per probe cost ~0.5 M instructions of boot under Bochs.
 */
static PCI_ALWAYS_INLINE unsigned pci_scan_inline(pci_read32_fn *read32, unsigned bus_first,
						  unsigned bus_last, pci_device_fn *fn, void *ctx)
{
	unsigned found = 0;

	if (bus_last >= PCI_MAX_BUSES)
		bus_last = PCI_MAX_BUSES - 1;

	for (unsigned bus = bus_first; bus <= bus_last; bus++) {
		for (uint8_t dev = 0; dev < PCI_MAX_DEVICES; dev++) {
			struct pci_device pdev;
			bool multifunction;

			if (!pci_probe_function(read32, bus, dev, 0, &pdev))
				continue;
			multifunction = pdev.multifunction;
			found++;
			if (fn)
				fn(&pdev, ctx);
			/*
			 * PCI 3.0 6.2.1: functions 1-7 exist only if function 0's header
			 * type has bit 7; single-function devices may decode them as
			 * copies of function 0.
			 */
			if (!multifunction)
				continue;
			for (uint8_t f = 1; f < PCI_MAX_FUNCTIONS; f++) {
				if (!pci_probe_function(read32, bus, dev, f, &pdev))
					continue;
				pdev.multifunction = multifunction;
				found++;
				if (fn)
					fn(&pdev, ctx);
			}
		}
	}
	return found;
}

unsigned pci_scan(pci_read32_fn *read32, unsigned bus_first, unsigned bus_last, pci_device_fn *fn,
		  void *ctx)
{
	return pci_scan_inline(read32, bus_first, bus_last, fn, ctx);
}

unsigned pci_enumerate(pci_device_fn *fn, void *ctx)
{
	/* The scan's addresses are in range by construction: no checks per probe. */
	if (!pci_cfg.ecam)
		return pci_scan_inline(pci_port_read32_unchecked, pci_cfg.bus_first,
				       pci_cfg.bus_last, fn, ctx);
	return pci_scan(pci_read32, pci_cfg.bus_first, pci_cfg.bus_last, fn, ctx);
}

static void pci_log_device(const struct pci_device *pdev, void *ctx)
{
	log_info("pci: %02x:%02x.%x %04x:%04x class %02x:%02x:%02x", pdev->bus, pdev->dev, pdev->fn,
		 pdev->vendor_id, pdev->device_id, pdev->class_code, pdev->subclass, pdev->prog_if);
}

void pci_print_devices(void)
{
	unsigned count = pci_enumerate(pci_log_device, NULL);

	log_info("pci: %u devices", count);
}
