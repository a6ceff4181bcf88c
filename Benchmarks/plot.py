"""Draws docs/benchmarks-hop.png (and docs/benchmarks-scaling.png when that workload ran) from a report.

Benchmarks/.venv/bin/python Benchmarks/plot.py Benchmarks/results/latest.json docs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SHORT = {
    "HubMesh member → member": "HubMesh",
    "HubMesh member → member, sending immediately": "HubMesh\nsending\nimmediately",
    "raw libzmq XPUB(NODROP) → SUB": "raw libzmq\nPUB/SUB",
    "Redis pub/sub": "Redis\npub/sub",
    "NATS": "NATS",
}


def hop(report: dict[str, Any], out: Path) -> None:
    rows = [r for r in report["rows"] if r["workload"][0] in "12" and r["status"] == "ok"]
    if not rows:
        return
    names = [SHORT.get(r["system"], r["system"]) for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    rates = [r["throughput"] / 1e6 for r in rows]
    colors = ["#1f77b4" if "HubMesh" in n else "#999999" for n in names]
    left.bar(names, rates, color=colors)
    for i, r in enumerate(rows):
        runs = [v / 1e6 for v in r.get("throughputRuns", [])]
        left.scatter([i] * len(runs), runs, color="black", s=10, zorder=3)
    left.axhline(1.0, color="red", linestyle="--", linewidth=1, label="target 1 M/s")
    # Headroom above the highest run, so that the legend never hides a dot.
    highest = max([1.0, *rates, *(v / 1e6 for r in rows for v in r.get("throughputRuns", []))])
    left.set_ylim(0, highest * 1.2)
    left.set_ylabel("messages/s (millions), 100-byte payload")
    left.set_title("One hop, sustained, lossless (dots: runs)")
    left.legend(loc="upper right")
    x = range(len(rows))
    width = 0.27
    for offset, key, label in [(-width, "p50", "p50"), (0, "p99", "p99"), (width, "p999", "p99.9")]:
        right.bar(
            [i + offset for i in x], [r["latency"][key] if r.get("latency") else 0 for r in rows], width, label=label
        )
    right.axhline(300, color="red", linestyle="--", linewidth=1, label="p99 target 300 µs")
    right.axhline(60, color="orange", linestyle=":", linewidth=1, label="p50 target 60 µs")
    right.set_yscale("log")
    # Headroom above the tallest bar (a decade and a half on the log scale) for the legend's two rows.
    tallest = max([300.0, *(r["latency"]["p999"] for r in rows if r.get("latency"))])
    right.set_ylim(top=tallest * 30)
    right.set_xticks(list(x), names)
    right.set_ylabel("µs (log scale)")
    right.set_title(f"Latency at {rows[0].get('latencyRate') or 100000:,} msgs/s")
    right.legend(fontsize=8, loc="upper left", ncol=3)
    machine = report["machine"]
    fig.suptitle(
        f"{machine['cores']} cores (shared), {machine['cpu']}, libzmq {machine['libzmq']}"
        f"{' — quick run' if report['quick'] else ''}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(out / "benchmarks-hop.png", dpi=110)
    plt.close(fig)


def scaling(report: dict[str, Any], out: Path) -> None:
    rows = [r for r in report["rows"] if r["workload"].startswith("6") and r["status"] == "ok"]
    if not rows:
        return
    nodes = [int(r["system"].split()[0]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(nodes, [r["throughput"] / 1e3 for r in rows], marker="o", label="total")
    ax.plot(nodes, [r["extra"].get("perNode", 0) / 1e3 for r in rows], marker="s", label="per node")
    ax.set_xticks(nodes)
    ax.set_xlabel("nodes (same clients per node)")
    ax.set_ylabel("deliveries/s (thousands)")
    ax.set_title("Fan-out scaling (all processes on the same 2 cores)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "benchmarks-scaling.png", dpi=110)
    plt.close(fig)


def main() -> int:
    report = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    hop(report, out)
    scaling(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
