/* Event queueing for a vCPU (see vcpu_event.h). */
#include "kernel/guest/vcpu_event.h"

#define VECTOR_DE 0
#define VECTOR_DF 8
#define VECTOR_TS 10
#define VECTOR_NP 11
#define VECTOR_SS 12
#define VECTOR_GP 13
#define VECTOR_PF 14

enum exception_class { BENIGN, CONTRIBUTORY, PAGE_FAULT, DOUBLE_FAULT };

/* SDM 3A table 6-4. */
static enum exception_class class_of(uint8_t vector)
{
	switch (vector) {
	case VECTOR_DE:
	case VECTOR_TS:
	case VECTOR_NP:
	case VECTOR_SS:
	case VECTOR_GP:
		return CONTRIBUTORY;
	case VECTOR_PF:
		return PAGE_FAULT;
	case VECTOR_DF:
		return DOUBLE_FAULT;
	default:
		return BENIGN;
	}
}

enum event_combination vcpu_event_combine(uint8_t first, uint8_t second)
{
	enum exception_class a = class_of(first), b = class_of(second);
	bool serious = b == CONTRIBUTORY || b == PAGE_FAULT;
	if (a == DOUBLE_FAULT && serious)
		return EVENT_SHUTDOWN;
	if ((a == CONTRIBUTORY && b == CONTRIBUTORY) || (a == PAGE_FAULT && serious))
		return EVENT_DOUBLE_FAULT;
	return EVENT_SERIAL;
}

/* A queued external interrupt was not delivered: back on the line unless another waits there. */
static void return_interrupt(struct vcpu *v)
{
	if (v->pending.type == VEVENT_EXTINT && !v->irq_pending) {
		v->irq_vector = v->pending.vector;
		v->irq_pending = true;
	}
}

bool vcpu_event_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	struct vcpu_event e = {.type = VEVENT_EXCEPTION,
			       .vector = vector,
			       .has_error = has_error,
			       .error_code = error};
	if (v->event_pending && v->pending.type == VEVENT_EXCEPTION) {
		switch (vcpu_event_combine(v->pending.vector, vector)) {
		case EVENT_SHUTDOWN:
			v->event_pending = false;
			return false;
		case EVENT_DOUBLE_FAULT:
			e = (struct vcpu_event){
			    .type = VEVENT_EXCEPTION, .vector = VECTOR_DF, .has_error = true};
			break;
		case EVENT_SERIAL:
			break;
		}
	} else if (v->event_pending) {
		return_interrupt(v);
	}
	v->pending = e;
	v->event_pending = true;
	return true;
}

void vcpu_event_queue_interrupt(struct vcpu *v, uint8_t vector)
{
	v->pending = (struct vcpu_event){.type = VEVENT_EXTINT, .vector = vector};
	v->event_pending = true;
}

void vcpu_event_requeue(struct vcpu *v, const struct vcpu_event *e)
{
	switch (e->type) {
	case VEVENT_SOFTINT:
	case VEVENT_SOFT_EXCEPTION:
	case VEVENT_PRIV_SOFT_EXCEPTION:
		return;
	default:
		v->pending = *e;
		v->event_pending = true;
	}
}
