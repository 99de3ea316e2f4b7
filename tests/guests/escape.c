/*
 * escape: reaches for what lies outside its sandbox and asserts each attempt
 * has the defined outcome: host-physical device addresses inside the MMIO
 * window read all ones and ignore writes, VMX/feature MSRs raise #GP, the
 * PCI and reset ports are unclaimed. Then, after "escape: contained so far",
 * it reads guest-physical memory outside both RAM and the MMIO window, where
 * Shoji must stop it. Still running after that read: "escape: FAIL read
 * beyond RAM returned", exit 1.
 */
#include "tests/guests/lib/check.h"
#include "tests/guests/lib/print.h"
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/trap.h"
#include "tests/guests/lib/x86.h"

#define LAPIC_GPA	 0xfee00000ul /* the host's local APIC, if it leaked through */
#define LAPIC_ID	 0x20
#define LAPIC_TPR	 0x80
#define LAPIC_EOI	 0xb0
#define LAPIC_ICR_LO	 0x300
#define IOAPIC_GPA	 0xfec00000ul
#define RESET_VECTOR_GPA 0xfffffff0ul /* firmware flash on a real machine */
#define BEYOND_RAM_GPA	 0x80000000ul /* identity-mapped, above RAM, below the window */

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA	   0xcfc
#define PCI_RESET_CONTROL  0xcf9
#define PCI_RESET_FULL	   0x0e
#define KBC_COMMAND	   0x64
#define KBC_PULSE_RESET	   0xfe

static void check_all_ones32(const char *what, uint64_t gpa)
{
	uint32_t v = 0;
	int vec = mmio_read32_try(gpa, &v);

	if (vec != TRAP_NONE)
		check_eq(what, (uint64_t)vec, (uint64_t)TRAP_NONE);
	else
		check_eq(what, v, 0xffffffff);
}

static void check_write_ignored(const char *what, uint64_t gpa, uint32_t val)
{
	check_eq(what, (uint64_t)mmio_write32_try(gpa, val), (uint64_t)TRAP_NONE);
}

static void check_host_apic(void)
{
	check_all_ones32("lapic id reads all ones", LAPIC_GPA + LAPIC_ID);
	check_write_ignored("lapic tpr write no fault", LAPIC_GPA + LAPIC_TPR, 0xff);
	check_write_ignored("lapic eoi write no fault", LAPIC_GPA + LAPIC_EOI, 0);
	/* An INIT IPI to all but self, were it to reach the real APIC. */
	check_write_ignored("lapic icr write no fault", LAPIC_GPA + LAPIC_ICR_LO, 0x000c4500);
	check_all_ones32("lapic tpr still all ones", LAPIC_GPA + LAPIC_TPR);
	check_all_ones32("ioapic reads all ones", IOAPIC_GPA);
	check_write_ignored("reset vector write no fault", RESET_VECTOR_GPA, 0);
	check_all_ones32("reset vector reads all ones", RESET_VECTOR_GPA);
}

static void check_forbidden_msrs(void)
{
	uint64_t v;

	check_eq("wrmsr feature_control raises #GP",
		 (uint64_t)wrmsr_try(MSR_IA32_FEATURE_CONTROL, 1), TRAP_GP);
	check_eq("rdmsr vmx_basic raises #GP", (uint64_t)rdmsr_try(MSR_IA32_VMX_BASIC, &v),
		 TRAP_GP);
	check_eq("wrmsr vmx_basic raises #GP", (uint64_t)wrmsr_try(MSR_IA32_VMX_BASIC, 0), TRAP_GP);
}

static void check_forbidden_ports(void)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000); /* bus 0, device 0, function 0, register 0 */
	check_eq("pci config address reads all ones", inl(PCI_CONFIG_ADDRESS), 0xffffffff);
	check_eq("pci config data reads all ones", inl(PCI_CONFIG_DATA), 0xffffffff);
	/* Either write resets a real machine; we must still be here to check. */
	outb(PCI_RESET_CONTROL, PCI_RESET_FULL);
	check_eq("pci reset control ignored", inb(PCI_RESET_CONTROL), 0xff);
	outb(KBC_COMMAND, KBC_PULSE_RESET);
	check_eq("keyboard controller reset ignored", inb(KBC_COMMAND), 0xff);
}

/*
 * The hypervisor's own image sits at host-physical 2 MiB. The same number as
 * a guest-physical address must reach this guest's own RAM, never the host:
 * write a pattern there and read it back (the hypervisor checks its image
 * from outside after this guest has run).
 */
#define HYPERVISOR_HPA 0x200000ULL
#define HOST_PATTERN   0x5afe5afe5afe5afeULL

static void check_host_ram_alias(void)
{
	volatile uint64_t *p = (volatile uint64_t *)HYPERVISOR_HPA;
	for (unsigned i = 0; i < 512; i++)
		p[i] = HOST_PATTERN ^ i;
	uint64_t bad = 0;
	for (unsigned i = 0; i < 512; i++)
		bad += p[i] != (HOST_PATTERN ^ i);
	check_eq("gpa of the hypervisor's hpa is own ram", bad, 0);
}

int main(void)
{
	trap_init("escape");
	check_begin("escape");
	gprintf("escape: start\n");

	check_host_apic();
	check_forbidden_msrs();
	check_forbidden_ports();
	check_host_ram_alias();
	if (check_failures())
		return check_verdict();

	gprintf("escape: contained so far\n");
	gprintf("escape: probing beyond RAM at 0x%lx\n", BEYOND_RAM_GPA);
	uint32_t v;
	int vec = mmio_read32_try(BEYOND_RAM_GPA, &v);
	if (vec != TRAP_NONE) {
		gprintf("escape: FAIL read beyond RAM raised vector %d\n", vec);
		return GUEST_EXIT_FAIL;
	}
	gprintf("escape: FAIL read beyond RAM returned\n");
	return GUEST_EXIT_FAIL;
}
