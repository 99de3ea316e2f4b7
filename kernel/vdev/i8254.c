/*
 * Virtual i8254: counters 0 and 2 and port 0x61, as functions of the time
 * the caller passes in. Owns one struct vpit; touches no host timer and no
 * guest: the integration that owns it turns OUT0's rising edges into IRQ 0.
 *
 * A running counter is not stepped: its counting element is computed from
 * the ticks elapsed since it was loaded, so any access costs the same after a
 * microsecond or a year. Every value a guest writes has a defined effect;
 * nothing here asserts.
 */
#include "kernel/vdev/i8254.h"

#include <string.h>

#define NSEC_PER_SEC	1000000000ULL
#define VPIT_COUNT_MAX	65536 /* a count of 0 */
#define VPIT_BYTE_MASK	0xff
#define VPIT_COUNT_MASK 0xffff

/* Whole input clock ticks in ns nanoseconds: floor(ns * HZ / 10^9), without overflow. */
static uint64_t vpit_ns_to_ticks(uint64_t ns)
{
	return ns / NSEC_PER_SEC * VPIT_CLOCK_HZ + ns % NSEC_PER_SEC * VPIT_CLOCK_HZ / NSEC_PER_SEC;
}

/* The first nanosecond at which `ticks` have passed: ceil(ticks * 10^9 / HZ); saturates. */
static uint64_t vpit_ticks_to_ns(uint64_t ticks)
{
	uint64_t whole,
	    part = (ticks % VPIT_CLOCK_HZ * NSEC_PER_SEC + VPIT_CLOCK_HZ - 1) / VPIT_CLOCK_HZ;

	if (__builtin_mul_overflow(ticks / VPIT_CLOCK_HZ, NSEC_PER_SEC, &whole) ||
	    __builtin_add_overflow(whole, part, &whole))
		return UINT64_MAX;
	return whole;
}

static uint64_t vpit_tick_at(const struct vpit_counter *c, uint64_t now_ns)
{
	/* Time going backwards (a caller's bug) counts as no time passing. */
	return now_ns > c->epoch_ns ? vpit_ns_to_ticks(now_ns - c->epoch_ns) : 0;
}

/* 8254 modes 2 and 3: a count of 1 is illegal; it counts as 2 here, never as a period of 0. */
static uint64_t vpit_period(uint32_t count)
{
	return count < 2 ? 2 : count;
}

static bool vpit_periodic(const struct vpit_counter *c)
{
	return c->mode == VPIT_MODE_RATE || c->mode == VPIT_MODE_SQUARE;
}

/* The counting element as it stands at a tick: where it started, and how far it went. */
struct vpit_span {
	uint64_t start_tick;
	uint32_t start_count;
	uint64_t elapsed;
};

/* Without changing c: a reload waiting for the end of the period has happened once it ends. */
static struct vpit_span vpit_span_at(const struct vpit_counter *c, uint64_t tick)
{
	struct vpit_span s = {c->start_tick, c->start_count, 0};

	if (c->pending && tick >= s.start_tick + vpit_period(s.start_count)) {
		s.start_tick += vpit_period(s.start_count);
		s.start_count = c->reload;
	}
	s.elapsed = tick > s.start_tick ? tick - s.start_tick : 0;
	return s;
}

struct vpit_state {
	uint16_t count;
	bool out;
};

/* 8254 "Mode Definitions": the counting element and OUT, `elapsed` ticks after loading. */
static struct vpit_state vpit_state_of(const struct vpit_counter *c, struct vpit_span s)
{
	uint64_t e = s.elapsed, n = s.start_count;

