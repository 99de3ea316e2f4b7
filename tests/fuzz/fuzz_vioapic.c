/* fuzz-sources: kernel/vdev/vioapic.c */
/*
 * libFuzzer: the virtual I/O APIC driven by arbitrary sequences of MMIO
 * writes and reads, pin changes and EOIs. Input: records of 6 bytes (op,
 * target, 4 value bytes); op bits 0-2 pick the action.
 *
 * On every send: some unmasked pin with that vector, mode, destination and
 * trigger exists, and a level message has set that pin's remote IRR. After
 * every step: remote IRR only on level pins, delivery status and reserved
 * bits clear, the ID 4 bits, and no level pin left asserted, unmasked and
 * without remote IRR (a level interrupt is never lost). ASan/UBSan catch
 * the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/vdev/vioapic.h"

enum fuzz_op {
	OP_WRITE,
	OP_READ,
	OP_SET_IRQ,
	OP_EOI,
	OP_REG_WRITE, /* IOREGSEL then IOWIN, to reach the table often */
	OP_RESET,     /* only with value 0xffffffff, so resets stay rare */
};

#define OP_ACTION_MASK 0x07
#define RECORD_SIZE    6
#define RESET_VALUE    0xffffffffu
#define RTE_RESERVED   0x00fffffffffe0000ull
#define DELMODE(rte)   ((unsigned)(((rte) >> 8) & 7))

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool rte_is_level(uint64_t rte)
{
	return (rte & VIOAPIC_RTE_LEVEL) &&
	       (DELMODE(rte) == VIOAPIC_DELMODE_FIXED || DELMODE(rte) == VIOAPIC_DELMODE_LOWEST);
}

static void on_send(void *ctx, const struct vioapic_msg *m)
{
	const struct vioapic *io = ctx;
	bool found = false;

	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io->redir[pin];

		if ((rte & VIOAPIC_RTE_MASKED) || (rte & 0xff) != m->vector ||
		    DELMODE(rte) != m->delivery_mode || (uint8_t)(rte >> 56) != m->dest ||
		    !!(rte & VIOAPIC_RTE_DEST_LOGICAL) != m->logical ||
		    rte_is_level(rte) != m->level)
			continue;
		if (m->level && !(rte & VIOAPIC_RTE_REMOTE_IRR))
			continue;
		found = true;
	}
	check(found);
	check(m->delivery_mode != 3 && m->delivery_mode != 6);
}

static void check_state(const struct vioapic *io)
{
	check(io->id <= VIOAPIC_ID_MASK && io->arb_id <= VIOAPIC_ID_MASK);
	check(io->lines < (1u << VIOAPIC_PINS));
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io->redir[pin];
		bool line = io->lines & (1u << pin);
		bool asserted = line != !!(rte & VIOAPIC_RTE_ACTIVE_LOW);

		check(!(rte & (RTE_RESERVED | VIOAPIC_RTE_DELIVERY_STATUS)));
		if (!rte_is_level(rte))
			check(!(rte & VIOAPIC_RTE_REMOTE_IRR));
		else if (asserted && !(rte & VIOAPIC_RTE_MASKED))
			check(rte & VIOAPIC_RTE_REMOTE_IRR);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vioapic io;

	vioapic_reset(&io, 0);
	for (size_t i = 0; i + RECORD_SIZE <= size; i += RECORD_SIZE) {
		uint8_t op = data[i], target = data[i + 1];
		uint32_t value;
		uint32_t offset = target; /* 0x00-0xff covers the window, unaligned too */

		memcpy(&value, data + i + 2, sizeof(value));
		if (op & 0x80)
			offset = (uint32_t)target << 4; /* the aligned slots, and past the window */

		switch (op & OP_ACTION_MASK) {
		case OP_WRITE:
			vioapic_mmio_write(&io, offset, value, on_send, &io);
			break;
		case OP_READ: {
			uint32_t got = vioapic_mmio_read(&io, offset);
			if (offset != VIOAPIC_IOREGSEL && offset != VIOAPIC_IOWIN)
				check(got == 0);
			if (offset == VIOAPIC_IOREGSEL)
				check(got == io.ioregsel);
			break;
		}
		case OP_SET_IRQ:
			vioapic_set_irq(&io, target % 32, value & 1, on_send, &io);
			break;
		case OP_EOI:
			vioapic_eoi(&io, (uint8_t)value, on_send, &io);
			break;
		case OP_REG_WRITE:
			vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, target, on_send, &io);
			vioapic_mmio_write(&io, VIOAPIC_IOWIN, value, on_send, &io);
			break;
		case OP_RESET:
			if (value == RESET_VALUE)
				vioapic_reset(&io, target);
			break;
		default:
			break;
		}
		check_state(&io);
	}
	return 0;
}
