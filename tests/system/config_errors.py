"""A config with bad guest sections: each error is named exactly; the good guests run."""
from harness import Scenario, guest


class BadConfig(Scenario):
    emulator = "bochs"
    bochs_cpus = 2
    bochs_megs = 256
    timeout = 180
    # The generated file: header, cmdline, script, then one section per guest (see
    # harness._write_config): the line numbers below follow from that layout.
    guests = (
        guest("good1", "hello64.elf"),
        guest("colour", "hello64.elf", colour="blue"),
        guest("badmem", "hello64.elf", memory="12Q"),
        guest("big", "hello64.elf", memory="1G"),
        guest("toomany", "hello64.elf", vcpus=2, cpus="1,2"),
        guest("pin1", "hog.elf", cpus="1"),
        guest("pin2", "hog.elf", cpus="1"),
        guest("good2", "hello32.elf"),
    )
    config_extra = "\n[guest ghost]\nimage = guests/ghost.elf\n"
    script = "stop pin1\n"
    expect = (
        r"cfg: shoji\.cfg:10: unknown key 'colour'",
        r"cfg: shoji\.cfg:8: guest 'colour' skipped",
        r"cfg: shoji\.cfg:14: bad memory size '12Q'",
        r"cfg: shoji\.cfg:18: guest 'big' needs 1G but only \d+[KM] remain",
        r"cfg: shoji\.cfg:23: CPU 2 does not exist \(2 CPUs\)",
        r"cfg: shoji\.cfg:31: CPU 1 already pinned to guest 'pin1'",
        r"cfg: shoji\.cfg:37: image 'guests/ghost\.elf' was not loaded",
        r"\[good1\] hello64: PASS",
        r"\[good2\] hello32: PASS",
        r"guests: 3 ran \(3 exited, 0 stopped by the hypervisor\), 0 failed to start",
    )
    forbid = (r"PANIC", r"EXCEPTION", r"\[colour\]", r"\[badmem\]", r"\[big\]", r"\[toomany\]",
              r"\[pin2\]")


SCENARIOS = [BadConfig("bochs-config-errors")]