	switch (c->mode) {
	case VPIT_MODE_RATE: {
		uint64_t period = vpit_period(s.start_count), r = e % period;
		/* OUT low for the one clock the element holds 1, then reload. */
		return (struct vpit_state){(uint16_t)(period - r), r != period - 1};
	}
	case VPIT_MODE_SQUARE: {
		/*
		 * Two halves, the element counting down by 2 from the even count
		 * (an odd count drops its low bit) in each; an odd count's high
		 * half is one clock longer, the element holding 0 for it.
		 */
		uint64_t period = vpit_period(s.start_count), r = e % period;
		uint64_t high = (period + 1) / 2, even = period & ~1ULL;
		if (r < high)
			return (struct vpit_state){(uint16_t)(even - 2 * r), true};
		return (struct vpit_state){(uint16_t)(even - 2 * (r - high)), false};
	}
	case VPIT_MODE_SW_STROBE:
		/* OUT low for the one clock after the element reaches 0; it then wraps to 0xffff.
		 */
		return (struct vpit_state){(uint16_t)(n - e), c->tc_done || e != n};
	case VPIT_MODE_TERMINAL_COUNT:
	default:
		/* OUT rises at terminal count and stays high; the element wraps on. */
		return (struct vpit_state){(uint16_t)(n - e), c->tc_done || e >= n};
	}
}

static struct vpit_state vpit_state_at(const struct vpit_counter *c, uint64_t now_ns)
{
	if (!c->running)
		return (struct vpit_state){c->frozen_count, c->frozen_out};
	return vpit_state_of(c, vpit_span_at(c, vpit_tick_at(c, now_ns)));
}

/* Rising edges of OUT at ticks in (from, to], within one span. */
static uint64_t vpit_edges_between(const struct vpit_counter *c, struct vpit_span s, uint64_t from,
				   uint64_t to)
{
	uint64_t a = from > s.start_tick ? from - s.start_tick : 0;
	uint64_t b = to > s.start_tick ? to - s.start_tick : 0;
	uint64_t at;

	if (b <= a)
		return 0;
	if (vpit_periodic(c))
		return b / vpit_period(s.start_count) - a / vpit_period(s.start_count);
	if (c->tc_done)
		return 0;
	if (c->mode == VPIT_MODE_TERMINAL_COUNT)
		at = s.start_count;
	else if (c->mode == VPIT_MODE_SW_STROBE)
		at = s.start_count + 1ULL;
	else
		return 0;
	return a < at && at <= b;
}

static bool vpit_is_counter0(const struct vpit *p, const struct vpit_counter *c)
{
	return c == &p->counter0;
}

/* Counter 0: count the edges up to `tick` of the current span into p->irq0_edges. */
static void vpit_collect_edges(struct vpit *p, struct vpit_counter *c, uint64_t tick)
{
	struct vpit_span s = {c->start_tick, c->start_count, 0};
	uint64_t n;

	if (!vpit_is_counter0(p, c) || tick <= c->edges_tick)
		return;
	n = vpit_edges_between(c, s, c->edges_tick, tick);
	c->edges_tick = tick;
	p->irq0_edges = n >= VPIT_IRQ0_EDGES_MAX - p->irq0_edges ? VPIT_IRQ0_EDGES_MAX
								 : p->irq0_edges + (unsigned)n;
}

/* Bring c to now_ns: apply a reload whose period ended, count counter 0's edges. */
static void vpit_settle(struct vpit *p, struct vpit_counter *c, uint64_t now_ns)
{
	uint64_t tick, end;

	if (!c->running)
		return;
	tick = vpit_tick_at(c, now_ns);
	end = c->start_tick + vpit_period(c->start_count);
	if (c->pending && tick >= end) {
		vpit_collect_edges(p, c, end);
		c->start_tick = end;
		c->start_count = c->reload;
		c->pending = false;
	}
	vpit_collect_edges(p, c, tick);
}

static void vpit_start(struct vpit_counter *c, uint32_t count, uint64_t now_ns)
{
	c->running = true;
	c->epoch_ns = now_ns;
	c->start_tick = 0;
	c->start_count = count;
	c->edges_tick = 0;
}

