/* vCPU state blobs (see vcpu_snapshot.h). */
#include "kernel/vm/vcpu_snapshot.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/fpu.h"
#include "kernel/emul/exit_msr.h"
#include "kernel/emul/msr_policy.h"
#include "kernel/guest/virt.h"

#define SNAPSHOT_VERSION 1

/*
 * The fields of struct vcpu a snapshot keeps as they are, under the same
 * names in struct snapshot: one list, so that taking and loading cannot
 * drift apart. timer_deadline is a TSC value, the same clock on every CPU.
 */
/* clang-format off */
#define VCPU_SNAPSHOT_FIELDS(X) \
	X(regs) X(dr) X(event_pending) X(pending) X(irq_pending) X(irq_vector) \
	X(timer_deadline) X(timer_vector) X(halted_if0)
/* clang-format on */

struct snapshot {
	uint32_t version, fpu_size;
	struct vcpu_sregs sregs;
	struct vcpu_msrs msrs; /* loaded through exit_msr_load, with kernel_gs_base */
	uint64_t kernel_gs_base;
	uint64_t fpu_xcr0;
	/* VCPU_SNAPSHOT_FIELDS */
	struct vcpu_regs regs;
	uint64_t dr[8];
	struct vcpu_event pending;
	bool event_pending, irq_pending, halted_if0;
	uint8_t irq_vector, timer_vector;
	uint64_t timer_deadline;
	uint8_t fpu[]; /* fpu_area_size() bytes */
};

#define SAME_SIZE(f)                                                                               \
	_Static_assert(sizeof(((struct snapshot *)0)->f) == sizeof(((struct vcpu *)0)->f), #f);
VCPU_SNAPSHOT_FIELDS(SAME_SIZE)
#undef SAME_SIZE

int vcpu_snapshot_take(struct vcpu *v, void *buf, size_t cap)
{
	size_t fpu_size = fpu_area_size();
	if (cap < sizeof(struct snapshot) + fpu_size)
		return -ENOSPC;
	struct snapshot *s = buf;
	memset(s, 0, sizeof(*s));
	s->version = SNAPSHOT_VERSION;
	s->fpu_size = fpu_size;
#define TAKE(f) memcpy(&s->f, (const void *)&v->f, sizeof(s->f));
	VCPU_SNAPSHOT_FIELDS(TAKE)
#undef TAKE
	virt->vcpu_get_sregs(v, &s->sregs);
	s->msrs = v->msrs;
	virt->vcpu_msr(v, MSR_KERNEL_GS_BASE_NUM, false, &s->kernel_gs_base);
	/* v owns this CPU's FPU while loaded: save its registers into its image first. */
	fpu_switch(&v->fpu, &v->fpu);
	s->fpu_xcr0 = v->fpu.xcr0;
	memcpy(s->fpu, v->fpu.area, fpu_size);
	return (int)(sizeof(*s) + fpu_size);
}

int vcpu_snapshot_check(const void *buf, size_t len)
{
	const struct snapshot *s = buf;
	if (len < sizeof(*s) || s->version != SNAPSHOT_VERSION || s->fpu_size != fpu_area_size() ||
	    len != sizeof(*s) + s->fpu_size)
		return -EINVAL;
	return 0;
}

int vcpu_snapshot_load(struct vcpu *v, const void *buf, size_t len)
{
	const struct snapshot *s = buf;
	if (vcpu_snapshot_check(buf, len))
		return -EINVAL;
	int err = virt->vcpu_set_sregs(v, &s->sregs);
	if (!err)
		err = exit_msr_load(v, &s->msrs, s->kernel_gs_base);
	if (err)
		return -EINVAL;
#define LOAD(f) memcpy((void *)&v->f, &s->f, sizeof(v->f));
	VCPU_SNAPSHOT_FIELDS(LOAD)
#undef LOAD
	memcpy(v->fpu.area, s->fpu, s->fpu_size);
	v->fpu.xcr0 = s->fpu_xcr0;
	fpu_switch(NULL, &v->fpu); /* v owns the FPU here: its registers now hold the image */
	return 0;
}
