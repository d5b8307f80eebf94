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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from circuitc import distribution as D
from circuitc import keys as K
from circuitc.network import (Affine, ColumnsOf, Layer, Matrix, Network, run_layers,
                              streams_transposed)
from circuitc.onbits import Truth, sample_truth
from circuitc.progress import progress
from circuitc.simulate import all_inputs

BATCH = 2048  # samples per forward pass; wide read-offs are further cut into column blocks
STREAM_BYTES = 256 << 20  # the widest activations of one batch (float32) stay below this


def choose_inputs(net: Network, samples: int, seed: int, exhaustive_limit: int) -> tuple[np.ndarray, str]:
    """All inputs when there are at most `exhaustive_limit` and the network is meant for every
    input (exact mode or a uniform distribution); else `samples` draws of the distribution."""
    circuit = net.nodes.ports
    n = len(circuit.inputs)
    meant_for_all = net.mode == "exact" or not D.is_sparse(circuit)
    if n <= exhaustive_limit and meant_for_all:
        return all_inputs(n), "exhaustive"
    return D.sample(circuit, samples, seed=seed), "sampled"


def evaluate(net: Network, samples: int = 10_000, seed: int = 0,
             exhaustive_limit: int = 16, show_progress: bool = False) -> dict[str, Any]:
    """Measure `net` against its circuit; see the module docstring. JSON-able result.
    Streams: samples in batches, wide read-offs in column blocks, the exact values kept as
    on-entries, so memory grows with the network's nonzeros, not with samples x wires. The
    circuit is simulated from `net.nodes` (no graph is built when `net` was loaded without
    one: `circuitc.netfile.load(path, graph=False)`)."""
    circuit = net.nodes.ports
    x, how = choose_inputs(net, samples, seed, exhaustive_limit)
    levels = net.meta["levels"]
    checked = checked_columns(net)
    wires = [[entry["wires"][j] for j in cols] for entry, cols in zip(levels, checked)]
    complemented = [[entry["complemented"][j] for j in cols]
                    for entry, cols in zip(levels, checked)]
    readoffs = [r if len(cols) == r.shape[1] else
                Affine(sp.csc_array(r.W)[:, cols], r.b[cols])
                for r, cols in zip(net.readoffs, checked)]

    schedule = net.nodes.schedule

    def truth(rows: slice) -> Truth:  # simulated a batch at a time: memory grows with a batch
        return sample_truth(None, wires, x[rows], complemented=complemented, schedule=schedule)

    top = levels[-1] if levels and len(checked[-1]) == len(levels[-1]["wires"]) else None
    gather = None if top is None else readout_gather(
        net.readout, readoffs[-1], output_columns(
            [net.nodes.data[o][K.OPERANDS][0] for o in circuit.outputs], top["wires"],
            top["complemented"]))
    m = measure(net.embed, net.layers, readoffs, [entry["layer"] for entry in levels],
                net.readout, x, truth, net.threshold, batch=batch_size(net), label="eval",
                show_progress=show_progress, gather=gather)
    neurons = net.neurons
    gates = net.nodes.logic_gates()
    return {
        "inputs": how,
        "samples": int(len(x)),
        "seed": seed,
        "distribution": D.describe(circuit) if how == "sampled" else "every input",
        "bit_errors": int(m.errors.sum()),
        "samples_with_errors": m.wrong_samples,
        "bit_errors_per_output": dict(zip(net.output_names, map(int, m.errors))),
        "levels": [dict(level=level, layer=entry["layer"], wires=len(entry["wires"]),
                        checked=len(checked[level]), **m.levels[level].result())
                   for level, entry in enumerate(levels)],
        "neurons": neurons,
        "gates": gates,
        "gates_per_relu": gates / neurons if neurons else None,
        "ok": bool(m.errors.sum() == 0),
    }


