"""Deep sparse circuits in superposition: error against depth, and compression at zero errors.

Usage (OMP_NUM_THREADS=1 recommended; results go to docs/deep.md by hand):

    python bench/deep.py depth    --wires 2000 --levels 32 --active 4 --samples 10000
    python bench/deep.py compress --wires 2000 --levels 8 --active 4 --samples 10000
    python bench/deep.py one      --wires 2000 --levels 8 --active 4 --mode clamped --d 40000
    python bench/deep.py cli      --wires 2000 --levels 8 --active 4 --seed 1 \
        --cli-mode superposed --json bench/results/deep_cli.jsonl [compile options...]

Circuits come from circuitc.gen.sparse_circuit (every gate reads two wires of the level below,
every level has exactly `wires` wires). They are levelized directly (each gate's polynomial over
its two operands: and = ab, or = a + b - ab, xor = a + b - 2ab, mux(b, 0, a) = a - ab) rather than
through run_passes, whose simplify currently rewrites mux(b, 0, a) into NOT/NAND gates that cost
an extra level's worth of buffers (see docs/deep.md); `--passes` uses run_passes instead.

Constructions ("mode"):
- clamped:  circuitc.lowering.clamped.build_clamped on every level (d ReLUs per layer).
- signed:   the same with signed ANDNOT units (build_clamped(..., signed=True)).
- uand:     unclamped U-AND monomial layers (circuitc.lowering.uand.build_uand, targeted,
            bias -(k-1), read-off debiased for exactly `active` on), read off as gates.
- uand+correct: the same with a correction layer (circuitc.lowering.correction) after every
            level.
- exact:    the exact construction (one ReLU per monomial), the baseline.
Every layer is calibrated on `calib` seeded samples (seed + 100) of the declared distribution,
and evaluated on `samples` other samples (seed + 1) against exact simulation. The network is run
as the composed network computes it: each level's read-off (dense, batched), then the next layer.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from circuitc import keys as K
from circuitc.distribution import sample
from circuitc.gen import sparse_circuit
from circuitc.graph import Circuit
from circuitc.lowering.clamped import build_clamped, predicted_errors
from circuitc.lowering.construction import GateLayer, LevelLayer, LevelSpec, via_monomials
from circuitc.lowering.correction import build_correction
from circuitc.lowering.exact import build_exact
from circuitc.lowering.lower import level_wires, polynomials, stored_values
from circuitc.lowering.uand import build_uand

BATCH = 2000
_POLY = {
    K.OP_AND: lambda a, b: [[1, [a, b]]],
    K.OP_OR: lambda a, b: [[1, [a]], [1, [b]], [-1, [a, b]]],
    K.OP_XOR: lambda a, b: [[1, [a]], [1, [b]], [-2, [a, b]]],
}


# ---- circuits -----------------------------------------------------------------------------------
def direct_levels(circuit: Circuit) -> Circuit:
    """The generator's circuit with LEVEL and POLY set from its own structure (no passes)."""
    c = circuit.copy()
    levels = c.node_levels()
    for g in c.gates():
        ops = c.operands(g)
        if c.op(g) == K.OP_MUX:  # mux(b, 0, a) = a & ~b = a - ab
            b, _, a = ops
            poly = [[1, [a]], [-1, [a, b]]]
        else:
            poly = _POLY[c.op(g)](*ops)
        c.graph.nodes[g][K.POLY] = poly
        c.graph.nodes[g][K.LEVEL] = levels[g]
    return c


def prepare(wires: int, levels: int, active: int, seed: int, passes: bool = False):
    circuit, report = sparse_circuit(wires, levels, active, seed)
    if passes:
        from circuitc.passes import PassOptions, run_passes

        compiled, _ = run_passes(circuit, PassOptions(max_fanin=2, polarity=True, samples=2000,
                                                      seed=seed))
    else:
        compiled = direct_levels(circuit)
    ids = level_wires(compiled)
    specs = []
    for level in range(1, len(ids)):
        mons, P, p0 = polynomials(compiled, ids[level], ids[level - 1])
        specs.append(LevelSpec(level, len(ids[level - 1]), mons, P, p0))
    return compiled, ids, specs, report


