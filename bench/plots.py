"""Plots of the benchmark results (needs the `plot` extra: matplotlib).

    python bench/plots.py        # reads bench/results/*.jsonl (bench/deep.py, bench/uand.py)

Writes docs/img/depth.png (mean |read-off error| and bit errors per level, per construction),
docs/img/compression.png (bit errors against gates per ReLU, per circuit width),
docs/img/ratio.png (gates per ReLU at zero errors against wires per level, with the exact
lowering's line; also reads signed*.jsonl and deep_cli.jsonl when present) and
docs/img/uand_width.png (U-AND width for zero errors against m, with fitted power laws). A plot
whose results file is missing is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.ticker
import numpy as np

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


COMPRESSION = ("compress2000.jsonl", "compress8000.jsonl", "compress32000.jsonl")


def compression_plot() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in COMPRESSION:
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


def width_series() -> dict[str, list[dict]]:
    """uand_width.jsonl searches with a d_min, grouped by input mode, c and sample count (the
    constant depends on them); the last record per (m, seed) wins."""
    series: dict[str, dict[tuple, dict]] = {}
    for r in rows("uand_width.jsonl"):
        if r.get("command") not in ("search", "scan") or r["d_min"] is None:
            continue
        mode = f"superposed ({r['read']} read)" if r["superposed"] else "one per coordinate"
        key = f"{mode}, c={r['c']}, {r['search_samples']} samples"
        series.setdefault(key, {})[r["m"], r["seed"]] = r
    return {k: [v[ms] for ms in sorted(v)] for k, v in series.items()}


def power_fit(pts: list[dict]) -> tuple[float, float]:
    """Least squares of log d_min on log m: (constant, exponent)."""
    slope, icpt = np.polyfit(np.log([r["m"] for r in pts]), np.log([r["d_min"] for r in pts]), 1)
    return float(np.exp(icpt)), float(slope)


def width_plot() -> None:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    series = width_series()
    for key, pts in series.items():
        m = np.array([r["m"] for r in pts], dtype=float)
        d = np.array([r["d_min"] for r in pts], dtype=float)
        low = np.array([(r["failing"] or r["passing"])["d"] for r in pts], dtype=float)
        shift = np.array([1.03 ** (r["seed"] % 3 - 1) for r in pts])  # seeds side by side
        line = ax.errorbar(m * shift, d, yerr=[d - low, 0 * d], fmt="o", ms=4, capsize=2,
                           label=f"{key} ({len(pts)} searches)")
        if len(set(m)) >= 2:
            k, e = power_fit(pts)
            grid = np.geomspace(m.min() / 1.2, m.max() * 1.2, 50)
            ax.plot(grid, k * grid**e, "--", color=line[0].get_color(), lw=1,
                    label=f"fit {k:.3g} m^{e:.2f} (m = {int(m.min())}..{int(m.max())})")
        if pts[0]["superposed"]:  # the paper's slope through the geometric mean of the points
            grid = np.geomspace(m.min() / 1.2, m.max() * 1.2, 50)
            ref = np.exp(np.log(d).mean() - 2 / 3 * np.log(m).mean())
            ax.plot(grid, ref * grid ** (2 / 3), ":", color="grey", label="slope m^(2/3) (paper)")
    ax.set(xscale="log", yscale="log", xlabel="m (inputs; C(m,2) pair ANDs, exactly 3 on)",
           ylabel="d_min (ReLUs; = d0 when superposed)",
           title="U-AND: width for zero errors against m\n"
           "(bars: largest failing d .. d_min; seeds side by side)")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks(sorted({r["m"] for pts in series.values() for r in pts}))
    ax.set_yticks([200, 300, 500, 1000, 2000, 3000, 5000, 10000])
    ax.legend(fontsize=6.5, loc="center right")
    fig.tight_layout()
    fig.savefig(IMG / "uand_width.png", dpi=110)


def best_zero_error(runs: list[dict]) -> dict[int, float]:
    """Per wires-per-level: the largest gates per ReLU of a run with zero bit errors."""
    best: dict[int, float] = {}
    for r in runs:
        if r.get("bit_errors") == 0:
            best[r["wires"]] = max(best.get(r["wires"], 0.0), r["gates_per_relu"])
    return best


def ratio_plot() -> None:
    """Gates per ReLU at zero bit errors against wires per level: the benchmark's
    constructions (bench/deep.py compress), the command line (bench/deep.py cli: compile + eval,
    zero output bit errors and a positive margin on every level), the exact lowering, and the
    sqrt(wires) law fitted through the clamped points, extended to where it crosses 1."""
    fig, ax = plt.subplots(figsize=(7.5, 6))
    bench = [r for name in COMPRESSION + SIGNED for r in
             (rows(name) if (RESULTS / name).exists() else [])]
    exact = {r["wires"]: r["gates_per_relu"] for r in bench if r["mode"] == "exact"}
    for mode, marker in (("clamped", "o"), ("signed", "s")):
        best = best_zero_error([r for r in bench if r["mode"] == mode])
        if not best:
            continue
        w = np.array(sorted(best), dtype=float)
        g = np.array([best[k] for k in sorted(best)])
        line = ax.plot(w, g, marker=marker, label=f"{mode} units, bench/deep.py (zero errors)")
        k = float(np.exp(np.mean(np.log(g) - 0.5 * np.log(w))))
        grid = np.geomspace(w.min(), 6e5, 50)
        ax.plot(grid, k * np.sqrt(grid), "--", lw=0.8, color=line[0].get_color(),
                label=f"{mode}: {k:.2e} sqrt(wires) (extrapolated)")
    if (RESULTS / "deep_cli.jsonl").exists():
        cli = [r for r in rows("deep_cli.jsonl") if r.get("eval", {}).get("bit_errors") == 0
               and all(m is not None and m > 0 for m in r["eval"].get("margins", [None]))]

        def flag(r: dict, name: str) -> bool:
            return name in r.get("extra", [])

        # the LUT-mapped exact network computes fewer, larger gates: it is measured against
        # the generated circuit's gates (source_gates), as every other point is
        for mode, keep, marker, color, label in (
                ("superposed", lambda r: not flag(r, "--width"), "D", None,
                 "--mode superposed, width searched"),
                ("superposed", lambda r: flag(r, "--width"), "d", None,
                 "--mode superposed --width N"),
                ("exact", lambda r: not flag(r, "--lut"), "x", "black", "exact lowering"),
                ("exact", lambda r: flag(r, "--lut"), "+", "dimgrey", "--mode exact --lut 4")):
            pts = sorted((r["wires"], r.get("source_gates", r["gates"]) / r["neurons"])
                         for r in cli if r["mode"] == mode and keep(r))
            if pts:
                ax.plot(*zip(*pts), marker=marker, ls="-" if mode == "exact" else "",
                        ms=8, color=color, label=f"circuitc compile {label} + eval (zero errors)")
    if exact:
        level = float(np.mean(list(exact.values())))
        ax.axhline(level, color="black", lw=1, ls="-.",
                   label=f"exact lowering, chain of layers (bench, {level:.2f})")
    ax.axhline(1.0, color="grey", lw=0.5, ls=":")
    ax.set(xscale="log", yscale="log", xlabel="wires per level (8 levels, 4 inputs on)",
           ylabel="gates per ReLU at zero bit errors",
           title="deep sparse circuits: compression at zero bit errors")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    fig.tight_layout()
    fig.savefig(IMG / "ratio.png", dpi=110, bbox_inches="tight")  # the legend below, whole


SIGNED = ("signed2000.jsonl", "signed8000.jsonl", "signed32000.jsonl")
PLOTS = {depth_plot: ["depth.jsonl"],
         compression_plot: list(COMPRESSION),
         ratio_plot: list(COMPRESSION),
         width_plot: ["uand_width.jsonl"]}

if __name__ == "__main__":
    IMG.mkdir(parents=True, exist_ok=True)
    for plot, needs in PLOTS.items():
        missing = [name for name in needs if not (RESULTS / name).exists()]
        if missing:
            print(f"skip {plot.__name__}: no {', '.join(missing)}")
        else:
            plot()
