"""Exact networks on the shared benchmark circuits: the residual stream against the chain of layers.

    python bench/residual.py [--samples N] [--timeout S] [--json OUT] [NAME ...]

For each circuit of ../shared/circuits (ISCAS-85, EPFL, Bristol; smallest first, or those whose
file name contains one of NAME), in a child process of its own (so each peak memory is its own):
compile exact with the residual architecture, evaluate it on N samples against the exact
simulator, and report ReLUs per source gate, the ReLUs the plain chain of layers would have
(the levelize pass's monomials: buffers included), layers, the stream width D against the
live-wire maximum a reuse of dimensions could reach, compile and eval seconds and the child's
peak RSS. Prints a Markdown table; docs/residual.md keeps the results with the command.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "circuits"
SUFFIXES = {".bench", ".aig", ".txt"}


def circuits(shared: Path = SHARED) -> list[Path]:
    files = [p for p in shared.rglob("*") if p.suffix in SUFFIXES and "LICENSE" not in p.name
             and p.name != "README.md"]
    return sorted(files, key=lambda p: p.stat().st_size)


def one(path: Path, samples: int) -> dict:
    import circuitc
    from circuitc.lowering.lower import level_wires
    from circuitc.lowering.residual import Stream, live_width
    from circuitc.passes import PassOptions, run_passes

    circuit = circuitc.parse_file(path)
    start, cpu = time.perf_counter(), time.process_time()
    net = circuitc.compile(circuit, mode="exact", architecture="residual", samples=1000)
    compile_s, compile_cpu = time.perf_counter() - start, time.process_time() - cpu
    compile_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    compiled, _ = run_passes(circuit, PassOptions(carry=False))  # the live-wire count (untimed)
    wires = level_wires(compiled)
    live = live_width(compiled, wires, Stream.of(compiled, wires))
    levelized = net.meta["passes"]["passes"]["levelize"]
    # the chain: the gates' monomials and one ReLU per buffer (counted, not built)
    chain = sum(sum(row["monomials"].values()) for row in levelized["levels"]) + \
        (0 if levelized.get("carried", True) else levelized["buffers"])
    start, cpu = time.perf_counter(), time.process_time()
    report = circuitc.evaluate(net, samples=samples)
    eval_s, eval_cpu = time.perf_counter() - start, time.process_time() - cpu
    source = net.meta["gates"]["source"]
    ands = circuit.stats()["gates_by_kind"].get("and", 0)
    return {"circuit": str(path), "source_gates": source, "ands": ands,
            "relus": net.neurons, "relus_per_gate": net.neurons / max(source, 1),
            "chain_relus": chain, "layers": len(net.layers), "stream": net.embed.shape[1],
            "live": live, "bit_errors": report["bit_errors"], "inputs": report["inputs"],
            "samples": report["samples"], "compile_s": compile_s, "eval_s": eval_s,
            "compile_cpu_s": compile_cpu, "eval_cpu_s": eval_cpu, "compile_peak_mb": compile_mb,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


HEADER = ("| circuit | gates | ANDs (AIG) or gates | ReLUs | ReLUs per gate | chain ReLUs | layers | stream D | live "
          "| bit errors | compile s | eval s | peak MB |\n|---|---|---|---|---|---|---|---|---|"
          "---|---|---|---|")
HEADER_CPU = ("| circuit | ANDs (AIG) or gates | ReLUs | ReLUs per gate | chain ReLUs | layers "
              "| stream D | live | bit errors | compile CPU s (wall) | compile peak MB "
              "| eval CPU s (wall) | peak MB |\n" + "|---" * 13 + "|")


def format_row(row: dict) -> str:
    """A Markdown row (HEADER_CPU's, or HEADER's for rows saved before CPU times were kept).
    An AIG's gates are its ANDs (its NOTs mark edges); in other formats every gate of the
    source counts. CPU seconds first, wall in parentheses: the machine is shared."""
    if "failed" in row:
        return f"| {row['circuit']} | failed: {row['failed']} |"
    ands = row["ands"] if row["circuit"].endswith(".aig") else row["source_gates"]
    network = (f"{row['relus']} | {row['relus'] / max(ands, 1):.2f} | {row['chain_relus']} | "
               f"{row['layers']} | {row['stream']} | {row['live']} | {row['bit_errors']} "
               f"({row['inputs']} {row['samples']})")
    if "compile_cpu_s" not in row:
        return (f"| {row['circuit']} | {row['source_gates']} | {ands} | {network} | "
                f"{row['compile_s']:.1f} | {row['eval_s']:.1f} | {row['peak_mb']:.0f} |")
    return (f"| {row['circuit']} | {ands} | {network} | {row['compile_cpu_s']:.1f} "
            f"({row['compile_s']:.1f}) | {row['compile_peak_mb']:.0f} | "
            f"{row['eval_cpu_s']:.1f} ({row['eval_s']:.1f}) | {row['peak_mb']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the shared circuits folder (default: ../shared/circuits)")
    parser.add_argument("--table", type=Path, help="only print the table of a saved --json")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.table:
        rows = [row for row in json.loads(args.table.read_text())
                if not args.names or any(n in row["circuit"] for n in args.names)]
        cpu = all("compile_cpu_s" in row or "failed" in row for row in rows)
        print(HEADER_CPU if cpu else HEADER)
        for row in rows:
            print(format_row(row))
        return
    if args.one:
        print(json.dumps(one(args.one, args.samples)))
        return
    rows = []
    print(HEADER_CPU)
    for path in circuits(args.shared):
        if args.names and not any(n in path.name for n in args.names):
            continue
        try:
            done = subprocess.run([sys.executable, __file__, "--one", str(path), "--samples",
                                   str(args.samples)], capture_output=True, text=True,
                                  timeout=args.timeout)
            row = {**json.loads(done.stdout.strip().splitlines()[-1]),
                   "circuit": str(path.relative_to(args.shared))} if done.returncode == 0 \
                else {"circuit": str(path.relative_to(args.shared)),
                      "failed": done.stderr.strip().splitlines()[-1:]}
        except subprocess.TimeoutExpired:
            row = {"circuit": str(path.relative_to(args.shared)),
                   "failed": f"> {args.timeout:.0f} s"}
        rows.append(row)
        print(format_row(row), flush=True)
        if args.json:  # after every circuit: a long run stopped early keeps what it measured
            args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