# ---- building ---------------------------------------------------------------------------------
@dataclass
class Stack:
    """Per level transition: the compute layer and an optional correction layer."""

    compute: list[GateLayer]
    correct: list[GateLayer | None]

    @property
    def relus(self) -> int:
        return sum(l.width for l in self.compute) + sum(l.width for l in self.correct if l)


def build_stack(specs, calib: list[np.ndarray], mode: str, d: int, *, c: int, h: float,
                active: int, seed: int, d_correct: int | None = None, c_uand: int = 8,
                shift: float = 0.0, debias: bool = True) -> Stack:
    compute, correct = [], []
    for t, spec in enumerate(specs):
        s = seed + 1000 * t
        if mode in ("clamped", "signed"):
            compute.append(build_clamped(spec, d, c=c, h=h, shift=shift, seed=s,
                                         wire_samples=calib[t] if debias else None,
                                         signed=mode == "signed"))
        elif mode == "exact":
            compute.append(via_monomials(build_exact(spec.monomials, spec.n_wires), spec))
        elif mode.startswith("uand"):
            act = calib[t].mean(0)
            u = build_uand(spec.monomials, spec.n_wires, d, c=c_uand, mode="targeted", seed=s,
                           activity=np.clip(act, 1e-6, 1 - 1e-6))
            compute.append(via_monomials(LevelLayer(u.W, u.b, u.A, u.a0, u.stats), spec))
        else:
            raise ValueError(f"unknown mode {mode}")
        if mode == "uand+correct":
            correct.append(build_correction(spec.n_gates, d_correct or d, c=c, h=h, seed=s + 7,
                                            wire_samples=calib[t + 1]))
        else:
            correct.append(None)
    return Stack(compute, correct)


def _apply(layer: GateLayer, v: sp.csr_array, r: np.ndarray) -> tuple[sp.csr_array, np.ndarray]:
    """One layer on a read-off given as sparse part v [B, n] plus a constant r [n]: returns the
    next read-off in the same form. Exactly relu((v + r) @ W + b) @ R + r', computed sparsely:
    the constant part r @ W + b is negative on almost every neuron, so a neuron can only fire
    where v reaches it; the few neurons with a positive constant part are done densely."""
    W = sp.csr_array(layer.W)
    base = np.asarray(r @ W).ravel() + layer.b
    pre = (v @ W).tocoo()
    vals = pre.data + base[pre.col]
    keep = vals > 0
    hid = sp.csr_array((vals[keep], (pre.row[keep], pre.col[keep])), shape=(v.shape[0], W.shape[1]))
    dense_cols = np.flatnonzero(base > 0)
    if len(dense_cols):
        sub = np.asarray((v @ W[:, dense_cols]).toarray()) + base[dense_cols]
        fix = np.maximum(sub, 0.0) - hid[:, dense_cols].toarray()
        hid = hid + sp.csr_array((fix.ravel(), (np.repeat(np.arange(v.shape[0]), len(dense_cols)),
                                               np.tile(dense_cols, v.shape[0]))), shape=hid.shape)
    out = sp.csr_array(hid @ sp.csr_array(layer.R), dtype=np.float32)
    out.eliminate_zeros()
    return out, np.asarray(layer.r, dtype=np.float32)


def operands(spec: LevelSpec) -> np.ndarray:
    """[n_gates, 2] the two operand wires of every gate (a < b; a gate of one wire: b = a)."""
    P = sp.csc_array(spec.P)
    out = np.zeros((spec.n_gates, 2), np.int64)
    for g in range(spec.n_gates):
        wires = sorted({i for m in P.indices[P.indptr[g]:P.indptr[g + 1]] for i in spec.monomials[m]})
        if len(wires) > 2:
            raise ValueError("bench/deep.py classes gates of at most two operands")
        out[g] = [wires[0], wires[-1]]
    return out


