#!/usr/bin/env python3
"""Run Shoji's tests: host unit tests (cmocka) and system scenarios.

usage: tests/run.py --build DIR [NAME...]
NAME selects tests by substring. Prints one line per test and a final
"N passed, N failed, N skipped" line; exits non-zero on any failure.
"""
import argparse
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import harness  # noqa: E402


def unit_tests(build):
    for path in sorted(glob.glob(os.path.join(build, "unit", "test_*"))):
        if os.access(path, os.X_OK) and not path.endswith((".c", ".d")):
            yield os.path.basename(path), path


def run_unit(name, path):
    start = time.monotonic()
    proc = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = proc.stdout.decode(errors="replace")
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        failed = [l for l in out.splitlines() if "FAILED" in l or "ERROR" in l]
        return harness.Result("unit/" + name, "FAIL", "; ".join(failed[:3]) or out[-300:], seconds)
    return harness.Result("unit/" + name, "PASS", "", seconds)


def static_checks(build):
    """Checks on the built images themselves."""
    kernel = os.path.join(build, "kernel.elf")
    start = time.monotonic()
    dis = subprocess.run(["objdump", "-d", kernel], stdout=subprocess.PIPE, check=True).stdout
    sse = [l for l in dis.decode().splitlines() if "%xmm" in l or "%ymm" in l or "%zmm" in l]
    res = harness.Result("static/kernel-no-sse", "PASS" if not sse else "FAIL",
                         "" if not sse else "%d SSE/AVX instructions, first: %s" %
                         (len(sse), sse[0].strip()), time.monotonic() - start)
    yield res


def layering_checks():
    """Includes run one way through the layers (tools/check-layers.py), and the
    checker catches a lower layer including a higher one."""
    spec = importlib.util.spec_from_file_location(
        "check_layers", os.path.join(ROOT, "tools", "check-layers.py"))
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    start = time.monotonic()
    errors = layers.check(ROOT)
    yield harness.Result("static/layering", "FAIL" if errors else "PASS",
                         "; ".join(errors[:3]), time.monotonic() - start)

    # The same tree with one deliberate wrong include: core reaching up into vm.
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for top in ("kernel", "arch", "drivers", "boot"):
            shutil.copytree(os.path.join(ROOT, top), os.path.join(tmp, top))
        bad = os.path.join(tmp, "kernel", "core", "log.c")
        with open(bad, "a") as f:
            f.write('#include "kernel/vm/vcpu_run.h"\n')
        errors = layers.check(tmp)
    want = [e for e in errors if e.startswith("kernel/core/log.c:") and "kernel/vm" in e]
    ok = len(errors) == 1 and len(want) == 1
    yield harness.Result("static/layering-catches-violation", "PASS" if ok else "FAIL",
                         "" if ok else "expected one violation in kernel/core/log.c, got: %s"
                         % ("; ".join(errors[:3]) or "none"), time.monotonic() - start)


def fuzz_harnesses(build):
    for path in sorted(glob.glob(os.path.join(build, "fuzz", "fuzz_*"))):
        if os.access(path, os.X_OK) and os.path.isfile(path):
            yield os.path.basename(path)[len("fuzz_"):], path


def run_fuzz(name, path, build, seconds, seed):
    """A bounded libFuzzer run from the seed corpus in tests/fuzz/corpus/<name>; the corpus it
    grows stays in <build>/fuzz/corpus-<name>, a crashing input in <build>/fuzz/crash-<name>-*.
    seed 0 lets libFuzzer pick one (make fuzz); make test fixes it, so that a run is repeatable
    and a new find comes from make fuzz, not from a coin toss in CI."""
    start = time.monotonic()
    corpus = os.path.join(build, "fuzz", "corpus-" + name)
    os.makedirs(corpus, exist_ok=True)
    for example in glob.glob(os.path.join(ROOT, "tests", "fuzz", "corpus", name, "*")):
        shutil.copy(example, corpus)
    prefix = os.path.join(build, "fuzz", "crash-%s-" % name)
    proc = subprocess.run([path, "-max_total_time=%d" % seconds, "-seed=%d" % seed,
                           "-artifact_prefix=" + prefix, corpus], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=seconds + 120)
    out = proc.stdout.decode(errors="replace")
    runs = re.findall(r"Done (\d+) runs", out)
    seconds_taken = time.monotonic() - start
    if proc.returncode != 0 or not runs:
        crash = [l for l in out.splitlines() if "ERROR" in l or "Test unit written" in l]
        return harness.Result("fuzz/" + name, "FAIL", "; ".join(crash[:2]) or out[-300:],
                              seconds_taken)
    return harness.Result("fuzz/" + name, "PASS", "%s inputs, no crash" % runs[-1],
                          seconds_taken)


