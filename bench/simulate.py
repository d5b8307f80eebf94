"""Simulator throughput: gate evaluations per second, median of repeats, per circuit.

    python bench/simulate.py [FILE ...] [--samples N] [--repeats R] [--param NAME=INT]

Defaults: every example circuit (examples/circuits/*.circ, with the multiplier at N=16 and the
adder at N=64 so the largest examples are not tiny) and, when ../shared is present, the largest
real circuits. Prints a Markdown table; docs/benchmarks.md keeps the results with the command.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import circuitc
from circuitc import distribution as D
from circuitc.simulate import Schedule, pack

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "circuits"
DEFAULTS = [
    (REPO / "examples/circuits/adder.circ", {"N": 64}),
    (REPO / "examples/circuits/multiplier.circ", {"N": 16}),
    (REPO / "examples/circuits/u_and.circ", {}),
    (SHARED / "iscas85/c6288.bench", {}),
    (SHARED / "epfl/arithmetic/multiplier.aig", {}),
    (SHARED / "epfl/arithmetic/div.aig", {}),
    (SHARED / "bristol/aes_128.txt", {}),
]


def measure(path: Path, params: dict, samples: int, repeats: int) -> dict:
    circuit = circuitc.parse_file(path, params=params or None)
    x = pack(D.sample(circuit, samples, seed=0))
    start = time.perf_counter()
    schedule = Schedule.of(circuit)
    prepare = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        schedule.run(x)
        times.append(time.perf_counter() - start)
    t = statistics.median(times)
    return {"circuit": path.name + (f" {params}" if params else ""), "gates": schedule.n_gate_evals,
            "depth": circuit.depth, "samples": samples, "prepare_s": prepare, "median_s": t,
            "gate_evals_per_s": schedule.n_gate_evals * samples / t}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--param", action="append", default=[])
    args = parser.parse_args()
    params = {k: int(v) for k, v in (p.split("=") for p in args.param)}
    jobs = [(f, params) for f in args.files] or [(f, p) for f, p in DEFAULTS if f.exists()]
    print("| circuit | gates | depth | samples | schedule (s) | median run (s) | gate evals/s |")
    print("|---|---|---|---|---|---|---|")
    for path, p in jobs:
        r = measure(path, p, args.samples, args.repeats)
        print(f"| {r['circuit']} | {r['gates']} | {r['depth']} | {r['samples']} | "
              f"{r['prepare_s']:.2f} | {r['median_s']:.4f} | {r['gate_evals_per_s']:.3g} |")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
