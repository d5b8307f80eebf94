"""Plots of the deep-circuit benchmark results (needs the `plot` extra: matplotlib).

    python bench/plots.py        # reads bench/results/*.jsonl (written by bench/deep.py)

Writes docs/img/depth.png (mean |read-off error| and bit errors per level, per construction)
and docs/img/compression.png (bit errors against gates per ReLU, per circuit width).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
IMG = REPO / "docs" / "img"


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (RESULTS / name).read_text().splitlines() if line]


def depth_plot() -> None:
    fig, (err, bits) = plt.subplots(1, 2, figsize=(10, 4))
    for run in rows("depth.jsonl"):
        levels = [p["level"] for p in run["per_level"]]
        label = f"{run['mode']} (d={run['d']}, {run['samples']} samples)"
        err.plot(levels, [p["mean_abs"] for p in run["per_level"]], marker=".", label=label)
        bits.plot(levels, [max(p["bit_errors"], 0.5) for p in run["per_level"]], marker=".",
                  label=label)
    err.set(xlabel="circuit level", ylabel="mean |read-off error|", yscale="log",
            title=f"error against depth ({rows('depth.jsonl')[0]['wires']} wires per level)")
    bits.set(xlabel="circuit level", ylabel="bit errors at the level (0 drawn at 0.5)",
             yscale="log", title="wrong wires per level")
    err.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "depth.png", dpi=110)


def compression_plot() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in ("compress2000.jsonl", "compress8000.jsonl"):
        runs = sorted(rows(name), key=lambda r: r["gates_per_relu"])
        for mode in sorted({r["mode"] for r in runs}):
            pts = [r for r in runs if r["mode"] == mode]
            ax.plot([r["gates_per_relu"] for r in pts], [max(r["bit_errors"], 0.5) for r in pts],
                    marker="o", label=f"{mode}, {pts[0]['wires']} wires/level")
    ax.axvline(1.0, color="grey", lw=0.5)
    ax.set(xlabel="gates per ReLU", ylabel="bit errors on 10^4 samples (0 drawn at 0.5)",
           yscale="log", title="compression at zero bit errors (8 levels)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "compression.png", dpi=110)


if __name__ == "__main__":
    IMG.mkdir(parents=True, exist_ok=True)
    depth_plot()
    compression_plot()