def predictions(stack: Stack, specs, calib: list[np.ndarray], *, c: int, seed: int,
                debias: bool = True) -> list | None:
    """Per level, the clamped layer's predicted error per gate and operand state [n_gates, 4]
    (circuitc.lowering.clamped.predicted_errors, wires independent at their calibration
    activity); None for the other constructions."""
    if any(l.info.get("construction") != "clamped" for l in stack.compute):
        return None
    return [predicted_errors(spec, layer.width, calib[t].mean(0), c=c, seed=seed + 1000 * t,
                             wire_samples=calib[t] if debias else None)
            for t, (spec, layer) in enumerate(zip(specs, stack.compute))]


CLASSES = ("none", "some", "all")  # how many of a gate's operands are on


# ---- evaluating -------------------------------------------------------------------------------
def evaluate_stack(stack: Stack, truth: list[np.ndarray], ops: list[np.ndarray] | None = None,
                   predicted: list[np.ndarray] | None = None) -> list[dict]:
    """Per level (1..L): mean signed error, mean/max |error|, decode margin, bit errors (read-off
    > 1/2 vs exact), and samples with any bit error; level 0 is read exactly. With the gates'
    operands `ops`: the same per input class (none / some / all operands on), with the predicted
    mean error of the class when `predicted` gives it per gate and operand state."""
    n = truth[0].shape[0]
    L = len(stack.compute)
    acc = [dict(err=0.0, abs=0.0, max=0.0, bits=0, bad=0, min_true=np.inf, max_false=-np.inf,
                cls={k: dict(n=0, err=0.0, pred=0.0, max=0.0, bits=0) for k in CLASSES})
           for _ in range(L)]
    for start in range(0, n, BATCH):
        v = sp.csr_array(truth[0][start:start + BATCH].astype(np.float32))
        r = np.zeros(v.shape[1], np.float32)
        for t in range(L):
            v, r = _apply(stack.compute[t], v, r)
            if stack.correct[t] is not None:
                v, r = _apply(stack.correct[t], v, r)
            w = v.toarray() + r
            y = truth[t + 1][start:start + BATCH]
            e = w - y
            a = acc[t]
            a["err"] += float(e.sum())
            a["abs"] += float(np.abs(e).sum())
            a["max"] = max(a["max"], float(np.abs(e).max()))
            wrong = (w > 0.5) != y
            a["bits"] += int(wrong.sum())
            a["bad"] += int(wrong.any(1).sum())
            if y.any():
                a["min_true"] = min(a["min_true"], float(w[y].min()))
            a["max_false"] = max(a["max_false"], float(w[~y].max()))
            if ops is not None:
                x = truth[t][start:start + BATCH]
                wa, wb = x[:, ops[t][:, 0]], x[:, ops[t][:, 1]]
                one = ops[t][:, 0] == ops[t][:, 1]
                on = np.where(one, 2 * wa, wa.astype(np.int8) + wb)  # 0 none, 1 some, 2 all
                state = np.where(one, wa, 2 * wa.astype(np.int8) + wb)
                pred = (None if predicted is None else
                        predicted[t][np.arange(len(one))[None, :], state])
                for k, name in enumerate(CLASSES):
                    sel, cl = on == k, a["cls"][name]
                    cl["n"] += int(sel.sum())
                    cl["err"] += float(e[sel].sum())
                    cl["max"] = max(cl["max"], float(np.abs(e[sel]).max(initial=0.0)))
                    cl["bits"] += int(wrong[sel].sum())
                    if pred is not None:
                        cl["pred"] += float(pred[sel].sum())
    rows = []
    for t, a in enumerate(acc):
        size = n * truth[t + 1].shape[1]
        row = {"level": t + 1, "mean_error": a["err"] / size, "mean_abs": a["abs"] / size,
               "max_abs": a["max"], "margin": a["min_true"] - a["max_false"],
               "min_true": a["min_true"], "max_false": a["max_false"],
               "bit_errors": a["bits"], "bad_samples": a["bad"]}
        if ops is not None:
            row["classes"] = {name: {"n": cl["n"], "mean_error": cl["err"] / max(cl["n"], 1),
                                     "predicted": (cl["pred"] / max(cl["n"], 1)
                                                   if predicted is not None else None),
                                     "max_abs": cl["max"], "bit_errors": cl["bits"]}
                              for name, cl in a["cls"].items()}
        rows.append(row)
    return rows


