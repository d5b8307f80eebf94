"""Affine's gathered products (a W that uses few rows): the same values as the plain product,
for every column block, row-major and transposed."""

import numpy as np
import scipy.sparse as sp

from circuitc.network import Affine, Block


def _few_rows(rng, rows=3000, used=300, cols=800, density=0.01):
    dense = np.zeros((rows, cols), dtype=np.float32)
    picked = rng.choice(rows, used, replace=False)
    block = sp.random_array((used, cols), density=density, rng=rng, dtype=np.float32)
    dense[picked] = block.toarray()
    return dense


def test_gathered_columns_and_transposed_match_the_plain_product():
    rng = np.random.default_rng(1)
    dense = _few_rows(rng)
    for W in (sp.csr_array(dense), sp.csc_array(dense)):
        a = Affine(W, rng.standard_normal(dense.shape[1]).astype(np.float32))
        assert a.support() is not None
        h = rng.random((50, dense.shape[0])).astype(np.float32)
        want = h @ dense + a.b
        for lo, hi in [(0, 800), (0, 300), (300, 700), (700, 800)]:
            assert np.allclose(a.columns(h, lo, hi), want[:, lo:hi], atol=1e-4)
        assert np.allclose(a.apply_t(np.ascontiguousarray(h.T)).T, want, atol=1e-4)


def test_block_updates_only_what_it_writes_in_both_layouts():
    rng = np.random.default_rng(2)
    D, d = 2000, 6
    mlp_in = Affine(sp.csc_array(_few_rows(rng, D, 10, d, 0.5)),
                    rng.standard_normal(d).astype(np.float32))
    out = np.zeros((d, D), dtype=np.float32)
    out[:, 1500:1504] = rng.standard_normal((d, 4))
    bias = np.zeros(D, dtype=np.float32)
    bias[1502] = 1.0
    block = Block(mlp_in, Affine(sp.csr_array(out), bias))
    h = rng.random((40, D)).astype(np.float32)
    want = h + np.maximum(h @ mlp_in.W.toarray() + mlp_in.b, 0) @ out + bias
    assert np.allclose(block(h), want, atol=1e-5)
    assert np.array_equal(block.writes()[0], np.arange(1500, 1504))
    hT = np.ascontiguousarray(h.T)
    assert np.allclose(block.update_t(hT).T, want, atol=1e-5)


def _sparse_relu_layer(rng, rows=400, cols=3000, density=0.01, positive_bias=False):
    W = sp.random_array((rows, cols), density=density, rng=rng, dtype=np.float32,
                        data_sampler=lambda size: rng.integers(1, 3, size).astype(np.float32))
    b = -rng.integers(0, 3, cols).astype(np.float32) - 0.5
    if positive_bias:
        b[7] = 0.25
    return Affine(sp.csr_array(W), b)


def test_sparse_relu_equals_the_dense_path_bit_for_bit_and_stays_sparse():
    rng = np.random.default_rng(3)
    layer = _sparse_relu_layer(rng)
    h = (rng.random((64, 400)) < 0.02).astype(np.float32)  # a sparse 0/1 batch
    dense = layer.relu(h)
    assert isinstance(dense, np.ndarray)
    for given in (h, sp.csr_array(h)):
        out = layer.relu(given, sparse=True)
        assert sp.issparse(out) and out.has_sorted_indices and np.all(out.data > 0)
        assert np.array_equal(out.toarray(), dense)
        # the next layer reads it as it reads the dense activations, to the last bit
        nxt = _sparse_relu_layer(np.random.default_rng(4), rows=3000, cols=500, density=0.02)
        assert np.array_equal(nxt.relu(out, sparse=True).toarray(), nxt.relu(dense))
        assert np.array_equal(nxt.columns(out, 100, 300), nxt.columns(dense, 100, 300))


def test_sparse_relu_is_dense_where_an_empty_column_would_not_be_zero():
    rng = np.random.default_rng(5)
    layer = _sparse_relu_layer(rng, positive_bias=True)  # relu(0 + 0.25) = 0.25 in column 7
    h = (rng.random((16, 400)) < 0.02).astype(np.float32)
    out = layer.relu(h, sparse=True)
    assert isinstance(out, np.ndarray) and np.all(out[:, 7] >= 0.25)
    assert np.array_equal(out, layer.relu(h))
    dense_h = rng.random((16, 400)).astype(np.float32)  # a dense batch stays dense too
    assert isinstance(_sparse_relu_layer(rng).relu(dense_h, sparse=True), np.ndarray)


def test_a_sparse_batch_meets_a_blas_dense_W_through_the_sparse_product():
    rng = np.random.default_rng(6)
    W = sp.random_array((400, 300), density=0.1, rng=rng, dtype=np.float32, format="csr")
    layer = Affine(W, -np.ones(300, np.float32))
    assert layer._dense_enough()  # BLAS would multiply a dense batch
    assert layer._sparse_pays(0.005) and not layer._sparse_pays(0.04)
    h = (rng.random((64, 400)) < 0.005).astype(np.float32)
    want = np.maximum(h @ W.toarray() - 1.0, 0.0)
    out = layer.relu(h, sparse=True)
    assert sp.issparse(out) and np.allclose(out.toarray(), want, atol=1e-5)
    assert np.allclose(layer.columns(sp.csr_array(h), 10, 200), (h @ W.toarray() - 1.0)[:, 10:200],
                       atol=1e-5)
    busy = (rng.random((64, 400)) < 0.3).astype(np.float32)  # a busy batch stays on BLAS
    assert isinstance(layer.relu(busy, sparse=True), np.ndarray)
