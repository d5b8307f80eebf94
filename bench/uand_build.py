"""Benchmark: the memory and time of building one U-AND layer (`build_uand`) of all pairs.

Builds the layer of all pairs of M wires at width D as the planner does for the paper's U-AND
(c = `plan.uand_hosts(D, certified=True)`, exactly 3 wires on, seed 1) and prints the build's
wall time, the peak and the held memory traced by tracemalloc above the monomial list (numpy
reports its arrays to it), nnz(A), and a CRC of every array of the layer (equal CRCs: the same
layer, e.g. across checkouts).

    python bench/uand_build.py 2000 981     # the width the planner picks at m = 2000
    python bench/uand_build.py 700 400

To measure another checkout's code, put it first on the path (PYTHONPATH=/path/to/checkout).
Results: docs/uand.md, session 10.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import zlib

import numpy as np

from circuitc.lowering.plan import uand_hosts
from circuitc.lowering.uand import build_uand


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("m", type=int, help="wires (all C(m, 2) pairs are built)")
    parser.add_argument("d", type=int, help="the layer's width")
    args = parser.parse_args()
    i, j = np.triu_indices(args.m, 1)
    monomials = list(zip(i.tolist(), j.tolist()))
    del i, j
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    layer = build_uand(monomials, args.m, args.d, c=uand_hosts(args.d, True), seed=1, s=3,
                       mode="auto")
    seconds = time.perf_counter() - start
    held, peak = tracemalloc.get_traced_memory()
    crc = 0
    for array in (layer.W.data, layer.W.indices, layer.W.indptr, layer.b, layer.A.data,
                  layer.A.indices, layer.A.indptr, layer.a0, layer.hosts):
        crc = zlib.crc32(np.ascontiguousarray(array).tobytes(), crc)
    print(f"m {args.m} d {args.d}: build {seconds:.1f} s, peak {(peak - base) / 1e9:.2f} GB, "
          f"held {(held - base) / 1e9:.2f} GB, nnz(A) {layer.A.nnz}, crc {crc}")


if __name__ == "__main__":
    main()
