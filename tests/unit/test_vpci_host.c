/* unit-test-sources: kernel/vdev/vpci_host.c */
/*
 * Virtual PCI mechanism #1 as a guest's PCI scan sees it: CONFIG_ADDRESS
 * (dword only, reserved bits zero), the i440FX at 00:00.0 through byte,
 * word and dword CONFIG_DATA accesses, all ones for absent functions and a
 * disabled address, read-only configuration space, and the reset control
 * byte at 0xcf9 sharing the range (SYS_RST kept, RST_CPU reported).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/vdev/vpci_host.h"

static struct vpci_host pci;

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return VPCI_ADDR_ENABLE | bus << 16 | dev << 11 | fn << 8 | reg;
}

static uint32_t cfg_read(uint32_t addr, unsigned byte, unsigned size)
{
	assert_int_equal(vpci_host_write(&pci, VPCI_HOST_CONFIG_ADDRESS, 4, addr),
			 VPCI_HOST_WRITE_DONE);
	return vpci_host_read(&pci, (uint16_t)(VPCI_HOST_CONFIG_DATA + byte), size);
}

static int setup(void **state)
{
	(void)state;
	vpci_host_reset(&pci);
	return 0;
}

static void test_config_address_register(void **state)
{
	(void)state;
	assert_int_equal(vpci_host_read(&pci, 0xcf8, 4), 0);
	vpci_host_write(&pci, 0xcf8, 4, 0xffffffff);
	assert_int_equal(vpci_host_read(&pci, 0xcf8, 4), 0x80fffffc);
	/* Byte and word accesses at 0xcf8 neither change nor show it. */
	vpci_host_write(&pci, 0xcf8, 1, 0);
	vpci_host_write(&pci, 0xcf8, 2, 0);
	vpci_host_write(&pci, 0xcfa, 2, 0);
	vpci_host_write(&pci, 0xcfb, 1, 0);
	assert_int_equal(vpci_host_read(&pci, 0xcf8, 4), 0x80fffffc);
	assert_int_equal(vpci_host_read(&pci, 0xcf8, 1), 0xff);
	assert_int_equal(vpci_host_read(&pci, 0xcf8, 2), 0xffff);
	assert_int_equal(vpci_host_read(&pci, 0xcfa, 1), 0xff);
}

static void test_host_bridge_identity(void **state)
{
	(void)state;
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x00), 0, 4), 0x12378086);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x04), 0, 4), 0x02800006);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x08), 0, 4), 0x06000002);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x0c), 0, 4), 0);
	for (unsigned reg = 0x10; reg < 0x100; reg += 4)
		assert_int_equal(cfg_read(cfg_addr(0, 0, 0, reg), 0, 4), 0);
	/* Byte and word views of the same dwords. */
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x00), 0, 2), 0x8086);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x00), 2, 2), 0x1237);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x00), 1, 1), 0x80);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x00), 1, 2), 0x3780);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x08), 3, 1), 0x06);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x08), 0, 1), 0x02);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x0c), 2, 1), 0x00); /* header type 0 */
	/* Dword and word accesses running past 0xcff decode nowhere. */
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x00), 1, 4), 0xffffffff);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0x00), 3, 2), 0xffff);
}

static void test_absent_and_disabled_read_all_ones(void **state)
{
	(void)state;
	assert_int_equal(cfg_read(cfg_addr(0, 0, 1, 0), 0, 4), 0xffffffff);
	assert_int_equal(cfg_read(cfg_addr(0, 1, 0, 0), 0, 4), 0xffffffff);
	assert_int_equal(cfg_read(cfg_addr(0, 31, 7, 0), 0, 2), 0xffff);
	assert_int_equal(cfg_read(cfg_addr(1, 0, 0, 0), 0, 1), 0xff);
	assert_int_equal(cfg_read(cfg_addr(255, 0, 0, 0), 0, 4), 0xffffffff);
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0) & ~VPCI_ADDR_ENABLE, 0, 4), 0xffffffff);
	/* Reserved address bits 30:24 do not select another bus. */
	assert_int_equal(cfg_read(cfg_addr(0, 0, 0, 0) | 0x7f000003, 0, 4), 0x12378086);
}

