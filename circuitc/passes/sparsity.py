"""sparsity: how many stored wires are on per sample at each level, against a bound s.

Superposed lowering decodes a level correctly only while few of its wires are on, and it fails
on the rare samples where many are (a fat tail of activity breaks it even when the mean is low),
so the per-sample count is measured, not its mean alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from circuitc import keys as K
from circuitc.distribution import describe, is_sparse, sample
from circuitc.graph import Circuit
from circuitc.passes._rewrite import input_groups, packed_chunks, per_sample_counts

DENSE_FRACTION = 0.25  # a level with at least this fraction of its wires on (mean) is "dense"


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
    fallback = circuit.node_levels()
    by_level: dict[int, list[str]] = defaultdict(list)
    flipped: list[str] = []
    for node in circuit.topological_order():
        data = circuit.graph.nodes[node]
        if data[K.OP] == K.OP_INPUT or data[K.OP] in K.GATE_OPS:
            if data.get(K.COMPLEMENTED):
                flipped.append(node)
            by_level[data.get(K.LEVEL, fallback[node])].append(node)
    parts: dict[int, list[np.ndarray]] = defaultdict(list)
    for rows, values, n in packed_chunks(circuit, x):  # bounded memory on wide circuits
        for node in flipped:  # stored values; the padding bits of the last word stay clear
            values[rows[node]] = ~values[rows[node]]
            if n % 64:
                values[rows[node], -1] &= np.uint64((1 << (n % 64)) - 1)
        for lv, nodes in by_level.items():
            parts[lv].append(per_sample_counts(values[[rows[v] for v in nodes]], n))

    table = []
    for lv in range(max(by_level, default=-1) + 1):
        ids = by_level.get(lv, [])
        counts = (np.concatenate(parts[lv]) if parts.get(lv) else np.zeros(samples, np.int64))
        mean = float(counts.mean()) if samples else 0.0
        p999 = float(np.percentile(counts, 99.9)) if samples else 0.0
        peak = int(counts.max()) if samples else 0
        row = {"level": lv, "wires": len(ids), "mean": round(mean, 4), "p999": round(p999, 4),
               "max": peak, "fraction": round(mean / len(ids), 4) if ids else 0.0}
        row["dense"] = bool(ids) and mean / len(ids) >= DENSE_FRACTION
        row["ok_max"] = None if bound is None else peak <= bound
        row["ok_p999"] = None if bound is None else p999 <= bound
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
