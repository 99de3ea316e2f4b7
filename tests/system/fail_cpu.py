"""Simulated physical-CPU failures (`fail-cpu N`, `fail <guest> cpu`; kernel/mgmt/guests.c).

Duplex: the primary's pCPU fails; the hot standby takes over, but the failed replica, the
next standby, sits on the dead pCPU, so the guest runs on unprotected and its batch guest
has nowhere to go. Then the new primary's pCPU fails too: the guest is down, the batch
guest with it. TMR: a replica's pCPU fails, then the primary's: each is cut off and the
released stream goes on without a gap. A failed pCPU takes nothing again; CPU 0 (the
console's) cannot fail.
"""
from harness import Scenario, QEMU_PASS_STATUS, guest
from counter_check import stream_failures


class FailCpuDuplex(Scenario):
    qemu_smp = 3
    bochs_cpus = 3
    timeout = 300
    guests = (guest("work", "counter.elf", memory="2M"),
              guest("counter", memory="2M", redundancy="duplex", cpus="1",
                    **{"standby-cpus": "2", "batch": "work"}))
    script = ("waitfor counter seq 40 sum\nfail counter cpu\nsleep 100\n"
              "waitfor counter seq 150 sum\nfail-cpu 1\nfail-cpu 0\nstart work\n"
              "fail-cpu 2\nsleep 100\ninfo counter\nstats\n")
    expect = (r"guests: CPU 1 failed \(simulated\): nothing runs there from now on",
              r"guest counter: stopped by the hypervisor: its CPU 1 failed",
              r"duplex counter: failover 1: its CPU 1 failed; the standby resumed from "
              r"checkpoint \d+ on CPU 2",
              r"duplex counter: its standby's CPU 1 failed: counter runs on unprotected",
              r"duplex counter: batch guest work cannot move to CPU 1 \(-\d+\): it stays paused",
              r"shell: fail-cpu 1: already failed",
              r"shell: fail-cpu 0: CPU 0 runs the console: it cannot fail",
              r"shell: start work: already running",
              r"guests: CPU 2 failed \(simulated\)",
              r"guest work: stopped by the hypervisor: its CPU 2 failed",
              r"duplex counter: counter \(its CPU 2 failed\), and its standby is lost: the "
              r"guest is down",
              r"mgmt: guest counter: role=primary hot-standby .* failovers=1",
              r"stats: counter: role=primary hot-standby .* failovers=1",
              r"stats: cpu 1 failed \d+ vCPUs",
              r"stats: cpu 2 failed \d+ vCPUs")
    forbid = (r"PANIC", r"EXCEPTION", r"FAILED", r"failover 2", r"checkpoint \d+ failed")
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        return stream_failures(self.name, log)


class BochsFailCpuDuplex(FailCpuDuplex):
    emulator = "bochs"
    expect_status = None


class FailCpuTmr(Scenario):
    qemu_smp = 4
    bochs_cpus = 4
    timeout = 300
    guests = (guest("counter", memory="2M", redundancy="tmr", cpus="1,2,3"),)
    script = ("waitfor counter seq 40 sum\nfail-cpu 3\nwaitfor counter seq 120 sum\n"
              "fail counter cpu\nsleep 100\nwaitfor counter seq 300 sum\n"
              "info counter\nstop counter\n")
    expect = (r"tmr counter: counter-c cut off: its CPU 3 failed; 2 replicas carry on",
              r"tmr counter: counter cut off: its CPU 1 failed; counter carries on alone",
              r"mgmt: guest counter: role=primary tmr lines-agreed=\d+ divergences=0 "
              r"resyncs=0 cut-offs=2",
              r"guest counter: exited: stopped from the console")
    forbid = (r"PANIC", r"EXCEPTION", r"FAILED", r"no replica is left", r"shell: .*: ")
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        return stream_failures(self.name, log)


class BochsFailCpuTmr(FailCpuTmr):
    emulator = "bochs"
    expect_status = None


SCENARIOS = [FailCpuDuplex("uefi-fail-cpu-duplex"), BochsFailCpuDuplex("bochs-fail-cpu-duplex"),
             FailCpuTmr("uefi-fail-cpu-tmr"), BochsFailCpuTmr("bochs-fail-cpu-tmr")]
