/*
 * exits: drives every exit Shoji emulates for a guest and asserts the
 * guest-visible result: CPUID, MSRs (allowed and forbidden), port I/O,
 * control registers, HLT, hypercalls and unclaimed MMIO. One line per check,
 * then "exits: PASS" (exit 0) or "exits: FAIL <n> checks" (exit 1).
 */
#include <stddef.h>

#include "tests/guests/lib/check.h"
#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/trap.h"
#include "tests/guests/lib/x86.h"

#define UART_SCRATCH	   (GUEST_UART_PORT + 7)
#define UNCLAIMED_PORT	   0x5555
#define UNCLAIMED_MMIO_GPA 0xd0000000ul
#define BEYOND_RAM_GPA	   0x80000000ul /* above 16 MiB RAM, below the MMIO window */
#define FS_BASE_PATTERN	   0x0000123456789000ul
#define UNKNOWN_MSR	   0x12345678u
#define PAT_POWER_ON	   0x0007040600070406ul
#define PAT_ALL_WB	   0x0606060606060606ul
#define PAT_TYPE_2	   0x0007040600070402ul /* memory type 2 is reserved: #GP */
#define LSTAR_PATTERN	   0xffffffff81000000ul
#define NON_CANONICAL	   0x0000800000000000ul
#define UNKNOWN_HYPERCALL  999

static void check_cpuid(void)
{
	struct cpuid_regs r = cpuid(SHOJI_CPUID_BASE, 0);

	check_true("cpuid 0x40000000 max leaf", r.eax >= SHOJI_CPUID_ABI, r.eax, SHOJI_CPUID_ABI);
	check_eq("cpuid 0x40000000 signature ebx", r.ebx, SHOJI_CPUID_SIG_EBX);
	check_eq("cpuid 0x40000000 signature ecx", r.ecx, SHOJI_CPUID_SIG_ECX);
	check_eq("cpuid 0x40000000 signature edx", r.edx, SHOJI_CPUID_SIG_EDX);

	r = cpuid(SHOJI_CPUID_ABI, 0);
	check_eq("cpuid 0x40000001 abi version", r.eax, SHOJI_ABI_VERSION);
	check_true("cpuid 0x40000001 hypercall insn",
		   r.ebx == SHOJI_HC_INSN_VMCALL || r.ebx == SHOJI_HC_INSN_VMMCALL, r.ebx,
		   SHOJI_HC_INSN_VMCALL);

	/* The timing leaf: a TSC frequency a CPU can have (1 MHz .. 100 GHz); no APIC here. */
	r = cpuid(SHOJI_CPUID_TIMING, 0);
	check_true("cpuid 0x40000010 tsc khz", r.eax >= 1000 && r.eax <= 100000000, r.eax, 1000);
	check_eq("cpuid 0x40000010 apic timer khz", r.ebx, 0);

	r = cpuid(1, 0);
	check_eq("cpuid 1 ecx hypervisor bit", r.ecx & CPUID1_ECX_HYPERVISOR,
		 CPUID1_ECX_HYPERVISOR);
	check_eq("cpuid 1 ecx vmx hidden", r.ecx & CPUID1_ECX_VMX, 0);
	r = cpuid(0x80000001, 0);
	check_eq("cpuid 0x80000001 ecx svm hidden", r.ecx & CPUID80000001_ECX_SVM, 0);
}

/*
 * MSRs that only WRMSR changes (PAT, SYSENTER_*, STAR/LSTAR/CSTAR/SFMASK):
 * power-on values at every start (the console test restarts this guest
 * after it left LSTAR and PAT changed), written values read back, and
 * invalid writes refused with the old value kept.
 */
