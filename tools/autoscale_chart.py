#!/usr/bin/env python3
"""The autoscaler's figures from a serial log, as a chart (or a table without matplotlib).

    tools/autoscale_chart.py LOG [OUT.png] [--guest NAME]

Reads the autoscaler's per-period lines ("[  secs] autoscale NAME: instances=N load=L% ...",
kernel/mgmt/autoscale.c) and its decisions, and draws instances (steps) and mean load over
the log's time, the decisions marked. Without OUT, or without Debian's python3-matplotlib,
it prints the series as a table.
"""
import argparse
import re
import sys


def parse(text, guest):
    period = re.compile(r"\[\s*(\d+\.\d+)\] autoscale %s: instances=(\d+) load=(\d+)%%"
                        % re.escape(guest))
    decision = re.compile(r"\[\s*(\d+\.\d+)\] autoscale %s: (out|in) (\d+) -> (\d+) instances"
                          % re.escape(guest))
    samples = [(float(t), int(n), int(l)) for t, n, l in period.findall(text)]
    decisions = [(float(t), kind, int(a), int(b)) for t, kind, a, b in decision.findall(text)]
    return samples, decisions


def table(samples, decisions):
    print("%8s %9s %5s" % ("time s", "instances", "load"))
    for t, n, load in samples:
        print("%8.2f %9d %4d%%" % (t, n, load))
    for t, kind, a, b in decisions:
        print("%8.2f scale %s %d -> %d" % (t, kind, a, b))


def chart(samples, decisions, guest, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = [t for t, _, _ in samples]
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.step(times, [n for _, n, _ in samples], where="post", color="tab:blue",
            label="instances")
    ax.set_xlabel("time since boot (s, the hypervisor's clock)")
    ax.set_ylabel("instances", color="tab:blue")
    ax.set_ylim(0, max(n for _, n, _ in samples) + 1)
    load_ax = ax.twinx()
    load_ax.plot(times, [l for _, _, l in samples], color="tab:red", label="mean load")
    load_ax.set_ylabel("mean load per instance (%)", color="tab:red")
    load_ax.set_ylim(0, 110)
    for t, kind, _, b in decisions:
        ax.axvline(t, color="grey", linestyle=":", linewidth=0.8)
        ax.annotate("%s to %d" % (kind, b), (t, b), textcoords="offset points", xytext=(3, 4),
                    fontsize=7)
    ax.set_title("Autoscaler following a load step: %s" % guest)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print("autoscale_chart: %d periods, %d decisions -> %s" % (len(samples), len(decisions), out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--guest", default="service")
    args = ap.parse_args()
    with open(args.log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    samples, decisions = parse(text, args.guest)
    if not samples:
        print("autoscale_chart: no autoscale periods for %s in %s" % (args.guest, args.log),
              file=sys.stderr)
        return 1
    if args.out:
        try:
            chart(samples, decisions, args.guest, args.out)
            return 0
        except ImportError:
            print("autoscale_chart: no matplotlib (Debian: python3-matplotlib); a table instead",
                  file=sys.stderr)
    table(samples, decisions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
