"""Inputs in superposition: random unit embeddings and layers that read through them."""

import itertools

import numpy as np
import pytest
from scipy import sparse

from circuitc.lowering.embedding import build_embedding, compose_with_embedding
from circuitc.lowering.uand import build_uand


def test_rows_are_unit_vectors_seeded_and_nearly_orthogonal():
    Phi = build_embedding(300, 200, seed=3)
    assert Phi.shape == (300, 200) and Phi.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(Phi, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(Phi, build_embedding(300, 200, seed=3))
    assert not np.array_equal(Phi, build_embedding(300, 200, seed=4))
    gram = Phi @ Phi.T
    off = gram[~np.eye(300, dtype=bool)]
    assert abs(off.mean()) < 0.005
    assert off.var() == pytest.approx(1 / 200, rel=0.1)  # each <phi_k, phi_l> has variance 1/d0


def test_composed_layer_reads_the_embedding():
    m, d0 = 40, 64
    mons = list(itertools.combinations(range(m), 2))
    layer = build_uand(mons, m, 300, c=16, s=3, seed=0)
    Phi = build_embedding(m, d0, seed=1)
    Wf = compose_with_embedding(layer.W, Phi)
    assert Wf.shape == (d0, 300) and Wf.dtype == np.float32
    np.testing.assert_allclose(Wf, compose_with_embedding(layer.W.toarray(), Phi), atol=1e-5)
    x = (np.random.default_rng(0).random((5, m)) < 0.1).astype(np.float32)
    np.testing.assert_allclose((x @ Phi) @ Wf, x @ (Phi @ Phi.T) @ layer.W.toarray(), atol=1e-4)


@pytest.mark.parametrize("read, shrink", [("transpose", 1.0), ("pinv", 0.5)])
def test_interference_variance_matches_the_docstring(read, shrink):
    """A neuron reading r inputs with s on picks up zero-mean noise of variance s r / d0
    (transpose), (1 - d0/n) s r / d0 (least squares): here d0 = n/2, so half of it."""
    n, d0, d, r, s = 400, 200, 300, 20, 3
    rng = np.random.default_rng(5)
    W = np.zeros((n, d), np.float32)
    for j in range(d):
        W[rng.choice(n, r, replace=False), j] = 1
    Phi = build_embedding(n, d0, seed=6)
    x = np.zeros((4000, n), np.float32)
    for i in range(len(x)):
        x[i, rng.choice(n, s, replace=False)] = 1
    noise = (x @ Phi) @ compose_with_embedding(W, Phi, read) - x @ W
    assert abs(noise.mean()) < 0.02
    assert noise.var() == pytest.approx(shrink * s * r / d0, rel=0.08)


def test_d0_at_least_n_inputs_with_orthonormal_rows_is_exact():
    # with orthonormal phi's there is no interference: the composed layer equals the plain one
    m = 12
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((m, m)))
    Phi = q.astype(np.float32)
    W = sparse.random_array((m, 30), density=0.3, rng=1, dtype=np.float32).tocsr()
    x = np.eye(m, dtype=np.float32)
    np.testing.assert_allclose((x @ Phi) @ compose_with_embedding(W, Phi), W.toarray(), atol=1e-5)


def test_pinv_read_is_exact_when_d0_covers_the_inputs_and_reads_itself_with_one_below():
    m = 30
    W = sparse.random_array((m, 50), density=0.2, rng=2, dtype=np.float32).tocsr()
    x = np.eye(m, dtype=np.float32)
    Phi = build_embedding(m, 40, seed=0)  # d0 >= m: independent directions
    np.testing.assert_allclose(x @ Phi @ compose_with_embedding(W, Phi, read="pinv"),
                               W.toarray(), atol=1e-4)
    Phi = build_embedding(m, 20, seed=0)  # d0 < m: in superposition
    for read in ("pinv", "transpose"):
        R = compose_with_embedding(sparse.eye_array(m, format="csr", dtype=np.float32), Phi, read)
        cross = Phi @ R  # [m, m]: how input l is read by input k's read-off
        if read == "pinv":
            np.testing.assert_allclose(np.diag(cross), 1.0, atol=1e-4)
        off = cross[~np.eye(m, dtype=bool)]
        assert off.var() < (1.0 if read == "pinv" else 1.2) / 20


def test_superposed_uand_decodes_every_pair_at_comfortable_width():
    m, s, d = 20, 3, 1500
    mons = list(itertools.combinations(range(m), 2))
    layer = build_uand(mons, m, d, c=48, s=s, seed=0, mode="universal", bias_shift=0.3)
    Phi = build_embedding(m, d, seed=2)
    Wf = compose_with_embedding(layer.W, Phi)
    x = np.zeros((1140, m), dtype=np.float32)
    for row, act in zip(x, itertools.combinations(range(m), s)):
        row[list(act)] = 1
    y = np.maximum((x @ Phi) @ Wf + layer.b, 0) @ layer.A + layer.a0
    M = np.array(mons)
    truth = (x[:, M[:, 0]] + x[:, M[:, 1]]) == 2
    assert y[truth].min() - y[~truth].max() > 0


@pytest.mark.parametrize("n, d0", [(0, 4), (4, 0), (2.5, 4)])
def test_bad_sizes_are_clear_errors(n, d0):
    with pytest.raises(ValueError, match="positive integer"):
        build_embedding(n, d0)


def test_unknown_read_is_a_clear_error():
    with pytest.raises(ValueError, match="read must be"):
        compose_with_embedding(np.zeros((4, 3)), build_embedding(4, 3), read="inverse")


def test_mismatched_shapes_are_a_clear_error():
    with pytest.raises(ValueError, match="reads 5 wires but Phi embeds 4"):
        compose_with_embedding(np.zeros((5, 3)), build_embedding(4, 3))
