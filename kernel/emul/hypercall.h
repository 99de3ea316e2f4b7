/* The hypercall ABI (kernel/guest/hypercall_abi.h) on the hypervisor side. */
#ifndef SHOJI_KERNEL_HYPERCALL_H
#define SHOJI_KERNEL_HYPERCALL_H

#include "kernel/guest/vcpu.h"

/* Serve the hypercall in v's registers; the result goes to RAX. */
void hypercall_handle(struct vcpu *v);

#endif
