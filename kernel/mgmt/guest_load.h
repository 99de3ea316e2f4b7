/*
 * Loading a built guest from its config guest's image (g->config): fresh
 * RAM (scrubbed on a restart), the image and what its kind needs (ACPI
 * tables for a PC guest, Linux's zero page and initramfs, Multiboot's
 * information and modules), the devices reset, and vCPU 0's entry state set
 * on its home CPU. For the first start, every restart, and a standby that
 * boots from its image (kernel/ha).
 */
#ifndef SHOJI_KERNEL_MGMT_GUEST_LOAD_H
#define SHOJI_KERNEL_MGMT_GUEST_LOAD_H

struct guest;

/* 0, or -EIO, -ENOEXEC, -ENOMEM, -EINVAL with the reason logged. */
int guest_load(struct guest *g);

#endif
