/*
 * Port I/O and MMIO exits: routed to the guest's virtual devices; unclaimed
 * accesses get the defined answer (reads all ones, writes ignored, counted).
 */
#ifndef SHOJI_KERNEL_EXIT_IO_H
#define SHOJI_KERNEL_EXIT_IO_H

#include "kernel/guest/vcpu.h"

void exit_io_port(struct vcpu *v, const struct vcpu_exit *e);
void exit_io_mmio(struct vcpu *v, const struct vcpu_exit *e);

#endif
