/* unit-test-sources: drivers/pci.c */
/*
 * PCI scan tests over a fake configuration space: through pci_scan() with a
 * fake reader, and through pci_init()/pci_enumerate() with an "ECAM" region
 * that is a host buffer (a pointer doubles as a physical address). The port
 * path (0xcf8/0xcfc) cannot run on the host and is only selected, never used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/pci.h"

struct fake_fn {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type; /* bit 7: multi-function */
};

/*
 * 00:00.0 host bridge; 00:01.0 a single-function NIC that decodes functions
 * 1-7 as copies of function 0 (allowed by PCI 3.0 6.2.1, must not be listed);
 * 00:02.0 a PCI bridge; 00:1f multi-function with 1f.1 absent; 01:00.0 behind
 * the bridge; 00:03.0 answers vendor 0 (treated as absent).
 */
static const struct fake_fn fake_fns[] = {
    {0, 0x00, 0, 0x8086, 0x29c0, 0x06, 0x00, 0x00, 0x02, 0x00},
    {0, 0x01, 0, 0x1af4, 0x1000, 0x02, 0x00, 0x00, 0x00, 0x00},
    {0, 0x02, 0, 0x1b36, 0x000c, 0x06, 0x04, 0x00, 0x00, 0x01},
    {0, 0x03, 0, 0x0000, 0x0000, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0, 0x1f, 0, 0x8086, 0x2918, 0x06, 0x01, 0x00, 0x02, 0x80},
    {0, 0x1f, 2, 0x8086, 0x2922, 0x01, 0x06, 0x01, 0x02, 0x00},
    {0, 0x1f, 3, 0x8086, 0x2930, 0x0c, 0x05, 0x00, 0x02, 0x00},
    {1, 0x00, 0, 0x1af4, 0x1001, 0x01, 0x00, 0x00, 0x00, 0x00},
};

static uint32_t fake_dword(const struct fake_fn *f, uint16_t off)
{
	switch (off) {
	case PCI_CFG_VENDOR_ID:
		return (uint32_t)f->device << 16 | f->vendor;
	case PCI_CFG_CLASS_REV:
		return (uint32_t)f->class_code << 24 | (uint32_t)f->subclass << 16 |
		       (uint32_t)f->prog_if << 8 | f->revision;
	case PCI_CFG_HEADER_DWORD:
		return (uint32_t)f->header_type << 16;
	default:
		return 0;
	}
}

static unsigned fake_reads;

static uint32_t fake_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	fake_reads++;
	for (size_t i = 0; i < ARRAY_SIZE(fake_fns); i++) {
		const struct fake_fn *f = &fake_fns[i];

		if (f->bus != bus || f->dev != dev)
			continue;
		/* The single-function NIC mirrors function 0 at every function number. */
		if (f->fn == fn || (dev == 0x01 && bus == 0))
			return fake_dword(f, off);
	}
	return PCI_CFG_INVALID;
}

struct found {
	struct pci_device devs[32];
	unsigned count;
};

static void collect(const struct pci_device *pdev, void *ctx)
{
	struct found *found = ctx;

	assert_true(found->count < ARRAY_SIZE(found->devs));
	found->devs[found->count++] = *pdev;
}

static void assert_bdf(const struct pci_device *d, uint8_t bus, uint8_t dev, uint8_t fn)
{
	assert_int_equal(d->bus, bus);
	assert_int_equal(d->dev, dev);
	assert_int_equal(d->fn, fn);
}

static void test_scan_all_buses(void **state)
{
	struct found found = {0};
	unsigned n = pci_scan(fake_read32, 0, PCI_MAX_BUSES - 1, collect, &found);

	assert_int_equal(n, 7);
	assert_int_equal(found.count, 7);
	assert_bdf(&found.devs[0], 0, 0x00, 0);
	assert_bdf(&found.devs[1], 0, 0x01, 0); /* and no mirrored 01.1-01.7 */
	assert_bdf(&found.devs[2], 0, 0x02, 0);
	assert_bdf(&found.devs[3], 0, 0x1f, 0); /* 03.0 (vendor 0) absent */
	assert_bdf(&found.devs[4], 0, 0x1f, 2); /* 1f.1 absent */
	assert_bdf(&found.devs[5], 0, 0x1f, 3);
	assert_bdf(&found.devs[6], 1, 0x00, 0);

	assert_int_equal(found.devs[5].vendor_id, 0x8086);
	assert_int_equal(found.devs[5].device_id, 0x2930);
	assert_int_equal(found.devs[4].class_code, 0x01);
	assert_int_equal(found.devs[4].subclass, 0x06);
	assert_int_equal(found.devs[4].prog_if, 0x01);
	assert_int_equal(found.devs[4].revision, 0x02);
}