def run_study_smoke(build):
    """make study QUICK=1 as a test of the study's pipeline (tools/study.py, then
    tools/study_report.py --check): every column boots, runs each workload and reports a
    figure, the Shoji columns their exits, every guest times with the TSC; the report and
    its charts are written. The figures' values are not judged: emulated timing is noise."""
    start = time.monotonic()
    out = os.path.join(build, "tests", "study-quick")
    shutil.rmtree(out, ignore_errors=True)
    # The charts need Debian's python3-matplotlib, which only Debian's python3 imports.
    debian_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    steps = [[sys.executable, os.path.join(ROOT, "tools", "study.py"), "--build", build,
              "--quick", "--out", out],
             [debian_python, os.path.join(ROOT, "tools", "study_report.py"), "--check", out]]
    for cmd in steps:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=1200)
        text = proc.stdout.decode(errors="replace")
        if proc.returncode:
            log = os.path.join(build, "tests", "study-quick.log")
            with open(log, "w") as f:
                f.write(text)
            return harness.Result("study/quick", "FAIL", text.strip().splitlines()[-1][:300],
                                  time.monotonic() - start, log)
    missing = [f for f in ("report.md", "overhead-qemu.png", "startup.png")
               if not os.path.exists(os.path.join(out, f))]
    if missing:
        return harness.Result("study/quick", "FAIL", "no " + ", ".join(missing),
                              time.monotonic() - start)
    return harness.Result("study/quick", "PASS", "", time.monotonic() - start)


def scenarios():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "system", "*.py"))):
        if os.path.basename(path) == "harness.py":
            continue
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for sc in getattr(mod, "SCENARIOS", []):
            yield sc


def print_log_tail(path, lines=60):
    """A failure's last log lines, so that a CI run whose tree is gone still shows them."""
    try:
        with open(path, "rb") as f:
            tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
    except OSError:
        return
    for t in tail:
        print("     | " + t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--fuzz-seconds", type=int, default=10,
                    help="seconds per libFuzzer harness (make test: 10, make fuzz: 600)")
    ap.add_argument("--fuzz-seed", type=int, default=1,
                    help="libFuzzer's -seed (make test: 1; make fuzz: 0, a random one)")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    wanted = lambda name: not args.names or any(n in name for n in args.names)

    results = []
    start = time.monotonic()

    def report(r):
        results.append(r)
        line = "%-4s %-32s %6.1f s" % (r.status, r.name, r.seconds)
        if r.reason:
            line += "  " + r.reason
        if r.status == "FAIL" and r.log:
            line += "  (log: %s)" % os.path.relpath(r.log, ROOT)
        print(line, flush=True)
        if r.status == "FAIL" and r.log:
            print_log_tail(r.log)

    for r in static_checks(build):
        if wanted(r.name):
            report(r)
    for r in layering_checks():
        if wanted(r.name):
            report(r)
    for name, path in unit_tests(build):
        if wanted("unit/" + name):
            report(run_unit(name, path))
    for name, path in fuzz_harnesses(build):
        if wanted("fuzz/" + name):
            report(run_fuzz(name, path, build, args.fuzz_seconds, args.fuzz_seed))
    if wanted("study/quick"):
        report(run_study_smoke(build))
    for sc in scenarios():
        if wanted(sc.name):
            report(harness.run(sc, build))

    count = lambda s: sum(1 for r in results if r.status == s)
    print("%d passed, %d failed, %d skipped (%.0f s)" %
          (count("PASS"), count("FAIL"), count("SKIP"), time.monotonic() - start))
    return 1 if count("FAIL") or not results else 0


if __name__ == "__main__":
    sys.exit(main())
