/*
 * Exit policy: what happens on each kind of VM exit, written once for both
 * backends. Guest misbehaviour ends in an injected fault or in guest_stop();
 * never in a hypervisor panic.
 */
#ifndef SHOJI_KERNEL_EXIT_H
#define SHOJI_KERNEL_EXIT_H

#include "kernel/guest/vcpu.h"

void exit_handle(struct vcpu *v, struct vcpu_exit *exit);

/*
 * Stop v's guest from v's own CPU: the report adds the vCPU and its RIP.
 * `state` is GUEST_EXITED or GUEST_CRASHED.
 */
void exit_stop_guest(struct vcpu *v, int state, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Debug registers back to their reset values (guest start and restart). */
void exit_reset_debug_registers(struct vcpu *v);

/* Queue an exception for the guest (with an error code if has_error). */
void exit_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

struct guest;

/* Prepare g for exit handling (its fixed CPUID answers); once, after guest_create. */
void exit_guest_init(struct guest *g);

#endif