static void test_header_type(void **state)
{
	struct found found = {0};

	pci_scan(fake_read32, 0, 0, collect, &found);
	assert_int_equal(found.count, 6);
	assert_false(found.devs[1].multifunction);
	/* The bridge: layout 1, bit 7 clear. */
	assert_int_equal(found.devs[2].header_type, 1);
	assert_false(found.devs[2].multifunction);
	/* 1f.0 says multi-function; the header type is the layout without bit 7. */
	assert_int_equal(found.devs[3].header_type, 0);
	assert_true(found.devs[3].multifunction);
	assert_true(found.devs[4].multifunction);
}

static void test_bus_range(void **state)
{
	struct found found = {0};

	assert_int_equal(pci_scan(fake_read32, 1, 1, collect, &found), 1);
	assert_bdf(&found.devs[0], 1, 0, 0);
	/* A range past bus 255 is clipped, not read; fn may be NULL. */
	fake_reads = 0;
	assert_int_equal(pci_scan(fake_read32, 2, 1000, NULL, NULL), 0);
	assert_int_equal(fake_reads, (PCI_MAX_BUSES - 2) * PCI_MAX_DEVICES);
}

/* --- the ECAM path over a host buffer ------------------------------------ */

#define ECAM_BUS_SIZE (1U << 20)

static uint8_t *ecam_buf; /* one bus */

static void ecam_put(unsigned bus_index, const struct fake_fn *f)
{
	uint8_t *cfg = ecam_buf + (size_t)bus_index * ECAM_BUS_SIZE + (f->dev << 15 | f->fn << 12);
	uint32_t v;

	memset(cfg, 0, 4096);
	v = fake_dword(f, PCI_CFG_VENDOR_ID);
	memcpy(cfg + PCI_CFG_VENDOR_ID, &v, 4);
	v = fake_dword(f, PCI_CFG_CLASS_REV);
	memcpy(cfg + PCI_CFG_CLASS_REV, &v, 4);
	v = fake_dword(f, PCI_CFG_HEADER_DWORD);
	memcpy(cfg + PCI_CFG_HEADER_DWORD, &v, 4);
}

static int ecam_setup(void **state)
{
	ecam_buf = aligned_alloc(4096, ECAM_BUS_SIZE);
	assert_non_null(ecam_buf);
	memset(ecam_buf, 0xff, ECAM_BUS_SIZE); /* absent functions read all ones */
	return 0;
}

static int ecam_teardown(void **state)
{
	free(ecam_buf);
	ecam_buf = NULL;
	return 0;
}

static FILE *saved_stderr;
static char *log_buf;
static size_t log_len;

static void log_capture_begin(void)
{
	saved_stderr = stderr;
	stderr = open_memstream(&log_buf, &log_len);
	assert_non_null(stderr);
}

static void log_capture_end(void)
{
	fclose(stderr);
	stderr = saved_stderr;
	fputs(log_buf, stderr);
}

