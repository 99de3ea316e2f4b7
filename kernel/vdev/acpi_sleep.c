/* The hardware-reduced ACPI sleep registers (see acpi_sleep.h). */
#include "kernel/vdev/acpi_sleep.h"

#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_acpi.h"

#define SLEEP_CONTROL	   0	  /* offset of SLEEP_CONTROL_REG */
#define SLP_TYP_SHIFT	   2	  /* ACPI 6.5 4.8.3.7: SLP_TYPx in bits 4:2 */
#define SLP_TYP_MASK	   0x7
#define SLP_EN		   0x20 /* bit 5: enter the sleep state in SLP_TYPx */
#define SLEEP_STATUS_CLEAR 0	  /* WAK_STS clear: the guest never wakes from a sleep */

static uint64_t sleep_read(struct vdev *d, uint64_t offset, unsigned size)
{
	return SLEEP_STATUS_CLEAR;
}

static void sleep_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct guest *g = d->guest;
	if (offset != SLEEP_CONTROL || !(value & SLP_EN) || g->state != GUEST_RUNNING)
		return;
	unsigned type = (value >> SLP_TYP_SHIFT) & SLP_TYP_MASK;
	if (type == GUEST_ACPI_SLP_TYP_S5)
		guest_stop(g, GUEST_EXITED, 0, "powered off (ACPI S5)");
	else
		log_info("guest %s: ACPI sleep type %u ignored (only S5 is offered)", g->name,
			 type);
}

static const struct vdev_ops sleep_ops = {.read = sleep_read, .write = sleep_write};

int acpi_sleep_attach(struct guest *g, struct vdev *d)
{
	*d = (struct vdev){.name = "acpi-sleep",
			   .space = VDEV_PIO,
			   .base = ACPI_SLEEP_PORT,
			   .length = ACPI_SLEEP_PORTS,
			   .ops = &sleep_ops};
	return vdev_register(g, d);
}
