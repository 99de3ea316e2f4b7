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
struct guest_entry_state;

/*
 * 0, or -EIO, -ENOEXEC, -ENOMEM, -EINVAL with the reason logged. A
 * copy-on-write clone (guest_cow.h) loads nothing: its pages are shared
 * with its template again, and vCPU 0 gets the template's entry state.
 */
int guest_load(struct guest *g);

/* A template (guest_cow.h): its image loaded and its entry state, but no vCPU to set. */
int guest_load_template(struct guest *g, struct guest_entry_state *entry);

#endif
