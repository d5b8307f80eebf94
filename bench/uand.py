"""Benchmark: one-layer U-AND of all C(m, 2) pair ANDs, exactly s inputs on, one global threshold.

For each sample the read-offs of all pairs are computed exactly but cheaply: in universal mode
A[n, (i,j)] = B[n,i] B[n,j] / c_ij (checked against the layer's A), so the read-offs of a sample
with neuron activations h are the upper triangle of G = B_act^T diag(h_act) B_act (only the few
active neurons enter) divided by c_ij, plus a0. That is one small dense product per sample instead
of a d x C(m,2) one.

Reported per run: margin (smallest true read-off minus largest false read-off over all samples
and pairs: > 0 means every AND decodes with one threshold), max |error|, mean signed error per
class (both / one / none on) measured and predicted, and compression C(m,2) / d (ANDs per ReLU;
with superposed inputs d0 = d input dimensions come on top).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/uand.py run --m 1000 --d 1500 --c 32
    ... search --m 1000 --c 16,24,32         smallest passing d (geometric bisection, then confirm)
    ... scan --m 250,500,1000,2000           the width needed against m, with the fitted exponent
Add --superposed (d0 = d, W_first = Phi^T W) and --theta (bias shift) for inputs in superposition.
--json FILE appends one line per run, or per searched (m, c, theta): the bisection bracket (smallest
passing / largest failing d with margins), every run tried, the confirm run, seconds.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the machine is shared: one BLAS thread
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from circuitc.lowering.embedding import build_embedding, compose_with_embedding  # noqa: E402
from circuitc.lowering.acceptance import judge  # noqa: E402
from circuitc.lowering.uand import build_uand  # noqa: E402


def all_pairs(m: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(m), 2))


def pair_index(m: int) -> np.ndarray:
    """tidx[i, j] = position of (min, max) in all_pairs(m); -1 on the diagonal."""
    i, j = np.triu_indices(m, 1)
    tidx = np.full((m, m), -1, dtype=np.int64)
    tidx[i, j] = np.arange(len(i))
    tidx[j, i] = np.arange(len(i))
    return tidx


def sample_active(m: int, s: int, n: int, seed: int) -> np.ndarray:
    """n samples of exactly s distinct active inputs, uniform, [n, s] int."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.choice(m, s, replace=False) for _ in range(n)])


