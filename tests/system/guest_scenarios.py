"""The guest scenarios both backends must pass: built per backend by vmx_guests.py
(Bochs, VT-x) and svm_guests.py (QEMU + OVMF, SVM). No SCENARIOS here."""
from harness import Scenario, QEMU_PASS_STATUS, guest

FORBID = (r"PANIC", r"EXCEPTION", r"isolation: .*CHANGED", r"FAIL")

EXITS_EXPECT = (
    r"\[exits\] exits: cpuid 0x40000000 signature ebx: ok",
    r"\[exits\] exits: cpuid 0x40000001 hypercall insn: ok",
    r"\[exits\] exits: cpuid 1 ecx vmx hidden: ok",
    r"\[exits\] exits: cpuid 0x80000001 ecx svm hidden: ok",
    r"\[exits\] exits: rdmsr efer lme\+lma: ok",
    r"\[exits\] exits: fs_base read back: ok",
    r"\[exits\] exits: rdmsr unknown msr raises #GP: ok",
    r"\[exits\] exits: unclaimed port inl: ok",
    r"\[exits\] exits: cr0.mp toggled: ok",
    r"\[exits\] exits: cr4.osxmmexcpt toggled: ok",
    r"\[exits\] exits: hlt woken by the timer interrupt: ok",
    r"\[exits\] exits: timer interrupt vector: ok",
    r"\[exits\] exits: dr0 read back: ok",
    r"\[exits\] exits: dr7 reset value: ok",
    r"\[exits\] exits: string output works",
    r"\[exits\] exits: rep insb from an unclaimed port reads all ones: ok",
    r"\[exits\] exits: hc version: ok",
    r"\[exits\] exits: hc unknown enosys: ok",
    r"\[exits\] exits: mmio sib\+disp read all ones: ok",
    r"\[exits\] exits: PASS",
    r"guest exits: exited: debug-exit port, code 0",
    r"stats: exits cpuid count=\d+ cycles=\d+ avg=\d+",
    r"stats: exits mmio count=\d+",
    r"stats: exits unclaimed_io=[1-9]\d* unclaimed_mmio=[1-9]\d* msr_gp=[1-9]\d*",
)


# ICEBP is checked under Bochs (VT-x); QEMU 7.2's TCG raises #UD for it natively.
ICEBP_EXPECT = {
    "vmx": (r"\[contract\] contract: icebp delivers #DB once: ok",
            r"\[contract\] contract: icebp #DB returns after icebp: ok"),
    "svm": (r"\[contract\] contract: icebp raises #UD on this CPU: not checked",),
}


def scenarios(backend, prefix, base, summary):
    """The shared scenarios for `backend` ("vmx"/"svm"), named prefix-<what>, derived from
    `base` (a Scenario subclass naming the emulator), with `summary` matching the boot line."""

    class ThreeModes(base):
        """hello64, hello32 and realmode in one boot: every entry mode, one after the other."""
        guests = (guest("hello64"), guest("hello32"),
                  guest("realmode", "realmode.bin", mode="real", memory="1M"))
        expect = (
            summary + r" .* virt=" + backend,
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
        )

    class Exits(base):
        """CPUID, MSRs, ports, CRs, HLT, hypercalls and unclaimed MMIO, each asserted by the guest."""
        guests = (guest("exits"),)
        expect = EXITS_EXPECT

    class Contract(base):
        """The guest-visible contract both backends keep alike (README "What a guest sees"):
        CR8 virtual and masking by priority, RDPMC #GP, MONITOR/MWAIT #UD, INVD/WBINVD,
        KERNEL_GS_BASE through SWAPGS and a yield; hello64 beside it runs unharmed."""
        guests = (guest("contract"), guest("hello64"))
        expect = (
            r"\[contract\] contract: cr8 read back 15: ok",
            r"\[contract\] contract: mov 16 to cr8 raises #GP: ok",
            r"\[contract\] contract: timer interrupt held while tpr 3: ok",
            r"\[contract\] contract: timer interrupt delivered once tpr 2: ok",
            r"\[contract\] contract: rdpmc raises #GP: ok",
            r"\[contract\] contract: monitor raises #UD: ok",
            r"\[contract\] contract: mwait raises #UD: ok",
            r"\[contract\] contract: invd no fault: ok",
            r"\[contract\] contract: kernel_gs_base after swapgs: ok",
            r"\[contract\] contract: kernel_gs_base after second swapgs: ok",
            r"\[contract\] contract: xsetbv 0x23 raises #GP: ok",
            r"\[contract\] contract: xsetbv names xcr0 by ecx only: ok",
        ) + ICEBP_EXPECT[backend] + (
            r"\[contract\] contract: int3 #BP returns after int3: ok",
            r"\[contract\] contract: int 0x31 delivered once: ok",
            r"\[contract\] contract: insl across a page boundary: ok",
            r"\[contract\] contract: outsb from a non-canonical address raises #GP: ok",
            r"\[contract\] contract: insb #PF cr2: ok",
            r"\[contract\] contract: ram\|mmio read64: ok",
            r"\[contract\] contract: ram\|mmio write16 ram half: ok",
            r"\[contract\] contract: mmio\|ram read64: ok",
            r"\[contract\] contract: mmio\|ram write16 ram half: ok",
            r"\[contract\] contract: mmio\|not present #PF cr2: ok",
            r"\[contract\] contract: PASS",
            r"\[hello64\] hello64: PASS",
            r"guests: 2 ran \(2 exited, 0 stopped by the hypervisor\), 0 failed to start",
        )

    class Escape(base):
        """An escaping guest is contained and stopped; the hypervisor and the next guest are
        untouched (fingerprinted from outside)."""
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

    class Crash(base):
        """A triple fault stops that guest only; the next guest still runs."""
        guests = (guest("crash"), guest("hello64"))
        expect = (
            r"\[crash\] crash: about to triple fault",
            r"guest crash: stopped by the hypervisor: triple fault \(exit reason \d+\) "
            r"\(vcpu 0, rip 0x[0-9a-f]+\)",
            r"isolation: after guest crash: hypervisor image and 1 other guests' memory unchanged",
            r"\[hello64\] hello64: PASS",
        )

    return [ThreeModes(prefix + "three-modes"), Exits(prefix + "exits"),
            Contract(prefix + "contract"),
            Escape(prefix + "escape"), Crash(prefix + "crash")], Exits
