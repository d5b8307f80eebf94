"""Benchmark: the exact risk of the paper's U-AND (all pairs of m wires, exactly s on) against
the width d and the hosts per pair c, counted by `circuitc.lowering.pair_risk` (no sampling).

    python bench/pair_risk.py --m 1000 --configs 999:64,999:96,999:111,999:128,900:96,900:100

For each d:c: builds the layer (`build_uand`, universal placement, seed 1, calibrated on
exactly s on), counts the expected bit errors per input at the best threshold with read-offs
within --within of it counted wrong, and prints one JSON line: the risk of any bit error in
--draws inputs (the union bound), split by how many of a pair's wires are on, and the CPU
seconds of the build, the count and the threshold search.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

import numpy as np

from circuitc.lowering.pair_risk import pair_risk
from circuitc.lowering.uand import build_uand


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=int, default=1000)
    parser.add_argument("--s", type=int, default=3)
    parser.add_argument("--configs", default="999:64,999:96,999:111,999:128")
    parser.add_argument("--within", type=float, default=0.025)
    parser.add_argument("--draws", type=int, default=10_000)
    args = parser.parse_args()
    pairs = np.array(list(itertools.combinations(range(args.m), 2)), dtype=np.int32)
    for config in args.configs.split(","):
        d, c = map(int, config.split(":"))
        t0 = time.process_time()
        layer = build_uand([tuple(p) for p in pairs], args.m, d, c=c, seed=1, s=args.s,
                           mode="universal")
        t1 = time.process_time()
        risk = pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, args.m, args.s)
        t2 = time.process_time()
        theta, per_input = risk.best_threshold(args.within)
        t3 = time.process_time()
        print(json.dumps({
            "m": args.m, "s": args.s, "d": d, "c": c, "ands_per_relu": round(len(pairs) / d, 1),
            "threshold": round(theta, 4), "risk": min(1.0, args.draws * per_input),
            "per_input_by_class": dict(zip(("none_on", "one_on", "both_on"),
                                           risk.errors_by_class(theta, args.within))),
            "cpu_s": {"build": round(t1 - t0, 1), "count": round(t2 - t1, 1),
                      "threshold": round(t3 - t2, 1)}}), flush=True)


if __name__ == "__main__":
    main()
