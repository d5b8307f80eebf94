"""How exact compile time and memory grow with the circuit: a fit over generated circuits.

    python bench/scaling.py [--sizes 16,24,32,48,64,80,100] [--samples N] [--json OUT]

For each size n, in a child process of its own (so each peak RSS is its own): build the n x n
array multiplier as an AIG (AND and NOT gates only: partial products a_j & b_i summed row by
row with ripple-carry adders, XOR as three ANDs; about 10 n^2 ANDs and 4n levels), compile it
exact with the defaults (`circuitc.compile`, residual stream), save it, load it back, and
evaluate it on N samples (`circuitc.evaluate`, zero bit errors required). Reports per size the
ANDs, layers, ReLUs, compile CPU and wall seconds, save and eval seconds and the child's peak
RSS, then least-squares fits of compile CPU seconds and peak MB against the ANDs, both as a
power law (the exponent: 1 is linear) and as a line (seconds per 100k ANDs). docs/residual.md
keeps the results with the command.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from circuitc import keys as K
from circuitc.graph import Circuit


def array_multiplier(n: int) -> Circuit:
    """The n x n array multiplier as AND and NOT gates (see the module docstring)."""
    c = Circuit(f"array_mult{n}")
    a, b = c.add_input_vector("a", n), c.add_input_vector("b", n)
    gates: list[tuple[str, str, tuple[str, ...], None]] = []

    def gate(op: str, *operands: str) -> str:
        name = f"g{len(gates)}"
        gates.append((name, op, operands, None))
        return name

    def and_(x: str, y: str) -> str:
        return gate(K.OP_AND, x, y)

    def not_(x: str) -> str:
        return gate(K.OP_NOT, x)

    def xor(x: str, y: str) -> str:
        return not_(and_(not_(and_(x, not_(y))), not_(and_(not_(x), y))))

    def add(x: str | None, y: str | None, carry: str | None) -> tuple[str | None, str | None]:
        bits = [v for v in (x, y, carry) if v is not None]
        if len(bits) == 1:
            return bits[0], None
        if len(bits) == 2:
            return xor(*bits), and_(*bits)
        t = xor(bits[0], bits[1])
        return xor(t, bits[2]), not_(and_(not_(and_(bits[0], bits[1])), not_(and_(bits[2], t))))

    acc = [and_(a[j], b[0]) for j in range(n)]
    product = []
    for i in range(1, n):
        product.append(acc[0])
        high, row = acc[1:], [and_(a[j], b[i]) for j in range(n)]
        total, carry = [], None
        for j in range(max(len(high), len(row))):
            s, carry = add(high[j] if j < len(high) else None, row[j] if j < len(row) else None,
                           carry)
            total.append(s)
        acc = total + ([carry] if carry is not None else [])
    c.add_gates(gates)
    c.add_output_vector("p", product + acc)
    return c


def one(n: int, samples: int) -> dict:
    import circuitc

    circuit = array_multiplier(n)
    ands = sum(1 for g in circuit.gates() if circuit.op(g) == K.OP_AND)
    x = np.random.default_rng(n).integers(0, 2, size=(64, 2 * n)).astype(bool)
    want = circuit.simulate(x)
    start, cpu = time.perf_counter(), time.process_time()
    net = circuitc.compile(circuit, mode="exact")
    compile_s, compile_cpu = time.perf_counter() - start, time.process_time() - cpu
    compile_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert np.array_equal(net(x), want)  # and against the multiplication itself:
    ints = [sum(int(v) << i for i, v in enumerate(row)) for row in x[:8].astype(int)]
    got = [sum(int(v) << i for i, v in enumerate(row)) for row in net(x[:8]).astype(int)]
    assert got == [(v & ((1 << n) - 1)) * (v >> n) for v in ints]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.npz"
        start = time.perf_counter()
        net.save(path)
        save_s = time.perf_counter() - start
        del net
        start = time.perf_counter()
        net = circuitc.load(path)
        load_s = time.perf_counter() - start
    start = time.perf_counter()
    report = circuitc.evaluate(net, samples=samples)
    eval_s = time.perf_counter() - start
    return {"n": n, "ands": ands, "gates": len(circuit.gates()), "layers": len(net.layers),
            "relus": net.neurons, "compile_s": compile_s, "compile_cpu_s": compile_cpu,
            "compile_peak_mb": compile_mb, "save_s": save_s, "load_s": load_s,
            "eval_s": eval_s, "samples": report["samples"], "bit_errors": report["bit_errors"],
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def fit(sizes: np.ndarray, values: np.ndarray) -> dict:
    """value ~ c * size^k (least squares in logs) and value ~ a + b * size."""
    k, log_c = np.polyfit(np.log(sizes), np.log(values), 1)
    b, a = np.polyfit(sizes, values, 1)
    return {"exponent": float(k), "coefficient": float(np.exp(log_c)), "intercept": float(a),
            "slope": float(b)}


HEADER = ("| n | ANDs | layers | ReLUs | compile CPU s | compile wall s | compile peak MB "
          "| save s | load s | eval s (samples) | bit errors | peak MB |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


def format_row(r: dict) -> str:
    return (f"| {r['n']} | {r['ands']} | {r['layers']} | {r['relus']} | "
            f"{r['compile_cpu_s']:.1f} | {r['compile_s']:.1f} | {r['compile_peak_mb']:.0f} | "
            f"{r['save_s']:.1f} | {r['load_s']:.1f} | {r['eval_s']:.1f} ({r['samples']}) | "
            f"{r['bit_errors']} | {r['peak_mb']:.0f} |")


def laws(rows: list[dict]) -> list[str]:
    ands = np.array([r["ands"] for r in rows], dtype=float)
    lines = []
    for key, unit in (("compile_cpu_s", "s"), ("compile_peak_mb", "MB")):
        f = fit(ands, np.array([r[key] for r in rows], dtype=float))
        lines.append(f"{key}: ~ {f['coefficient']:.3g} * ANDs^{f['exponent']:.2f}; linear: "
                     f"{f['intercept']:.3g} {unit} + {f['slope'] * 1e5:.3g} {unit} per 100k ANDs")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16,24,32,48,64,80,100")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--table", type=Path, help="only print the table of a saved --json")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.samples)))
        return
    if args.table:
        rows = json.loads(args.table.read_text())
    else:
        rows = []
        print(HEADER)
        for n in map(int, args.sizes.split(",")):
            done = subprocess.run([sys.executable, __file__, "--one", str(n), "--samples",
                                   str(args.samples)], capture_output=True, text=True,
                                  timeout=args.timeout)
            if done.returncode != 0:
                print(f"| {n} | failed: {done.stderr.strip().splitlines()[-1:]} |", flush=True)
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(format_row(rows[-1]), flush=True)
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1) + "\n")
    if args.table:
        print(HEADER)
        print("\n".join(map(format_row, rows)))
    if len(rows) >= 2:
        print("\n" + "\n".join(laws(rows)))


if __name__ == "__main__":
    main()
