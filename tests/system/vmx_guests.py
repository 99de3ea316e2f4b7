"""Guests under the VT-x backend (Bochs emulates VMX with EPT and unrestricted guest)."""
from harness import Scenario, guest


class VmxScenario(Scenario):
    emulator = "bochs"
    bochs_model = "corei7_haswell_4770"
    cmdline = "test-exit isolation-check"
    timeout = 180
    forbid = (r"PANIC", r"EXCEPTION", r"isolation: .*CHANGED", r"FAIL")


class ThreeModes(VmxScenario):
    """hello64, hello32 and realmode in one boot: every entry mode, one guest after the other."""
    guests = (guest("hello64"), guest("hello32"),
              guest("realmode", "realmode.bin", mode="real", memory="1M"))
    expect = (
        r"shoji \S+: boot=multiboot2 .* virt=vmx",
        r"vmx: EPT 2M pages yes",
        r"\[hello64\] hello64: hello from 64-bit long mode",
        r"\[hello64\] hello64: PASS",
        r"guest hello64: exited: debug-exit port, code 0",
        r"\[hello32\] hello32: hello from 32-bit protected mode",
        r"\[hello32\] hello32: PASS",
        r"guest hello32: exited: debug-exit port, code 0",
        r"\[realmode\] realmode: hello from real mode",
        r"\[realmode\] realmode: PASS",
        r"guest realmode: exited: debug-exit port, code 0",
        r"guests: 3 ran \(3 exited, 0 stopped by the hypervisor\), 0 failed to start",
        r"shoji: test-exit code=0x10",
    )


class Exits(VmxScenario):
    """CPUID, MSRs, ports, CRs, HLT, hypercalls and unclaimed MMIO, each asserted by the guest."""
    guests = (guest("exits"),)
    expect = (
        r"\[exits\] exits: cpuid 0x40000000 signature ebx: ok",
        r"\[exits\] exits: cpuid 1 ecx vmx hidden: ok",
        r"\[exits\] exits: rdmsr unknown msr raises #GP: ok",
        r"\[exits\] exits: unclaimed port inl: ok",
        r"\[exits\] exits: cr4.osxmmexcpt toggled: ok",
        r"\[exits\] exits: hlt woken by the timer interrupt: ok",
        r"\[exits\] exits: hc unknown enosys: ok",
        r"\[exits\] exits: mmio sib\+disp read all ones: ok",
        r"\[exits\] exits: PASS",
        r"guest exits: exited: debug-exit port, code 0",
        r"stats: exits cpuid count=\d+ cycles=\d+ avg=\d+",
        r"stats: exits mmio count=\d+",
        r"stats: exits unclaimed_io=[1-9]\d* unclaimed_mmio=[1-9]\d* msr_gp=[1-9]\d*",
    )


class Escape(VmxScenario):
    """An escaping guest is contained and stopped; the hypervisor and the next guest are untouched."""
    guests = (guest("escape"), guest("hello64"))
    expect = (
        r"\[escape\] escape: gpa of the hypervisor's hpa is own ram: ok",
        r"\[escape\] escape: contained so far",
        r"\[escape\] escape: probing beyond RAM at 0x80000000",
        r"guest escape: stopped by the hypervisor: access to GPA 0x80000000 outside its memory",
        r"isolation: after guest escape: hypervisor image and 1 other guests' memory unchanged",
        r"\[hello64\] hello64: PASS",
        r"guests: 2 ran \(1 exited, 1 stopped by the hypervisor\)",
    )


class Crash(VmxScenario):
    """A triple fault stops that guest only; the next guest still runs."""
    guests = (guest("crash"), guest("hello64"))
    expect = (
        r"\[crash\] crash: about to triple fault",
        r"guest crash: stopped by the hypervisor: triple fault \(exit reason 2\) \(vcpu 0, rip 0x[0-9a-f]+\)",
        r"isolation: after guest crash: hypervisor image and 1 other guests' memory unchanged",
        r"\[hello64\] hello64: PASS",
    )


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


SCENARIOS = [ThreeModes("bochs-vmx-three-modes"), Exits("bochs-vmx-exits"),
             Escape("bochs-vmx-escape"), Crash("bochs-vmx-crash"), NoEpt("bochs-vmx-no-ept")]
