"""Error-correction layers: re-encode a level's sparse wires cleanly onto fresh random slots.

Contract
--------
`build_correction(n_wires, d, ...)` returns a `GateLayer` mapping the n_wires wires of a level to
the same n_wires wires (W [n_wires, d], R [d, n_wires]) with info["kind"] = "correct":

    w_clean ~= relu(w_noisy @ W + b) @ R + r.

It is the clamped construction (circuitc.lowering.clamped) applied to the identity level: every
wire is one buffer unit U_buf(i) = [w_i >= 1/2], placed on c fresh random step pairs
(two ReLUs each). A host pair outputs exactly 0 or 1 whenever its pre-activation, the sum of the
noisy read-offs of the wires it hosts, is more than h away from 1/2. So:

- Exact regime (d >= 2 c n_wires: every wire on its own pairs): the output is exactly the 0/1
  wire vector for any input noise with |e_i| < 1/2 - h; the outgoing error no longer depends on
  the incoming one (section 5 of the notes).
- Superposed regime: a pair hosts u = 2 c n_wires / d wires and fires spuriously when another of
  them is on (rate q ~ c s / D for s wires on, D = d/2 pairs) or when the summed noise of its u
  inputs crosses 1/2 - h. The read-off is debiased by the calibrated background (as in clamped.py)
  and its remaining error is Binomial(c, q)/c, a fixed floor that does not grow with the noise
  it was given, as long as that noise stays inside the margin.

Used between the layers of a construction that does not clamp (U-AND monomial layers): see
`circuitc.lowering.lower.lower(..., correct=...)`; the benchmark measures both ways.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from circuitc.lowering.clamped import DEFAULT_C, DEFAULT_H, build_clamped
from circuitc.lowering.construction import GateLayer, LevelSpec

KIND = "correct"  # the layer kind recorded in the network's meta


def build_correction(
    n_wires: int,
    d: int,
    *,
    c: int = DEFAULT_C,
    h: float = DEFAULT_H,
    seed: int = 0,
    wire_samples: np.ndarray | sp.csr_array | None = None,
    activity: float | np.ndarray | None = None,
    level: int = 0,
) -> GateLayer:
    """A wires -> same wires clamped buffer layer of d ReLUs (see the module docstring);
    ValueError on bad arguments."""
    if not isinstance(n_wires, (int, np.integer)) or n_wires < 1:
        raise ValueError(f"build_correction: n_wires must be a positive integer, got {n_wires!r}")
    identity = LevelSpec(level, int(n_wires), [(i,) for i in range(n_wires)],
                         sp.eye_array(n_wires, dtype=np.float32, format="csr"),
                         np.zeros(n_wires, np.float32))
    layer = build_clamped(identity, d, c=c, h=h, seed=seed, wire_samples=wire_samples,
                          activity=activity)
    layer.info.update({"kind": KIND, "construction": "correction"})
    return layer
