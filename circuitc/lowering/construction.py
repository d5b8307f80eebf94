"""The interfaces of constructions: one circuit level transition as one ReLU layer.

A construction is given a `LevelSpec`: the n_wires stored 0/1 wires of level l, and for the
gates of level l+1 the distinct monomials they need (tuples of distinct wire indices, degree
>= 1), their coefficients P [n_monomials, n_gates] and constant terms p0 [n_gates], so that
gates(w) = monomials(w) @ P + p0. It returns a `GateLayer`

    W [n_wires, d], b [d], R [d, n_gates], r [n_gates]

such that for every allowed wire vector w:   gates(w) ~= relu(w @ W + b) @ R + r.

Most constructions realise the monomials (a `LevelLayer`: monomials(w) ~= relu(w @ W + b) @ A +
a0) and get their gates through `via_monomials` (R = A @ P, r = a0 @ P + p0); others may
realise gates directly. `circuitc.lowering.lower` composes the layer with the read-off of the
previous level (the network sees wires only through read-offs). A construction knows nothing of
circuits, files or the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

Monomial = tuple[int, ...]


@dataclass(frozen=True)
class LevelSpec:
    """What one level transition must compute (see the module docstring)."""

    level: int  # the level whose gates this layer produces
    n_wires: int  # wires of the level below
    monomials: list[Monomial]
    P: sp.csr_array  # [n_monomials, n_gates]
    p0: np.ndarray  # [n_gates]

    @property
    def n_gates(self) -> int:
        return int(self.p0.shape[0])


@dataclass
class GateLayer:
    """One built layer, read off as gates: gates(w) ~= relu(w @ W + b) @ R + r."""

    W: sp.csr_array
    b: np.ndarray
    R: sp.csr_array
    r: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.b.shape[0])


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


def via_monomials(layer: "LevelLayer", spec: LevelSpec) -> GateLayer:
    """A monomial layer (anything with W, b, A, a0) read off as gates: each gate is its
    polynomial in the monomials."""
    R = sp.csr_array(sp.csr_array(layer.A) @ spec.P, dtype=np.float32)
    r = (layer.a0 @ spec.P + spec.p0).astype(np.float32)
    return GateLayer(layer.W, layer.b, R, r, dict(getattr(layer, "info", {})))
