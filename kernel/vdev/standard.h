/*
 * The standard devices a guest may have (GUEST_DEV_*): the 16550 UART at
 * GUEST_UART_PORT, the debug-exit port and the PC's PIC/PIT (pc_platform.h).
 * Their storage hangs off the guest.
 */
#ifndef SHOJI_KERNEL_VDEV_STANDARD_H
#define SHOJI_KERNEL_VDEV_STANDARD_H

#include "kernel/core/types.h"

struct guest;
struct guest_acpi_config;

/* Attach the GUEST_DEV_* devices in `devices` to g: 0 or -errno. */
int vdev_attach_standard(struct guest *g, unsigned devices);

/*
 * g goes away: free its devices' storage. Its vCPUs never run again and
 * nothing else refers to the devices (they hang off g's own bus table).
 */
void vdev_detach_standard(struct guest *g);

/* A restart: the devices that keep state between runs back to power-on. */
void vdev_reset_standard(struct guest *g);

/*
 * Bytes arriving at the guest's serial port (the console's `type`): as many
 * of @bytes[0, @len) as its receive FIFO has room for now. Returns how many
 * it took (the caller sends the rest once the guest has read some), or
 * -ENODEV: no UART.
 */
int vdev_console_input(struct guest *g, const char *bytes, size_t len);

/*
 * A virtio-blk disk (virtio-mmio at VIRTIO_MMIO_DEV_GPA, GSI 10) over
 * image[0, size), which the guest reads and writes; for a guest with the PC
 * platform only (-ENOENT otherwise). 0, -EINVAL (less than a sector), or
 * -EBUSY/-ENOSPC.
 */
int vdev_attach_disk(struct guest *g, uint8_t *image, uint64_t size);

/*
 * What g's ACPI tables must say about its PC platform (devices = pc): its
 * vCPUs' local APICs, the I/O APIC, the sleep and reset registers. 0, or
 * -ENOENT for a guest without the PC platform (it gets no tables).
 */
int vdev_standard_acpi(const struct guest *g, struct guest_acpi_config *cfg);

/*
 * The standard devices' state as a blob, for checkpoints (kernel/ha): the
 * UART's registers, FIFO and partial line (the debug-exit port has none),
 * and the PC platform's models (PIC pair, PIT and port 0x61, RTC/CMOS,
 * local APICs and I/O APIC, PCI host bridge, ACPI PM registers). Save: its
 * size, -ENOSPC, or -ENOTSUP for a guest with a disk (the virtio queues are
 * not checkpointed yet). Load into a guest with the same devices: 0 or
 * -EINVAL. Both under g->dev_lock or with g stopped.
 */
#define VDEV_STATE_MAX 4096
int vdev_standard_save(struct guest *g, void *buf, size_t cap);
int vdev_standard_load(struct guest *g, const void *buf, size_t len);

#endif