static void check_kept_msrs(void)
{
	uint64_t v = 0;

	check_eq("rdmsr pat power-on", (rdmsr_try(MSR_IA32_PAT, &v), v), PAT_POWER_ON);
	v = 1;
	check_eq("rdmsr lstar power-on", (rdmsr_try(MSR_LSTAR, &v), v), 0);
	check_eq("wrmsr pat all wb", (uint64_t)wrmsr_try(MSR_IA32_PAT, PAT_ALL_WB), TRAP_NONE);
	check_eq("wrmsr pat reserved type raises #GP",
		 (uint64_t)wrmsr_try(MSR_IA32_PAT, PAT_TYPE_2), TRAP_GP);
	check_eq("pat kept after #GP", (rdmsr_try(MSR_IA32_PAT, &v), v), PAT_ALL_WB);
	check_eq("wrmsr lstar", (uint64_t)wrmsr_try(MSR_LSTAR, LSTAR_PATTERN), TRAP_NONE);
	check_eq("wrmsr lstar non-canonical raises #GP",
		 (uint64_t)wrmsr_try(MSR_LSTAR, NON_CANONICAL), TRAP_GP);
	check_eq("lstar kept after #GP", (rdmsr_try(MSR_LSTAR, &v), v), LSTAR_PATTERN);
	check_eq("wrmsr sysenter_cs", (uint64_t)wrmsr_try(MSR_IA32_SYSENTER_CS, 0x10), TRAP_NONE);
	check_eq("sysenter_cs read back", (rdmsr_try(MSR_IA32_SYSENTER_CS, &v), v), 0x10);
}

