/*
 * A vCPU's state as one blob, for checkpoints (kernel/ha): GPRs, segment and
 * control registers, kept MSRs and KERNEL_GS_BASE, debug registers, the
 * queued event, the virtual interrupt line and timer, and the FPU image.
 * Taken where the vCPU is loaded (its own CPU, at one of its exits) and
 * loaded where the other vCPU will run, before its first entry. The blob is
 * this build's layout, checked by size and version, not a stable format.
 *
 * Not covered yet: a local APIC or PIC as irq_chip (guests with
 * `devices = pc` are not checkpointed), an STI/MOV SS shadow at the exit.
 */
#ifndef SHOJI_KERNEL_VM_VCPU_SNAPSHOT_H
#define SHOJI_KERNEL_VM_VCPU_SNAPSHOT_H

#include <stddef.h>

#include "kernel/guest/vcpu.h"

#define VCPU_SNAPSHOT_MAX (16 * 1024)

/* v's state into buf: its size, or -ENOSPC. On v's CPU, v loaded, at an exit. */
int vcpu_snapshot_take(struct vcpu *v, void *buf, size_t cap);

/* Whether buf holds a snapshot this build can load: 0 or -EINVAL. */
int vcpu_snapshot_check(const void *buf, size_t len);

/*
 * Make v's state the snapshot's: on v's CPU with v loaded and owning the
 * FPU, before v enters. 0, or -EINVAL (not a snapshot, or refused by the
 * backend: then v's state is undefined and its guest must not run).
 */
int vcpu_snapshot_load(struct vcpu *v, const void *buf, size_t len);

#endif
