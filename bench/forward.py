"""Forward-pass speed of a compiled network: per batch and per layer.

    python bench/forward.py NET.npz [--batch N] [--repeats R]

Loads the network, runs `Network.forward` on R batches of N samples of its declared
distribution (the first run, which builds the cached gathered matrices, is timed apart), and
prints seconds per batch, microseconds per layer and the peak RSS. On a deep residual network
(EPFL sqrt: 5,058 blocks of a few ReLUs) the per-layer cost is the Python and call overhead of
one block, so this is the number to watch there. docs/residual.md keeps the results.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

import circuitc
from circuitc import distribution as D


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("net")
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    net = circuitc.load(args.net)
    load_s = time.perf_counter() - start
    x = D.sample(net.circuit, args.batch, seed=0)
    want = net.circuit.simulate(x)
    start = time.perf_counter()
    y = net(x)
    first = time.perf_counter() - start
    errors = int(np.count_nonzero(y != want))
    cpu, start = time.process_time(), time.perf_counter()
    for _ in range(args.repeats):
        net.forward(x)
    wall = (time.perf_counter() - start) / args.repeats
    cpu = (time.process_time() - cpu) / args.repeats
    layers = len(net.layers)
    print(f"{args.net}: {layers} layers ({net.architecture}), stream/input width "
          f"{net.embed.shape[1]}, batch {len(x)}: load {load_s:.1f} s, first forward "
          f"{first:.2f} s, then {cpu:.3f} CPU s ({wall:.3f} wall) per batch = "
          f"{1e6 * cpu / max(layers, 1):.0f} us per layer; bit errors {errors}; peak "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