static void test_config_space_read_only(void **state)
{
	(void)state;
	vpci_host_write(&pci, 0xcf8, 4, cfg_addr(0, 0, 0, 0x04));
	assert_int_equal(vpci_host_write(&pci, 0xcfc, 4, 0), VPCI_HOST_WRITE_DONE);
	assert_int_equal(vpci_host_write(&pci, 0xcfc, 2, 0xffff), VPCI_HOST_WRITE_DONE);
	assert_int_equal(vpci_host_write(&pci, 0xcff, 1, 0xff), VPCI_HOST_WRITE_DONE);
	assert_int_equal(vpci_host_read(&pci, 0xcfc, 4), 0x02800006);
	/* BAR sizing: all ones written, zero read back (no BARs). */
	vpci_host_write(&pci, 0xcf8, 4, cfg_addr(0, 0, 0, 0x10));
	vpci_host_write(&pci, 0xcfc, 4, 0xffffffff);
	assert_int_equal(vpci_host_read(&pci, 0xcfc, 4), 0);
}

static void test_reset_control(void **state)
{
	(void)state;
	assert_int_equal(vpci_host_read(&pci, 0xcf9, 1), 0);
	assert_int_equal(vpci_host_write(&pci, 0xcf9, 1, 0x02), VPCI_HOST_WRITE_DONE);
	assert_int_equal(vpci_host_read(&pci, 0xcf9, 1), 0x02);
	assert_int_equal(vpci_host_write(&pci, 0xcf9, 1, 0x06), VPCI_HOST_RESET);
	assert_int_equal(vpci_host_read(&pci, 0xcf9, 1), 0x02);
	assert_int_equal(vpci_host_write(&pci, 0xcf9, 1, 0xfd), VPCI_HOST_RESET);
	assert_int_equal(vpci_host_read(&pci, 0xcf9, 1), 0x00);
	/* Only a byte access is the reset register; CONFIG_ADDRESS is untouched by it. */
	vpci_host_write(&pci, 0xcf8, 4, 0x80000000);
	assert_int_equal(vpci_host_write(&pci, 0xcf9, 2, 0x0606), VPCI_HOST_WRITE_DONE);
	assert_int_equal(vpci_host_write(&pci, 0xcf9, 1, 0x04), VPCI_HOST_RESET);
	assert_int_equal(vpci_host_read(&pci, 0xcf8, 4), 0x80000000);
	assert_int_equal(vpci_host_read(&pci, 0xcf9, 2), 0xffff);
}

static void test_hostile_ports_and_sizes(void **state)
{
	(void)state;
	vpci_host_write(&pci, 0xcf8, 4, cfg_addr(0, 0, 0, 0));
	const unsigned bad_sizes[] = {0, 3, 5, 8, ~0u};
	for (unsigned i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		assert_int_equal(vpci_host_read(&pci, 0xcfc, bad_sizes[i]), 0xffffffff);
		assert_int_equal(vpci_host_write(&pci, 0xcf8, bad_sizes[i], 0),
				 VPCI_HOST_WRITE_DONE);
		assert_int_equal(vpci_host_write(&pci, 0xcf9, bad_sizes[i], 0x04),
				 VPCI_HOST_WRITE_DONE);
	}
	assert_int_equal(vpci_host_read(&pci, 0xcf8, 4), cfg_addr(0, 0, 0, 0));
	assert_int_equal(vpci_host_read(&pci, 0xcf7, 4), 0xffffffff);
	assert_int_equal(vpci_host_read(&pci, 0xd00, 1), 0xff);
	assert_int_equal(vpci_host_read(&pci, 0x0000, 2), 0xffff);
	assert_int_equal(vpci_host_write(&pci, 0xd00, 4, 0x04), VPCI_HOST_WRITE_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_config_address_register, setup),
	    cmocka_unit_test_setup(test_host_bridge_identity, setup),
	    cmocka_unit_test_setup(test_absent_and_disabled_read_all_ones, setup),
	    cmocka_unit_test_setup(test_config_space_read_only, setup),
	    cmocka_unit_test_setup(test_reset_control, setup),
	    cmocka_unit_test_setup(test_hostile_ports_and_sizes, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
