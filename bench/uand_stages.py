"""Benchmark: where compile's time and memory go for U-AND, stage by stage, in one process.

Stages: parse (`circuitc gen uand` text -> circuit), the passes (`run_passes`, the passes
helper's part), the plan (`plan_and_lower`: width search, holdout check, lowering), writing the
.npz, and eval of the written file. Each line: CPU seconds of the stage and the process's peak
RSS so far (ru_maxrss; the peak is monotone, so a stage's own peak shows as the rise).

    python bench/uand_stages.py --m 1000 [--after FILE.json] [--skip-eval] [--json OUT]

--after caches the circuit after the passes (JSON): a later run with the same file skips
parse and passes, so the planning part can be measured alone (its peak then excludes them).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--m", type=int, default=1000)
    ap.add_argument("--after", help="cache of the circuit after the passes (JSON)")
    ap.add_argument("--skip-eval", action="store_true")
    ap.add_argument("--width", type=int, default=None)
    ap.add_argument("--json", help="append one JSON line")
    a = ap.parse_args()

    from circuitc import gen
    from circuitc.compiling import CompileOptions, Source, assemble
    from circuitc.evaluate import evaluate
    from circuitc.frontend import parse_text
    from circuitc.graph import Circuit
    from circuitc.lowering.plan import PlanOptions, plan_and_lower
    from circuitc.netfile import load, save
    from circuitc.passes import PassOptions, PassReport, run_passes

    row: dict = {"m": a.m, "stages": {}}

    def stage(name: str, t0: float) -> None:
        row["stages"][name] = {"cpu_s": round(cpu() - t0, 1), "peak_gb": round(peak_gb(), 2)}
        print(name, row["stages"][name], flush=True)

    t0 = cpu()
    if a.after and Path(a.after).exists():
        compiled = Circuit.from_json(Path(a.after).read_text())
        report = PassReport(compiled.name)
        source = Source(compiled.name, {}, list(compiled.inputs), list(compiled.output_names),
                        len(compiled.gates()))
        stage("load after-passes", t0)
    else:
        circuit = parse_text(gen.uand_circ(a.m))
        stage("parse", t0)
        source = Source.of(circuit)
        t0 = cpu()
        compiled, report = run_passes(circuit, PassOptions(samples=10_000, seed=0))
        del circuit
        stage("passes", t0)
        if a.after:
            Path(a.after).write_text(compiled.to_json())
    t0 = cpu()
    options = CompileOptions(mode="superposed", width=a.width)
    plan = plan_and_lower(compiled, PlanOptions(mode="superposed", width=a.width,
                                                samples=options.samples, seed=0,
                                                margin=options.margin))
    stage("plan", t0)
    row["plan"] = plan.levels[-1] | {"validation": plan.validation}
    row["plan"].pop("tried", None)
    row["tried"] = plan.levels[-1].get("tried")
    print(json.dumps(row["plan"]), flush=True)
    t0 = cpu()
    net = assemble(source, compiled, plan, report, options)
    del plan, compiled
    path = Path(tempfile.mkdtemp()) / "u.npz"
    save(net, path)
    del net
    stage("assemble + write", t0)
    if not a.skip_eval:
        t0 = cpu()
        result = evaluate(load(path), samples=10_000, seed=0)
        row["eval"] = {k: result[k] for k in ("bit_errors", "gates_per_relu", "neurons")}
        row["eval"]["margin"] = result["levels"][-1]["margin"]
        stage("eval", t0)
        print(json.dumps(row["eval"]), flush=True)
    path.unlink()
    if a.json:
        with open(a.json, "a") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
