"""Guests under the VT-x backend (Bochs emulates VMX with EPT and unrestricted guest)."""
from harness import Scenario, guest
from guest_scenarios import FORBID, scenarios


class VmxScenario(Scenario):
    emulator = "bochs"
    bochs_model = "corei7_haswell_4770"
    cmdline = "test-exit isolation-check"
    timeout = 180
    forbid = FORBID


class NoEpt(VmxScenario):
    """A CPU with VMX but without EPT: a clear message, no guests, no crash."""
    bochs_model = "core2_penryn_t9600"
    guests = (guest("hello64"),)
    expect = (
        r"virt=none \(vmx: CPU lacks EPT \(extended page tables\)\)",
        r"guests: 1 configured, none started: vmx: CPU lacks EPT",
        r"shoji: boot complete",
    )
    forbid = (r"PANIC", r"EXCEPTION", r"\[hello64\]")


SHARED, _ = scenarios("vmx", "bochs-vmx-", VmxScenario, r"shoji \S+: boot=multiboot2")
# The features the backend found and uses, as it lists them at boot.
SHARED[0].expect += (r"vmx: VMCS revision 0x[0-9a-f]+, EPT \(4-level, WB\) yes",
                     r"vmx: EPT 2M pages yes, 1G pages yes, A/D bits yes, VPID yes, "
                     r"preemption timer yes")
SCENARIOS = SHARED + [NoEpt("bochs-vmx-no-ept")]
