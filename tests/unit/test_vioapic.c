/* unit-test-sources: kernel/vdev/vioapic.c */
/*
 * Virtual I/O APIC through its MMIO window and pins, as a guest and the
 * interrupt path see it: ID/version/arbitration registers, the redirection
 * table (reset masked, read-only bits kept), edge pins (masked edges lost),
 * level pins with remote IRR and EOI (by broadcast and by the EOI
 * register), active-low polarity, unmasking an asserted level pin, and
 * hostile offsets and indices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/vdev/vioapic.h"

#define MAX_SENT 16

static struct vioapic io;
static struct vioapic_msg sent[MAX_SENT];
static unsigned nsent;

static void record(void *ctx, const struct vioapic_msg *m)
{
	assert_ptr_equal(ctx, &io);
	assert_true(nsent < MAX_SENT);
	sent[nsent++] = *m;
}

static int setup(void **state)
{
	(void)state;
	vioapic_reset(&io, 2);
	nsent = 0;
	return 0;
}

static uint32_t reg_read(uint8_t index)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, index, record, &io);
	return vioapic_mmio_read(&io, VIOAPIC_IOWIN);
}

static void reg_write(uint8_t index, uint32_t value)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, index, record, &io);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, value, record, &io);
}

static void rte_write(unsigned pin, uint64_t rte)
{
	reg_write((uint8_t)(VIOAPIC_REG_REDIR(pin) + 1), (uint32_t)(rte >> 32));
	reg_write((uint8_t)VIOAPIC_REG_REDIR(pin), (uint32_t)rte);
}

static uint64_t rte_read(unsigned pin)
{
	uint64_t lo = reg_read((uint8_t)VIOAPIC_REG_REDIR(pin));
	return lo | ((uint64_t)reg_read((uint8_t)(VIOAPIC_REG_REDIR(pin) + 1)) << 32);
}

static void pin(unsigned p, bool level)
{
	vioapic_set_irq(&io, p, level, record, &io);
}

static void test_id_version_arbitration(void **state)
{
	(void)state;
	assert_int_equal(reg_read(VIOAPIC_REG_ID), 2u << 24);
	assert_int_equal(reg_read(VIOAPIC_REG_VERSION), 0x00170020);
	assert_int_equal(reg_read(VIOAPIC_REG_ARB), 2u << 24);
	reg_write(VIOAPIC_REG_ID, 0xffffffff);
	assert_int_equal(reg_read(VIOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(reg_read(VIOAPIC_REG_ARB), 0x0f000000);
	reg_write(VIOAPIC_REG_VERSION, 0);
	reg_write(VIOAPIC_REG_ARB, 0);
	assert_int_equal(reg_read(VIOAPIC_REG_VERSION), 0x00170020);
	assert_int_equal(reg_read(VIOAPIC_REG_ARB), 0x0f000000);
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL), VIOAPIC_REG_ARB);
}

static void test_reset_masked_and_readonly_bits(void **state)
{
	(void)state;
	for (unsigned p = 0; p < VIOAPIC_PINS; p++)
		assert_int_equal(rte_read(p), VIOAPIC_RTE_MASKED);
	/* All ones: delivery status, remote IRR and reserved bits 17-55 stay clear. */
	rte_write(5, ~0ull);
	assert_int_equal(rte_read(5), 0xff0000000001afffull);
	assert_int_equal(nsent, 0);
}

static void test_hostile_offsets_and_indices(void **state)
{
	(void)state;
	/* Past the table, undefined indices read 0 and swallow writes. */
	reg_write(0x40, 0x12345678);
	assert_int_equal(reg_read(0x40), 0);
	reg_write(0xff, 0x12345678);
	assert_int_equal(reg_read(0xff), 0);
	reg_write(0x03, 0x12345678);
	assert_int_equal(reg_read(0x03), 0);
	/* IOREGSEL keeps 8 bits. */
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 0xabcd10, record, &io);
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL), 0x10);
	/* Unaligned, unknown and out-of-window offsets. */
	for (uint32_t off = 1; off < 0x200; off++) {
		if (off == VIOAPIC_IOWIN || off == VIOAPIC_EOI)
			continue;
		if (off != VIOAPIC_IOREGSEL)
			vioapic_mmio_write(&io, off, 0, record, &io);
		assert_int_equal(vioapic_mmio_read(&io, off), 0);
	}
	assert_int_equal(vioapic_mmio_read(&io, 0xffffffff), 0);
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_EOI), 0);
	assert_int_equal(rte_read(0), VIOAPIC_RTE_MASKED);
	pin(24, true);
	pin(~0u, true);
	assert_int_equal(io.lines, 0);
	assert_int_equal(nsent, 0);
}

static void test_edge_pin(void **state)
{
	(void)state;
	rte_write(1, 0x31 | (3ull << 56) | VIOAPIC_RTE_DEST_LOGICAL |
			 ((uint64_t)VIOAPIC_DELMODE_LOWEST << 8));
	pin(1, true);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].vector, 0x31);
	assert_int_equal(sent[0].delivery_mode, VIOAPIC_DELMODE_LOWEST);
	assert_true(sent[0].logical);
	assert_int_equal(sent[0].dest, 3);
	assert_false(sent[0].level);
	pin(1, true); /* no new edge */
	assert_int_equal(nsent, 1);
	pin(1, false);
	assert_int_equal(nsent, 1);
	pin(1, true);
	assert_int_equal(nsent, 2);
	assert_int_equal(rte_read(1) & VIOAPIC_RTE_REMOTE_IRR, 0);
}