static void check_msrs(void)
{
	uint64_t v;

	check_eq("rdmsr apic_base no fault", (uint64_t)rdmsr_try(MSR_IA32_APIC_BASE, &v),
		 (uint64_t)TRAP_NONE);
	check_eq("rdmsr pat no fault", (uint64_t)rdmsr_try(MSR_IA32_PAT, &v), (uint64_t)TRAP_NONE);
	check_eq("rdmsr efer no fault", (uint64_t)rdmsr_try(MSR_EFER, &v), (uint64_t)TRAP_NONE);
	check_eq("rdmsr efer lme+lma", v & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
	check_eq("rdmsr tsc no fault", (uint64_t)rdmsr_try(MSR_IA32_TSC, &v), (uint64_t)TRAP_NONE);

	check_eq("wrmsr fs_base no fault", (uint64_t)wrmsr_try(MSR_FS_BASE, FS_BASE_PATTERN),
		 (uint64_t)TRAP_NONE);
	v = 0;
	check_eq("rdmsr fs_base no fault", (uint64_t)rdmsr_try(MSR_FS_BASE, &v),
		 (uint64_t)TRAP_NONE);
	check_eq("fs_base read back", v, FS_BASE_PATTERN);
	wrmsr_try(MSR_FS_BASE, 0);

	check_eq("wrmsr feature_control raises #GP",
		 (uint64_t)wrmsr_try(MSR_IA32_FEATURE_CONTROL, 1), TRAP_GP);
	check_eq("rdmsr vmx_basic raises #GP", (uint64_t)rdmsr_try(MSR_IA32_VMX_BASIC, &v),
		 TRAP_GP);
	check_eq("rdmsr unknown msr raises #GP", (uint64_t)rdmsr_try(UNKNOWN_MSR, &v), TRAP_GP);
}

static void check_ports(void)
{
	outb(UART_SCRATCH, 0x5a);
	check_eq("uart scratch read back 0x5a", inb(UART_SCRATCH), 0x5a);
	outb(UART_SCRATCH, 0xa5);
	check_eq("uart scratch read back 0xa5", inb(UART_SCRATCH), 0xa5);

	check_eq("unclaimed port inb", inb(UNCLAIMED_PORT), 0xff);
	check_eq("unclaimed port inw", inw(UNCLAIMED_PORT), 0xffff);
	check_eq("unclaimed port inl", inl(UNCLAIMED_PORT), 0xffffffff);
	outl(UNCLAIMED_PORT, 0x12345678);
	check_eq("unclaimed port inl after outl", inl(UNCLAIMED_PORT), 0xffffffff);
}

static void check_control_registers(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();

	write_cr0(cr0 ^ CR0_MP);
	check_eq("cr0.mp toggled", read_cr0(), cr0 ^ CR0_MP);
	write_cr0(cr0);
	check_eq("cr0 restored", read_cr0(), cr0);

	write_cr4(cr4 ^ CR4_OSXMMEXCPT);
	check_eq("cr4.osxmmexcpt toggled", read_cr4(), cr4 ^ CR4_OSXMMEXCPT);
	write_cr4(cr4);
	check_eq("cr4 restored", read_cr4(), cr4);
}

#define GUEST_TIMER_VECTOR 0x30
#define ONE_MS_NS	   1000000

/*
 * HLT with interrupts on waits for an interrupt: the one-shot timer
 * hypercall provides one. STI's interrupt shadow covers the HLT, so the
 * interrupt cannot slip in between.
 */
static void check_hlt(void)
{
	if (!shoji_present()) {
		check_true("hlt woken by the timer (not under Shoji: not run)", false, 0, 1);
		return;
	}
	unsigned before = trap_irq_count;
	check_eq("hc set_timer",
		 (uint64_t)hypercall(HC_SET_TIMER, ONE_MS_NS, GUEST_TIMER_VECTOR, 0), 0);
	asm volatile("sti; hlt; cli" ::: "memory");
	check_eq("hlt woken by the timer interrupt", trap_irq_count - before, 1);
	check_eq("timer interrupt vector", (uint64_t)trap_last_irq, GUEST_TIMER_VECTOR);
	check_eq("hc set_timer bad vector einval",
		 (uint64_t)hypercall(HC_SET_TIMER, ONE_MS_NS, 3, 0), (uint64_t)HC_EINVAL);
}

/* Debug registers: written values read back; DR6/DR7 start at their reset values. */
static void check_debug_registers(void)
{
	uint64_t dr0 = 0x123456789abcdef0ul, got, dr6, dr7;
	asm volatile("mov %1, %%dr0; mov %%dr0, %0" : "=r"(got) : "r"(dr0));
	check_eq("dr0 read back", got, dr0);
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	asm volatile("mov %%dr7, %0" : "=r"(dr7));
	check_eq("dr6 reset value", dr6, 0xffff0ff0);
	check_eq("dr7 reset value", dr7, 0x400);
}

/* INS/OUTS: one element per exit, REP re-executed until rCX is 0. */
static void check_string_io(void)
{
	static const char msg[] = "exits: string output works\n";
	const char *src = msg;
	unsigned long count = sizeof(msg) - 1;
	asm volatile("cld; rep outsb" : "+S"(src), "+c"(count) : "d"(0x3f8) : "memory");
	check_eq("rep outsb consumed the string", count, 0);
	check_eq("rep outsb advanced rsi", (uint64_t)(src - msg), sizeof(msg) - 1);

	uint8_t buf[4] = {0, 0, 0, 0};
	uint8_t *dst = buf;
	count = sizeof(buf);
	asm volatile("cld; rep insb" : "+D"(dst), "+c"(count) : "d"(UNCLAIMED_PORT) : "memory");
	check_eq("rep insb from an unclaimed port reads all ones",
		 (uint64_t)buf[0] << 24 | (uint64_t)buf[1] << 16 | buf[2] << 8 | buf[3], 0xffffffff);
	check_eq("rep insb advanced rdi", (uint64_t)(dst - buf), sizeof(buf));
}

static void check_hypercalls(void)
{
	static const char msg[] = "exits: console hypercall works\n";
	long len = (long)sizeof(msg) - 1;

	if (!check_true("hypercall instruction known", hypercall_insn() != 0, hypercall_insn(),
			SHOJI_HC_INSN_VMCALL))
		return;

	check_eq("hc version", (uint64_t)hypercall(HC_VERSION, 0, 0, 0), SHOJI_ABI_VERSION);
	check_eq("hc console_write returns length",
		 (uint64_t)hypercall(HC_CONSOLE_WRITE, (long)msg, len, 0), (uint64_t)len);
	check_eq("hc console_write outside ram efault",
		 (uint64_t)hypercall(HC_CONSOLE_WRITE, (long)BEYOND_RAM_GPA, 16, 0),
		 (uint64_t)HC_EFAULT);
	/* gpa 0 is guest RAM, so only the length is wrong. */
	check_eq("hc console_write too long einval",
		 (uint64_t)hypercall(HC_CONSOLE_WRITE, 0, HC_CONSOLE_MAX + 1, 0),
		 (uint64_t)HC_EINVAL);
	check_eq("hc unknown enosys", (uint64_t)hypercall(UNKNOWN_HYPERCALL, 0, 0, 0),
		 (uint64_t)HC_ENOSYS);

	long t1 = hypercall(HC_TIME_NS, 0, 0, 0);
	long t2 = hypercall(HC_TIME_NS, 0, 0, 0);
	check_true("hc time_ns non-negative", t1 >= 0, (uint64_t)t1, 0);
	check_true("hc time_ns monotonic", t2 >= t1, (uint64_t)t2, (uint64_t)t1);

	check_eq("hc yield", (uint64_t)hypercall(HC_YIELD, 0, 0, 0), 0);
}

static void check_mmio(void)
{
	uint64_t gpa = UNCLAIMED_MMIO_GPA;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	check_eq("mmio read32 no fault", (uint64_t)mmio_read32_try(gpa, &v32), (uint64_t)TRAP_NONE);
	check_eq("mmio read32 all ones", v32, 0xffffffff);
	check_eq("mmio read8 no fault", (uint64_t)mmio_read8_try(gpa, &v8), (uint64_t)TRAP_NONE);
	check_eq("mmio read8 all ones", v8, 0xff);
	check_eq("mmio read16 no fault", (uint64_t)mmio_read16_try(gpa + 2, &v16),
		 (uint64_t)TRAP_NONE);
	check_eq("mmio read16 all ones", v16, 0xffff);

	check_eq("mmio write32 no fault", (uint64_t)mmio_write32_try(gpa, 0x12345678),
		 (uint64_t)TRAP_NONE);
	check_eq("mmio write8 no fault", (uint64_t)mmio_write8_try(gpa + 1, 0),
		 (uint64_t)TRAP_NONE);
	mmio_read32_try(gpa, &v32);
	check_eq("mmio read32 after write all ones", v32, 0xffffffff);

	/* movzbq: the byte zero-extends into all 64 bits. */
	v64 = 0x5a5a5a5a5a5a5a5a;
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movzbq (%1), %0") : "+r"(v64) : "r"(gpa + 5) : "memory");
	check_eq("mmio movzbq no fault", (uint64_t)trap_end(), (uint64_t)TRAP_NONE);
	check_eq("mmio movzbq zero-extends", v64, 0xff);

	/* movzwl into a 32-bit register also clears bits 63:32. */
	v64 = 0x5a5a5a5a5a5a5a5a;
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movzwl (%1), %k0") : "+r"(v64) : "r"(gpa + 6) : "memory");
	check_eq("mmio movzwl no fault", (uint64_t)trap_end(), (uint64_t)TRAP_NONE);
	check_eq("mmio movzwl zero-extends", v64, 0xffff);

	/* base + index * 4 + disp8: 0xd0000000 + 4 * 4 + 0x10 = 0xd0000020. */
	v32 = 0;
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movl 0x10(%1,%2,4), %0")
		     : "+r"(v32)
		     : "r"(gpa), "r"(4ul)
		     : "memory");
	check_eq("mmio sib+disp read no fault", (uint64_t)trap_end(), (uint64_t)TRAP_NONE);
	check_eq("mmio sib+disp read all ones", v32, 0xffffffff);

	/* index * 1 + disp32 with no base register (SIB base 101, mod 00). */
	v32 = 0;
	trap_begin();
	asm volatile(TRAP_SKIPPABLE("movl 0x40(,%1,1), %0") : "+r"(v32) : "r"(gpa) : "memory");
	check_eq("mmio index+disp32 read no fault", (uint64_t)trap_end(), (uint64_t)TRAP_NONE);
	check_eq("mmio index+disp32 read all ones", v32, 0xffffffff);

	/* REX.W load: the full 8 bytes are all ones. */
	check_eq("mmio read64 no fault", (uint64_t)mmio_read64_try(gpa + 8, &v64),
		 (uint64_t)TRAP_NONE);
	check_eq("mmio read64 all ones", v64, ~0ull);
}

int main(void)
{
	trap_init("exits");
	check_begin("exits");
	gprintf("exits: start\n");

	check_cpuid();
	check_msrs();
	check_kept_msrs();
	check_ports();
	check_control_registers();
	check_hlt();
	check_debug_registers();
	check_string_io();
	check_hypercalls();
	check_mmio();

	return check_verdict();
}
