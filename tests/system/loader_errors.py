"""The UEFI loader names the file at fault and returns to the firmware when its own kernel
is missing or bad; a bad guest section or a missing guest file skips that guest, not the whole
machine."""
from harness import Scenario, QEMU_PASS_STATUS, guest

RETURN = r"shoji\.efi: returning to firmware"


class MissingKernel(Scenario):
    kernel = "none"
    expect = (r"shoji\.efi: error: \\shoji\\kernel\.elf: file not found", RETURN)
    forbid = (r"shoji \S+ starting",)
    end_marker = RETURN


class CorruptKernel(Scenario):
    kernel = "tools/shoji.cfg"  # a text file where the ELF should be
    expect = (r"shoji\.efi: error: \\shoji\\kernel\.elf: .*(ELF|magic)", RETURN)
    forbid = (r"shoji \S+ starting",)
    end_marker = RETURN


class MissingModule(Scenario):
    guests = (guest("good", "hello64.elf"),)
    config_extra = "\n[guest ghost]\nimage = guests/ghost.elf\n"
    expect_status = QEMU_PASS_STATUS
    expect = (r"shoji\.efi: warning: \\shoji\\guests\\ghost\.elf: file not found, the guests "
              r"naming it are skipped",
              r"cfg: shoji\.cfg:\d+: image 'guests/ghost\.elf' was not loaded",
              r"cfg: shoji\.cfg:\d+: guest 'ghost' skipped",
              r"\[good\] hello64: PASS",
              r"guests: 1 ran \(1 exited, 0 stopped by the hypervisor\)")
    forbid = (RETURN, r"PANIC")


class BadImageSections(Scenario):
    """Sections whose image path is empty or holds a NUL are skipped by the loader and the
    kernel alike (as on the GRUB path); the guests around them boot."""
    guests = (guest("good1", "hello64.elf"),)
    # Lines 1-5: header, cmdline, blank, [guest good1], image (harness._write_config).
    config_extra = ("\n[guest empty]\nimage =\n"
                    "\n[guest nul]\nimage = guests/hel\0lo64.elf\n"
                    "\n[guest good2]\nimage = guests/hello64.elf\n")
    expect_status = QEMU_PASS_STATUS
    expect = (
        r"shoji\.efi: warning: \\shoji\\shoji\.cfg: line 8: empty value for 'image', "
        r"nothing loaded for it",
        r"shoji\.efi: warning: \\shoji\\shoji\.cfg: line 11: NUL byte in line, "
        r"nothing loaded for it",
        r"cfg: shoji\.cfg:8: empty value for 'image'",
        r"cfg: shoji\.cfg:7: guest 'empty' skipped",
        r"cfg: shoji\.cfg:11: NUL byte in line",
        r"cfg: shoji\.cfg:10: guest 'nul' skipped",
        r"\[good1\] hello64: PASS",
        r"\[good2\] hello64: PASS",
        r"guests: 2 ran \(2 exited, 0 stopped by the hypervisor\), 0 failed to start",
    )
    forbid = (r"PANIC", r"EXCEPTION", r"returning to firmware", r"\[empty\]", r"\[nul\]")


SCENARIOS = [MissingKernel("uefi-missing-kernel"), CorruptKernel("uefi-corrupt-kernel"),
             MissingModule("uefi-missing-module"),
             BadImageSections("uefi-bad-image-sections")]
