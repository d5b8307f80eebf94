"""Compile time and compression: gates per ReLU of the exact and superposed lowerings, checked by eval.

    python bench/compile.py [--samples N]

For each circuit: compile (exact, then auto where the circuit declares a sparse distribution;
a random sparse circuit of the generator also superposed with clamped layers), evaluate on N
samples (every input when there are at most 16), and print a Markdown row: levels, ReLUs,
gates, gates per ReLU, bit errors, compile and eval seconds. docs/benchmarks.md keeps the
results with the command.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import circuitc
from circuitc import distribution as D
from circuitc.gen import sparse_circuit

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


GENERATED = ("gen sparse --wires 500 --levels 8 --active 4 --seed 4",
             lambda: sparse_circuit(500, 8, 4, seed=4)[0])


def row(name: str, circuit, mode: str, samples: int, construction: str = "uand") -> str:
    start = time.perf_counter()
    net = circuitc.compile(circuit, mode=mode, samples=samples, construction=construction)
    compiled = time.perf_counter() - start
    start = time.perf_counter()
    report = circuitc.evaluate(net, samples=samples)
    evaluated = time.perf_counter() - start
    if mode != "exact":
        mode += f" ({construction})"
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
        name, circuit = path.name + (f" {params}" if params else ""), circuitc.parse_file(
            path, params=params or None)
        print(row(name, circuit, "exact", args.samples), flush=True)
        if D.is_sparse(circuit):
            print(row(name, circuit, "auto", args.samples), flush=True)
    name, make = GENERATED
    for mode, construction in (("exact", "uand"), ("auto", "uand"), ("superposed", "clamped")):
        print(row(name, make(), mode, args.samples, construction), flush=True)


if __name__ == "__main__":
    main()
