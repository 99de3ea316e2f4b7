/*
 * The checks XSETBV makes on a new XCR0 (SDM 2 XSETBV, SDM 1 13.3), so that
 * the hypervisor never executes an XSETBV the CPU would refuse with #GP.
 */
#ifndef SHOJI_KERNEL_EMUL_XCR0_POLICY_H
#define SHOJI_KERNEL_EMUL_XCR0_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define XCR0_X87      (1ULL << 0)
#define XCR0_SSE      (1ULL << 1)
#define XCR0_AVX      (1ULL << 2)
#define XCR0_BNDREGS  (1ULL << 3)
#define XCR0_BNDCSR   (1ULL << 4)
#define XCR0_AVX512   (7ULL << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_TILECFG  (1ULL << 17)
#define XCR0_TILEDATA (1ULL << 18)

/*
 * May XCR0 become `value`, given the bits the guest's CPUID leaf 0xD sub-leaf
 * 0 (EDX:EAX) offers? x87 always set, AVX only with SSE, the MPX pair, the
 * three AVX-512 bits and the AMX pair each all or none, AVX-512 only with AVX.
 */
bool xcr0_policy_ok(uint64_t value, uint64_t offered);

#endif
