/*
 * The RDMSR/WRMSR exits: the allow-list and checks of msr_policy.c applied,
 * the guest's value read from or written to where it lives (the vCPU's
 * kept MSRs, the backend, or a fixed emulated answer).
 */
#ifndef SHOJI_KERNEL_EMUL_EXIT_MSR_H
#define SHOJI_KERNEL_EMUL_EXIT_MSR_H

#include "kernel/guest/vcpu.h"

void exit_msr(struct vcpu *v, const struct vcpu_exit *e);

/*
 * The kept MSRs (struct vcpu_msrs) and KERNEL_GS_BASE back to their
 * power-on values, in the vCPU and in the backend: on v's CPU, before each start of the vCPU.
 */
int exit_msr_reset(struct vcpu *v);

/* The same with given values (a checkpoint's), on v's CPU with v loaded. */
int exit_msr_load(struct vcpu *v, const struct vcpu_msrs *msrs, uint64_t kernel_gs_base);

#endif
