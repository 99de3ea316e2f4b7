/* XSETBV's checks on XCR0 (see xcr0_policy.h). */
#include "kernel/emul/xcr0_policy.h"

/* Either every bit of `group` is set in value, or none is. */
static bool all_or_none(uint64_t value, uint64_t group)
{
	return (value & group) == 0 || (value & group) == group;
}

bool xcr0_policy_ok(uint64_t value, uint64_t offered)
{
	if (value & ~offered)
		return false;
	if (!(value & XCR0_X87))
		return false;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return false;
	if (!all_or_none(value, XCR0_BNDREGS | XCR0_BNDCSR))
		return false;
	if (!all_or_none(value, XCR0_AVX512) || ((value & XCR0_AVX512) && !(value & XCR0_AVX)))
		return false;
	return all_or_none(value, XCR0_TILECFG | XCR0_TILEDATA);
}