/* Stop counting with the element and OUT as they are now (c settled). */
static void vpit_freeze(struct vpit_counter *c, uint64_t now_ns)
{
	struct vpit_span s;
	struct vpit_state st;

	if (!c->running)
		return;
	s = vpit_span_at(c, vpit_tick_at(c, now_ns));
	st = vpit_state_of(c, s);
	if (c->mode == VPIT_MODE_TERMINAL_COUNT)
		c->tc_done = st.out;
	else if (c->mode == VPIT_MODE_SW_STROBE)
		c->tc_done = c->tc_done || s.elapsed > s.start_count;
	c->frozen_count = st.count;
	c->frozen_out = st.out;
	c->running = false;
}

static uint32_t vpit_count_of(uint16_t written)
{
	return written ? written : VPIT_COUNT_MAX;
}

/* 8254 "Mode Definitions": what writing a whole new count does in each mode (c settled). */
static void vpit_load(struct vpit_counter *c, uint16_t written, uint64_t now_ns)
{
	uint32_t count = vpit_count_of(written);
	bool first = !c->has_count;

	c->has_count = true;
	c->reload = count;
	switch (c->mode) {
	case VPIT_MODE_TERMINAL_COUNT:
	case VPIT_MODE_SW_STROBE:
		/* A new count restarts counting (on the next clock: taken as now). */
		c->tc_done = false;
		c->pending = false;
		c->frozen_count = (uint16_t)count;
		c->frozen_out = c->mode == VPIT_MODE_SW_STROBE;
		c->running = false;
		if (c->gate)
			vpit_start(c, count, now_ns);
		break;
	case VPIT_MODE_RATE:
	case VPIT_MODE_SQUARE:
		/* After the first count, a new one waits for the end of the current period. */
		if (!first && c->running) {
			c->pending = true;
		} else if (c->gate) {
			vpit_start(c, count, now_ns);
		}
		break;
	default:
		/* Modes 1 and 5 wait for a gate trigger that is not modelled. */
		c->frozen_count = (uint16_t)count;
		c->frozen_out = true;
		break;
	}
}

static void vpit_write_count(struct vpit_counter *c, uint8_t value, uint64_t now_ns)
{
	switch (c->access) {
	case VPIT_ACCESS_LSB:
		vpit_load(c, value, now_ns);
		break;
	case VPIT_ACCESS_MSB:
		vpit_load(c, (uint16_t)(value << 8), now_ns);
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = value;
			c->write_msb_next = true;
			/* 8254 mode 0: writing the first byte stops counting and sets OUT low. */
			if (c->mode == VPIT_MODE_TERMINAL_COUNT) {
				vpit_freeze(c, now_ns);
				c->frozen_out = false;
				c->tc_done = false;
			}
			break;
		}
		c->write_msb_next = false;
		vpit_load(c, (uint16_t)(c->write_lsb | value << 8), now_ns);
		break;
	}
}

static uint8_t vpit_status(const struct vpit_counter *c, uint64_t now_ns)
{
	uint8_t status = (uint8_t)(c->access << VPIT_CW_ACCESS_SHIFT |
				   c->mode_bits << VPIT_CW_MODE_SHIFT | (c->bcd ? VPIT_CW_BCD : 0));

	if (vpit_state_at(c, now_ns).out)
		status |= VPIT_STATUS_OUT;
	/* Null count: a count written (or none yet) that the element has not loaded. */
	if (!c->has_count || c->pending)
		status |= VPIT_STATUS_NULL_COUNT;
	return status;
}

/* Counter latch command: a second latch before the first is read changes nothing. */
static void vpit_latch_count(struct vpit_counter *c, uint64_t now_ns)
{
	if (c->count_latched)
		return;
	c->count_latched = true;
	c->latch_msb_next = false;
	c->latch = vpit_state_at(c, now_ns).count;
}

static void vpit_latch_status(struct vpit_counter *c, uint64_t now_ns)
{
	if (c->status_latched)
		return;
	c->status_latched = true;
	c->status = vpit_status(c, now_ns);
}

static uint8_t vpit_byte(uint16_t count, bool msb)
{
	return (uint8_t)(msb ? count >> 8 : count & VPIT_BYTE_MASK);
}

