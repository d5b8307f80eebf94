"""The interface every construction implements: one circuit level transition as one ReLU layer.

A construction gets the wires of level l (n_wires stored 0/1 values) and the monomials level l+1
needs (tuples of distinct wire indices, degree >= 1) and returns

    W [n_wires, d], b [d], A [d, n_monomials], a0 [n_monomials]

such that for every allowed wire vector w:   monomials(w) ~= relu(w @ W + b) @ A + a0.

`circuitc.lowering.lower` composes these with the read-offs of the previous level (the network
sees wires only through read-offs, so the layer weight is R_l @ W) and with the gates'
polynomials (a wire is an affine combination of its monomials). A construction knows nothing of
circuits, files or the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

Monomial = tuple[int, ...]


@dataclass
class LevelLayer:
    """One built layer: the four arrays of the interface, plus what the construction reports."""

    W: sp.csr_array
    b: np.ndarray
    A: sp.csr_array
    a0: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.b.shape[0])


def monomial_incidence(monomials: Sequence[Monomial], n_wires: int) -> sp.csr_array:
    """[n_wires, n_monomials] 0/1 matrix: entry (i, m) is 1 when wire i is a factor of m."""
    cols = np.repeat(np.arange(len(monomials)), [len(m) for m in monomials])
    rows = np.fromiter((i for m in monomials for i in m), dtype=np.int64, count=len(cols))
    data = np.ones(len(cols), dtype=np.float32)
    return sp.csr_array((data, (rows, cols)), shape=(n_wires, len(monomials)), dtype=np.float32)