def batch_size(net: Network) -> int:
    """Samples per forward batch: BATCH, fewer when the widest activations of a batch would
    pass STREAM_BYTES (a residual stream is inputs + gates wide)."""
    widest = max([net.embed.shape[1]] + [layer.shape[1] for layer in net.layers])
    return int(max(64, min(BATCH, STREAM_BYTES // (4 * max(widest, 1)))))


def checked_columns(net: Network) -> list[np.ndarray]:
    """Per level, the read-off columns eval compares with the exact values: all of them, except
    on a residual stream a wire that is a copy of one checked before, unchanged since: an OP_BUF
    of the wire last verified in the same stream dimension, stored alike, read by a pure
    selection of that dimension which no block has written since that check. (A value carried
    across k levels would otherwise be compared k times, and eval's memory would grow with
    levels x live wires.) The skip rests on the network's weights and the circuit, not on
    how the compiler built it."""
    levels = net.meta["levels"]
    every = [np.arange(len(entry["wires"])) for entry in levels]
    if net.architecture != "residual" or not net.readoffs:
        return every
    D = net.embed.shape[1]
    last_write = np.zeros(D, dtype=np.int64)  # the last layer t whose h_t a block changed
    for t, layer in enumerate(net.layers):
        written = layer.writes()
        if written is None:
            last_write[:] = t + 1
        else:
            last_write[written[0]] = t + 1
    nodes = net.nodes.data
    verified: dict[int, tuple[str, bool, int]] = {}  # dim -> (wire, complemented, at layer)
    checked = []
    for entry, readoff, cols in zip(levels, net.readoffs, every):
        t = entry["layer"]
        W = sp.csc_array(readoff.W)
        keep = []
        for j, wire, flip in zip(cols, entry["wires"], entry["complemented"]):
            lo, hi = W.indptr[j], W.indptr[j + 1]
            pure = hi - lo == 1 and W.data[lo] == 1.0 and readoff.b[j] == 0.0
            d = int(W.indices[lo]) if pure else -1
            node = nodes.get(wire, {})
            seen = verified.get(d)
            if pure and seen is not None and seen[2] <= t and seen[2] >= last_write[d] \
                    and seen[1] == flip and node.get(K.OP) == K.OP_BUF \
                    and tuple(node.get(K.OPERANDS, ())) == (seen[0],):
                verified[d] = (wire, flip, seen[2])
                continue
            keep.append(j)
            if pure:
                verified[d] = (wire, flip, t)
        checked.append(np.array(keep, dtype=np.int64))
    return checked


@dataclass
class Measured:
    """What `measure` found: read-off statistics per level and of the outputs, and the output
    bit errors at the given thresholds (per output) and the samples with any."""

    levels: list["LevelStats"]
    outputs: "LevelStats"
    errors: np.ndarray
    wrong_samples: int = 0
    samples: int = 0


def measure(embed: Matrix, layers: list[Layer], readoffs: list[Affine], level_layers: list[int],
            readout: Affine, x: np.ndarray, truth: Truth | Callable[[slice], Truth],
            threshold: np.ndarray | float, batch: int = BATCH, label: str | None = None,
            show_progress: bool = False, per_sample: bool = False,
            gather: np.ndarray | None = None) -> Measured:
    """Run the network on x in batches and compare every level's read-off and the outputs with
    `truth` (see `circuitc.onbits`): the exact values of all of x, or a function giving them
    for a slice of x's rows (one batch, so they need not be held for every sample). Wide
    read-offs are computed a column block at a time (`Affine.column_blocks`), and when the
    read-out is the top level's read-off matrix itself (the same object), or `gather` says it
    is that matrix's columns in another order (`readout_gather`: U-AND and other circuits
    whose outputs are the top wires), the product is made once for both. Memory: the
    activations of one batch plus one block. `per_sample`: the outputs' statistics also keep
    each sample's worst false and true read-off (8 bytes a sample), for
    `circuitc.lowering.acceptance`."""
    n_out = readout.shape[1]
    cut = np.broadcast_to(np.asarray(threshold, dtype=np.float32), (n_out,))
    result = Measured([LevelStats() for _ in readoffs],
                      LevelStats(len(x) if per_sample else None),
                      np.zeros(n_out, dtype=np.int64), samples=len(x))
    top = len(readoffs) - 1
    if gather is None and readout.shares(readoffs[top]):
        gather = np.arange(n_out)
    shared = gather is not None and level_layers[top] == len(layers)
    if shared:  # the outputs in the read-off's column order: column j is output inverse[j]
        inverse = np.empty_like(gather)
        inverse[gather] = np.arange(len(gather))
        in_order = bool((gather == np.arange(len(gather))).all())
        bias_col, cut_col = readout.b[inverse], cut[inverse]
        errors_col = np.zeros(n_out, dtype=np.int64)
    # a residual stream runs transposed (h.T): its read-offs are a few rows each, no blocks
    transposed = streams_transposed(layers) and not shared
    blocks = len(readoffs) + 1 if transposed else \
        sum(len(r.column_blocks(min(batch, len(x)))) for r in readoffs) + \
        (0 if shared else len(readout.column_blocks(min(batch, len(x)))))
    read_at: dict[int, list[int]] = {}  # layer t -> the levels read from h_t
    for level, t in enumerate(level_layers):
        read_at.setdefault(t, []).append(level)
    with progress(blocks * -(-len(x) // batch), label or "measure", unit="block",
                  enabled=show_progress) as bar:
        for start in range(0, len(x), batch):
            rows = slice(start, start + batch)
            wrong = np.zeros(len(x[rows]), dtype=bool)
            part = truth(rows) if callable(truth) else \
                Truth(truth.expected[rows], [stored[rows] for stored in truth.stored])
            expected = part.expected
            if shared and not in_order:
                expected = sp.csr_array(expected[:, inverse])
            for t, h in enumerate(run_layers(embed, layers, x[rows], in_place=True,
                                             transposed=transposed, sparse=True)):  # a layer at a time
                for lv in read_at.get(t, ()):
                    readoff, stored = readoffs[lv], part.stored[lv]
                    if transposed:
                        result.levels[lv].add(np.ascontiguousarray(readoff.apply_t(h).T), stored)
                        bar.update()
                        continue
                    for a, z in readoff.column_blocks(h.shape[0]):
                        if lv == top and shared:
                            raw = readoff.columns(h, a, z, bias=False)
                            result.levels[lv].add(raw + readoff.b[a:z], stored[:, a:z])
                            raw += bias_col[a:z]
                            _outputs(result, raw, expected[:, a:z], cut_col[a:z],
                                     errors_col[a:z], wrong, start)
                        else:
                            result.levels[lv].add(readoff.columns(h, a, z), stored[:, a:z])
                        bar.update()
            if transposed:
                _outputs(result, np.ascontiguousarray(readout.apply_t(h).T), expected, cut,
                         result.errors, wrong, start)
                bar.update()
            elif not shared:
                for a, z in readout.column_blocks(h.shape[0]):
                    _outputs(result, readout.columns(h, a, z), expected[:, a:z], cut[a:z],
                             result.errors[a:z], wrong, start)
                    bar.update()
            result.wrong_samples += int(wrong.sum())
    if shared:
        result.errors += errors_col[gather]
    return result


def _outputs(result: Measured, y: np.ndarray, expected: sp.csr_array, cut: np.ndarray,
             errors: np.ndarray, wrong: np.ndarray, row: int = 0) -> None:
    """Add a block of outputs y (samples row..) to `result`, their bit errors to `errors`."""
    result.outputs.add(y, expected, row)
    bad = (y > cut) != expected.toarray()
    errors += bad.sum(0)
    wrong |= bad.any(1)


def output_columns(drivers: list[str], wires: list[str],
                   complemented: list[bool]) -> np.ndarray | None:
    """source[o]: the column of the top level's wires (`wires`) that output o copies (its
    driver is `drivers[o]`), when every output copies a different one stored as it is (not
    complemented), else None."""
    column = {w: i for i, w in enumerate(wires)}
    source = np.array([column.get(d, -1) for d in drivers], dtype=np.int64)
    if len(source) != len(wires) or np.any(source < 0) or \
            np.any(np.asarray(complemented, dtype=bool)[source]) or \
            len(np.unique(source)) != len(source):
        return None
    return source


def readout_gather(readout: Affine, top: Affine, source: np.ndarray | None,
                   chunk: int = 1 << 22) -> np.ndarray | None:
    """`source` when the read-out's W is exactly the top read-off's W with its columns in the
    order `source` (column o of one is column source[o] of the other, entry for entry: what
    `circuitc.lowering.lower.readout` builds when the outputs are the top wires in another
    order), else None; then `measure` makes one product for both. Checked row by row on the
    sparse entries, a `chunk` of them at a time (no copy of either matrix). A read-out that
    is `top`'s columns by construction (`network.ColumnsOf`) gives its own order, when that is
    every column of `top` once (so one product serves both), whatever `source` is."""
    if isinstance(readout, ColumnsOf):
        order = readout.source
        every = len(order) == top.shape[1] and \
            np.array_equal(np.sort(order), np.arange(len(order)))
        return order if readout.of is top and every else None
    if source is None or not (sp.issparse(readout.W) and sp.issparse(top.W)) or \
            readout.W.shape != top.W.shape or readout.W.shape[1] != len(source):
        return None
    R, T = sp.csr_array(readout.W), sp.csr_array(top.W)
    if R.nnz != T.nnz or not np.array_equal(R.indptr, T.indptr):
        return None
    n = T.shape[1]
    rows = max(1, chunk // max(1, R.nnz // max(1, R.shape[0])))
    for lo in range(0, R.shape[0], rows):
        hi = min(R.shape[0], lo + rows)
        span = slice(R.indptr[lo], R.indptr[hi])
        row = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(R.indptr[lo:hi + 1]))
        mapped = source[R.indices[span]]
        order = np.argsort(row * n + mapped, kind="stable")
        key = row * n + T.indices[span]
        if not (np.array_equal(mapped[order], T.indices[span]) and
                np.all(np.diff(key) > 0) and
                np.array_equal(R.data[span][order], T.data[span])):
            return None
    return source


class LevelStats:
    """Running read-off statistics of one set of wires over batches: mean signed and max |error|
    and the decode margin (smallest true read-off minus largest false one)."""

    def __init__(self, samples: int | None = None) -> None:
        self.total, self.count, self.max_abs = 0.0, 0, 0.0
        self.min_true, self.max_false = np.inf, -np.inf
        # per sample (when `samples` is given): the largest false and the smallest true read-off,
        # what `circuitc.lowering.acceptance` fits the tails of
        self.worst_false = None if samples is None else np.full(samples, -np.inf, np.float32)
        self.worst_true = None if samples is None else np.full(samples, np.inf, np.float32)

    def add(self, readoff: np.ndarray, stored: np.ndarray, start: int = 0) -> None:
        """Add a batch: readoff [n, wires] float, stored [n, wires] bool (dense, or sparse
        holding the ones), of samples start..start + n (for the per-sample extremes; a batch may
        come in several column blocks). True wires are few, so
        they are gathered, masked out of `readoff` in place for the false-wire extremes (plain
        reductions: masked ones are several times slower on wide levels), and put back."""
        if readoff.size == 0:
            return
        flat = np.ascontiguousarray(readoff).reshape(-1)  # a view unless readoff is strided
        if sp.issparse(stored):  # on-entries only (circuitc.onbits)
            coo = sp.coo_array(stored)
            rows = coo.row.astype(np.int64)
            true = rows * readoff.shape[1] + coo.col
        else:
            true = np.flatnonzero(stored)
            rows = true // readoff.shape[1]
        values = flat[true]
        self.total += float(flat.sum()) - float(values.sum()) + float((values - 1.0).sum())
        self.count += flat.size
        flat[true] = -np.inf
        if self.worst_false is None:
            max_false = float(flat.max())
        else:
            n = readoff.shape[0]
            per_row = flat.reshape(n, -1).max(axis=1)
            span = slice(start, start + n)
            np.maximum(self.worst_false[span], per_row, out=self.worst_false[span])
            np.minimum.at(self.worst_true, start + rows, values)
            max_false = float(per_row.max())
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
