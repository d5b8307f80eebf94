"""Inputs in superposition: n_inputs boolean inputs stored as random unit vectors in d0 dimensions.

Contract
--------
`build_embedding(n_inputs, d0, seed)` returns Phi [n_inputs, d0] float32 whose rows phi_k are
independent Gaussian vectors normalised to unit length (seeded, deterministic). An input vector
x in {0,1}^n_inputs is represented as h0 = x @ Phi = sum_k x_k phi_k (the note's section 3).

`compose_with_embedding(W, Phi)` returns the first layer's weights when a construction built for
wires one per coordinate (pre-activation w @ W + b, W [n_inputs, d]) must read h0 instead:

    W_first = Phi^T @ W   [d0, d],   pre-activation = h0 @ W_first + b = x @ (Phi Phi^T) @ W + b.

This is W = B Phi^T in the note's notation (B = W^T the 0/1 connections, read="transpose", the
default): each neuron reads the embedded inputs through <phi_k, h0> = x_k + sum_{l != k} x_l
<phi_k, phi_l>. The interference a neuron reading r inputs picks up is the sum over its r inputs
and the s active ones of <phi_k, phi_l>: zero-mean, variance about s r / d0 (each inner product
has variance 1/d0).

read="pinv" uses the least-squares read-off instead: input k is read by r_k = (Phi^+)^T_k / h_k,
where Phi^+ is the pseudo-inverse and h_k = (Phi Phi^+)_kk the leverage of input k, so that
<phi_k, r_k> = 1 exactly and the cross-talk <phi_l, r_k> = (Phi Phi^+)_lk / h_k is the smallest a
linear read can have. When d0 >= n_inputs the phi's are linearly independent, Phi Phi^+ = I and
the read is exact: the inputs are then not really in superposition. For d0 << n_inputs Phi^+ is
close to (d0/n) Phi^T and the two reads coincide (h_k ~ d0/n undoes the shrink); in between
the cross-talk variance falls from about 1/d0 to about (1 - d0/n)/d0.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def build_embedding(n_inputs: int, d0: int, seed: int = 0) -> np.ndarray:
    """Phi [n_inputs, d0] float32: rows are seeded random Gaussian directions of unit length."""
    if not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
        raise ValueError(f"build_embedding: n_inputs must be a positive integer, got {n_inputs!r}")
    if not isinstance(d0, (int, np.integer)) or d0 < 1:
        raise ValueError(f"build_embedding: d0 must be a positive integer, got {d0!r}")
    g = np.random.default_rng(seed).standard_normal((n_inputs, d0))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g.astype(np.float32)


def compose_with_embedding(
    W: sparse.sparray | np.ndarray, Phi: np.ndarray, read: str = "transpose"
) -> np.ndarray:
    """W_first [d0, d] float32: the layer reading h0 = x @ Phi instead of x (module doc).

    read="transpose": W_first = Phi^T W (the paper's W = B Phi^T).
    read="pinv": W_first = Phi^+ D^-1 W, D = diag(Phi Phi^+) (the leverage of each input), so each
    input reads itself with weight exactly 1 and the others with the least-squares cross-talk;
    exact (no interference) when d0 >= n_inputs.
    """
    if W.shape[0] != Phi.shape[0]:
        raise ValueError(
            f"compose_with_embedding: W reads {W.shape[0]} wires but Phi embeds {Phi.shape[0]}"
        )
    if read not in ("transpose", "pinv"):
        raise ValueError(
            f"compose_with_embedding: read must be 'transpose' or 'pinv', got {read!r}"
        )
    if read == "transpose":
        R = Phi.astype(np.float64)  # [n, d0]: input k is read by <phi_k, h0>
    else:
        U, S, Vt = np.linalg.svd(Phi.astype(np.float64), full_matrices=False)
        keep = S > S.max() * max(Phi.shape) * np.finfo(np.float32).eps
        U, S, Vt = U[:, keep], S[keep], Vt[keep]
        leverage = np.einsum("ij,ij->i", U, U)  # diag of the projection Phi Phi^+
        R = (U / S) @ Vt / leverage[:, None]  # rows: (Phi^+)^T scaled so <phi_k, r_k> = 1
    if sparse.issparse(W):
        return np.asarray((sparse.csr_array(W).T @ R).T, dtype=np.float32)
    return (R.T @ np.asarray(W, dtype=np.float64)).astype(np.float32)
