"""Compile time and compression: gates per ReLU of the exact and superposed lowerings, checked by eval.

    python bench/compile.py [--samples N]

For each circuit: compile (exact, then auto where the circuit declares a sparse distribution),
evaluate on N samples (every input when there are at most 16), and print a Markdown row: levels,
ReLUs, gates, gates per ReLU, bit errors, compile and eval seconds. docs/benchmarks.md keeps the
results with the command.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import circuitc
from circuitc import distribution as D

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "circuits"
CIRCUITS = [
    (REPO / "examples/circuits/adder.circ", {"N": 32}),
    (REPO / "examples/circuits/multiplier.circ", {"N": 8}),
    (REPO / "examples/circuits/comparator.circ", {}),
    (REPO / "examples/circuits/decoder.circ", {}),
    (REPO / "examples/circuits/u_and.circ", {"M": 40}),
    (REPO / "examples/circuits/u_and.circ", {"M": 100}),
    (REPO / "examples/circuits/u_and.circ", {"M": 200}),
    (SHARED / "iscas85/c6288.bench", {}),
    (SHARED / "epfl/random_control/dec.aig", {}),
    (SHARED / "bristol/adder64.txt", {}),
]


def row(path: Path, params: dict, mode: str, samples: int) -> str:
    circuit = circuitc.parse_file(path, params=params or None)
    start = time.perf_counter()
    net = circuitc.compile(circuit, mode=mode, samples=samples)
    compiled = time.perf_counter() - start
    start = time.perf_counter()
    report = circuitc.evaluate(net, samples=samples)
    evaluated = time.perf_counter() - start
    name = path.name + (f" {params}" if params else "")
    return (f"| {name} | {mode} | {len(net.layers)} | {report['neurons']} | {report['gates']} | "
            f"{report['gates_per_relu']:.3f} | {report['bit_errors']} ({report['inputs']} "
            f"{report['samples']}) | {compiled:.1f} | {evaluated:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    args = parser.parse_args()
    print("| circuit | mode | layers | ReLUs | gates | gates/ReLU | bit errors | compile s | eval s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path, params in CIRCUITS:
        if not path.exists():
            continue
        print(row(path, params, "exact", args.samples), flush=True)
        if D.is_sparse(circuitc.parse_file(path, params=params or None)):
            print(row(path, params, "auto", args.samples), flush=True)


if __name__ == "__main__":
    main()