def run(wires: int, levels: int, active: int, mode: str, d: int, *, c: int = 6, h: float = 0.1,
        samples: int = 10_000, calib: int = 4000, seed: int = 0, d_correct: int | None = None,
        passes: bool = False, c_uand: int = 8, prepared=None, classes: bool = False,
        shift: float = 0.0, debias: bool = True) -> dict:
    t0 = time.time()
    compiled, ids, specs, report = prepared or prepare(wires, levels, active, seed, passes)
    xc = sample(compiled, calib, seed + 100)
    xe = sample(compiled, samples, seed + 1)
    calib_vals, truth = stored_values(compiled, ids, xc)[1], stored_values(compiled, ids, xe)[1]
    t1 = time.time()
    stack = build_stack(specs, calib_vals, mode, d, c=c, h=h, active=active, seed=seed,
                        d_correct=d_correct, c_uand=c_uand, shift=shift, debias=debias)
    t2 = time.time()
    ops = [operands(spec) for spec in specs] if classes else None
    predicted = (predictions(stack, specs, calib_vals, c=c, seed=seed, debias=debias)
                 if classes else None)
    rows = evaluate_stack(stack, truth, ops, predicted)
    t3 = time.time()
    gates = sum(s.n_gates for s in specs)
    return {"wires": wires, "levels": len(specs), "active": active, "mode": mode, "d": d,
            "d_correct": d_correct, "c": c, "h": h, "shift": shift, "debias": debias,
            "samples": samples, "seed": seed,
            "relus": stack.relus, "gates": gates, "gates_per_relu": gates / stack.relus,
            "bit_errors": sum(r["bit_errors"] for r in rows),
            "first_bad_level": next((r["level"] for r in rows if r["bit_errors"]), None),
            "per_level": rows,
            "activity_max": max(r["max"] for r in report["per_level"]),
            "seconds": {"prepare": round(t1 - t0, 1), "build": round(t2 - t1, 1),
                        "eval": round(t3 - t2, 1)}}


# ---- through the command line ------------------------------------------------------------------
def timed(cmd: list[str], cwd: str) -> dict:
    """Run cmd under /usr/bin/time -v: stdout, exit status, peak RSS (GB), CPU seconds."""
    import re
    import subprocess

    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    cpu = sum(float(v) for v in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)",
                                           proc.stderr))
    lines = [line for line in proc.stderr.splitlines()  # circuitc's, not /usr/bin/time's
             if line.strip() and not line.startswith("\t")]
    return {"status": proc.returncode, "stdout": proc.stdout,
            "peak_gb": int(peak.group(1)) / 1e6 if peak else None, "cpu_s": round(cpu, 1),
            "error": lines[-3:] if proc.returncode else None}


