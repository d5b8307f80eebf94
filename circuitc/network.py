"""Network: the compiled ReLU network, its forward pass, activations, read-offs and decoding.

Two architectures (meta "architecture"). The plain chain of ReLU layers ("mlp"):

    h_0     = x @ embed.W                                  (x: 0/1 inputs, float)
    h_{t+1} = relu(h_t @ layers[t].W + layers[t].b)        t = 0 .. L-1

and the residual stream ("residual", `circuitc.lowering.residual`), whose layers are Blocks:

    h_0     = x @ embed.W
    h_{t+1} = h_t + relu(h_t @ layers[t].mlp_in.W + .b) @ layers[t].mlp_out.W + .b

Both then read out and decode the same way:

    y       = h_L @ readout.W + readout.b
    bits    = y > decode.threshold
    wires of circuit level l ~= h_{t(l)} @ readoffs[l].W + readoffs[l].b

Every matrix is a numpy array or a scipy.sparse csr_array; products run in float32 with the
sparse side kept sparse. `circuitc.netfile` reads and writes the .npz form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp

from circuitc.graph import Circuit

Matrix = np.ndarray | sp.csr_array
SPARSE_INPUT = 0.05  # below this fraction of nonzero activations, multiply sparse x sparse
# A sparse W at least this dense is multiplied as dense copies of column blocks: BLAS beats
# scipy's sparse kernels several-fold there (universal U-AND read-offs are ~10% dense). Small
# matrices keep one whole dense copy; larger ones are densified a block of columns at a time, so
# memory stays proportional to the nonzeros (plus one block), never to rows x columns.
DENSE_W, DENSE_W_MAX = 0.03, 1 << 22
BLOCK_BYTES = 64 << 20  # the largest dense block (of W, or of the output) one product makes
GATHER_ROWS = 0.25  # a sparse W using at most this fraction of its rows is multiplied gathered
# BLAS on a dense copy of W against scipy's sparse kernels, per multiply-add (one core: 0.02 ns
# against 4-16 ns, [1024 x 6000] @ [6000 x 6000] at 0.2-3 % x 3.5-10 % nonzeros): a sparse h
# meets a W dense enough for BLAS through the sparse product when density(h) x density(W) is
# below 1 / BLAS_ADVANTAGE (`Affine._sparse_pays`)
BLAS_ADVANTAGE = 300


@dataclass
class Affine:
    """x -> x @ W + b."""

    W: Matrix
    b: np.ndarray
    _W_dense: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _support: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _T: Matrix | None = field(default=None, init=False, repr=False, compare=False)
    _nonpositive_b: bool | None = field(default=None, init=False, repr=False, compare=False)

    def __call__(self, h: np.ndarray | sp.csr_array) -> np.ndarray:
        """h @ W + b, dense float32 [n, columns]; h dense, or CSR (sparse activations)."""
        h = self._operand(h)
        blocks = self.column_blocks(h.shape[0])
        if len(blocks) <= 1:
            return self.columns(h, 0, self.W.shape[1])
        out = np.empty((h.shape[0], self.W.shape[1]), dtype=np.float32)
        for start, stop in blocks:
            out[:, start:stop] = self.columns(h, start, stop)
        return out

    def column_blocks(self, rows: int, max_bytes: int = BLOCK_BYTES) -> list[tuple[int, int]]:
        """Column ranges [start, stop) whose output block for `rows` inputs (and dense copy of
        W's block, when one is made) stays within `max_bytes`: the unit of a streamed product."""
        n_in, n_out = self.W.shape
        width = max(1, max_bytes // (4 * max(rows, n_in if self._blocked() else 1, 1)))
        return [(start, min(n_out, start + width)) for start in range(0, n_out, width)]

    def relu(self, h: np.ndarray | sp.csr_array, sparse: bool = False) -> np.ndarray | sp.csr_array:
        """relu(h @ W + b). With `sparse`, a CSR result when that is exact and pays: b <= 0 in
        every column (a column the product leaves empty is then 0 after the ReLU) and the
        product sparse (`_sparse_pays`). The product, bias and ReLU then touch the nonzeros
        only, never rows x columns: a clamped layer has a few hundred of its 10^4-10^5 ReLUs on
        per sample. Same values as the dense path would give with that product (the bias is
        added in float32 alike). Else dense float32."""
        if self._nonpositive_b is None:
            self._nonpositive_b = bool(np.all(self.b <= 0.0))
        h = self._operand(h)
        if sparse and self._nonpositive_b and sp.issparse(h):
            out = sp.csr_array(h @ self.W, dtype=np.float32)
            out.data += self.b[out.indices]
            np.maximum(out.data, 0.0, out=out.data)
            out.eliminate_zeros()
            out.sort_indices()  # as a dense h converted: the next product sums in that order
            return out
        return np.maximum(self(h), 0.0)

    def _sparse_pays(self, density: float) -> bool:
        """Whether h @ W is cheaper as a sparse product (each nonzero of h times the row of W it
        meets) than a dense one, for an h with this fraction of nonzeros: W sparse and multiplied
        as such (no row gather), h sparse (below SPARSE_INPUT), and where W is dense enough for
        BLAS (`_dense_enough`) h sparse enough to beat it, density(h) x density(W) below
        1 / BLAS_ADVANTAGE. (A clamped layer's ReLUs are ~2 % on and its composed weights ~3 %
        dense: sparse wins; U-AND hosts are ~25 % on: BLAS wins.)"""
        W = self.W
        if not sp.issparse(W) or density >= SPARSE_INPUT or self.support() is not None:
            return False
        return not self._dense_enough() or \
            density * W.nnz / (W.shape[0] * W.shape[1]) * BLAS_ADVANTAGE < 1.0

    def _operand(self, h: np.ndarray | sp.csr_array) -> np.ndarray | sp.csr_array:
        """h as the product wants it (`_sparse_pays`): CSR, converted once here rather than
        once per column block, or dense float32."""
        if sp.issparse(h):
            size = h.shape[0] * h.shape[1]
            if self._sparse_pays(h.nnz / max(size, 1)):
                return sp.csr_array(h, dtype=np.float32)
            return h.toarray().astype(np.float32, copy=False)
        h = np.asarray(h, dtype=np.float32)
        if sp.issparse(self.W) and self._sparse_pays(np.count_nonzero(h) / max(h.size, 1)):
            return sp.csr_array(h)
        return h

    def columns(self, h: np.ndarray | sp.csr_array, start: int, stop: int,
                bias: bool = True) -> np.ndarray:
        """(h @ W + b)[:, start:stop] as dense float32, without computing the other columns
        (without the bias when `bias` is false); h dense or CSR (`_operand` decides which
        product runs)."""
        W = self.W
        h = self._operand(h)
        support = self.support()
        if support is not None:  # few rows used: gather them, multiply the small matrix
            rows, W = support
            h = h[:, rows]
            if (start, stop) != (0, W.shape[1]):
                W = W[:, start:stop]  # a block of the small matrix (no copy cached)
            if sp.issparse(W) and np.count_nonzero(h) < SPARSE_INPUT * h.size:
                h = sp.csr_array(h)  # ReLU outputs are mostly zero: sparse x sparse
        elif not sp.issparse(W):
            W = W[:, start:stop]
        elif sp.issparse(h):  # sparse x sparse (`_sparse_pays`)
            if (start, stop) != (0, W.shape[1]):
                W = column_block(W, start, stop)
        elif self._dense_enough() and not self._blocked():
            if self._W_dense is None:
                self._W_dense = W.toarray()
            W = self._W_dense[:, start:stop]
        elif (start, stop) != (0, W.shape[1]):
            W = column_block(W, start, stop)
            W = W.toarray() if self._blocked() else sp.csc_array(W)
        elif self._blocked():
            W = W.toarray()
        out = h @ W
        out = out.toarray() if sp.issparse(out) else np.asarray(out)
        if bias:
            out = out + self.b[start:stop]
        return out.astype(np.float32, copy=False)

    def apply_t(self, hT: np.ndarray) -> np.ndarray:
        """(h @ W + b).T from hT = h.T [W's rows, n] (C-contiguous), as [W's columns, n]: the
        transposed form a residual stream is streamed in. Gathering the rows W uses is then a
        few contiguous rows (of h, it is a strided column gather, a page per sample), and
        W.T @ hT is scipy's CSR x dense kernel (W.T cached, of the gathered rows only)."""
        support = self.support()
        W = self.W
        if support is not None:
            rows, W = support
            hT = hT[rows]
        if self._T is None:
            self._T = sp.csr_array(W.T) if sp.issparse(W) else np.ascontiguousarray(W.T)
        out = self._T @ hT
        out = np.asarray(out.toarray() if sp.issparse(out) else out, dtype=np.float32)
        return out + self.b[:, None]

    def support(self) -> tuple[np.ndarray, Matrix] | None:
        """(the rows of a sparse W holding nonzeros, W restricted to them), when those are at
        most a GATHER_ROWS fraction of W's rows (a residual block reads a few stream dimensions
        of thousands): h[:, rows] @ W[rows] costs the nonzeros, not rows x batch. The small
        matrix is dense when it is dense enough for BLAS. None otherwise (cached)."""
        if self._support is None:
            self._support = (None,)
            W = self.W
            if sp.issparse(W) and W.shape[0] > 64:
                # the rows in use from a CSR's row pointers: a scan of the rows, not a sort of
                # every nonzero (a composed clamped layer has ~10^8 of them)
                rows = np.flatnonzero(np.diff(W.indptr)) if W.format == "csr" else \
                    np.unique(sp.coo_array(W).row)
                if len(rows) <= GATHER_ROWS * W.shape[0]:
                    coo = sp.coo_array(W)
                    small = _compact(np.searchsorted(rows, coo.row), coo.col, coo.data,
                                     (len(rows), W.shape[1]))
                    self._support = (rows.astype(np.int64), small)
        return None if self._support[0] is None else self._support

    def written(self) -> tuple[np.ndarray, Affine] | None:
        """(the columns x @ W + b can make nonzero, the affine map onto just those), when those
        are at most a GATHER_ROWS fraction of the columns: a residual block writes a few stream
        dimensions. None otherwise (not cached: blocks cache it)."""
        W = self.W
        if not sp.issparse(W) or W.shape[1] <= 64:
            return None
        coo = sp.coo_array(W)
        cols = np.union1d(coo.col, np.flatnonzero(self.b))
        if len(cols) > GATHER_ROWS * W.shape[1]:
            return None
        small = _compact(coo.row, np.searchsorted(cols, coo.col), coo.data,
                         (W.shape[0], len(cols)))
        return cols.astype(np.int64), Affine(small, self.b[cols])

    def _dense_enough(self) -> bool:
        size = self.W.shape[0] * self.W.shape[1]
        return sp.issparse(self.W) and self.W.nnz >= DENSE_W * size

    def _blocked(self) -> bool:
        """A sparse W too big for one dense copy but dense enough for BLAS: densify by blocks."""
        return self._dense_enough() and self.W.shape[0] * self.W.shape[1] > DENSE_W_MAX

    def shares(self, other: Affine) -> bool:
        """Whether this map's matrix is `other`'s own, columns in the same order (the read-out
        of outputs that are the top level's wires in order: one product serves both)."""
        return self.W is other.W

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.W.shape)  # type: ignore[return-value]


class ColumnsOf(Affine):
    """x -> x @ of.W[:, source] + b: another affine map's matrix with its columns gathered
    (and a bias of its own). What the read-out is when the outputs copy the top level's wires
    in another order (the U-AND of m = 1000: 499,500 outputs, a 400 MB matrix): the file
    stores the column order (version 5), and eval and the compile's check multiply by `of`
    once for the read-off and the read-out (`circuitc.evaluate.readout_gather`). `W` is the
    gathered matrix, made on first use only (the PyTorch module, `Network.forward`)."""

    def __init__(self, of: Affine, source: np.ndarray, b: np.ndarray):
        self.of, self.source = of, np.asarray(source, dtype=np.int64)
        self._gathered: Matrix | None = None
        super().__init__(None, b)  # type: ignore[arg-type]  # W: the property below

    @property  # type: ignore[override]
    def W(self) -> Matrix:
        if self._gathered is None:
            W = self.of.W
            self._gathered = sp.csr_array(sp.csc_array(W)[:, self.source], dtype=np.float32) \
                if sp.issparse(W) else np.ascontiguousarray(W[:, self.source])
        return self._gathered

    @W.setter
    def W(self, value: Matrix | None) -> None:
        if value is not None:  # a matrix of its own would part from `of` and `source` (stored)
            raise AttributeError("ColumnsOf.W is of.W's columns: build an Affine instead")

    def shares(self, other: Affine) -> bool:
        return False

    def __repr__(self) -> str:  # the dataclass's would print (so make) the gathered matrix
        rows, columns = self.of.shape
        return f"ColumnsOf({rows}x{columns} read-off, {len(self.source)} columns)"

    @property
    def shape(self) -> tuple[int, int]:
        return (self.of.shape[0], len(self.source))


def column_block(W: sp.csr_array | sp.csc_array, start: int, stop: int) -> sp.csr_array:
    """W[:, start:stop] as CSR (sorted indices), in time and memory of the block's entries and
    W's rows, without a CSC copy of W (a U-AND's top read-off is 1.7 GB at m = 2000: a copy
    for its column blocks doubled it). Each row's entries of the block are a contiguous run of
    its sorted indices, found by a binary search of every row at once. W's indices are
    sorted in place first when they are not (the same matrix)."""
    if W.format != "csr":
        return sp.csr_array(W[:, start:stop])
    if not W.has_sorted_indices:
        W.sort_indices()
    lo = _first_at_least(W, start)
    hi = _first_at_least(W, stop)
    counts = hi - lo
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    # the positions lo[r] .. hi[r] of every row, concatenated
    take = np.arange(indptr[-1], dtype=np.int64) + np.repeat(lo - indptr[:-1], counts)
    return sp.csr_array((W.data[take], W.indices[take] - start, indptr),
                        shape=(W.shape[0], stop - start))


def column_counts(W: sp.csr_array, chunk: int = 1 << 22) -> np.ndarray:
    """The number of stored entries of each column of a CSR W (int64), `chunk` entries at a
    time: np.bincount of all the indices at once converts them to int64 first, a temporary of
    8 bytes an entry (1.7 GB for the U-AND read-off of m = 2000)."""
    counts = np.zeros(W.shape[1], dtype=np.int64)
    for lo in range(0, W.nnz, chunk):
        counts += np.bincount(W.indices[lo : lo + chunk], minlength=W.shape[1])
    return counts


def _first_at_least(W: sp.csr_array, column: int) -> np.ndarray:
    """Per row r of a CSR W with sorted indices: the first position in
    indptr[r]..indptr[r + 1] whose column is at least `column` (indptr[r + 1] if none)."""
    lo = W.indptr[:-1].astype(np.int64)
    hi = W.indptr[1:].astype(np.int64)
    if not len(W.indices):
        return lo
    last = len(W.indices) - 1
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        below = open_ & (W.indices[np.minimum(mid, last)] < column)
        lo = np.where(below, mid + 1, lo)
        hi = np.where(open_ & ~below, mid, hi)


@lru_cache(maxsize=64)
def zero_vector(n: int) -> np.ndarray:
    """A read-only float32 zero vector of length n, shared: a residual block's output bias is
    as wide as the stream and zero in most blocks, so one per block would cost levels x D."""
    zeros = np.zeros(n, dtype=np.float32)
    zeros.flags.writeable = False
    return zeros


def _compact(rows: np.ndarray, cols: np.ndarray, data: np.ndarray,
             shape: tuple[int, int]) -> Matrix:
    """The small matrix of a gathered product from its entries: dense when it is dense enough
    for BLAS and small, else CSR (built from the arrays, no scipy slicing: the first forward
    pass of a deep network builds one per layer)."""
    size = shape[0] * shape[1]
    if len(data) >= DENSE_W * size and size <= DENSE_W_MAX:
        dense = np.zeros(shape, dtype=np.float32)
        np.add.at(dense, (rows, cols), data)
        return dense
    return sp.csr_array((data.astype(np.float32), (rows, cols)), shape=shape)


@dataclass
class Block:
    """One residual block: h -> h + relu(h @ mlp_in.W + mlp_in.b) @ mlp_out.W + mlp_out.b."""

    mlp_in: Affine  # [D, d]: stream -> hidden ReLUs (pre-activation)
    mlp_out: Affine  # [d, D]: hidden ReLUs -> what the block adds to the stream

    _writes: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def hidden(self, h: np.ndarray) -> np.ndarray:
        return np.maximum(self.mlp_in(h), 0.0)

    def __call__(self, h: np.ndarray) -> np.ndarray:
        return self.update(np.array(h, dtype=np.float32))

    def writes(self) -> tuple[np.ndarray, Affine] | None:
        """mlp_out.written(), cached: the stream columns this block can change."""
        if self._writes is None:
            self._writes = self.mlp_out.written() or (None,)
        return None if self._writes[0] is None else self._writes

    def update(self, h: np.ndarray) -> np.ndarray:
        """Add the block's output to the stream h in place (and return h): only the columns
        mlp_out can write are touched, so a block costs its nonzeros, not the stream's width."""
        self.writes()
        if self._writes[0] is None:
            h += self.mlp_out(self.hidden(h))
        else:
            cols, out = self._writes
            h[:, cols] += out(self.hidden(h))
        return h

    def update_t(self, hT: np.ndarray) -> np.ndarray:
        """`update` on the transposed stream hT [D, n] (see `Affine.apply_t`), in place."""
        self.writes()
        hidden = np.maximum(self.mlp_in.apply_t(hT), 0.0)
        if self._writes[0] is None:
            hT += self.mlp_out.apply_t(hidden)
        else:
            cols, out = self._writes
            hT[cols] += out.apply_t(hidden)
        return hT

    @property
    def shape(self) -> tuple[int, int]:
        """(stream width, hidden ReLUs)."""
        return self.mlp_in.shape


Layer = Affine | Block


def affines(layer: Layer) -> tuple[Affine, ...]:
    """The affine maps a layer is made of: itself, or a block's mlp_in and mlp_out."""
    return (layer.mlp_in, layer.mlp_out) if isinstance(layer, Block) else (layer,)


def step(layer: Layer, h: np.ndarray, in_place: bool = False,
         sparse: bool = False) -> np.ndarray | sp.csr_array:
    """h_{t+1} from h_t through one layer of either architecture; with `in_place` a residual
    block updates h itself instead of a copy (h_t is then gone); with `sparse` a ReLU layer may
    return CSR activations (`Affine.relu`)."""
    if isinstance(layer, Block):
        return layer.update(h) if in_place else layer(h)
    return layer.relu(h, sparse)


def run_layers(embed: Matrix, layers: list[Layer], x: np.ndarray, in_place: bool = False,
               transposed: bool = False, sparse: bool = False) -> Iterator[np.ndarray]:
    """h_0 .. h_L of a batch x [n, n_inputs], one at a time (either architecture). With
    `in_place` a residual stream is updated in place: each h is valid until the next one is
    asked for (streaming consumers); otherwise every h is a fresh array. With `transposed`
    (residual blocks only; implies in place) it yields h.T [D, n], the stream as
    `Block.update_t` keeps it. With `sparse` a ReLU layer's activations may come as CSR
    (`Affine.relu`; consumers that take either: `Affine.columns`, `evaluate.measure`)."""
    h = np.asarray(x, dtype=np.float32) @ embed
    h = np.asarray(h.toarray() if sp.issparse(h) else h, dtype=np.float32)
    if transposed:
        h = np.ascontiguousarray(h.T)
        yield h
        for layer in layers:
            yield layer.update_t(h)
        return
    yield h
    for layer in layers:
        h = step(layer, h, in_place, sparse)
        yield h


def streams_transposed(layers: list[Layer]) -> bool:
    """Whether a forward pass streams h.T: residual blocks, whose steps touch a few rows."""
    return bool(layers) and all(isinstance(layer, Block) for layer in layers)


@dataclass
class Network:
    """A compiled network and everything needed to check it (meta, the circuit it computes)."""

    meta: dict[str, Any]
    circuit_json: str
    embed: Matrix
    layers: list[Layer]  # Affine ReLU layers ("mlp") or residual Blocks ("residual")
    readout: Affine
    threshold: np.ndarray
    readoffs: list[Affine] = field(default_factory=list)  # one per circuit level

    # ---- running ---------------------------------------------------------------------------
    def iter_activations(self, x: np.ndarray) -> Iterator[np.ndarray]:
        """h_0, h_1, ..., h_L one at a time for a batch x [n, n_inputs] of 0/1 values (only
        the current one is held)."""
        yield from run_layers(self.embed, self.layers, x)

    def activations(self, x: np.ndarray) -> list[np.ndarray]:
        """[h_0, h_1, ..., h_L] for a batch x [n, n_inputs] of 0/1 values."""
        return list(self.iter_activations(x))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The real-valued outputs y [n, n_outputs]."""
        if streams_transposed(self.layers):
            for hT in run_layers(self.embed, self.layers, x, transposed=True):
                pass
            return np.ascontiguousarray(self.readout.apply_t(hT).T)
        for h in run_layers(self.embed, self.layers, x, in_place=True):
            pass
        return self.readout(h)

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

    @cached_property
    def nodes(self):
        """The circuit's nodes for simulation (`circuitc.nodes.Nodes`): the parsed graph's when
        `circuit` has been read, else read from the JSON without building the graph."""
        from circuitc.nodes import Nodes, read_nodes

        return Nodes.of(self.circuit) if "circuit" in self.__dict__ else \
            read_nodes(self.circuit_json)

    @property
    def mode(self) -> str | None:
        """The lowering mode the network was compiled with (exact, superposed, auto)."""
        return self.meta["options"].get("mode")

    @property
    def architecture(self) -> str:
        """"mlp" (a chain of ReLU layers) or "residual" (blocks on a residual stream)."""
        return self.meta.get("architecture", "mlp")

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
        maps = [a for layer in self.layers for a in affines(layer)]
        dense = sum(a.shape[0] * a.shape[1] + a.shape[1] for a in maps)
        nonzero = sum(nnz(a.W) + int(np.count_nonzero(a.b)) for a in maps)
        return {"dense": dense, "nonzero": nonzero}

    def ground_truth(self, hook: str):
        """The wires represented at `hook` and their read-off (`circuitc.truth.ground_truth`)."""
        from circuitc.truth import ground_truth

        return ground_truth(self, hook)

    def save(self, path: str, show_progress: bool = False) -> None:
        """Write the network file (circuitc.netfile.save); show_progress: a bar on a terminal."""
        from circuitc.netfile import save

        save(self, path, show_progress)

    def __repr__(self) -> str:
        widths = [self.embed.shape[1]] + [l.shape[1] for l in self.layers]
        return (f"Network({self.meta.get('circuit_name')!r}, mode={self.mode}"
                f", widths={widths}, outputs={len(self.output_names)})")


def nnz(m: Matrix) -> int:
    """Stored nonzeros of a dense or sparse matrix."""
    return int(m.nnz) if sp.issparse(m) else int(np.count_nonzero(m))


def dumps_meta(meta: dict[str, Any]) -> str:
    return json.dumps(meta, sort_keys=True, separators=(",", ":"))