def evaluate(layer, m, active, *, superposed=False, read="transpose", seed=0,
             stop_at_failure=False):
    """Exact read-off statistics of every pair AND over the given samples (module doc)."""
    d = layer.b.shape[0]
    Bd = np.asarray(layer.W.T.todense(), dtype=np.float32)  # [d, m] 0/1 connections
    M = m * (m - 1) // 2
    coef = np.zeros(M, dtype=np.float32)  # A[n, t] = coef[t] for every host n of t
    Acoo = layer.A.tocoo()
    coef[Acoo.col] = Acoo.data
    iu, ju = np.triu_indices(m, 1)
    rng = np.random.default_rng(1)
    for t in rng.choice(M, 50, replace=False):  # the Gram shortcut must equal the layer's A
        col = np.asarray(layer.A[:, [t]].todense()).ravel()
        assert np.allclose(col, Bd[:, iu[t]] * Bd[:, ju[t]] * coef[t]), "A is not the host mean"
    flat = iu * m + ju
    tidx = pair_index(m)
    if superposed:
        Phi = build_embedding(m, d, seed=seed + 7)
        K = (Phi @ compose_with_embedding(layer.W, Phi, read)).astype(np.float32)  # [m, d]
    else:
        K = Bd.T.copy()
    b, a0 = layer.b, layer.a0
    acc = dict(true_min=np.inf, false_max=-np.inf, max_abs=0.0, worst=None, n=0)
    sums = np.zeros(3)
    counts = np.zeros(3)
    pred = np.zeros(3)
    active_neurons = 0
    worst_false = np.full(len(active), -np.inf)  # per sample, for the acceptance rule
    worst_true = np.full(len(active), np.inf)
    for x, act in enumerate(active):
        h = np.maximum(K[act].sum(0) + b, 0.0)
        nz = np.flatnonzero(h)
        active_neurons += len(nz)
        Bn = Bd[nz]
        G = (Bn.T * h[nz]) @ Bn  # [m, m]
        r = G.ravel()[flat] * coef + a0
        both = tidx[act[:, None], act[None, :]][np.triu_indices(len(act), 1)]
        others = np.setdiff1d(np.arange(m), act)
        one = tidx[act[:, None], others[None, :]].ravel()
        rb, ro = r[both], r[one]
        total = r.sum(dtype=np.float64)
        sums += [rb.sum() - len(rb), ro.sum(), total - rb.sum() - ro.sum()]
        counts += [len(rb), len(ro), M - len(rb) - len(ro)]
        pb, po = layer.predicted[both, 2], layer.predicted[one, 1]
        pred += [pb.sum(), po.sum(), layer.predicted[:, 0].sum() - layer.predicted[both, 0].sum()
                 - layer.predicted[one, 0].sum()]
        r[both] = -np.inf
        fmax = r.max()
        if fmax > acc["false_max"]:
            t = int(np.argmax(r))
            cls = "one" if t in set(one.tolist()) else "none"
            acc["worst"] = dict(sample=x, pair=(int(iu[t]), int(ju[t])), cls=cls,
                                hosts=int(layer.hosts[t]), value=float(fmax))
        acc["false_max"] = max(acc["false_max"], float(fmax))
        worst_false[x], worst_true[x] = fmax, rb.min()
        r[both] = np.inf
        fmin = r.min()
        acc["true_min"] = min(acc["true_min"], float(rb.min()))
        acc["max_abs"] = max(acc["max_abs"], float(np.abs(rb - 1).max()), abs(float(fmax)),
                             abs(float(fmin)))
        acc["n"] = x + 1
        if stop_at_failure and acc["true_min"] <= acc["false_max"]:
            break
    n = acc["n"]
    verdict = judge(worst_false[:n], worst_true[:n], draws=10_000)
    if os.environ.get("UAND_DUMP"):  # the per-sample extremes, for calibrating the rule
        np.savez(os.environ["UAND_DUMP"], worst_false=worst_false[:n], worst_true=worst_true[:n])
    return {
        "samples": acc["n"],
        # circuitc's acceptance rule on these samples, for eval's 10^4 draws (plan.py)
        "acceptance": {k: verdict[k] for k in ("ok", "risk", "threshold", "gap", "false_tail",
                                               "true_tail")},
        "margin": acc["true_min"] - acc["false_max"],
        "true_min": acc["true_min"],
        "false_max": acc["false_max"],
        "max_abs_error": acc["max_abs"],
        "mean_error": dict(zip(("both", "one", "none"), (sums / counts).round(5).tolist())),
        "predicted_error": dict(zip(("both", "one", "none"), (pred / counts).round(5).tolist())),
        "worst_false": acc["worst"],
        "active_neurons_mean": active_neurons / acc["n"],
    }


FIXED = os.environ.get("UAND_FIXED_DEGREE", "1") == "1"  # 0: Bernoulli connections


def run(m, d, c, *, s=3, samples=10_000, superposed=False, read="transpose", theta=0.0, seed=0,
        stop=False):
    t0 = time.time()
    try:
        layer = build_uand(all_pairs(m), m, d, c=c, s=s, seed=seed, mode="universal",
                           bias_shift=theta, fixed_degree=FIXED)
    except ValueError as e:  # some pair has no host neuron: it cannot be decoded at all
        return dict(m=m, d=d, c=c, theta=theta, margin=-math.inf, samples=0, error=str(e))
    t1 = time.time()
    active = sample_active(m, s, samples, seed=seed + 1000)
    out = evaluate(layer, m, active, superposed=superposed, read=read, seed=seed,
                   stop_at_failure=stop)
    out.update(m=m, d=d, c=c, theta=theta, superposed=superposed,
               read=read if superposed else None, p=math.sqrt(c / d),
               hosts_min=layer.stats["hosts_min"], fixed_degree=FIXED,
               compression=round(m * (m - 1) / 2 / d, 1),
               build_s=round(t1 - t0, 1), eval_s=round(time.time() - t1, 1))
    return out


def search(m, c, *, lo, hi, n_search, superposed, read, theta, seed, s=3, tol=1.06, log=print):
    """Smallest d in [lo, hi] with margin > 0 on n_search samples (geometric bisection).

    Returns d_min (None if hi fails), the bracket (smallest passing / largest failing run; lo is
    run at the end if no midpoint failed, so both ends are measured) and every run tried."""
    trail = []

    def step(d):
        res = run(m, d, c, s=s, samples=n_search, superposed=superposed, read=read, theta=theta,
                  seed=seed, stop=True)
        log(json.dumps({k: res[k] for k in ("m", "d", "c", "theta", "margin", "samples")}))
        trail.append(dict(d=d, margin=finite(res["margin"]), samples=res["samples"]))
        return trail[-1]

    if not passes(step(hi)):
        return dict(d_min=None, passing=None, failing=trail[-1], trail=trail)
    ok, fail = trail[-1], None
    while hi / lo > tol:
        res = step(int(round(math.sqrt(lo * hi))))
        if passes(res):
            hi, ok = res["d"], res
        else:
            lo, fail = res["d"], res
    if fail is None:  # lo was only assumed to fail
        res = step(lo)
        if passes(res):
            hi, ok = lo, res
        else:
            fail = res
    return dict(d_min=hi, passing=ok, failing=fail, trail=trail)


