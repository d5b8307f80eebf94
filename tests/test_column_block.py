"""network.column_block: a CSR matrix's column block without a CSC copy, entry for entry what
scipy's slicing gives; Affine.columns built on it, the product of that block."""

import numpy as np
import pytest
import scipy.sparse as sp

from circuitc import network
from circuitc.network import Affine, column_block


def _random_csr(rng, rows, cols, density):
    return sp.random_array((rows, cols), density=density, format="csr", dtype=np.float32,
                           rng=rng)


@pytest.mark.parametrize("seed", range(40))
def test_column_block_is_the_slice(seed):
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(1, 40)), int(rng.integers(1, 60))
    W = _random_csr(rng, rows, cols, float(rng.random()))
    start = int(rng.integers(0, cols))
    stop = int(rng.integers(start, cols + 1))
    block = column_block(W, start, stop)
    want = W[:, start:stop]
    assert block.format == "csr" and block.shape == (rows, stop - start)
    assert block.has_sorted_indices
    assert np.array_equal(block.indptr, want.indptr)
    assert np.array_equal(block.indices, want.indices)
    assert np.array_equal(block.data, want.data)


def test_column_block_of_unsorted_indices_empty_rows_and_a_csc():
    W = sp.csr_array((np.array([3, 1, 2, 5], dtype=np.float32), np.array([4, 0, 2, 1]),
                      np.array([0, 3, 3, 4])), shape=(3, 6))
    W.has_sorted_indices = False
    dense = W.toarray()
    assert np.array_equal(column_block(W, 1, 5).toarray(), dense[:, 1:5])
    assert np.array_equal(column_block(W, 5, 6).toarray(), dense[:, 5:6])
    assert column_block(W, 2, 2).shape == (3, 0)
    assert np.array_equal(column_block(sp.csc_array(dense), 1, 4).toarray(), dense[:, 1:4])
    empty = sp.csr_array((4, 7), dtype=np.float32)
    assert column_block(empty, 2, 5).nnz == 0


@pytest.mark.parametrize("blocked", [True, False])
@pytest.mark.parametrize("sparse_h", [True, False])
def test_columns_of_a_csr_by_blocks_equal_the_whole_product_and_keep_no_copy(
        blocked, sparse_h, monkeypatch):
    rng = np.random.default_rng(7)
    W = _random_csr(rng, 200, 3000, 0.1)  # dense enough for BLAS (network.DENSE_W)
    monkeypatch.setattr(network, "DENSE_W_MAX", 1000 if blocked else 1 << 30)
    a = Affine(W, rng.standard_normal(3000).astype(np.float32))
    assert a._blocked() == blocked
    h = rng.random((16, 200)).astype(np.float32)
    if sparse_h:
        h[h < 0.995] = 0.0  # sparse enough for the sparse product (Affine._sparse_pays)
        h = sp.csr_array(h)
    dense = W.toarray()
    for start, stop in [(0, 1000), (1000, 1001), (1001, 3000)]:
        block = dense[:, start:stop]
        want = (h @ (block if blocked or not sparse_h else sp.csr_array(block)))
        want = want.toarray() if sp.issparse(want) else want
        got = a.columns(h, start, stop)
        assert np.allclose(got, want + a.b[start:stop], atol=1e-5)
    assert a.W is W and W.format == "csr"
    # nothing as large as W is cached beside it (a CSC copy doubled eval's peak)
    assert not any(sp.issparse(v) for k, v in vars(a).items() if k != "W")


@pytest.mark.parametrize("chunk", [1, 5, 1 << 22])
def test_column_counts_are_the_bincount_of_the_indices(chunk):
    rng = np.random.default_rng(chunk)
    W = _random_csr(rng, 30, 70, 0.2)
    np.testing.assert_array_equal(network.column_counts(W, chunk),
                                  np.bincount(W.indices, minlength=70))
    assert network.column_counts(sp.csr_array((4, 3), dtype=np.float32)).tolist() == [0, 0, 0]
