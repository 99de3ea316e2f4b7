"""The virtual PC's interrupt controllers as a test guest written here sees them
(tests/guests/apic.c, 2 vCPUs, devices = pc): virtual-wire state left by the firmware, the
local APIC timer in its three modes, TPR and CR8, self and cross-vCPU IPIs, x2APIC mode and
its #GP rules, COM1's interrupt through the I/O APIC; on both backends, and on VT-x with and
without its APIC virtualization."""
from harness import Scenario, guest


class Apic(Scenario):
    qemu_smp = 2
    timeout = 120
    guests = (guest("apic", devices="uart, debug-exit, pc", vcpus=2),)
    expect = (r"\[apic\] apic: one-shot not early: ok",
              r"\[apic\] apic: periodic vector: ok",
              r"\[apic\] apic: deadline not early: ok",
              r"\[apic\] apic: self ipi held by tpr: ok",
              r"\[apic\] apic: ipi reached vcpu 1: ok",
              r"\[apic\] apic: com1 through the ioapic: ok",
              r"\[apic\] apic: x2apic to xapic directly #GP: ok",
              r"\[apic\] apic: PASS")
    forbid = Scenario.forbid + (r"apic: .*FAIL",)


class BochsApic(Apic):
    """VT-x's APIC virtualization on (Bochs offers it): the EOIs and the ICR write exit
    after the fact, decoded by nobody."""
    emulator = "bochs"
    expect = Apic.expect + (r"vmx: APIC virtualization \(EOI exits without a decode\) yes",
                            r"stats: apic apic-eoi count=[1-9]",
                            r"stats: apic apic-write count=[1-9]")


class BochsApicNoAccel(Apic):
    """The same with `vmx-no-apic-accel`: every access to the page is an MMIO exit."""
    emulator = "bochs"
    cmdline = "test-exit vmx-no-apic-accel"
    expect = Apic.expect + (r"vmx: APIC virtualization \(EOI exits without a decode\) no",)
    forbid = Apic.forbid + (r"stats: apic apic-eoi",)


SCENARIOS = [Apic("uefi-apic"), BochsApic("bochs-apic"), BochsApicNoAccel("bochs-apic-no-accel")]
