"""The exact values a network must reproduce, kept as on-entries: memory grows with the wires
that are on, never with samples x wires.

`sample_truth(circuit, wires, x)` simulates inputs x (bool [n, inputs]) exactly, in chunks of
samples whose packed values fit `max_bytes`, and returns a `Truth`: the outputs and, per level of
`wires` (see `circuitc.lowering.lower.level_wires`), the values its wires *store* (value XOR
keys.COMPLEMENTED, what the level's read-off must reproduce), each as a boolean CSR matrix
[n, wires] holding only the ones. A sparse level of a U-AND with 10^4 samples and three inputs on
costs three entries per sample, not C(m, 2) bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.simulate import Schedule, pack

SIM_BYTES = 128 << 20  # packed simulation values per chunk of samples


@dataclass
class Truth:
    """Exact values of n samples: outputs and every level's stored wires, on-entries only."""

    expected: sp.csr_array  # bool [n, outputs]
    stored: list[sp.csr_array]  # per level, bool [n, wires]

    def nbytes(self) -> int:
        return sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
                   for m in [self.expected, *self.stored])


def sample_truth(circuit: Circuit | None, wires: list[list[str]], x: np.ndarray,
                 complemented: list[list[bool]] | None = None,
                 max_bytes: int = SIM_BYTES, schedule: Schedule | None = None) -> Truth:
    """Simulate x exactly (see the module docstring); deterministic, chunked by samples.
    `complemented` (per level, per wire) overrides the circuit's keys.COMPLEMENTED marks (a
    network file records them in its meta). `schedule`: the circuit's, made once for several
    calls (then `circuit` may be None when `complemented` is given)."""
    schedule = schedule or Schedule.of(circuit)
    levels = [np.array([schedule.rows[w] for w in level], dtype=np.int64) for level in wires]
    if complemented is None:
        complemented = [[bool(circuit.graph.nodes[w].get(K.COMPLEMENTED)) for w in level]
                        for level in wires]
    flips = [np.array(c, dtype=bool) for c in complemented]
    n_rows = max(1, len(schedule.rows))
    chunk = 64 * max(1, max_bytes // (8 * n_rows))
    parts: list[list[sp.csr_array]] = [[] for _ in range(len(wires) + 1)]
    for start in range(0, len(x), chunk):
        xb = x[start:start + chunk]
        values = schedule.run(pack(xb))
        parts[0].append(on_entries(values[schedule.outputs], len(xb)))
        for lv, (rows, flip) in enumerate(zip(levels, flips)):
            parts[lv + 1].append(on_entries(values[rows], len(xb), flip))
        del values
    stacked = [_vstack(p, n) for p, n in zip(parts, [len(schedule.outputs)] + list(map(len, wires)))]
    return Truth(stacked[0], stacked[1:])


def on_entries(words: np.ndarray, n: int, flip: np.ndarray | None = None) -> sp.csr_array:
    """Packed values uint64 [rows, words] of n samples (row r flipped where flip[r]) as a bool
    CSR [n, rows] of the ones, without unpacking the zero words."""
    words = np.asarray(words, dtype="<u8")
    if flip is not None and flip.any():
        words = words ^ np.where(flip, np.uint64(0xFFFFFFFFFFFFFFFF), np.uint64(0))[:, None]
    if n % 64 and words.shape[1]:  # padding bits of the last word are not samples
        words = words.copy() if flip is None or not flip.any() else words
        words[:, -1] &= np.uint64((1 << (n % 64)) - 1)
    row, word = np.nonzero(words)
    bits = np.unpackbits(words[row, word].view(np.uint8).reshape(-1, 8), axis=1,
                         bitorder="little")
    k, bit = np.nonzero(bits)
    sample = word[k] * 64 + bit
    m = sp.csr_array((np.ones(len(k), dtype=bool), (sample, row[k])), shape=(n, len(words)))
    m.sort_indices()
    return m


def _vstack(parts: list[sp.csr_array], width: int) -> sp.csr_array:
    if not parts:
        return sp.csr_array((0, width), dtype=bool)
    return sp.csr_array(sp.vstack(parts, format="csr"), dtype=bool)