def passes(res):
    return res["margin"] is not None and res["margin"] > 0


def finite(x):
    """A margin for JSON: rounded, None when no pair could be decoded (-inf)."""
    return round(float(x), 5) if math.isfinite(x) else None


def append_json(path, record):
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("command", choices=("run", "search", "scan"))
    ap.add_argument("--m", default="1000")
    ap.add_argument("--d", type=int, default=1500)
    ap.add_argument("--c", default="32")
    ap.add_argument("--s", type=int, default=3, help="exactly s inputs on")
    ap.add_argument("--theta", default="0")
    ap.add_argument("--samples", type=int, default=10_000, help="run / confirm samples (0: none)")
    ap.add_argument("--search-samples", type=int, default=2000)
    ap.add_argument("--lo", default="0", help="search bracket, one value or one per m")
    ap.add_argument("--hi", default="0", help="search bracket, one value or one per m")
    ap.add_argument("--superposed", action="store_true")
    ap.add_argument("--read", choices=("transpose", "pinv"), default="transpose")
    ap.add_argument("--tol", type=float, default=1.06, help="search stops at hi/lo <= tol")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default="", help="append one JSON line per run / per searched m")
    a = ap.parse_args()
    ms = [int(v) for v in a.m.split(",")]
    cs = [int(v) for v in a.c.split(",")]
    thetas = [float(v) for v in a.theta.split(",")]
    los = dict(zip(ms, itertools.cycle(int(v) for v in a.lo.split(","))))
    his = dict(zip(ms, itertools.cycle(int(v) for v in a.hi.split(","))))
    if a.command == "run":
        for m, c, th in itertools.product(ms, cs, thetas):
            res = run(m, a.d, c, s=a.s, samples=a.samples, superposed=a.superposed, read=a.read,
                      theta=th, seed=a.seed)
            print(json.dumps(res), flush=True)
            append_json(a.json, dict(res, command="run", s=a.s, seed=a.seed,
                                     margin=finite(res["margin"])))
        return
    best = {}
    for m in ms:
        records = []
        for c, th in itertools.product(cs, thetas):
            t0 = time.time()
            lo = los[m] or max(8, m // 20)
            hi = his[m] or 8 * m
            found = search(m, c, lo=lo, hi=hi, n_search=a.search_samples, s=a.s,
                           superposed=a.superposed, read=a.read, theta=th, seed=a.seed,
                           tol=a.tol, log=lambda s: print("  " + s, flush=True))
            dmin = found["d_min"]
            print(json.dumps({"m": m, "c": c, "theta": th, "d_min": dmin}), flush=True)
            records.append(dict(command=a.command, m=m, c=c, s=a.s, theta=th,
                                superposed=a.superposed, read=a.read if a.superposed else None,
                                fixed_degree=FIXED, seed=a.seed, search_samples=a.search_samples,
                                tol=a.tol, lo=lo, hi=hi, **found, confirm=None,
                                seconds=round(time.time() - t0, 1)))
            if dmin is not None and (m not in best or dmin < best[m][0]):
                best[m] = (dmin, c, th)
        if m in best and a.samples > 0:
            dmin, c, th = best[m]
            t0 = time.time()
            res = run(m, dmin, c, s=a.s, samples=a.samples, superposed=a.superposed, read=a.read,
                      theta=th, seed=a.seed)
            print(json.dumps({"confirm": res}), flush=True)
            rec = next(r for r in records if r["c"] == c and r["theta"] == th)
            rec["confirm"] = {k: res[k] for k in ("d", "samples", "margin", "max_abs_error",
                                                  "mean_error", "predicted_error")}
            rec["confirm"]["margin"] = finite(res["margin"])
            rec["seconds"] = round(rec["seconds"] + time.time() - t0, 1)
        for rec in records:
            append_json(a.json, rec)
    if a.command == "scan" and len(best) >= 2:
        x = np.log([m for m in best])
        y = np.log([best[m][0] for m in best])
        slope, icpt = np.polyfit(x, y, 1)
        print(json.dumps({"fit": f"d_min ~ {math.exp(icpt):.3g} * m^{slope:.3f}",
                          "points": {m: best[m] for m in best}}), flush=True)


if __name__ == "__main__":
    main()
