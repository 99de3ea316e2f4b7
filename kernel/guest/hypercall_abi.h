/*
 * Shoji's guest ABI: the CPUID leaves and hypercalls a guest may use. Pure
 * definitions, shared by the hypervisor and the test guests.
 *
 * CPUID 0x40000000: EAX = highest Shoji leaf, EBX:ECX:EDX = "ShojiShoji\0\0".
 * CPUID 0x40000001: EAX = ABI version, EBX = hypercall instruction
 *                   (SHOJI_HC_INSN_VMCALL or SHOJI_HC_INSN_VMMCALL).
 * CPUID 0x40000002: EAX = instance number (1..64) of a guest started as one
 *                   of a config guest's instances (NAME-N), 0 for a plain guest.
 * Resizing (HC_NOTIFY .. HC_BALLOON): README "Scheduler and management console".
 * Hypercall: RAX = number, RDI, RSI, RDX = arguments; result in RAX
 * (>= 0 success, negative errno). Other registers are preserved.
 */
#ifndef SHOJI_KERNEL_HYPERCALL_ABI_H
#define SHOJI_KERNEL_HYPERCALL_ABI_H

#define SHOJI_CPUID_BASE     0x40000000u
#define SHOJI_CPUID_ABI	     0x40000001u
#define SHOJI_CPUID_INSTANCE 0x40000002u /* EAX: instance number, 0: a plain guest */
#define SHOJI_CPUID_TIMING   0x40000010u /* EAX: TSC kHz, EBX: local APIC timer kHz (0: none) */
#define SHOJI_CPUID_SIG_EBX  0x6a6f6853u /* "Shoj" */
#define SHOJI_CPUID_SIG_ECX  0x6f685369u /* "iSho" */
#define SHOJI_CPUID_SIG_EDX  0x0000696au /* "ji\0\0" */

#define SHOJI_ABI_VERSION     0x00010000u
#define SHOJI_HC_INSN_VMCALL  1u /* Intel: 0f 01 c1 */
#define SHOJI_HC_INSN_VMMCALL 2u /* AMD:   0f 01 d9 */

#define HC_VERSION	 0 /* () -> SHOJI_ABI_VERSION */
#define HC_CONSOLE_WRITE 1 /* (gpa buf, len <= HC_CONSOLE_MAX) -> bytes written */
#define HC_EXIT		 2 /* (code) -> does not return */
#define HC_YIELD	 3 /* () -> 0 */
#define HC_TIME_NS	 4 /* () -> nanoseconds since the hypervisor started */
#define HC_SET_TIMER	 5 /* (ns from now or 0 to cancel, vector 32..255) -> 0: one-shot interrupt */
#define HC_VCPU_START	 6 /* (vcpu id, rip, rsp) -> 0: start a secondary vCPU in vCPU 0's mode */
#define HC_HEARTBEAT	 7 /* () -> 0: the guest is alive (watchdog) */
#define HC_LOAD		 8 /* (percent 0..100) -> 0: how busy the guest is (autoscaler) */
#define HC_INSTANCES	 9 /* () -> instances of its config guest that run now (>= 1) */
/*
 * Resizing (the console's `set <guest> vcpus=N memory=SIZE`): the guest is
 * told through its notification vector and asks what it is offered now.
 */
#define HC_NOTIFY     10 /* (vector 32..255, 0: none) -> 0: raised on vCPU 0 when offers change */
#define HC_VCPUS      11 /* () -> n: vCPUs 0..n-1 may run; the others are to stop */
#define HC_VCPU_STOP  12 /* () -> a secondary vCPU stops itself (HC_VCPU_START starts it again) */
#define HC_MEM_TARGET 13 /* () -> bytes of RAM the guest is asked to hold */
#define HC_MEM_TOP    14 /* () -> end GPA of its RAM: boot RAM, then the hot-added regions */
#define HC_BALLOON    15 /* (gpa, pages 1..512) -> bytes it holds then: the pages are given back */

#define HC_CONSOLE_MAX 4096

/* Error results (negated errno values). */
#define HC_ENOMEM (-12) /* no hypervisor memory for it now */
#define HC_EFAULT (-14) /* buffer outside guest RAM */
#define HC_EINVAL (-22) /* bad argument */
#define HC_ENOSYS (-38) /* unknown hypercall number */

/* Guest-visible devices of every guest. */
#define GUEST_UART_PORT	      0x3f8
#define GUEST_DEBUG_EXIT_PORT 0xf4 /* write a byte: the guest stops with that exit code */

#endif
