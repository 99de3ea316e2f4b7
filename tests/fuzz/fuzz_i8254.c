/* fuzz-sources: kernel/vdev/i8254.c */
/*
 * libFuzzer: the virtual i8254 under arbitrary port traffic. Input: records
 * of 4 bytes, [op][value][dt lo][dt hi]: op bits 0-2 pick the access (read or
 * write of 0x40, 0x42, 0x43, 0x61, an edge query, a 0x41 stray), bits 3-7
 * scale the time step dt << (op >> 3), so runs reach years. Time only goes
 * forward. Invariants: vpit_next_irq0_ns is 0 or after now, and an edge is
 * due by then; vpit_irq0_edges never exceeds VPIT_IRQ0_EDGES_MAX.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/vdev/i8254.h"

#define RECORD_SIZE 4

static const uint16_t ports[] = {VPIT_PORT_COUNTER0, VPIT_PORT_COUNTER2, VPIT_PORT_CONTROL,
				 VPIT_PORT_SYSTEM};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpit pit;
	uint64_t now = 0;

	vpit_reset(&pit, now);
	for (size_t i = 0; i + RECORD_SIZE <= size; i += RECORD_SIZE) {
		uint8_t op = data[i], value = data[i + 1];
		uint64_t dt = (uint64_t)(data[i + 2] | data[i + 3] << 8) << (op >> 3);

		now = dt > UINT64_MAX - now ? UINT64_MAX : now + dt;
		switch (op & 7) {
		case 0 ... 3:
			vpit_write(&pit, ports[op & 3], value, now);
			break;
		case 4:
		case 5:
			vpit_read(&pit, ports[value & 3], now);
			break;
		case 6:
			if (vpit_irq0_edges(&pit, now) > VPIT_IRQ0_EDGES_MAX)
				abort();
			break;
		default:
			vpit_write(&pit, 0x41, value, now);
			break;
		}
		uint64_t next = vpit_next_irq0_ns(&pit, now);
		if (next && next <= now)
			abort();
		/* At the promised time an edge is there (the caller's timer must not fire for
		 * nothing). */
		if (next && (value & 0x80)) {
			struct vpit copy = pit;
			vpit_irq0_edges(&copy, next - 1); /* drain what is already due */
			if (vpit_irq0_edges(&copy, next) == 0)
				abort();
		}
	}
	return 0;
}
