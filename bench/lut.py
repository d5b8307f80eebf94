"""k-LUT mapping: network layers and ReLUs at --lut 4, --lut 6 and without, against ABC.

    python bench/lut.py [--ks 4,6] [--compile-max 20000] [--samples 2000] [--only NAME,...]
                        [--compiles gates,balanced,4,6] [--no-map] [--jsonl FILE]

For every EPFL circuit (arithmetic and random_control), every ISCAS-85 circuit and every
Bristol Fashion circuit in ../shared/circuits: the lutmap pass alone (depth, LUTs, neurons,
seconds) at each K; ABC's `if -K 6` depth and LUT count when berkeley-abc (or abc) is on PATH
(the comparison only: circuitc never runs ABC; ABC reads a Bristol file as the .bench circuitc's
writer makes of the imported circuit, whose equivalence tests/test_cec.py proves); and, for
circuits of at most --compile-max AIG/bench gates, exact compiles checked by `circuitc.evaluate`
(bit errors on --samples random inputs), with network layers and ReLUs: `gates` (exact mode's
default: no LUTs), `balanced` / `depth` / `neurons` (--optimize; balanced is what --mode auto
uses) and each --lut K. Bigger circuits are reported as mapping only; --no-map skips the lutmap
columns.
Seconds are CPU seconds of this process (time.process_time), so a busy machine does not
inflate them.
Prints a Markdown table (docs/lut.md keeps it with this command) and writes one JSON line per
circuit to --jsonl.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import circuitc
from circuitc.formats import load_circuit, write_bench
from circuitc.passes import fanin, lutmap, simplify

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "circuits"
if not SHARED.is_dir():  # a git worktree one level deeper than the main checkout
    SHARED = REPO.parents[1] / "shared" / "circuits"
EPFL = ["arithmetic/adder", "arithmetic/bar", "arithmetic/div", "arithmetic/log2",
        "arithmetic/max", "arithmetic/multiplier", "arithmetic/sin", "arithmetic/sqrt",
        "arithmetic/square", "random_control/arbiter", "random_control/cavlc",
        "random_control/ctrl", "random_control/dec", "random_control/i2c",
        "random_control/int2float", "random_control/mem_ctrl", "random_control/priority",
        "random_control/router", "random_control/voter"]
ISCAS = ["c17", "c432", "c499", "c880", "c1355", "c1908", "c2670", "c3540", "c5315", "c6288",
         "c7552"]
BRISTOL = ["adder64", "sub64", "neg64", "zero_equal", "mult64", "mult2_64", "divide64",
           "udivide64", "FP-eq", "FP-lt", "aes_128"]
# EPFL best-known 6-LUT depths, as quoted in issue 12 (lsils/benchmarks best results)
BEST_K6 = {"adder": 5, "max": 6, "priority": 4, "sin": 10, "square": 10, "log2": 51,
           "multiplier": 25, "mem_ctrl": 5, "arbiter": 5, "voter": 11}


def abc_k6(path: Path, circuit) -> dict | None:
    """ABC's `if -K 6` on the file (a Bristol file: on `circuit` written as .bench):
    {"depth", "luts"}, or None without ABC."""
    abc = shutil.which("berkeley-abc") or shutil.which("abc")
    if abc is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        if path.suffix == ".txt":
            path = Path(tmp) / f"{path.stem}.bench"
            path.write_text(write_bench(circuit))
        read = f"read {path}" if path.suffix == ".aig" else f"read_bench {path}; strash"
        out = subprocess.run([abc, "-c", f"{read}; if -K 6; print_stats"], capture_output=True,
                             text=True, timeout=600).stdout
    match = re.search(r"nd\s*=\s*(\d+).*lev\s*=\s*(\d+)", out)
    return {"luts": int(match.group(1)), "depth": int(match.group(2))} if match else None


def mapping(circuit, k: int) -> dict:
    start = time.process_time()
    c, _ = simplify(circuit)
    c, _ = fanin(c, 2)
    c, _ = simplify(c)
    prepared = time.process_time()
    _, report = lutmap(c, k)
    done = time.process_time()
    return {"depth": report["depth_after"], "luts": report["luts"],
            "neurons": report["neurons"], "seconds": round(done - prepared, 2),
            "prepare_seconds": round(prepared - start, 2)}


COMPILES = {v: {"optimize": v} for v in ("gates", "balanced", "depth", "neurons")}  # K: lut


def compiled(circuit, variant: str, samples: int) -> dict:
    start = time.process_time()
    options = COMPILES[variant] if variant in COMPILES else {"lut": int(variant)}
    net = circuitc.compile(circuit, samples=samples, **options)
    seconds = time.process_time() - start
    report = circuitc.evaluate(net, samples=samples)
    lut = net.meta["passes"]["passes"].get("lutmap", {})
    return {"layers": len(net.layers), "relus": int(net.neurons),
            "bit_errors": int(report["bit_errors"]), "seconds": round(seconds, 1),
            "chosen_k": lut.get("chosen", lut.get("k"))}  # --optimize: the K it chose


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", default="4,6")
    parser.add_argument("--compile-max", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--only", default="")
    parser.add_argument("--compiles", default="gates,balanced,4,6")
    parser.add_argument("--no-map", action="store_true")
    parser.add_argument("--jsonl", default="")
    args = parser.parse_args()
    ks = [] if args.no_map else [int(k) for k in args.ks.split(",")]
    variants = [v for v in args.compiles.split(",") if v]
    only = set(filter(None, args.only.split(",")))
    files = [SHARED / "epfl" / f"{name}.aig" for name in EPFL] + \
            [SHARED / "iscas85" / f"{name}.bench" for name in ISCAS] + \
            [SHARED / "bristol" / f"{name}.txt" for name in BRISTOL]
    head = ["circuit", "gates (NOTs incl.)", "levels (NOTs incl.)", "ABC K6 depth (LUTs)",
            "best K6"]
    for k in ks:
        head.append(f"K{k} depth / LUTs / neurons (map s)")
    head += [f"layers, ReLUs: {v}" if v in COMPILES else f"--lut {v}" for v in variants]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    sink = open(args.jsonl, "a") if args.jsonl else None
    for path in files:
        name = path.stem
        if only and name not in only:
            continue
        circuit = load_circuit(path)
        gates = len(circuit.gates())
        result = {"circuit": name, "gates": gates, "abc_k6": abc_k6(path, circuit),
                  "best_k6": BEST_K6.get(name), "map": {}, "compile": {}}
        levels = simplify(circuit)[0].depth
        result["levels"] = levels
        for k in ks:
            result["map"][k] = mapping(circuit, k)
        if gates <= args.compile_max:
            for v in variants:
                result["compile"][v] = compiled(circuit, v, args.samples)
        if sink:
            sink.write(json.dumps(result) + "\n")
            sink.flush()
        abc = result["abc_k6"]
        cells = [name, str(gates), str(levels),
                 f"{abc['depth']} ({abc['luts']})" if abc else "-",
                 str(result["best_k6"] or "-")]
        for k in ks:
            m = result["map"][k]
            cells.append(f"{m['depth']} / {m['luts']} / {m['neurons']} ({m['seconds']})")
        for v in variants:
            r = result["compile"].get(v)
            cells.append("mapping only" if r is None else
                         f"{r['layers']}, {r['relus']}" + (f" ({r['bit_errors']} ERRORS)"
                                                           if r["bit_errors"] else ""))
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
