"""The autoscaler (kernel/mgmt/autoscale.h) following a load step.

The service guest's instances report their share of a demand that steps from 40% of one
instance to 450% at 1.5 s (the hypervisor's clock) and back at 4 s (tests/guests/service.c).
With a 70% target the autoscaler must scale out to at least 6 instances (7 hold it in
the band) while the demand is
high and back in to 1 after it falls, never beyond its bounds, logging each decision with
its reason. tools/autoscale_chart.py draws the log's figures.
"""
import re

from harness import Scenario, QEMU_PASS_STATUS, guest

PERIOD = re.compile(r"\[\s*(\d+\.\d+)\] autoscale service: instances=(\d+) load=(\d+)%")
STEP_UP_S, STEP_DOWN_S = 1.5, 4.0


class Autoscale(Scenario):
    qemu_smp = 2
    bochs_cpus = 2
    bochs_megs = 256
    timeout = 600
    guests = (guest("service", memory="2M"),)
    script = ("autoscale service min=1 max=8 target=70% period=100\n"
              "autoscale service min=9 max=8 target=70%\n"
              "autoscale service max=8 target=150%\n"
              "sleep 5500\nautoscale service off\nautoscale service off\nscale service 0\n")
    expect = (r"autoscale service: 1\.\.8 instances, target load 70%, every 100 ms",
              r"mgmt: autoscale service: min 9 is above max 8",
              r"mgmt: autoscale service: bad target '150%' \(1\.\.100%\)",
              r"autoscale service: out 1 -> \d+ instances: load 100% is above 70%\+10",
              r"autoscale service: in \d+ -> \d+ instances: load \d+% below 70%-15 for 3 "
              r"periods",
              r"autoscale service: off",
              r"shell: autoscale service: not on",
              r"mgmt: scale service: 1 -> 0 instances")
    forbid = (r"PANIC", r"EXCEPTION", r"FAIL", r"stopped by the hypervisor:",
              r"autoscale service: .* failed")
    expect_status = QEMU_PASS_STATUS

    def check(self, log):
        samples = [(float(t), int(n), int(l)) for t, n, l in PERIOD.findall(log)]
        if not samples:
            return ["no autoscale periods in the log"]
        # Times here are the log's; the step is on the hypervisor's clock, which the log's
        # timestamps also show.
        high = [n for t, n, _ in samples if STEP_UP_S <= t < STEP_DOWN_S]
        after = [n for t, n, _ in samples if t >= STEP_DOWN_S]
        peak = max(high) if high else 0
        first_peak = next((t for t, n, _ in samples if n == peak and t >= STEP_UP_S), None)
        back = next((t for t, n, _ in samples if t >= STEP_DOWN_S and n == 1), None)
        print("%s: %d periods; peak %d instances, %.2f s after the step up; back to 1 "
              "instance %s s after the step down" % (
                  self.name, len(samples), peak,
                  (first_peak - STEP_UP_S) if first_peak else -1,
                  "%.2f" % (back - STEP_DOWN_S) if back else "never"))
        failures = []
        if peak < 6:
            failures.append("peak of %d instances while the demand needed 6 or more" % peak)
        if any(n > 8 or n < 1 for _, n, _ in samples):
            failures.append("an instance count outside 1..8")
        if not after or after[-1] != 1:
            failures.append("not back to 1 instance after the step down: %s" % after[-5:])
        return failures


class BochsAutoscale(Autoscale):
    emulator = "bochs"
    expect_status = None


SCENARIOS = [Autoscale("uefi-autoscale"), BochsAutoscale("bochs-autoscale")]
