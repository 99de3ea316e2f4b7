/* The ACPI PM1 registers and PM timer of a PC guest (see acpi_pm.h). */
#include "kernel/vdev/acpi_pm.h"

#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "drivers/tsc_math.h"
#include "kernel/core/log.h"
#include "kernel/guest/guest.h"
#include "kernel/guest/guest_acpi.h"

#define PM1_STS	       0
#define PM1_EN	       2
#define PM1_CNT	       4
#define PM_TMR	       GUEST_ACPI_PM_TMR_OFF
#define PM1_CNT_SCI_EN 0x0001
#define SLP_TYP_SHIFT  10 /* ACPI 6.5 Table 4.13: SLP_TYPx in bits 12:10 */
#define SLP_TYP_MASK   0x7
#define SLP_EN	       0x2000 /* write-only: enter the state in SLP_TYPx */
#define PM1_CNT_KEPT   (SLP_TYP_MASK << SLP_TYP_SHIFT)
#define BYTE_MASK      0xff

_Static_assert(PM1_CNT == GUEST_ACPI_PM1_CNT_OFF && PM1_STS == GUEST_ACPI_PM1_EVT_OFF,
	       "the ports the FADT names");

/* The byte at @offset as the guest reads it; @timer is PM_TMR's value for this access. */
static uint8_t pm_byte(const struct acpi_pm *pm, unsigned offset, uint32_t timer)
{
	uint32_t reg;
	unsigned shift = 8 * (offset & 1);
	switch (offset & ~1u) {
	case PM1_STS:
		reg = pm->pm1_sts;
		break;
	case PM1_EN:
		reg = pm->pm1_en;
		break;
	case PM1_CNT:
		reg = pm->pm1_cnt | PM1_CNT_SCI_EN;
		break;
	case PM_TMR:
	case PM_TMR + 2:
		reg = timer;
		shift = 8 * (offset - PM_TMR);
		break;
	default:
		return 0; /* the two bytes between the control block and the timer */
	}
	return (reg >> shift) & BYTE_MASK;
}

static uint64_t pm_read(struct vdev *d, uint64_t offset, unsigned size)
{
	const struct acpi_pm *pm = d->priv;
	uint32_t timer =
	    (uint32_t)tsc_mul_div(rdtsc() - pm->timer_base_tsc, ACPI_PM_TIMER_HZ, tsc_hz());
	uint64_t value = 0;
	for (unsigned i = 0; i < size; i++)
		value |= (uint64_t)pm_byte(pm, offset + i, timer) << (8 * i);
	return value;
}

static void power_off_if_asked(struct acpi_pm *pm, uint16_t written)
{
	struct guest *g = pm->dev.guest;
	if (!(written & SLP_EN) || g->state != GUEST_RUNNING)
		return;
	unsigned type = (written >> SLP_TYP_SHIFT) & SLP_TYP_MASK;
	if (type == GUEST_ACPI_SLP_TYP_S5)
		guest_stop(g, GUEST_EXITED, 0, "powered off (ACPI S5)");
	else
		log_info("guest %s: ACPI sleep type %u ignored (only S5 is offered)", g->name,
			 type);
}

static void pm_write(struct vdev *d, uint64_t offset, unsigned size, uint64_t value)
{
	struct acpi_pm *pm = d->priv;
	bool cnt_written = false;
	uint16_t cnt = pm->pm1_cnt;
	for (unsigned i = 0; i < size; i++) {
		unsigned at = offset + i, shift = 8 * (at & 1);
		uint16_t byte = (uint16_t)(((value >> (8 * i)) & BYTE_MASK) << shift);
		switch (at & ~1u) {
		case PM1_STS:
			pm->pm1_sts &= (uint16_t)~byte; /* ACPI 6.5 4.8.3.1.1: write 1 to clear */
			break;
		case PM1_EN:
			pm->pm1_en = (uint16_t)((pm->pm1_en & ~(BYTE_MASK << shift)) | byte);
			break;
		case PM1_CNT:
			cnt = (uint16_t)((cnt & ~(BYTE_MASK << shift)) | byte);
			cnt_written = true;
			break;
		default:
			break; /* the timer is read-only */
		}
	}
	if (!cnt_written)
		return;
	pm->pm1_cnt = cnt & PM1_CNT_KEPT;
	power_off_if_asked(pm, cnt);
}

static const struct vdev_ops pm_ops = {.read = pm_read, .write = pm_write};

void acpi_pm_reset(struct acpi_pm *pm)
{
	pm->pm1_sts = pm->pm1_en = pm->pm1_cnt = 0;
	pm->timer_base_tsc = rdtsc();
}

int acpi_pm_attach(struct guest *g, struct acpi_pm *pm)
{
	acpi_pm_reset(pm);
	return vdev_register_ports(g, &pm->dev, "acpi-pm", ACPI_PM_PORT, ACPI_PM_PORTS, &pm_ops,
				   pm);
}
