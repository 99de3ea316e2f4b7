#!/usr/bin/env python3
"""Render the overhead study's results (tools/study.py) as a Markdown report with charts.

usage: tools/study_report.py [--check] STUDY_DIR
Reads STUDY_DIR/results.json (and BUILD/bench/linux-boot.json next to it when make bench or
make study wrote one: the exact start-up figures under Bochs); writes STUDY_DIR/report.md,
overhead-<meter>.png (each column's performance relative to native, per workload: the
classic figure) and startup.png (start-up times, log scale) with Debian's python3-matplotlib.
--check first checks the results' shape (every column and workload present, each figure a
positive number, Shoji's exit counts, every guest timing with the TSC) and exits 1 naming
what is missing: make test's smoke test uses it.
"""
import argparse
import json
import os
import sys

GOALS = (("cpu", 0.99), ("memory-seq-read-1M", 0.97), ("memory-seq-write-1M", 0.97),
         ("memory-seq-read-4K", 0.97))
STARTUP_GOAL = 1.15
METERS = ("bochs", "qemu", "physical")


def relative(fig, native):
    """Performance relative to native (1.0 = the same; above is faster)."""
    if fig["better"] == "higher":
        return fig["median"] / native["median"]
    return native["median"] / fig["median"]


def check(res):
    problems = []
    params = res.get("parameters", {})
    for key in ("revision", "date", "host"):
        if key not in res:
            problems.append("no %s" % key)
    meters = [m for m in METERS if m in res]
    if not meters:
        problems.append("no meter's results")
    for meter in meters:
        summary = res[meter].get("summary", {})
        for column in params.get("columns", []):
            for w in params.get("workloads", []):
                fig = summary.get(column, {}).get(w)
                if fig and "skipped" in fig and column == "container":
                    continue  # a container may not use what it is denied (I/O ports)
                if not fig or not fig.get("median", 0) > 0 or fig.get("unit") is None:
                    problems.append("%s %s %s: no figure" % (meter, column, w))
        for column, reps in res[meter].get("runs", {}).items():
            for r in reps:
                if column.startswith("shoji") and not r.get("exits"):
                    problems.append("%s %s: no exit counts" % (meter, column))
                if meter == "qemu" and not r.get("startup_s", {}).get("to_init"):
                    problems.append("%s %s: no start-up time" % (meter, column))
                # A guest that lost its TSC clock would time with a slower one than native
                # (KVM's guests time with kvm-clock: the TSC, scaled by the host).
                if not (str(r.get("clocksource")).startswith("tsc") or
                        r.get("clocksource") == "kvm-clock"):
                    problems.append("%s %s: clocksource %s, not the TSC" %
                                    (meter, column, r.get("clocksource")))
    return problems


def table(meter, res):
    summary = res[meter]["summary"]
    columns = [c for c in res["parameters"]["columns"] if c in summary]
    native = summary["native"]
    lines = ["| workload | native | " + " | ".join(c for c in columns if c != "native") + " |",
             "| --- | --- |" + " --- |" * (len(columns) - 1)]
    for w, nat in native.items():
        if nat["unit"] in ("ticks", "ns"):
            continue  # round trips and timer lateness: trip_table
        cells = ["%s | %.4g %s" % (w, nat["median"], nat["unit"])]
        for c in columns:
            if c == "native":
                continue
            fig = summary[c][w]
            if "skipped" in fig:
                cells.append("n/a")
                continue
            cell = "%.1f%%" % (100 * relative(fig, nat))
            if fig["n"] > 1:
                lo, hi = sorted((relative(dict(fig, median=fig["min"]), nat),
                                 relative(dict(fig, median=fig["max"]), nat)))
                cell += " (%.0f-%.0f)" % (100 * lo, 100 * hi)
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def trip_table(meter, res):
    """The exit round trips (exit-*, ticks per iteration) and the timer's lateness (ns) in
    each column, not ratios."""
    summary = res[meter]["summary"]
    columns = [c for c in res["parameters"]["columns"] if c in summary]
    trips = [w for w, f in summary["native"].items() if f["unit"] in ("ticks", "ns")]
    if not trips:
        return []
    lines = ["Exit round trips from a program in the guest, TSC ticks per iteration (%s), "
             "and how late a 1 ms sleep wakes (ns):" %
             ("emulated instructions" if meter == "bochs" else "host TSC"), "",
             "| round trip | " + " | ".join(columns) + " |", "| --- |" + " --- |" * len(columns)]
    for w in trips:
        lines.append("| %s | " % w + " | ".join(
            "n/a (%s)" % summary[c][w]["skipped"] if "skipped" in summary[c][w] else
            "%.0f %s" % (summary[c][w]["median"], summary[c][w]["unit"]) for c in columns) +
            " |")
    return lines + [""]


