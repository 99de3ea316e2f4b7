"""A fault inside the hypervisor is reported (vector, error, RIP, CR2) and ends the run."""
import re

from harness import Scenario, QEMU_PANIC_STATUS


class PageFault(Scenario):
    cmdline = "test-exit test-fault=pagefault"
    expect = (
        r"selftest: reading the boot stack guard page at 0x[0-9a-f]+",
        r"EXCEPTION: #PF page fault \(vector 14\) error=0x0",
        r"RIP=0x[0-9a-f]{16} ",
        r"stack trace: 0x[0-9a-f]{16}",
        r"PANIC: unhandled exception #PF page fault",
        r"PANIC: all CPUs halted",
    )
    forbid = (r"the guard page was readable", r"shoji: boot complete")

    def check(self, log):
        m = re.search(r"guard page at 0x([0-9a-f]+)", log)
        cr2 = re.search(r"CR2=0x([0-9a-f]{16})", log)
        if not m or not cr2:
            return ["no guard address or CR2 in the log"]
        if int(m.group(1), 16) != int(cr2.group(1), 16):
            return ["CR2=0x%s is not the guard page 0x%s" % (cr2.group(1), m.group(1))]
        return []


class UefiPageFault(PageFault):
    emulator = "qemu"
    qemu_smp = 2
    expect_status = QEMU_PANIC_STATUS


class BochsPageFault(PageFault):
    emulator = "bochs"
    expect = PageFault.expect + (r"shoji: test-exit code=0x11",)


class UefiInvalidOpcode(Scenario):
    emulator = "qemu"
    qemu_smp = 1
    cmdline = "test-exit test-fault=ud"
    expect = (r"EXCEPTION: #UD invalid opcode \(vector 6\)", r"PANIC: unhandled exception #UD")
    forbid = (r"shoji: boot complete",)
    expect_status = QEMU_PANIC_STATUS


class FaultFixup(Scenario):
    """A #GP at an instruction listed in the fault fixup table (arch/x86/fault_fixup.h) is
    turned into an error for its caller; the hypervisor boots on."""
    cmdline = "test-exit test-fault=fixup"
    expect = (r"selftest: XSETBV of XCR0=0 returned -22", r"shoji: boot complete")
    forbid = Scenario.forbid


class BochsFaultFixup(FaultFixup):
    emulator = "bochs"


SCENARIOS = [UefiPageFault("uefi-pagefault"), BochsPageFault("bochs-pagefault"),
             UefiInvalidOpcode("uefi-invalid-opcode"), FaultFixup("uefi-fault-fixup"),
             BochsFaultFixup("bochs-fault-fixup")]
