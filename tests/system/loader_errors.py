"""The UEFI loader names the file at fault and returns to the firmware."""
from harness import Scenario

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
    config_extra = "[guest ghost]\nimage = guests/ghost.elf\n"
    expect = (r"shoji\.efi: error: \\shoji\\guests\\ghost\.elf: file not found", RETURN)
    forbid = (r"shoji \S+ starting",)
    end_marker = RETURN


SCENARIOS = [MissingKernel("uefi-missing-kernel"), CorruptKernel("uefi-corrupt-kernel"),
             MissingModule("uefi-missing-module")]