static void test_ecam_bus0(void **state)
{
	struct acpi_info acpi = {0};
	struct found found = {0};

	ecam_put(0, &fake_fns[0]);
	ecam_put(0, &fake_fns[2]);
	ecam_put(0, &fake_fns[4]);
	ecam_put(0, &fake_fns[5]);
	acpi.mcfg_count = 2;
	acpi.mcfg[0] = (struct acpi_mcfg_region){0xe0000000, 1, 0, 0xff}; /* other segment */
	acpi.mcfg[1] = (struct acpi_mcfg_region){(hpa_t)(uintptr_t)ecam_buf, 0, 0, 0};

	log_capture_begin();
	pci_init(&acpi);
	log_capture_end();
	{
		char want[96];

		snprintf(want, sizeof(want), "pci: config access via ECAM at 0x%llx",
			 (unsigned long long)(uintptr_t)ecam_buf);
		assert_non_null(strstr(log_buf, want));
		assert_non_null(strstr(log_buf, "pci: MCFG segment 1 buses 00-ff ignored"));
		free(log_buf);
		log_buf = NULL;
	}

	assert_int_equal(pci_read32(0, 0x1f, 2, PCI_CFG_VENDOR_ID), 0x29228086);
	assert_int_equal(pci_read32(0, 0x1f, 1, PCI_CFG_VENDOR_ID), PCI_CFG_INVALID);
	/* Outside the MCFG's buses, past 4 KiB, misaligned, bad dev/fn: not read. */
	assert_int_equal(pci_read32(1, 0, 0, 0), PCI_CFG_INVALID);
	assert_int_equal(pci_read32(0, 0, 0, 4096), PCI_CFG_INVALID);
	assert_int_equal(pci_read32(0, 0, 0, 2), PCI_CFG_INVALID);
	assert_int_equal(pci_read32(0, 32, 0, 0), PCI_CFG_INVALID);
	assert_int_equal(pci_read32(0, 0, 8, 0), PCI_CFG_INVALID);

	assert_int_equal(pci_enumerate(collect, &found), 4);
	assert_bdf(&found.devs[0], 0, 0x00, 0);
	assert_bdf(&found.devs[1], 0, 0x02, 0);
	assert_bdf(&found.devs[2], 0, 0x1f, 0);
	assert_bdf(&found.devs[3], 0, 0x1f, 2);
}

/* An MCFG whose buses start at 1: its base is still where bus 0 would be. */
static void test_ecam_bus_offset(void **state)
{
	struct acpi_info acpi = {0};
	struct found found = {0};

	ecam_put(0, &fake_fns[7]); /* 01:00.0, first (only) bus of the window */
	acpi.mcfg_count = 1;
	acpi.mcfg[0] =
	    (struct acpi_mcfg_region){(hpa_t)(uintptr_t)ecam_buf - ECAM_BUS_SIZE, 0, 1, 1};
	pci_init(&acpi);
	assert_int_equal(pci_read32(1, 0, 0, PCI_CFG_VENDOR_ID), 0x10011af4);
	assert_int_equal(pci_read32(0, 0, 0, PCI_CFG_VENDOR_ID), PCI_CFG_INVALID);
	assert_int_equal(pci_enumerate(collect, &found), 1);
	assert_bdf(&found.devs[0], 1, 0, 0);
}

static void test_print_devices(void **state)
{
	struct acpi_info acpi = {0};

	ecam_put(0, &fake_fns[0]);
	ecam_put(0, &fake_fns[4]);
	ecam_put(0, &fake_fns[5]);
	acpi.mcfg_count = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_region){(hpa_t)(uintptr_t)ecam_buf, 0, 0, 0};
	pci_init(&acpi);

	log_capture_begin();
	pci_print_devices();
	log_capture_end();
	assert_string_equal(log_buf, "pci: 00:00.0 8086:29c0 class 06:00:00\n"
				     "pci: 00:1f.0 8086:2918 class 06:01:00\n"
				     "pci: 00:1f.2 8086:2922 class 01:06:01\n"
				     "pci: 3 devices\n");
	free(log_buf);
	log_buf = NULL;
}

static void test_init_ports(void **state)
{
	struct acpi_info acpi = {0};

	log_capture_begin();
	pci_init(NULL);
	acpi.mcfg_count = 1;
	acpi.mcfg[0] = (struct acpi_mcfg_region){0xe0000000, 2, 0, 0xff};
	pci_init(&acpi); /* no segment 0 region: ports */
	log_capture_end();
	assert_int_equal(strlen(log_buf), strlen("pci: config access via ports 0xcf8/0xcfc\n"
						 "pci: MCFG segment 2 buses 00-ff ignored\n"
						 "pci: config access via ports 0xcf8/0xcfc\n"));
	assert_non_null(strstr(log_buf, "pci: MCFG segment 2 buses 00-ff ignored\n"));
	free(log_buf);
	log_buf = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scan_all_buses),
	    cmocka_unit_test(test_header_type),
	    cmocka_unit_test(test_bus_range),
	    cmocka_unit_test_setup_teardown(test_ecam_bus0, ecam_setup, ecam_teardown),
	    cmocka_unit_test_setup_teardown(test_ecam_bus_offset, ecam_setup, ecam_teardown),
	    cmocka_unit_test_setup_teardown(test_print_devices, ecam_setup, ecam_teardown),
	    cmocka_unit_test(test_init_ports),
	};

	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