/* 8254 "Read Operations": latched status first, then a latched count, else the live count. */
static uint8_t vpit_read_counter(struct vpit_counter *c, uint64_t now_ns)
{
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		if (c->access == VPIT_ACCESS_LSB_MSB && !c->latch_msb_next) {
			c->latch_msb_next = true;
			return vpit_byte(c->latch, false);
		}
		c->count_latched = false;
		return vpit_byte(c->latch, c->access == VPIT_ACCESS_MSB || c->latch_msb_next);
	}
	if (c->access == VPIT_ACCESS_LSB_MSB) {
		msb = c->read_msb_next;
		c->read_msb_next = !msb;
	} else {
		msb = c->access == VPIT_ACCESS_MSB;
	}
	return vpit_byte(vpit_state_at(c, now_ns).count, msb);
}

/* A control word for one counter: mode and access change, the counter waits for a count. */
static void vpit_program(struct vpit_counter *c, uint8_t value, uint64_t now_ns)
{
	uint8_t access = (value >> VPIT_CW_ACCESS_SHIFT) & 3;
	uint8_t mode_bits = (value >> VPIT_CW_MODE_SHIFT) & 7;

	if (access == VPIT_ACCESS_LATCH) {
		vpit_latch_count(c, now_ns);
		return;
	}
	c->frozen_count = vpit_state_at(c, now_ns).count;
	c->running = false;
	c->mode_bits = mode_bits;
	c->mode = (mode_bits & 2) ? (mode_bits & 3) : mode_bits; /* x1x: modes 2 and 3 */
	c->access = access;
	c->bcd = value & VPIT_CW_BCD;
	/* 8254: a control word resets the counter's control logic; OUT is low only in mode 0. */
	c->frozen_out = c->mode != VPIT_MODE_TERMINAL_COUNT;
	c->has_count = false;
	c->pending = false;
	c->tc_done = false;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->count_latched = false;
	c->status_latched = false;
}

static void vpit_write_control(struct vpit *p, uint8_t value, uint64_t now_ns)
{
	unsigned select = value >> VPIT_CW_SELECT_SHIFT;

	if (select == VPIT_SELECT_READBACK) {
		struct vpit_counter *chosen[2] = {
		    value & VPIT_RB_COUNTER0 ? &p->counter0 : NULL,
		    value & VPIT_RB_COUNTER2 ? &p->counter2 : NULL,
		};
		for (unsigned i = 0; i < ARRAY_SIZE(chosen); i++) {
			if (!chosen[i])
				continue;
			if (!(value & VPIT_RB_NO_COUNT))
				vpit_latch_count(chosen[i], now_ns);
			if (!(value & VPIT_RB_NO_STATUS))
				vpit_latch_status(chosen[i], now_ns);
		}
		return;
	}
	if (select == 0)
		vpit_program(&p->counter0, value, now_ns);
	else if (select == 2)
		vpit_program(&p->counter2, value, now_ns);
	/* Counter 1 is not modelled: its control words are dropped. */
}

/* 8254 Table "Gate Pin Operations Summary", for counter 2 (counter 0's gate is tied high). */
static void vpit_set_gate2(struct vpit_counter *c, bool gate, uint64_t now_ns)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!gate) {
		vpit_freeze(c, now_ns);
		/* Modes 2 and 3: a low gate sets OUT high at once. */
		if (vpit_periodic(c))
			c->frozen_out = true;
		return;
	}
	/* Nothing to count, or (mode 0) half a count written: the gate starts nothing. */
	if (!c->has_count || c->running ||
	    (c->write_msb_next && c->mode == VPIT_MODE_TERMINAL_COUNT))
		return;
	if (c->mode == VPIT_MODE_TERMINAL_COUNT || c->mode == VPIT_MODE_SW_STROBE) {
		/* Counting resumes where it stopped. */
		vpit_start(c, vpit_count_of(c->frozen_count), now_ns);
	} else if (vpit_periodic(c)) {
		/* A rising gate reloads the counter from the count register. */
		c->pending = false;
		vpit_start(c, c->reload, now_ns);
	}
}

static void vpit_settle_all(struct vpit *p, uint64_t now_ns)
{
	vpit_settle(p, &p->counter0, now_ns);
	vpit_settle(p, &p->counter2, now_ns);
}

