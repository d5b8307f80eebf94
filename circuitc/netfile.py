"""The network file (.npz, format "circuitc-mlp" version 5): write atomically, load validated.

The format is documented for users in docs/network-format.md; keep the two in step. The file is
an ordinary numpy .npz (a zip of .npy members) with no object arrays, so
`np.load(path, allow_pickle=False)` reads every key. The writer fixes every zip timestamp, so the
same network gives the same bytes, and streams: each member is compressed straight into a
temporary file beside the target, renamed into place when complete (never a half-written file,
never the whole zip in memory). Any matrix may be stored dense (`NAME`), as CSR (`NAME.data`,
`NAME.indices`, `NAME.indptr`, `NAME.shape`) or, from version 4, as CSC (`NAME.colptr` in place
of `NAME.indptr`); the writer picks the smallest. From version 4 a long vector that is mostly
zero may be stored sparse (`NAME.nonzero`, `NAME.values`, `NAME.size`).
Version 3 stores the circuit JSON as UTF-8 bytes (uint8; versions 1 and 2 had a 0-d unicode
string, four bytes a character, still read), and a read-out that is the top level's read-off matrix itself is
stored once: `readout.W.same_as` names the matrix instead of a copy.
Version 4 exists because versions 1-3 stored a residual block's mlp_in and a level's read-off
([D, few]) as CSR and every block's output bias dense: a row pointer and a bias of the stream's
width D per block, levels x D in all (SHA-256, 3,069 blocks on a stream of 203,111: 12.5 GB
uncompressed for 10 MB of weights). In memory the loader holds a tall sparse matrix as CSC,
reading the members one at a time, and shares one zero vector among the all-zero block biases.
Version 5 stores a read-out that is the top level's read-off matrix with its columns in another
order as that matrix and the order: `readout.W.same_as` and `readout.W.source` (int64, column o
of the read-out is column source[o] of the read-off). The U-AND of m = 1000 has 499,500 outputs,
the top wires in another order: 400 MB of matrix stored twice before.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import scipy.sparse as sp

from circuitc import limits
from circuitc.atomic import atomic_file
from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit
from circuitc.nodes import Nodes, read_nodes
from circuitc.network import Affine, Block, ColumnsOf, Matrix, Network, dumps_meta, zero_vector
from circuitc.progress import progress

FORMAT_NAME = "circuitc-mlp"
FORMAT_VERSION = 5  # 2 added meta.architecture ("mlp" or "residual"); version 1 is "mlp";
# 3 stores the circuit JSON as UTF-8 bytes and may store readout.W as readout.W.same_as;
# 4 may store a matrix as CSC (NAME.colptr) and a vector sparse (NAME.nonzero/.values/.size);
# 5 may store readout.W as columns of a read-off (readout.W.same_as and readout.W.source)
READABLE_VERSIONS = (1, 2, 3, 4, 5)
ARCHITECTURES = ("mlp", "residual")
_CSR_PARTS = ("data", "indices", "indptr", "shape")
_CSC_PARTS = ("data", "indices", "colptr", "shape")
_SPARSE_VECTOR_PARTS = ("nonzero", "values", "size")
SPARSE_VECTOR_MIN = 1024  # shorter vectors stay dense (easy to read by eye)
LAYER_KINDS = ("compute", "correct")
TEXT_PIECE = 16 << 20  # characters of the circuit's JSON encoded at a time by the writer
TALL = 8  # a sparse matrix with this many times more rows than columns is held as CSC


# ---- writing ------------------------------------------------------------------------------------
def to_arrays(net: Network) -> dict[str, np.ndarray]:
    """Every key of the file, in file order."""
    return {key: _utf8(value) if isinstance(value, str) else value
            for key, value in iter_arrays(net)}


def iter_arrays(net: Network) -> Iterator[tuple[str, np.ndarray | str]]:
    """Every key of the file and its array, in file order, one matrix at a time (so a writer
    holds one matrix's CSR form, not the whole file's: a [D, d] matrix per level held as CSC
    in memory has a D + 1 row pointer in the file). The circuit comes as its JSON text, stored
    as its UTF-8 bytes (`_utf8`; `save` encodes it a piece at a time)."""
    # the layouts below are this version's, whatever version the network was read from
    yield "meta", np.array(dumps_meta({**net.meta, "format_version": FORMAT_VERSION}))
    yield "circuit", net.circuit_json
    arrays: dict[str, np.ndarray] = {}
    _put_matrix(arrays, "embed.W", net.embed)
    yield from _drain(arrays)
    for t, layer in enumerate(net.layers):
        parts = {"mlp_in.": layer.mlp_in, "mlp_out.": layer.mlp_out} if isinstance(layer, Block) \
            else {"": layer}
        for part, affine in parts.items():
            _put_matrix(arrays, f"layers.{t}.{part}W", affine.W)
            _put_vector(arrays, f"layers.{t}.{part}b", affine.b)
            yield from _drain(arrays)
    top = len(net.readoffs) - 1
    if net.readoffs and net.readout.shares(net.readoffs[top]):  # the same matrix: store it once
        arrays["readout.W.same_as"] = np.array(f"levels.{top}.readoff.W")
    elif net.readoffs and isinstance(net.readout, ColumnsOf) and \
            net.readout.of is net.readoffs[top]:  # its columns: store their order
        arrays["readout.W.same_as"] = np.array(f"levels.{top}.readoff.W")
        arrays["readout.W.source"] = net.readout.source
    else:
        _put_matrix(arrays, "readout.W", net.readout.W)
    arrays["readout.b"] = np.asarray(net.readout.b, dtype=np.float32)
    arrays["decode.threshold"] = np.asarray(net.threshold, dtype=np.float32)
    yield from _drain(arrays)
    for level, readoff in enumerate(net.readoffs):
        _put_matrix(arrays, f"levels.{level}.readoff.W", readoff.W)
        _put_vector(arrays, f"levels.{level}.readoff.b", readoff.b)
        yield from _drain(arrays)


def _utf8(text: str) -> np.ndarray:
    """The uint8 array the file stores for a text (the circuit's JSON)."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _write_text(member, text: str) -> None:
    """Write `_utf8(text)` as a .npy member, the same bytes as np.lib.format.write_array, but
    ASCII text (JSON as json.dumps writes it) encoded a piece at a time: the circuit of the
    U-AND of m = 2000 is 0.9 GB of text, and encoding it whole doubled it at the write."""
    if not text.isascii():
        np.lib.format.write_array(member, _utf8(text), allow_pickle=False)
        return
    np.lib.format.write_array_header_1_0(
        member, {"descr": "|u1", "fortran_order": False, "shape": (len(text),)})
    for lo in range(0, len(text), TEXT_PIECE):
        member.write(text[lo:lo + TEXT_PIECE].encode("ascii"))


def _drain(arrays: dict[str, np.ndarray]) -> Iterator[tuple[str, np.ndarray]]:
    """Yield and forget the arrays put so far, in insertion order."""
    yield from arrays.items()
    arrays.clear()


def _put_matrix(arrays: dict[str, np.ndarray], name: str, matrix: Matrix) -> None:
    """`matrix` dense, as CSR or as CSC, whichever is smallest (CSC for a tall sparse matrix:
    its pointer has a column's entry, not a row's)."""
    csr = sp.csr_array(matrix, dtype=np.float32)
    csr.sum_duplicates()
    csr.eliminate_zeros()
    rows, cols = csr.shape
    index_type = np.int32 if max(rows, cols, csr.nnz) < 2**31 else np.int64
    entries = csr.nnz * (4 + np.dtype(index_type).itemsize)
    dense, by_row, by_column = rows * cols * 4, entries + (rows + 1) * 8, entries + (cols + 1) * 8
    if min(by_row, by_column) >= dense:
        arrays[name] = csr.toarray()
        return
    compressed, pointer = (csr, "indptr") if by_row <= by_column else (sp.csc_array(csr), "colptr")
    compressed.sort_indices()
    # no copies where the dtype is already the file's: a U-AND read-off at m = 2000 is 1.7 GB
    arrays[f"{name}.data"] = compressed.data.astype(np.float32, copy=False)
    arrays[f"{name}.indices"] = compressed.indices.astype(index_type, copy=False)
    arrays[f"{name}.{pointer}"] = compressed.indptr.astype(np.int64, copy=False)
    arrays[f"{name}.shape"] = np.array([rows, cols], dtype=np.int64)


def _put_vector(arrays: dict[str, np.ndarray], name: str, vector: np.ndarray) -> None:
    """`vector` dense, or by its nonzero entries when it is long and that is smaller (a residual
    block's output bias is the stream's width with a value only where it writes a constant)."""
    v = np.asarray(vector, dtype=np.float32)
    nonzero = np.flatnonzero(v)
    if len(v) >= SPARSE_VECTOR_MIN and len(nonzero) * 12 + 16 < v.nbytes:
        arrays[f"{name}.nonzero"] = nonzero.astype(np.int64)
        arrays[f"{name}.values"] = v[nonzero]
        arrays[f"{name}.size"] = np.array([len(v)], dtype=np.int64)
    else:
        arrays[name] = v


def save(net: Network, path: str | os.PathLike, show_progress: bool = False) -> None:
    """Write `net` to `path` atomically and reproducibly (fixed zip timestamps), member by
    member into a temporary file beside `path` that is renamed into place when complete;
    show_progress draws a bar (layers written) on a terminal (stderr)."""
    with atomic_file(path) as handle, \
            progress(len(net.layers), f"save {os.path.basename(path)}", unit="layer",
                     enabled=show_progress) as bar:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for key, array in iter_arrays(net):
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                # a text's UTF-8 bytes: its length if ASCII, at most 4 bytes a character else
                big = (array.nbytes if not isinstance(array, str) else
                       len(array) * (1 if array.isascii() else 4)) > 1 << 30
                with archive.open(info, "w", force_zip64=big) as member:
                    if isinstance(array, str):
                        _write_text(member, array)
                    else:
                        np.lib.format.write_array(member, np.asarray(array, order="C"),
                                                  allow_pickle=False)
                if key.startswith("layers.") and key.endswith(".b") and \
                        not key.endswith("mlp_in.b"):  # a layer's (or block's) last member
                    bar.update()


# ---- loading ------------------------------------------------------------------------------------
class Problems:
    def __init__(self, path: str):
        self.path = path
        self.items: list[Diagnostic] = []

    def __call__(self, message: str) -> None:
        self.items.append(Diagnostic(message, self.path))

    def raise_if_any(self) -> None:
        if self.items:
            raise CircuitError(self.items)


def load(path: str | os.PathLike, graph: bool = True) -> Network:
    """Read and validate a network file (.npz), or a portable directory written by
    `circuitc.portable.save` (safetensors + JSON). Raises CircuitError naming every problem.
    `graph`: parse the embedded circuit into its graph, `Network.circuit`; False: into the
    nodes simulation reads, `Network.nodes`, validated as thoroughly without the graph (a
    caller that only simulates the circuit, as eval, needs a tenth of the memory: the graph
    is 2.2 GB for the U-AND of m = 1000)."""
    problem = Problems(str(path))
    if os.path.isdir(path):
        from circuitc.portable import read_arrays

        arrays = read_arrays(path, problem)
        problem.raise_if_any()
        return from_arrays(arrays, problem, graph)
    with _read_arrays(path, problem) as members:
        problem.raise_if_any()
        return from_arrays(members, problem, graph)


def from_arrays(arrays: Mapping[str, np.ndarray], problem: Problems,
                graph: bool = True) -> Network:
    """A validated Network from the keys of a network file (as `to_arrays` gives them); every
    problem found is raised at once as a CircuitError. `graph`: see `load`."""
    # the circuit's JSON is read once (a member is unpacked on every access: 208 MB at m = 1000)
    text = _circuit_text(arrays["circuit"]) if "circuit" in arrays else None
    meta = _read_meta(arrays, text, problem)
    problem.raise_if_any()
    circuit = _read_circuit(text, meta, problem, graph)
    net = _assemble(arrays, meta, text, problem)
    problem.raise_if_any()
    # already parsed and checked: prime the cache
    net.__dict__["circuit" if graph else "nodes"] = circuit
    return net


@contextmanager
def _read_arrays(path: str | os.PathLike,
                 problem: Problems) -> Iterator[Mapping[str, np.ndarray]]:
    """The file's members, each read when it is asked for (a deep residual network's file holds
    a row pointer of the stream's width per level: read all at once they would cost levels x D
    while each matrix is converted to CSC on reading); {} with a problem when unreadable."""
    npz = _open(path, problem)
    if npz is None:
        yield {}
        return
    with npz:
        yield _Members(npz, problem)


def _open(path: str | os.PathLike, problem: Problems):
    """The open NpzFile, or None with the problem reported."""
    try:
        if zipfile.is_zipfile(path):  # refuse what would unpack too large before unpacking it
            with zipfile.ZipFile(path) as archive:
                size = sum(info.file_size for info in archive.infolist())
            too_big = limits.NETWORK_BYTES.problem(size, "the archive", "unpacks to")
            if too_big:
                problem(too_big)
                return None
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        problem("no such file")
    except Exception as error:  # zip, zlib, npy header errors: a bad file, reported
        problem(_unreadable(error))
    return None


def _unreadable(error: Exception) -> str:
    return f"not a readable circuitc network file (.npz): {type(error).__name__}: {error}"


class _Members(Mapping):
    """The members of an open .npz, read on access; a member that fails to read is reported
    (once) and reads as an empty array, which the validation then rejects."""

    def __init__(self, npz, problem: Problems):
        self.npz, self.problem, self.reported = npz, problem, False
        self.names = {name.removesuffix(".npy"): name for name in npz.zip.namelist()}
        self.keys_ = set(npz.files)

    def __contains__(self, key: object) -> bool:
        return key in self.keys_

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.keys_:
            raise KeyError(key)
        try:  # straight from the zip: NpzFile looks a key up in a list (quadratic in members)
            with self.npz.zip.open(self.names[key]) as member:
                return np.lib.format.read_array(member, allow_pickle=False)
        except Exception as error:  # zlib or npy data errors in this member
            if not self.reported:
                self.problem(_unreadable(error))
                self.reported = True
            return np.zeros(0, dtype=np.float32)

    def __iter__(self) -> Iterator[str]:
        return iter(self.npz.files)

    def __len__(self) -> int:
        return len(self.npz.files)


def _read_meta(arrays: dict[str, np.ndarray], text: str | None,
               problem: Problems) -> dict[str, Any]:
    for key in ("meta", "circuit"):
        if key not in arrays:
            problem(f"missing key '{key}': not a circuitc network file")
    if "meta" in arrays and (arrays["meta"].shape != () or arrays["meta"].dtype.kind != "U"):
        problem("key 'meta' must be a 0-d unicode array holding JSON")
    if "circuit" in arrays and text is None:
        problem("key 'circuit' must hold JSON as UTF-8 bytes (uint8, version 3) or a 0-d "
                "unicode string (versions 1 and 2)")
    if problem.items:
        return {}
    try:
        meta = json.loads(str(arrays["meta"]))
    except json.JSONDecodeError as error:
        problem(f"meta is not valid JSON: {error}")
        return {}
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        problem(f"meta.format is not '{FORMAT_NAME}'")
        return {}
    if meta.get("format_version") not in READABLE_VERSIONS:
        problem(f"format_version {meta.get('format_version')!r} is not supported "
                f"(this circuitc reads versions {', '.join(map(str, READABLE_VERSIONS))})")
    elif meta.get("architecture", "mlp") not in (
            ARCHITECTURES if meta["format_version"] >= 2 else ("mlp",)):
        problem(f"meta.architecture {meta.get('architecture')!r} is not one of "
                f"{', '.join(ARCHITECTURES)} (version 1 files are 'mlp')")
    for key, kind in (("inputs", list), ("outputs", list), ("layers", list), ("levels", list),
                      ("options", dict), ("gates", dict), ("source", dict),
                      ("distribution", str), ("circuit_name", str)):
        if not isinstance(meta.get(key), kind):
            problem(f"meta.{key} is missing or not a {kind.__name__}")
    if problem.items:
        return meta
    for key in ("inputs", "outputs"):
        if not all(isinstance(n, str) for n in meta[key]):
            problem(f"meta.{key} must list names (strings)")
    for t, entry in enumerate(meta["layers"]):
        if not (isinstance(entry, dict) and entry.get("kind") in LAYER_KINDS
                and isinstance(entry.get("level"), int)):
            problem(f"meta.layers[{t}] needs a 'kind' ({' or '.join(LAYER_KINDS)}) and an "
                    "integer 'level'")
    for i, entry in enumerate(meta["levels"]):
        ok = (isinstance(entry, dict) and isinstance(entry.get("wires"), list)
              and isinstance(entry.get("complemented"), list)
              and len(entry["wires"]) == len(entry["complemented"])
              and all(isinstance(w, str) for w in entry["wires"]))
        if not ok:
            problem(f"meta.levels[{i}] needs 'wires' (names) and 'complemented' of equal length")
    return meta


def _read_circuit(text: str, meta: dict[str, Any], problem: Problems,
                  graph: bool = True) -> Circuit | Nodes | None:
    """The embedded circuit, checked against meta: well formed, same inputs and outputs, and
    every wire the read-offs name is one of its nodes. `graph`: parsed into its graph (a
    `Circuit`), else into its `Nodes` only (a tenth of the memory), checked the same."""
    try:
        circuit = Circuit.from_json(text) if graph else read_nodes(text)
        problems = circuit.validate()
    except Exception as error:  # malformed node-link data of any kind
        problem(f"the embedded circuit is not a circuit graph: {type(error).__name__}: {error}")
        return None
    for p in problems:
        problem(f"the embedded circuit: {p}")
    if problems:
        return None
    ports, known = (circuit, circuit.graph) if graph else (circuit.ports, circuit.data)
    if ports.inputs != meta["inputs"] or circuit.output_names != meta["outputs"]:
        problem("the embedded circuit's inputs or outputs differ from meta.inputs/meta.outputs")
    missing = sorted({w for entry in meta["levels"] for w in entry["wires"] if w not in known})
    if missing:
        problem(f"meta.levels name wires the circuit does not have: {', '.join(missing[:5])}")
    return circuit


def _circuit_text(array: np.ndarray) -> str | None:
    """The circuit JSON text: UTF-8 bytes (version 3) or a 0-d unicode string (versions 1, 2)."""
    if array.dtype == np.uint8 and array.ndim == 1:
        try:
            return array.tobytes().decode("utf-8")
        except UnicodeDecodeError:
            return None
    if array.shape == () and array.dtype.kind == "U":
        return str(array)
    return None


def _matrix(arrays: dict[str, np.ndarray], name: str, problem: Problems) -> Matrix | None:
    if name in arrays:
        m = arrays[name]
        if m.ndim != 2 or m.dtype.kind != "f":
            problem(f"'{name}' must be a 2-d float array, got {m.dtype} {m.shape}")
            return None
        if not np.isfinite(m).all():
            problem(f"'{name}' holds NaN or infinite values")
            return None
        m = m.astype(np.float32, copy=False)
        # the writer keeps a [D, 2] matrix dense (its CSR row pointer is larger); in memory a
        # tall, mostly zero one is sparse like the others, so a product gathers its few rows
        return sp.csc_array(m) if _tall(*m.shape) and np.count_nonzero(m) < m.size // 4 else m
    csc = f"{name}.colptr" in arrays
    layout, names = ("CSC", _CSC_PARTS) if csc else ("CSR", _CSR_PARTS)
    parts = {p: arrays.get(f"{name}.{p}") for p in names}
    if all(v is None for v in parts.values()):
        problem(f"missing matrix '{name}' (neither '{name}' nor '{name}.data' etc.)")
        return None
    missing = [p for p, v in parts.items() if v is None]
    if missing:
        problem(f"{layout} matrix '{name}' lacks {', '.join(f'{name}.{p}' for p in missing)}")
        return None
    if csc and f"{name}.indptr" in arrays:
        problem(f"matrix '{name}' has both '{name}.indptr' (CSR) and '{name}.colptr' (CSC)")
        return None
    data, indices, pointer, shape = (parts[p] for p in names)
    if shape.shape != (2,) or shape.dtype.kind not in "iu" or (shape < 0).any():
        problem(f"'{name}.shape' must hold two non-negative integers")
        return None
    rows, cols = (int(v) for v in shape)
    major, minor = (cols, rows) if csc else (rows, cols)  # pointer entries, index bound
    if (indices.dtype.kind not in "iu" or pointer.dtype.kind not in "iu" or data.dtype.kind != "f"
            or data.ndim != 1 or indices.ndim != 1 or pointer.ndim != 1):
        problem(f"{layout} matrix '{name}' has parts of the wrong type or rank")
        return None
    if (len(pointer) != major + 1 or len(pointer) and (pointer[0] != 0 or pointer[-1] != len(data))
            or len(indices) != len(data) or np.any(np.diff(pointer) < 0)
            or (len(indices) and (indices.min() < 0 or indices.max() >= minor))):
        problem(f"{layout} matrix '{name}' is inconsistent ({'colptr' if csc else 'indptr'}, "
                f"indices and data do not describe a {rows}x{cols} matrix)")
        return None
    if not np.isfinite(data).all():
        problem(f"'{name}.data' holds NaN or infinite values")
        return None
    build = sp.csc_array if csc else sp.csr_array
    if max(rows, cols, len(data)) < 2**31:  # the file's pointer is int64: as it is, scipy
        pointer = pointer.astype(np.int32)  # would widen the indices to match (2x their bytes)
    m = build((data.astype(np.float32, copy=False), indices, pointer), shape=(rows, cols))
    # A residual block's mlp_in and a level's read-off are [D, few]: held as CSC their index
    # costs the columns, not D per level (versions 1-3 store them CSR; one matrix converts).
    if _tall(rows, cols):
        return m if csc else sp.csc_array(m)
    return sp.csr_array(m) if csc else m


def _tall(rows: int, cols: int) -> bool:
    return rows > TALL * max(cols, 1) and rows > 1024


def _vector(arrays: dict[str, np.ndarray], name: str, size: int | None,
            problem: Problems) -> np.ndarray | None:
    v = arrays.get(name)
    if v is None and f"{name}.nonzero" in arrays:
        v = _sparse_vector(arrays, name, problem)
        if v is None:
            return None
    if v is None:
        problem(f"missing vector '{name}'")
        return None
    if v.ndim != 1 or v.dtype.kind != "f" or (size is not None and len(v) != size):
        problem(f"'{name}' must be a float vector of length {size}, got {v.dtype} {v.shape}")
        return None
    if not np.isfinite(v).all():
        problem(f"'{name}' holds NaN or infinite values")
        return None
    # a residual block's output bias is the stream's width, zero in most blocks: share one
    return zero_vector(len(v)) if len(v) > 1024 and not v.any() else v.astype(np.float32,
                                                                              copy=False)


def _sparse_vector(arrays: dict[str, np.ndarray], name: str,
                   problem: Problems) -> np.ndarray | None:
    """A vector stored by its nonzero entries (version 4), made dense."""
    parts = {p: arrays.get(f"{name}.{p}") for p in _SPARSE_VECTOR_PARTS}
    missing = [p for p, v in parts.items() if v is None]
    if missing:
        problem(f"sparse vector '{name}' lacks {', '.join(f'{name}.{p}' for p in missing)}")
        return None
    nonzero, values, size = (parts[p] for p in _SPARSE_VECTOR_PARTS)
    if (size.shape != (1,) or size.dtype.kind not in "iu" or size[0] < 0 or nonzero.ndim != 1
            or nonzero.dtype.kind not in "iu" or values.ndim != 1 or values.dtype.kind != "f"
            or len(nonzero) != len(values)
            or (len(nonzero) and (nonzero.min() < 0 or nonzero.max() >= size[0]))):
        problem(f"sparse vector '{name}' is inconsistent (nonzero, values and size do not "
                "describe a vector)")
        return None
    too_big = limits.NETWORK_BYTES.problem(4 * int(size[0]), f"sparse vector '{name}'",
                                           "unpacks to")  # a file alone cannot make it huge
    if too_big:
        problem(too_big)
        return None
    v = np.zeros(int(size[0]), dtype=np.float32)
    v[nonzero] = values
    return v


def _read_layer(arrays: dict[str, np.ndarray], t: int, width: int | None,
                problem: Problems) -> Affine | None:
    """layers.{t}.W and .b of a ReLU layer reading activations of `width`."""
    W = _matrix(arrays, f"layers.{t}.W", problem)
    b = _vector(arrays, f"layers.{t}.b", W.shape[1] if W is not None else None, problem)
    if W is not None and width is not None and W.shape[0] != width:
        problem(f"layers.{t}.W has {W.shape[0]} rows but the layer before has width {width}")
    return Affine(W, b) if W is not None and b is not None else None


def _read_block(arrays: dict[str, np.ndarray], t: int, width: int | None,
                problem: Problems) -> Block | None:
    """layers.{t}.mlp_in.W/.b and layers.{t}.mlp_out.W/.b of a residual block on a stream of
    `width`."""
    W_in = _matrix(arrays, f"layers.{t}.mlp_in.W", problem)
    W_out = _matrix(arrays, f"layers.{t}.mlp_out.W", problem)
    if W_in is None or W_out is None:
        return None
    b_in = _vector(arrays, f"layers.{t}.mlp_in.b", W_in.shape[1], problem)
    b_out = _vector(arrays, f"layers.{t}.mlp_out.b", W_out.shape[1], problem)
    D, d = W_in.shape
    if (width is not None and D != width) or W_out.shape != (d, D):
        problem(f"block {t}: mlp_in.W is {D}x{d} and mlp_out.W {W_out.shape[0]}x"
                f"{W_out.shape[1]}; expected {width}xd and dx{width}")
        return None
    return Block(Affine(W_in, b_in), Affine(W_out, b_out)) if b_in is not None and \
        b_out is not None else None


def _assemble(arrays: dict[str, np.ndarray], meta: dict[str, Any], text: str,
              problem: Problems) -> Network:
    n_in, n_out = len(meta["inputs"]), len(meta["outputs"])
    embed = _matrix(arrays, "embed.W", problem)
    widths = [embed.shape[1]] if embed is not None else [None]
    if embed is not None and embed.shape[0] != n_in:
        problem(f"embed.W has {embed.shape[0]} rows but meta lists {n_in} inputs")
    layers = []
    residual = meta.get("architecture") == "residual"
    for t, entry in enumerate(meta["layers"]):
        layer = (_read_block if residual else _read_layer)(arrays, t, widths[-1], problem)
        if layer is not None and isinstance(entry, dict) and \
                (entry.get("d_in"), entry.get("d_out")) != tuple(layer.shape):
            problem(f"meta.layers[{t}] says {entry.get('d_in')}x{entry.get('d_out')} but "
                    f"layer {t} is {layer.shape[0]}x{layer.shape[1]}")
        # the activations after a residual block are the stream, as wide as before it
        widths.append(None if layer is None else layer.shape[0 if residual else 1])
        if layer is not None:
            layers.append(layer)
    known = {str(t) for t in range(len(meta["layers"]))}  # keys "layers.{t}.<part>"
    stray = sorted(k for k in arrays if k.startswith("layers.")
                   and not (k.count(".") >= 2 and k.split(".", 2)[1] in known))
    if stray:
        problem(f"keys for layers meta does not list: {', '.join(stray)}")
    same_as = arrays.get("readout.W.same_as")
    source = arrays.get("readout.W.source")
    readout_b = _vector(arrays, "readout.b", n_out, problem)
    threshold = _vector(arrays, "decode.threshold", n_out, problem)
    readoffs, matrices = [], {}
    for level, entry in enumerate(meta["levels"]):
        layer = entry.get("layer") if isinstance(entry, dict) else None
        wires = entry.get("wires") if isinstance(entry, dict) else None
        if not isinstance(layer, int) or not 0 <= layer < len(widths) or not isinstance(wires,
                                                                                        list):
            problem(f"meta.levels[{level}] needs an integer 'layer' in 0..{len(widths) - 1} and "
                    "a list of 'wires'")
            continue
        W = _matrix(arrays, f"levels.{level}.readoff.W", problem)
        b = _vector(arrays, f"levels.{level}.readoff.b", len(wires), problem)
        if W is not None and (widths[layer] is not None and W.shape != (widths[layer], len(wires))):
            problem(f"levels.{level}.readoff.W is {W.shape[0]}x{W.shape[1]}, expected "
                    f"{widths[layer]}x{len(wires)}")
        if W is not None and b is not None:
            readoffs.append(Affine(W, b))
            matrices[f"levels.{level}.readoff.W"] = readoffs[-1]
    readout = None
    if same_as is None:
        if source is not None:
            problem("readout.W.source needs readout.W.same_as (the read-off it gathers)")
        readout_W = _matrix(arrays, "readout.W", problem)
        readout = None if readout_W is None else Affine(readout_W, readout_b)
    else:  # version 3: the read-out is a read-off matrix itself, stored once; 5: its columns
        of = matrices.get(str(same_as)) if same_as.shape == () else None
        if of is None:
            problem(f"readout.W.same_as names {same_as!s}, not a read-off matrix of the file")
        elif source is None:
            readout = Affine(of.W, readout_b)
        elif source.ndim != 1 or source.dtype.kind not in "iu" or len(source) != n_out or \
                (len(source) and not 0 <= source.min() <= source.max() < of.W.shape[1]):
            problem(f"readout.W.source must list, for each of the {n_out} outputs, a column of "
                    f"{same_as!s} (0..{of.W.shape[1] - 1}); got {source.dtype} {source.shape}")
        else:
            readout = ColumnsOf(of, source, readout_b)
    if readout is not None and readout.shape != (widths[-1] or readout.shape[0], n_out):
        problem(f"readout.W is {readout.shape[0]}x{readout.shape[1]}, expected "
                f"{widths[-1]}x{n_out}")
    if problem.items:
        return None  # type: ignore[return-value]
    return Network(meta, text, embed, layers, readout, threshold, readoffs)
