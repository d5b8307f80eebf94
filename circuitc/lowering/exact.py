"""The exact construction: one ReLU per monomial.

A monomial of degree k over 0/1 wires is the AND of its k factors, and on boolean inputs

    AND(w_1..w_k) = relu(w_1 + ... + w_k - (k - 1))

exactly: the sum is k only when every factor is 1, and at most k - 1 otherwise. A degree-1
monomial is relu(w) = w. So with one neuron per monomial,

    W = incidence [n_wires, n_monomials],  b_m = -(deg(m) - 1),  A = I,  a0 = 0,

and the layer's monomials are exact (zero error, not merely small) on every boolean input. The
width is the number of distinct monomials the next level needs, which the monomial pass keeps
below one per gate when gates share monomials. This is the baseline of every other construction
and the oracle of their tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from circuitc.lowering.construction import LevelLayer, Monomial, monomial_incidence


def build_exact(monomials: Sequence[Monomial], n_wires: int) -> LevelLayer:
    """One neuron per monomial; see the module docstring for the maths."""
    degree = np.array([len(m) for m in monomials], dtype=np.float32)
    n = len(monomials)
    return LevelLayer(
        W=monomial_incidence(monomials, n_wires),
        b=1.0 - degree,
        A=sp.eye_array(n, dtype=np.float32, format="csr"),
        a0=np.zeros(n, dtype=np.float32),
        info={"construction": "exact", "width": n},
    )
