"""Network vs circuit: the user's proof that a compiled network computes its circuit.

`evaluate` runs the network and the exact simulator on the same inputs (every input when the
circuit is small enough and the network is meant for all inputs, else seeded samples of the
declared distribution) and measures:
- bit errors per output and in total, and the samples with any wrong output;
- per circuit level, the read-off of every wire against its exact stored value: mean signed
  error, max |error|, and the decode margin (smallest read-off of a true wire minus largest
  read-off of a false wire: positive means one threshold separates them all);
- neurons, gates, and gates per ReLU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from circuitc import distribution as D
from circuitc.network import Network
from circuitc.simulate import Schedule, all_inputs, pack, unpack

BATCH = 4096


def choose_inputs(net: Network, samples: int, seed: int, exhaustive_limit: int) -> tuple[np.ndarray, str]:
    """All inputs when there are at most `exhaustive_limit` and the network is meant for every
    input (exact mode or a uniform distribution); else `samples` draws of the distribution."""
    circuit = net.circuit
    n = len(circuit.inputs)
    meant_for_all = net.mode == "exact" or not D.is_sparse(circuit)
    if n <= exhaustive_limit and meant_for_all:
        return all_inputs(n), "exhaustive"
    return D.sample(circuit, samples, seed=seed), "sampled"


def evaluate(net: Network, samples: int = 10_000, seed: int = 0,
             exhaustive_limit: int = 16) -> dict[str, Any]:
    """Measure `net` against its circuit; see the module docstring. JSON-able result."""
    circuit = net.circuit
    x, how = choose_inputs(net, samples, seed, exhaustive_limit)
    schedule = Schedule.of(circuit)
    levels = net.meta["levels"]
    out_errors = np.zeros(len(circuit.outputs), dtype=np.int64)
    wrong_samples = 0
    stats = [LevelStats() for _ in levels]
    read_at: dict[int, list[int]] = {}  # layer t -> the levels read from h_t
    for level, entry in enumerate(levels):
        read_at.setdefault(entry["layer"], []).append(level)
    for start in range(0, len(x), BATCH):
        xb = x[start:start + BATCH]
        values = schedule.run(pack(xb))
        expected = unpack(values[schedule.outputs], len(xb))
        for t, h in enumerate(net.iter_activations(xb)):  # one layer's activations at a time
            for level in read_at.get(t, ()):
                entry = levels[level]
                rows = np.array([schedule.rows[w] for w in entry["wires"]], dtype=np.int64)
                stored = unpack(values[rows], len(xb)) ^ np.array(entry["complemented"],
                                                                   dtype=bool)
                stats[level].add(net.readoffs[level](h), stored)
        got = net.decode(net.readout(h))
        wrong = got != expected
        out_errors += wrong.sum(0)
        wrong_samples += int(wrong.any(1).sum())
    neurons = net.neurons
    gates = circuit.logic_gates()
    return {
        "inputs": how,
        "samples": int(len(x)),
        "seed": seed,
        "distribution": D.describe(circuit) if how == "sampled" else "every input",
        "bit_errors": int(out_errors.sum()),
        "samples_with_errors": wrong_samples,
        "bit_errors_per_output": dict(zip(net.output_names, map(int, out_errors))),
        "levels": [dict(level=level, layer=entry["layer"], wires=len(entry["wires"]),
                        **stats[level].result()) for level, entry in enumerate(levels)],
        "neurons": neurons,
        "gates": gates,
        "gates_per_relu": gates / neurons if neurons else None,
        "ok": bool(out_errors.sum() == 0),
    }


class LevelStats:
    """Running read-off statistics of one set of wires over batches: mean signed and max |error|
    and the decode margin (smallest true read-off minus largest false one)."""

    def __init__(self) -> None:
        self.total, self.count, self.max_abs = 0.0, 0, 0.0
        self.min_true, self.max_false = np.inf, -np.inf

    def add(self, readoff: np.ndarray, stored: np.ndarray) -> None:
        """Add a batch: readoff [n, wires] float, stored [n, wires] bool. True wires are few, so
        they are gathered, masked out of `readoff` in place for the false-wire extremes (plain
        reductions: masked ones are several times slower on wide levels), and put back."""
        if readoff.size == 0:
            return
        flat = np.ascontiguousarray(readoff).reshape(-1)  # a view unless readoff is strided
        true = np.flatnonzero(stored)
        values = flat[true]
        self.total += float(flat.sum()) - float(values.sum()) + float((values - 1.0).sum())
        self.count += flat.size
        flat[true] = -np.inf
        max_false = float(flat.max())
        flat[true] = np.inf
        min_false = float(flat.min())
        flat[true] = values
        self.max_false = max(self.max_false, max_false)
        self.max_abs = max(self.max_abs, max_false, -min_false if min_false < np.inf else 0.0,
                           float(np.abs(values - 1.0).max(initial=0.0)))
        if len(values):
            self.min_true = min(self.min_true, float(values.min()))

    def result(self) -> dict[str, float | None]:
        finite = np.isfinite(self.min_true) and np.isfinite(self.max_false)
        return {
            "mean_error": self.total / self.count if self.count else 0.0,
            "max_abs_error": self.max_abs,
            "margin": self.min_true - self.max_false if finite else None,
        }