static void test_masked_edge_is_lost(void **state)
{
	(void)state;
	rte_write(4, 0x40 | VIOAPIC_RTE_MASKED);
	pin(4, true);
	pin(4, false);
	pin(4, true);
	assert_int_equal(nsent, 0);
	rte_write(4, 0x40); /* unmasked with the line high: the edge was before */
	assert_int_equal(nsent, 0);
	pin(4, false);
	pin(4, true);
	assert_int_equal(nsent, 1);
}

static void test_level_pin_remote_irr_and_eoi(void **state)
{
	(void)state;
	rte_write(9, 0x59 | VIOAPIC_RTE_LEVEL);
	pin(9, true);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].level);
	assert_int_equal(sent[0].vector, 0x59);
	assert_true(rte_read(9) & VIOAPIC_RTE_REMOTE_IRR);
	pin(9, true); /* still waiting for EOI */
	pin(9, false);
	pin(9, true);
	assert_int_equal(nsent, 1);
	vioapic_eoi(&io, 0x58, record, &io); /* another vector: nothing */
	assert_true(rte_read(9) & VIOAPIC_RTE_REMOTE_IRR);
	vioapic_eoi(&io, 0x59, record, &io); /* line still high: again */
	assert_int_equal(nsent, 2);
	assert_true(rte_read(9) & VIOAPIC_RTE_REMOTE_IRR);
	pin(9, false);
	vioapic_eoi(&io, 0x59, record, &io);
	assert_int_equal(nsent, 2);
	assert_false(rte_read(9) & VIOAPIC_RTE_REMOTE_IRR);
	/* A guest write cannot set or clear remote IRR. */
	rte_write(9, 0x59 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_REMOTE_IRR);
	assert_false(rte_read(9) & VIOAPIC_RTE_REMOTE_IRR);
}

static void test_eoi_register(void **state)
{
	(void)state;
	rte_write(10, 0x61 | VIOAPIC_RTE_LEVEL);
	rte_write(11, 0x61 | VIOAPIC_RTE_LEVEL);
	pin(10, true);
	pin(11, true);
	assert_int_equal(nsent, 2);
	pin(10, false);
	vioapic_mmio_write(&io, VIOAPIC_EOI, 0xffffff61, record, &io);
	/* Both pins with the vector cleared; pin 11 still asserted sends again. */
	assert_int_equal(nsent, 3);
	assert_false(rte_read(10) & VIOAPIC_RTE_REMOTE_IRR);
	assert_true(rte_read(11) & VIOAPIC_RTE_REMOTE_IRR);
}

static void test_unmask_asserted_level_sends(void **state)
{
	(void)state;
	rte_write(16, 0x70 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED);
	pin(16, true);
	assert_int_equal(nsent, 0);
	assert_false(rte_read(16) & VIOAPIC_RTE_REMOTE_IRR);
	rte_write(16, 0x70 | VIOAPIC_RTE_LEVEL);
	assert_int_equal(nsent, 1);
	assert_true(rte_read(16) & VIOAPIC_RTE_REMOTE_IRR);
	/* Masking keeps remote IRR; an EOI while masked sends nothing. */
	rte_write(16, 0x70 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED);
	assert_true(rte_read(16) & VIOAPIC_RTE_REMOTE_IRR);
	vioapic_eoi(&io, 0x70, record, &io);
	assert_int_equal(nsent, 1);
	assert_false(rte_read(16) & VIOAPIC_RTE_REMOTE_IRR);
	rte_write(16, 0x70 | VIOAPIC_RTE_LEVEL);
	assert_int_equal(nsent, 2);
	/* Turning the pin edge drops remote IRR. */
	rte_write(16, 0x70);
	assert_false(rte_read(16) & VIOAPIC_RTE_REMOTE_IRR);
}

static void test_active_low(void **state)
{
	(void)state;
	/* PCI INTx: level, active low. The line idles high (deasserted). */
	pin(20, true);
	rte_write(20, 0x90 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_ACTIVE_LOW);
	assert_int_equal(nsent, 0);
	pin(20, false);
	assert_int_equal(nsent, 1);
	pin(20, true);
	vioapic_eoi(&io, 0x90, record, &io);
	assert_int_equal(nsent, 1);
	/* Edge, active low: the falling edge asserts. */
	rte_write(21, 0x91 | VIOAPIC_RTE_ACTIVE_LOW);
	pin(21, true);
	assert_int_equal(nsent, 1);
	pin(21, false);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].vector, 0x91);
}

static void test_nmi_and_reserved_modes(void **state)
{
	(void)state;
	/* NMI with level set behaves as edge: no remote IRR. */
	rte_write(2, ((uint64_t)VIOAPIC_DELMODE_NMI << 8) | VIOAPIC_RTE_LEVEL);
	pin(2, true);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].delivery_mode, VIOAPIC_DELMODE_NMI);
	assert_false(sent[0].level);
	assert_false(rte_read(2) & VIOAPIC_RTE_REMOTE_IRR);
	/* Reserved mode 011 sends nothing. */
	rte_write(3, 3ull << 8);
	pin(3, true);
	assert_int_equal(nsent, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_id_version_arbitration, setup),
	    cmocka_unit_test_setup(test_reset_masked_and_readonly_bits, setup),
	    cmocka_unit_test_setup(test_hostile_offsets_and_indices, setup),
	    cmocka_unit_test_setup(test_edge_pin, setup),
	    cmocka_unit_test_setup(test_masked_edge_is_lost, setup),
	    cmocka_unit_test_setup(test_level_pin_remote_irr_and_eoi, setup),
	    cmocka_unit_test_setup(test_eoi_register, setup),
	    cmocka_unit_test_setup(test_unmask_asserted_level_sends, setup),
	    cmocka_unit_test_setup(test_active_low, setup),
	    cmocka_unit_test_setup(test_nmi_and_reserved_modes, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
