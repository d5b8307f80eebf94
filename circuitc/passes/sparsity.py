"""sparsity: how many stored wires are on per sample at each level, against a bound s.

Superposed lowering decodes a level correctly only while few of its wires are on, and it fails
on the rare samples where many are (a fat tail of activity breaks it even when the mean is low),
so the per-sample count is measured, not its mean alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from circuitc import keys as K
from circuitc.distribution import describe, is_sparse, sample
from circuitc.graph import Circuit
from circuitc.passes._rewrite import input_groups, packed_chunks

DENSE_FRACTION = 0.25  # a level with at least this fraction of its wires on (mean) is "dense"
P999 = 99.9
_GATE_OPS = frozenset(K.GATE_OPS)
BLOCK_BYTES = 32 << 20  # unpacked bits (a byte each, one row per distinct value) per block


def sparsity(
    circuit: Circuit,
    bound: int | None = None,
    samples: int = 10_000,
    seed: int = 0,
    groups: Sequence[Mapping] | None = None,
) -> dict:
    """Measure per-level activity of the stored wires (value XOR keys.COMPLEMENTED) on `samples`
    seeded samples of the input distribution (`groups`, default the declared one).

    Levels are keys.LEVEL (after levelize; longest-path levels for nodes without it); level 0 is
    the inputs, level l the gates and buffers at l. Per level: wires, mean, p99.9 and max active
    wires per sample, mean fraction on, `dense` (mean fraction >= DENSE_FRACTION), and, when a
    bound s is given, `ok_max` (max <= s) and `ok_p999` (p99.9 <= s). The verdict `sparse_ok` is
    `ok_max`: a superposed layer errs on every sample over the bound, and at 10^4 samples the
    99.9th percentile ignores the worst ten of them. None when no bound is given.
    The report also says plainly when inputs are uniform and the circuit is dense (at least half
    of its gate levels dense), in which case superposition cannot help.
    """
    groups = input_groups(circuit, groups)
    x = sample(circuit, samples, seed, groups)
    spans, n_levels = _spans(circuit)
    top = _Tail(n_levels, samples, P999)
    total = np.zeros(n_levels)
    peak = np.zeros(n_levels, dtype=np.int64)
    for rows, values, n in packed_chunks(circuit, x):  # bounded memory on wide circuits
        for counts in spans.counts(rows, values, n):  # [levels, samples of a block]
            total += counts.sum(axis=1)
            peak = np.maximum(peak, counts.max(axis=1, initial=0))
            top.add(counts)
    p999 = top.percentile()

    table = []
    for lv in range(n_levels):
        wires = int(spans.wires[lv])
        mean = float(total[lv] / samples) if samples else 0.0
        row = {"level": lv, "wires": wires, "mean": round(mean, 4),
               "p999": round(float(p999[lv]), 4) if samples else 0.0,
               "max": int(peak[lv]) if samples else 0,
               "fraction": round(mean / wires, 4) if wires else 0.0}
        row["dense"] = bool(wires) and mean / wires >= DENSE_FRACTION
        row["ok_max"] = None if bound is None else row["max"] <= bound
        row["ok_p999"] = None if bound is None else row["p999"] <= bound
        row["sparse_ok"] = row["ok_max"]
        table.append(row)

    gate_levels = table[1:]
    dense_levels = [r["level"] for r in gate_levels if r["dense"]]
    uniform = not is_sparse(circuit, groups)
    dense = bool(gate_levels) and 2 * len(dense_levels) >= len(gate_levels)
    warnings = []
    if uniform and dense:
        warnings.append(
            "inputs are uniform and the circuit is dense: "
            f"{len(dense_levels)} of {len(gate_levels)} levels have on average "
            f"{DENSE_FRACTION:.0%} or more of their wires on, so computation in superposition "
            "does not apply; use the exact lowering")
    elif dense_levels:
        warnings.append(f"dense levels (mean {DENSE_FRACTION:.0%}+ of wires on): "
                        + _ranges(dense_levels))
    if bound is not None:
        over = [r["level"] for r in table if not r["sparse_ok"]]
        if over:
            warnings.append(f"levels over the sparsity bound s = {bound} (max active > s): "
                            + _ranges(over))
    return {
        "samples": samples, "seed": seed, "distribution": describe(circuit, groups),
        "uniform_inputs": uniform, "dense": dense, "bound": bound,
        "criterion": "max <= s", "dense_fraction": DENSE_FRACTION,
        "all_sparse_ok": None if bound is None else all(r["sparse_ok"] for r in table),
        "levels": table, "warnings": warnings,
    }


def _ranges(levels: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    parts, start = [], None
    for i, lv in enumerate(levels):
        if start is None:
            start = lv
        if i + 1 == len(levels) or levels[i + 1] != lv + 1:
            parts.append(str(start) if start == lv else f"{start}-{lv}")
            start = None
    return ", ".join(parts)


class _Spans:
    """The wires of every level as spans of levels over distinct stored values.

    A buffer (OP_BUF stored like its operand) holds its operand's value, so a wire carried
    across k levels is one value counted on k consecutive levels. With +1 at a span's first
    level and -1 after its last, the active wires of every level on a block of samples are the
    cumulative sum over levels of those differences: work and memory grow with the distinct
    values and the levels times the block, never with the carried copies (EPFL div: 2.4M level
    wires, 57k values). The differences are sums of the values' unpacked bits (bytes) over the
    spans starting (ending) at each level, a slice each of the spans sorted by level: no float
    copy of the bits (4 bytes a bit: most of the pass's time and memory on U-AND) and no
    gather when the values are in level order already (roots in topological order, usual)."""

    def __init__(self, roots: list[str], flip: np.ndarray, wires: np.ndarray, n_levels: int,
                 first: np.ndarray, after: np.ndarray, col: np.ndarray):
        self.roots, self.flip, self.wires, self.n_levels = roots, flip, wires, n_levels
        self.index: np.ndarray | None = None  # rows of the roots in the simulation
        # per sign: (columns by level, or None for all in order; bounds of each level; levels)
        self.sums = [_level_sums(first, col, len(roots), +1),
                     _level_sums(after, col, len(roots), -1)]

    def counts(self, rows: Mapping[str, int], values: np.ndarray, n: int):
        """Yield int [levels, block] active-wire counts for consecutive blocks of the n samples
        of packed (padding-cleared) stored values."""
        if self.index is None:  # the same schedule for every chunk of samples
            self.index = np.array([rows[r] for r in self.roots], dtype=np.int64)
        picked = values[self.index]
        picked[self.flip] = ~picked[self.flip]  # stored values (padding bits are cut below)
        words = max(1, BLOCK_BYTES // (64 * max(1, len(self.roots))))
        for start in range(0, picked.shape[1], words):
            block = np.ascontiguousarray(picked[:, start:start + words], dtype="<u8")
            bits = np.unpackbits(block.view(np.uint8), axis=1, bitorder="little")
            bits = bits[:, :n - 64 * start]
            diff = np.zeros((self.n_levels + 1, bits.shape[1]), dtype=np.int64)
            for columns, bounds, levels, sign in self.sums:
                part = bits if columns is None else bits[columns]
                for level, lo, hi in zip(levels, bounds[:-1], bounds[1:]):
                    # (a sum per level, not np.add.reduceat: that casts all the bits to int64;
                    # int32 sums: a level has fewer than 2^31 wires, and they are twice as fast)
                    diff[level] += sign * part[lo:hi].sum(axis=0, dtype=np.int32)
            yield np.cumsum(diff, axis=0)[:-1]


def _level_sums(level: np.ndarray, col: np.ndarray, n_cols: int, sign: int) -> tuple:
    """How `_Spans.counts` sums the columns of spans by `level` (a span's first level, or the
    level after its last): the columns sorted by level (None when that is every column once, in
    order), the bounds of each level's group in them, the levels, and the sign of their sums."""
    order = np.argsort(level, kind="stable")
    columns = col[order]
    if len(columns) == n_cols and np.array_equal(columns, np.arange(n_cols)):
        columns = None
    levels, starts = np.unique(level[order], return_index=True)
    return columns, np.append(starts, len(order)), levels, sign


def _spans(circuit: Circuit) -> tuple[_Spans, int]:
    """The level spans of the stored wires (inputs and gates; keys.LEVEL, else the longest-path
    level), and the number of levels."""
    nodes = circuit.graph._node
    fallback: dict[str, int] = {}  # the longest-path levels, computed if a node lacks LEVEL
    column: dict[str, int] = {}  # wire -> the column of its root (the value it holds)
    roots: list[str] = []
    last_span: list[int] = []  # per column: its latest span (index into firsts, lasts)
    firsts: list[int] = []
    lasts: list[int] = []
    cols: list[int] = []
    n_levels = 0
    for node in circuit.topological_order():
        data = nodes[node]
        op = data[K.OP]
        if op != K.OP_INPUT and op not in _GATE_OPS:
            continue
        level = data.get(K.LEVEL)
        if level is None:
            fallback = fallback or circuit.node_levels()
            level = fallback[node]
        n_levels = max(n_levels, level + 1)
        j = None
        if op == K.OP_BUF:
            operand = data[K.OPERANDS][0]
            if operand in column and bool(nodes[operand].get(K.COMPLEMENTED)) == \
                    bool(data.get(K.COMPLEMENTED)):
                j = column[operand]
        if j is None:
            j = len(roots)
            roots.append(node)
            last_span.append(-1)
        column[node] = j
        s = last_span[j]
        if s >= 0 and lasts[s] + 1 == level:
            lasts[s] = level
        else:
            last_span[j] = len(firsts)
            firsts.append(level)
            lasts.append(level)
            cols.append(j)
    first, after = np.array(firsts, dtype=np.int64), np.array(lasts, dtype=np.int64) + 1
    col = np.array(cols, dtype=np.int64)
    wires = np.bincount(first, minlength=n_levels + 1) - np.bincount(after, minlength=n_levels + 1)
    flip = np.array([bool(nodes[r].get(K.COMPLEMENTED)) for r in roots], dtype=bool)
    return _Spans(roots, flip, np.cumsum(wires)[:-1], n_levels, first, after, col), n_levels


class _Tail:
    """The q-th percentile (numpy's linear interpolation) of each row of a matrix seen a block
    of columns at a time: only the top n - floor(q/100 (n - 1)) values of each row are kept."""

    def __init__(self, rows: int, n: int, q: float):
        self.n, self.q = n, q
        self.low = int(np.floor(q / 100 * (n - 1))) if n else 0
        self.k = n - self.low
        self.top = np.zeros((rows, 0), dtype=np.int64)

    def add(self, block: np.ndarray) -> None:
        both = np.concatenate([self.top, block], axis=1)
        if both.shape[1] > self.k:
            both = np.partition(both, both.shape[1] - self.k, axis=1)[:, -self.k:]
        self.top = both

    def percentile(self) -> np.ndarray:
        if self.n == 0:
            return np.zeros(len(self.top))
        top = np.sort(self.top, axis=1).astype(np.float64)
        frac = self.q / 100 * (self.n - 1) - self.low
        below = top[:, 0]
        above = top[:, 1] if self.k > 1 else below
        return below + (above - below) * frac