void vpit_reset(struct vpit *p, uint64_t now_ns)
{
	memset(p, 0, sizeof(*p));
	p->counter0.gate = true;
	vpit_program(&p->counter0,
		     0 << VPIT_CW_SELECT_SHIFT | VPIT_ACCESS_LSB_MSB << VPIT_CW_ACCESS_SHIFT |
			 VPIT_MODE_SQUARE << VPIT_CW_MODE_SHIFT,
		     now_ns);
	vpit_load(&p->counter0, 0, now_ns);
	vpit_program(&p->counter2,
		     2 << VPIT_CW_SELECT_SHIFT | VPIT_ACCESS_LSB_MSB << VPIT_CW_ACCESS_SHIFT |
			 VPIT_MODE_SQUARE << VPIT_CW_MODE_SHIFT,
		     now_ns);
	vpit_load(&p->counter2, 0, now_ns);
}

uint8_t vpit_read(struct vpit *p, uint16_t port, uint64_t now_ns)
{
	uint8_t value;

	vpit_settle_all(p, now_ns);
	switch (port) {
	case VPIT_PORT_COUNTER0:
		return vpit_read_counter(&p->counter0, now_ns);
	case VPIT_PORT_COUNTER2:
		return vpit_read_counter(&p->counter2, now_ns);
	case VPIT_PORT_SYSTEM:
		value = p->system | (p->refresh ? VPIT_SYS_REFRESH : 0);
		if (vpit_state_at(&p->counter2, now_ns).out)
			value |= VPIT_SYS_OUT2;
		p->refresh = !p->refresh;
		return value;
	case VPIT_PORT_CONTROL: /* write-only */
	default:
		return VPIT_BYTE_MASK;
	}
}

void vpit_write(struct vpit *p, uint16_t port, uint8_t value, uint64_t now_ns)
{
	vpit_settle_all(p, now_ns);
	switch (port) {
	case VPIT_PORT_COUNTER0:
		vpit_write_count(&p->counter0, value, now_ns);
		break;
	case VPIT_PORT_COUNTER2:
		vpit_write_count(&p->counter2, value, now_ns);
		break;
	case VPIT_PORT_CONTROL:
		vpit_write_control(p, value, now_ns);
		break;
	case VPIT_PORT_SYSTEM:
		p->system = value & VPIT_SYS_WRITABLE;
		vpit_set_gate2(&p->counter2, value & VPIT_SYS_GATE2, now_ns);
		break;
	default:
		break;
	}
}

unsigned vpit_irq0_edges(struct vpit *p, uint64_t now_ns)
{
	unsigned edges;

	vpit_settle(p, &p->counter0, now_ns);
	edges = p->irq0_edges;
	p->irq0_edges = 0;
	return edges;
}

/* The first tick after `tick` at which OUT rises within span s, or 0 if none. */
static uint64_t vpit_next_edge_tick(const struct vpit_counter *c, struct vpit_span s)
{
	uint64_t period = vpit_period(s.start_count);

	if (vpit_periodic(c))
		return s.start_tick + (s.elapsed / period + 1) * period;
	if (c->tc_done)
		return 0;
	if (c->mode == VPIT_MODE_TERMINAL_COUNT && s.elapsed < s.start_count)
		return s.start_tick + s.start_count;
	if (c->mode == VPIT_MODE_SW_STROBE && s.elapsed <= s.start_count)
		return s.start_tick + s.start_count + 1;
	return 0;
}

uint64_t vpit_next_irq0_ns(const struct vpit *p, uint64_t now_ns)
{
	const struct vpit_counter *c = &p->counter0;
	uint64_t tick, next_ns;

	if (!c->running)
		return 0;
	tick = vpit_next_edge_tick(c, vpit_span_at(c, vpit_tick_at(c, now_ns)));
	if (!tick || __builtin_add_overflow(c->epoch_ns, vpit_ticks_to_ns(tick), &next_ns))
		return 0;
	return next_ns;
}