def cli(wires: int, levels: int, active: int, seed: int, mode: str, work: str,
        extra: list[str]) -> dict:
    """`circuitc gen sparse`, `compile --mode MODE ... --json` and `eval --json` as a user runs
    them; the compile's widths and gates per ReLU, eval's bit errors and every level's margin."""
    import sys

    exe = [sys.executable, "-m", "circuitc"]
    row: dict = {"wires": wires, "levels": levels, "active": active, "seed": seed, "mode": mode,
                 "extra": extra}
    gen = timed([*exe, "gen", "sparse", "--wires", str(wires), "--levels", str(levels),
                 "--active", str(active), "--seed", str(seed), "-o", "s.circ"], work)
    row["gen"] = {k: gen[k] for k in ("status", "peak_gb", "cpu_s")}
    comp = timed([*exe, "compile", "s.circ", "--mode", mode, "-o", "s.npz", "--json", *extra],
                 work)
    row["compile"] = {k: comp[k] for k in ("status", "peak_gb", "cpu_s", "error")}
    if comp["status"] != 0:
        return row
    summary = json.loads(comp["stdout"])
    # gates: the compiled circuit's (LUTs when mapped); source_gates: the generated circuit's
    row.update(neurons=summary["neurons"], gates=summary["gates"], widths=summary["widths"],
               gates_per_relu=summary["gates_per_relu"], source_gates=summary["source_gates"])
    ev = timed([*exe, "eval", "s.npz", "--json"], work)
    row["eval"] = {k: ev[k] for k in ("status", "peak_gb", "cpu_s", "error")}
    if ev["stdout"]:
        report = json.loads(ev["stdout"])
        row["eval"].update(bit_errors=report.get("bit_errors"), samples=report.get("samples"),
                           margins=[lv.get("margin") for lv in report.get("levels", [])])
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["one", "depth", "compress", "cli"])
    ap.add_argument("--wires", type=int, default=2000)
    ap.add_argument("--levels", type=int, default=8)
    ap.add_argument("--active", type=int, default=4)
    ap.add_argument("--mode", default="clamped")
    ap.add_argument("--d", type=int, nargs="+", default=[40000])
    ap.add_argument("--d-correct", type=int, default=None)
    ap.add_argument("--c", type=int, default=6)
    ap.add_argument("--h", type=float, default=0.1)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--calib", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shift", type=float, default=0.0,
                    help="clamped: raise every pair's threshold by this")
    ap.add_argument("--no-debias", action="store_true",
                    help="clamped: read units as the plain mean of their hosts")
    ap.add_argument("--passes", action="store_true")
    ap.add_argument("--classes", action="store_true",
                    help="error per input class (none / some / all operands on), with the "
                         "clamped construction's predictions")
    ap.add_argument("--json", default=None, help="append results (JSON lines) to this file")
    ap.add_argument("--cli-mode", default="superposed",
                    help="cli: compile --mode (exact, superposed, auto)")
    ap.add_argument("--dir", default=".", help="cli: scratch directory for s.circ and s.npz")
    a, extra = ap.parse_known_args(argv)
    if a.what == "cli":  # extra arguments go to compile, e.g. --width 18000
        res = cli(a.wires, a.levels, a.active, a.seed, a.cli_mode, a.dir, extra)
        print(json.dumps(res), flush=True)
        if a.json:
            with open(a.json, "a") as f:
                f.write(json.dumps(res) + "\n")
        return
    if extra:
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    prepared = prepare(a.wires, a.levels, a.active, a.seed, a.passes)
    modes = a.mode.split(",")
    for mode in modes:
        for d in a.d:
            res = run(a.wires, a.levels, a.active, mode, d, c=a.c, h=a.h, samples=a.samples,
                      calib=a.calib, seed=a.seed, d_correct=a.d_correct, passes=a.passes,
                      prepared=prepared, classes=a.classes, shift=a.shift,
                      debias=not a.no_debias)
            line = (f"{mode:>13} wires={a.wires} levels={res['levels']} d={d} c={a.c} h={a.h} "
                    f"shift={a.shift} debias={not a.no_debias} "
                    f"relus={res['relus']} gates/relu={res['gates_per_relu']:.3f} "
                    f"bit_errors={res['bit_errors']} first_bad={res['first_bad_level']} "
                    f"t={res['seconds']}")
            print(line, flush=True)
            if a.what in ("depth", "one"):
                for r in res["per_level"]:
                    print(f"    L{r['level']:>2} mean={r['mean_error']:+.5f} "
                          f"abs={r['mean_abs']:.5f} max={r['max_abs']:.3f} "
                          f"margin={r['margin']:+.3f} bits={r['bit_errors']}", flush=True)
                    for name, cl in r.get("classes", {}).items():
                        pred = "-" if cl["predicted"] is None else f"{cl['predicted']:+.5f}"
                        print(f"        {name:>4}: n={cl['n']} mean={cl['mean_error']:+.5f} "
                              f"predicted={pred} max={cl['max_abs']:.3f} "
                              f"bits={cl['bit_errors']}", flush=True)
            if a.json:
                with open(a.json, "a") as f:
                    f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