def workload_exits(meter, res):
    """Shoji's exits during each workload (pinned guest), the why of a missed goal."""
    runs = res[meter]["runs"].get("shoji", [])
    per = runs[0].get("workload_exits") if runs else None
    if not per:
        return []
    lines = ["Shoji's exits during each workload (pinned guest; console snapshots as each "
             "begins):", "", "| workload | exits | per reason |", "| --- | --- | --- |"]
    for w, ex in per.items():
        lines.append("| %s | %d | %s |" % (w, sum(ex.values()), ", ".join(
            "%s %d" % kv for kv in sorted(ex.items(), key=lambda kv: -kv[1]))))
    return lines + [""]


def startup_rows(res, boot):
    rows = []  # (label, value, unit)
    q = res.get("qemu")
    if q:
        for column, reps in q["runs"].items():
            vals = sorted(r["startup_s"]["to_init"] for r in reps)
            rows.append(("QEMU: start to /init, %s" % column, vals[len(vals) // 2], "s"))
            g = [r["startup_s"].get("guest_start_to_init") for r in reps]
            if all(g):
                rows.append(("QEMU: guest start to /init, %s" % column,
                             sorted(g)[len(g) // 2], "s"))
            c = [r.get("container_start_ns") for r in reps]
            if all(c):
                rows.append(("QEMU: container start (unshare to its first command)",
                             sorted(c)[len(c) // 2] / 1e9, "s"))
    for column, reps in res.get("bochs", {}).get("runs", {}).items():
        g = reps[0].get("startup_s", {}).get("guest_start_to_init")
        if g:
            rows.append(("Bochs: guest start to /init, %s (emulated)" % column, g, "s"))
    if boot:
        b = boot["bochs"]
        rows += [("Bochs: power-on to /init, native", b["native_small"]["marker"] / 50e6, "s"),
                 ("Bochs: power-on to /init, Shoji guest", b["shoji"]["marker"] / 50e6, "s"),
                 ("Bochs: guest start to /init, Shoji guest",
                  (b["shoji"]["marker"] - b["shoji"]["ready_tsc"]) / 50e6, "s")]
    return rows


def goals(res, boot):
    lines = ["| goal | measured | met |", "| --- | --- | --- |"]
    for meter in METERS:
        if meter not in res:
            continue
        s = res[meter]["summary"]
        for w, goal in GOALS:
            if w in s.get("shoji", {}):
                r = relative(s["shoji"][w], s["native"][w])
                lines.append("| %s: Shoji pinned, %s >= %.0f%% of native | %.1f%% | %s |" %
                             (meter, w, 100 * goal, 100 * r, "yes" if r >= goal else
                              "no, by %.1f points" % (100 * (goal - r))))
    if boot:
        r = boot["bochs"]["ratio_to_native_small"]
        lines.append("| Bochs: Linux start-up to /init <= %.2fx native | %.3fx | %s |" %
                     (STARTUP_GOAL, r, "yes" if r <= STARTUP_GOAL else "no"))
    return lines


def charts(res, out_dir, rows):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["(no charts: python3-matplotlib is not installed)"]
    made = []
    for meter in METERS:
        if meter not in res:
            continue
        s = res[meter]["summary"]
        columns = [c for c in res["parameters"]["columns"] if c in s and c != "native"]
        work = [w for w in s["native"] if s["native"][w]["unit"] not in ("ticks", "ns")]
        fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(work)), 4))
        width = 0.8 / len(columns)
        for i, c in enumerate(columns):
            ax.bar([x + i * width for x in range(len(work))],
                   [0 if "skipped" in s[c][w] else 100 * relative(s[c][w], s["native"][w])
                    for w in work], width, label=c)
        ax.axhline(100, color="black", linewidth=0.8)
        ax.set_xticks([x + width * (len(columns) - 1) / 2 for x in range(len(work))])
        ax.set_xticklabels(work, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("performance, % of native")
        ax.set_title({"bochs": "sysbench under Bochs, instruction meter (not hardware ratios)",
                      "qemu": "sysbench under QEMU TCG, wall time (not hardware ratios)",
                      "physical": "sysbench on a physical machine"}[meter])
        ax.set_ylim(0, 125)  # room above 100% for the legend
        ax.legend(fontsize=8, ncol=len(columns), loc="upper center", framealpha=0.9)
        fig.tight_layout()
        name = "overhead-%s.png" % meter
        fig.savefig(os.path.join(out_dir, name), dpi=100)
        plt.close(fig)
        made.append("![%s](%s)" % (name, name))
    if rows:
        fig, ax = plt.subplots(figsize=(7, 0.4 * len(rows) + 1))
        ax.barh([r[0] for r in rows], [r[1] for r in rows])
        ax.set_xscale("log")
        ax.set_xlabel("seconds (emulated seconds under Bochs), log scale")
        ax.tick_params(axis="y", labelsize=7)
        ax.invert_yaxis()
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "startup.png"), dpi=100)
        plt.close(fig)
        made.append("![startup.png](startup.png)")
    return made


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("study_dir")
    args = ap.parse_args()
    with open(os.path.join(args.study_dir, "results.json")) as f:
        res = json.load(f)
    if args.check:
        problems = check(res)
        if problems:
            print("study_report: results lack: " + "; ".join(problems[:8]))
            return 1
    boot_path = os.path.join(os.path.dirname(os.path.abspath(args.study_dir)), "bench",
                             "linux-boot.json")
    boot = json.load(open(boot_path)) if os.path.exists(boot_path) else None
    p = res["parameters"]
    out = ["# Shoji overhead study", "",
           "Revision %s, %s, host %s (%d CPUs); kernel %s; guest %s, %d vCPU; workloads "
           "%s (%s size)." % (res["revision"], res["date"], res["host"]["cpu"],
                              res["host"]["cpus"], p["kernel"], p["guest_memory"],
                              p["guest_vcpus"], ", ".join(p["workloads"]), p["size"]),
           "Command line (every column): `%s`." % p["cmdline"], "",
           ""]
    if "bochs" in res or "qemu" in res:
        out += ["Emulated ratios are not hardware ratios: see the README for a physical "
                "machine's.", ""]
    for meter in METERS:
        if meter in res:
            out += ["## %s" % res[meter]["meter"], "",
                    "Each column's performance relative to native (median; min-max of the "
                    "runs where there are several).", ""] + table(meter, res) + [""]
            out += trip_table(meter, res)
            out += workload_exits(meter, res)
            for column, reps in res[meter]["runs"].items():
                if reps[0].get("exits"):
                    ex = reps[0]["exits"]
                    out.append("- %s, exits over the guest's whole run (boot included): %s" %
                               (column, ", ".join("%s %d" % kv for kv in sorted(
                                   ex.items(), key=lambda kv: -kv[1]))))
            out.append("")
    rows = startup_rows(res, boot)
    out += ["## Start-up", "", "| what | time |", "| --- | --- |"]
    out += ["| %s | %.3f %s |" % r for r in rows]
    out += ["", "## Goals", ""] + goals(res, boot) + [""]
    out += ["## Charts", ""] + charts(res, args.study_dir, rows) + [""]
    with open(os.path.join(args.study_dir, "report.md"), "w") as f:
        f.write("\n".join(out))
    print("study_report: %s" % os.path.join(args.study_dir, "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
