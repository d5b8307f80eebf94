"""Benchmark: the front end and each pass of `run_passes` on the U-AND circuit, one process.

Parses `circuitc gen uand --m M`'s text, then runs `run_passes` (the compile defaults:
10,000 samples, seed 0) with every pass timed on its own. Each line: CPU seconds of the stage
and the process's peak RSS so far (ru_maxrss: monotone, so a stage's own peak shows as a rise).

    OMP_NUM_THREADS=1 python bench/uand_passes.py --m 1000 [--json OUT]

To measure another checkout's code, put it first on the path (PYTHONPATH=/path/to/checkout).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402

from uand_stages import cpu, peak_gb  # noqa: E402  (its sibling: run as bench/uand_passes.py)

PASSES = ["simplify", "fanin", "lutmap", "monomials", "polarity", "levelize", "sparsity", "depth"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--m", type=int, default=1000)
    ap.add_argument("--json", help="append one JSON line")
    a = ap.parse_args()

    import circuitc.passes as P
    from circuitc import gen
    from circuitc.frontend import parse_text

    row: dict = {"m": a.m, "ands": a.m * (a.m - 1) // 2, "stages": []}

    def record(name: str, t0: float) -> None:
        row["stages"].append({"stage": name, "cpu_s": round(cpu() - t0, 2),
                              "peak_gb": round(peak_gb(), 3)})
        print(f"{name:<12} {cpu() - t0:8.2f} s CPU   peak {peak_gb():6.3f} GB", flush=True)

    t0 = cpu()
    circuit = parse_text(gen.uand_circ(a.m))
    record("parse", t0)

    for name in PASSES:  # run_passes calls the passes through this module's names
        def timed(*args, _run=getattr(P, name), _name=name, **kwargs):
            t = cpu()
            result = _run(*args, **kwargs)
            record(_name if _name not in [s["stage"] for s in row["stages"]] else "re" + _name, t)
            return result
        setattr(P, name, timed)
    t0 = cpu()
    compiled, report = P.run_passes(circuit, P.PassOptions(samples=10_000, seed=0))
    row["passes_cpu_s"] = round(cpu() - t0, 2)
    row["peak_gb"] = round(peak_gb(), 3)
    row["gates_after"] = len(compiled.gates())
    print(f"{'passes':<12} {row['passes_cpu_s']:8.2f} s CPU   peak {row['peak_gb']:6.3f} GB")
    if a.json:
        with open(a.json, "a") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
