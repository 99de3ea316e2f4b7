/*
 * The one event a vCPU has queued for its next VM entry (v->pending), kept
 * here for both backends: exceptions the hypervisor raises are combined
 * with one already queued as the CPU would (SDM 3A 6.15), and an event
 * whose delivery an exit interrupted is queued again. The backends only
 * encode v->pending into the VMCS/VMCB at entry.
 */
#ifndef SHOJI_KERNEL_GUEST_VCPU_EVENT_H
#define SHOJI_KERNEL_GUEST_VCPU_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/guest/vcpu.h"

enum event_combination {
	EVENT_SERIAL,	    /* deliver the second; the first recurs when its instruction reruns */
	EVENT_DOUBLE_FAULT, /* deliver #DF(0) instead */
	EVENT_SHUTDOWN,	    /* a fault while delivering #DF: triple fault */
};

/* SDM 3A table 6-5: a second exception raised while the first is being delivered. */
enum event_combination vcpu_event_combine(uint8_t first, uint8_t second);

/*
 * Queue an exception for v, combined with a queued one (a queued external
 * interrupt goes back to the virtual interrupt line). False on a triple
 * fault: the caller stops the guest.
 */
bool vcpu_event_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

/* Queue an external interrupt from the virtual interrupt line (nothing else queued). */
void vcpu_event_queue_interrupt(struct vcpu *v, uint8_t vector);

/*
 * An event whose delivery the exit interrupted (IDT-vectoring information,
 * EXITINTINFO). Software events (INT n, INT3, INTO, ICEBP) are dropped: RIP
 * still points at their instruction, which runs again and raises them once.
 */
void vcpu_event_requeue(struct vcpu *v, const struct vcpu_event *e);

#endif
