"""Network: the compiled ReLU network, its forward pass, activations, read-offs and decoding.

    h_0     = x @ embed.W                                  (x: 0/1 inputs, float)
    h_{t+1} = relu(h_t @ layers[t].W + layers[t].b)        t = 0 .. L-1
    y       = h_L @ readout.W + readout.b
    bits    = y > decode.threshold
    wires of circuit level l ~= h_{t(l)} @ readoffs[l].W + readoffs[l].b

Every matrix is a numpy array or a scipy.sparse csr_array; products run in float32 with the
sparse side kept sparse. `circuitc.netfile` reads and writes the .npz form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from circuitc.graph import Circuit

Matrix = np.ndarray | sp.csr_array
SPARSE_INPUT = 0.05  # below this fraction of nonzero activations, multiply sparse x sparse
# A sparse W at least this dense (and not too big) is multiplied as a dense copy: BLAS beats
# scipy's sparse kernels ~3x there (universal U-AND read-offs are ~10% dense).
DENSE_W, DENSE_W_MAX = 0.03, 1 << 26


@dataclass
class Affine:
    """x -> x @ W + b."""

    W: Matrix
    b: np.ndarray
    _W_dense: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __call__(self, h: np.ndarray) -> np.ndarray:
        W = self.W
        if sp.issparse(W):
            size = W.shape[0] * W.shape[1]
            if size <= DENSE_W_MAX and W.nnz >= DENSE_W * size:
                if self._W_dense is None:
                    self._W_dense = W.toarray()
                W = self._W_dense
        if sp.issparse(W) and np.count_nonzero(h) < SPARSE_INPUT * h.size:
            out = sp.csr_array(h) @ W  # ReLU outputs are mostly zero: sparse x sparse
        else:
            out = h @ W
        out = out.toarray() if sp.issparse(out) else np.asarray(out)
        return (out + self.b).astype(np.float32, copy=False)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.W.shape)  # type: ignore[return-value]


@dataclass
class Network:
    """A compiled network and everything needed to check it (meta, the circuit it computes)."""

    meta: dict[str, Any]
    circuit_json: str
    embed: Matrix
    layers: list[Affine]
    readout: Affine
    threshold: np.ndarray
    readoffs: list[Affine] = field(default_factory=list)  # one per circuit level

    # ---- running ---------------------------------------------------------------------------
    def activations(self, x: np.ndarray) -> list[np.ndarray]:
        """[h_0, h_1, ..., h_L] for a batch x [n, n_inputs] of 0/1 values."""
        x = np.asarray(x, dtype=np.float32)
        h = x @ self.embed
        hs = [np.asarray(h.toarray() if sp.issparse(h) else h, dtype=np.float32)]
        for layer in self.layers:
            hs.append(np.maximum(layer(hs[-1]), 0.0))
        return hs

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The real-valued outputs y [n, n_outputs]."""
        return self.readout(self.activations(x)[-1])

    def decode(self, y: np.ndarray) -> np.ndarray:
        """Output bits from forward's y."""
        return np.asarray(y) > self.threshold

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Decoded output bits for a batch of 0/1 inputs."""
        return self.decode(self.forward(x))

    def level_readoff(self, level: int, activations: list[np.ndarray]) -> np.ndarray:
        """Read the wires of circuit `level` from the activations of the layer that produces it."""
        layer = self.meta["levels"][level]["layer"]
        return self.readoffs[level](activations[layer])

    # ---- describing ------------------------------------------------------------------------
    @cached_property
    def circuit(self) -> Circuit:
        """The compiled circuit (parsed once from its JSON; treat it as read-only)."""
        return Circuit.from_json(self.circuit_json)

    @property
    def mode(self) -> str | None:
        """The lowering mode the network was compiled with (exact, superposed, auto)."""
        return self.meta["options"].get("mode")

    @property
    def input_names(self) -> list[str]:
        return self.meta["inputs"]

    @property
    def output_names(self) -> list[str]:
        return self.meta["outputs"]

    @property
    def neurons(self) -> int:
        return sum(layer.shape[1] for layer in self.layers)

    def parameters(self) -> dict[str, int]:
        """Stored weights (nonzeros) and dense-equivalent counts over the ReLU layers."""
        dense = sum(l.shape[0] * l.shape[1] + l.shape[1] for l in self.layers)
        nonzero = sum(nnz(l.W) + int(np.count_nonzero(l.b)) for l in self.layers)
        return {"dense": dense, "nonzero": nonzero}

    def ground_truth(self, hook: str):
        """The wires represented at `hook` and their read-off (`circuitc.truth.ground_truth`)."""
        from circuitc.truth import ground_truth

        return ground_truth(self, hook)

    def save(self, path: str) -> None:
        from circuitc.netfile import save

        save(self, path)

    def __repr__(self) -> str:
        widths = [self.embed.shape[1]] + [l.shape[1] for l in self.layers]
        return (f"Network({self.meta.get('circuit_name')!r}, mode={self.mode}"
                f", widths={widths}, outputs={len(self.output_names)})")


def nnz(m: Matrix) -> int:
    """Stored nonzeros of a dense or sparse matrix."""
    return int(m.nnz) if sp.issparse(m) else int(np.count_nonzero(m))


def dumps_meta(meta: dict[str, Any]) -> str:
    return json.dumps(meta, sort_keys=True, separators=(",", ":"))
