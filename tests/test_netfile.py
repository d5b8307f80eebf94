"""The .npz network file: round trip, determinism, a loader written from the docs, bad files."""

import json
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

import circuitc
from circuitc.errors import CircuitError
from circuitc.netfile import FORMAT_VERSION, load, to_arrays
from circuitc.network import affines
from circuitc.simulate import all_inputs, simulate
from conftest import EXAMPLES, random_circuit


@pytest.fixture(scope="module")
def net():
    return circuitc.compile(random_circuit(7, n_inputs=6, n_gates=40, n_outputs=5),
                            architecture="mlp")


@pytest.fixture(scope="module")
def residual_net():
    # the gate level (no LUTs): several blocks, so the corruptions below have layers to hit
    return circuitc.compile(random_circuit(7, n_inputs=6, n_gates=40, n_outputs=5),
                            architecture="residual", optimize="gates")


def test_round_trip_and_forward(net, tmp_path):
    path = tmp_path / "net.npz"
    net.save(path)
    back = load(path)
    x = all_inputs(6)
    assert np.array_equal(back.forward(x), net.forward(x))
    assert np.array_equal(back(x), simulate(back.circuit, x))
    assert back.meta == json.loads(json.dumps(net.meta))


def test_every_key_loads_without_pickle(net, tmp_path):
    path = tmp_path / "net.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as z:
        for key in z.files:
            assert z[key].dtype != object
        assert z["meta"].shape == () and z["circuit"].dtype == np.uint8
        assert json.loads(z["circuit"].tobytes().decode("utf-8"))["nodes"]


def test_version_1_files_with_a_unicode_circuit_still_load(net, tmp_path):
    """Version 1 stored the circuit JSON as a 0-d unicode string and always wrote readout.W."""
    from circuitc.netfile import to_arrays

    arrays = to_arrays(net)
    meta = json.loads(str(arrays["meta"]))
    meta["format_version"] = 1
    arrays["meta"] = np.array(json.dumps(meta))
    arrays["circuit"] = np.array(net.circuit_json)
    path = tmp_path / "v1.npz"
    np.savez(path, **arrays)
    back = load(path)
    x = all_inputs(6)
    assert back.circuit_json == net.circuit_json
    assert np.array_equal(back(x), net(x))


def test_a_read_out_equal_to_the_top_read_off_is_stored_once(tmp_path):
    from circuitc.gen import uand_circuit

    net = circuitc.compile(uand_circuit(100), mode="superposed", samples=2000)
    assert net.readout.W is net.readoffs[-1].W
    path = tmp_path / "u.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as z:
        assert "readout.W.data" not in z.files and "readout.W" not in z.files
        assert str(z["readout.W.same_as"]) == "levels.1.readoff.W"
    back = load(path)
    assert back.readout.W is back.readoffs[-1].W
    x = circuitc.distribution.sample(back.circuit, 500, seed=9)
    assert np.array_equal(back(x), net(x))


def _uand_outputs_reversed(m: int):
    """The U-AND of m inputs with its outputs in the reverse order of its gates: the read-out
    is the top read-off's columns in another order, as the .circ of `circuitc gen uand` gives."""
    from itertools import combinations

    from circuitc.graph import Circuit

    c = Circuit("u_rev")
    f = c.add_input_vector("f", m)
    c.distribution = [{"inputs": list(f), "kind": "sparse", "k": 3}]
    gates = [(f"and_{r}", "and", [f[i], f[j]], None)
             for r, (i, j) in enumerate(combinations(range(m), 2))]
    c.add_gates(gates)
    c.add_output_vector("y", [g[0] for g in reversed(gates)])
    return c


@pytest.fixture(scope="module")
def reversed_uand():
    return circuitc.compile(_uand_outputs_reversed(60), mode="superposed", samples=2000)


def test_a_read_out_of_the_top_read_offs_columns_is_stored_as_their_order(reversed_uand,
                                                                          tmp_path):
    from circuitc.evaluate import evaluate
    from circuitc.network import Affine, ColumnsOf

    net = reversed_uand
    assert isinstance(net.readout, ColumnsOf) and net.readout.of is net.readoffs[-1]
    assert net.readout._gathered is None  # the compile never made the gathered matrix
    path = tmp_path / "u.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as z:
        assert "readout.W.data" not in z.files and "readout.W" not in z.files
        assert str(z["readout.W.same_as"]) == "levels.1.readoff.W"
        assert np.array_equal(z["readout.W.source"], net.readout.source)
    back = load(path, graph=False)
    assert isinstance(back.readout, ColumnsOf) and back.readout.of is back.readoffs[-1]
    report = evaluate(back, samples=2000)
    assert back.readout._gathered is None  # eval made one product for read-off and read-out
    x = circuitc.distribution.sample(back.nodes.ports, 500, seed=9)
    y = net.forward(x)
    assert np.array_equal(back(x), net(x)) and np.array_equal(y, back.forward(x))
    assert (back.readout.W != sp.csc_array(back.readoffs[-1].W)[:, back.readout.source]).nnz == 0
    meta, forward = docs_loader(path)
    assert np.allclose(forward(x.astype(np.float32))[0], y, atol=1e-4)
    # the same network with the read-out as a matrix of its own: the same report
    copy = load(path, graph=False)
    copy.readout = Affine(sp.csr_array(copy.readout.W), copy.readout.b)
    assert evaluate(copy, samples=2000) == report


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update({"readout.W.source": a["readout.W.source"][:-1]}), "readout.W.source"),
    (lambda a: a.update({"readout.W.source": a["readout.W.source"] + 10**6}), "readout.W.source"),
    (lambda a: a.update({"readout.W.source": a["readout.W.source"].astype(np.float32)}),
     "readout.W.source"),
    (lambda a: a.pop("readout.W.same_as"), "readout.W.source needs readout.W.same_as"),
])
def test_a_bad_read_out_column_order_is_reported(reversed_uand, tmp_path, change, message):
    reversed_uand.save(tmp_path / "good.npz")
    _rewrite(tmp_path / "good.npz", tmp_path / "bad.npz", change)
    for graph in (True, False):
        with pytest.raises(CircuitError, match=message):
            load(tmp_path / "bad.npz", graph=graph)


def test_same_input_same_bytes(tmp_path):
    paths = []
    for i in range(2):
        net = circuitc.compile(random_circuit(3), seed=5)
        paths.append(tmp_path / f"n{i}.npz")
        net.save(paths[-1])
    assert paths[0].read_bytes() == paths[1].read_bytes()


def docs_loader(path):
    """Written from docs/network-format.md alone: numpy and scipy, nothing from circuitc."""

    def matrix(z, name):
        if name in z.files:
            return z[name]
        data, indices, shape = z[name + ".data"], z[name + ".indices"], tuple(z[name + ".shape"])
        if name + ".colptr" in z.files:
            return sp.csc_array((data, indices, z[name + ".colptr"]), shape=shape)
        return sp.csr_array((data, indices, z[name + ".indptr"]), shape=shape)

    def vector(z, name):
        if name in z.files:
            return z[name]
        v = np.zeros(int(z[name + ".size"][0]), np.float32)
        v[z[name + ".nonzero"]] = z[name + ".values"]
        return v

    z = np.load(path, allow_pickle=False)
    meta = json.loads(str(z["meta"]))
    assert meta["format"] == "circuitc-mlp" and meta["format_version"] in (1, 2, 3, 4, 5)
    residual = meta.get("architecture", "mlp") == "residual"
    readout = str(z["readout.W.same_as"]) if "readout.W.same_as" in z.files else "readout.W"
    readout_W = matrix(z, readout)
    if "readout.W.source" in z.files:  # version 5: its columns in output order
        readout_W = sp.csc_array(readout_W)[:, z["readout.W.source"]]

    def forward(x):
        h = x @ matrix(z, "embed.W")
        for t in range(len(meta["layers"])):
            if residual:
                hidden = np.maximum(h @ matrix(z, f"layers.{t}.mlp_in.W")
                                    + vector(z, f"layers.{t}.mlp_in.b"), 0)
                h = h + hidden @ matrix(z, f"layers.{t}.mlp_out.W") \
                    + vector(z, f"layers.{t}.mlp_out.b")
            else:
                h = np.maximum(h @ matrix(z, f"layers.{t}.W") + vector(z, f"layers.{t}.b"), 0)
        y = h @ readout_W + vector(z, "readout.b")
        return y, y > vector(z, "decode.threshold")

    return meta, forward


@pytest.mark.parametrize("architecture", ["mlp", "residual"])
def test_loader_written_from_the_docs(architecture, tmp_path):
    net = circuitc.compile(random_circuit(7, n_inputs=6, n_gates=40, n_outputs=5),
                           architecture=architecture)
    assert net.architecture == architecture
    path = tmp_path / "net.npz"
    net.save(path)
    meta, forward = docs_loader(path)
    x = all_inputs(6).astype(np.float32)
    y, bits = forward(x)
    assert np.allclose(y, net.forward(x))
    assert np.array_equal(bits, net(x))
    assert np.array_equal(bits, simulate(net.circuit, x))
    assert meta["inputs"] == net.input_names


def test_a_wide_stream_is_stored_by_its_nonzeros_and_read_from_the_docs(wide_net, tmp_path):
    """Version 4: a residual network whose stream is wider than 1024 stores its tall matrices as
    CSC and its blocks' output biases by their nonzeros, so no member of a block is as long as
    the stream; the loader written from the docs reads it."""
    net = wide_net
    D = net.layers[0].shape[0]
    assert D > 2048
    path = tmp_path / "net.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as z:
        members = {k: z[k].size for k in z.files}
    assert any(k.endswith(".colptr") for k in members)
    assert any(k.endswith("mlp_out.b.nonzero") for k in members)  # blocks writing a constant
    assert not any(k.endswith(".indptr") and members[k] > D for k in members)
    per_block = [k for k in members if k.startswith("layers.")]
    assert max(members[k] for k in per_block) < D // 2
    meta, forward = docs_loader(path)
    assert meta["format_version"] == FORMAT_VERSION
    x = circuitc.distribution.sample(net.circuit, 300, seed=2).astype(np.float32)
    y, bits = forward(x)
    assert np.allclose(y, net.forward(x), atol=1e-4)
    assert np.array_equal(bits, simulate(net.circuit, x))
    back = load(path)
    assert np.array_equal(back.forward(x), net.forward(x))


def _first(suffix):
    """A change applied to the first key of the file that ends with `suffix` and is not empty."""
    def on(change):
        def apply(a):
            key = next(k for k in a if k.endswith(suffix) and a[k].size)
            change(a, key)
        return apply
    return on


VERSION_4_CORRUPTIONS = [
    (_first(".colptr")(lambda a, k: a.update({k: a[k][::-1].copy()})), "CSC matrix .* inconsistent"),
    (_first(".colptr")(lambda a, k: a.update({k.replace("colptr", "indptr"): a[k]})),
     "both .*indptr.* and .*colptr"),
    (_first(".colptr")(lambda a, k: a.pop(k.replace("colptr", "indices"))), "CSC matrix .* lacks"),
    (_first("b.nonzero")(lambda a, k: a.update({k: a[k] + 10**6})), "sparse vector .* inconsistent"),
    (_first("b.size")(lambda a, k: a.update({k: np.array([-1])})), "sparse vector .* inconsistent"),
    (_first("b.size")(lambda a, k: a.update({k: np.array([2**40])})), "unpacks to"),
    (_first("b.values")(lambda a, k: a.pop(k)), "sparse vector .* lacks"),
    (_first("b.values")(lambda a, k: a.update({k: a[k] * np.nan})), "NaN"),
]


@pytest.fixture(scope="module")
def wide_net():
    return circuitc.compile(circuitc.parse_file(EXAMPLES / "adder.circ", params={"N": 256}),
                            architecture="residual")


@pytest.mark.parametrize("change, message", VERSION_4_CORRUPTIONS)
def test_version_4_layouts_when_corrupted_are_reported(wide_net, tmp_path, change, message):
    good = tmp_path / "good.npz"
    wide_net.save(good)
    bad = tmp_path / "bad.npz"
    _rewrite(good, bad, change)
    with pytest.raises(CircuitError, match=message):
        load(bad)


def test_version_1_files_still_load(tmp_path):
    """A file as circuitc wrote it before version 2 (no meta.architecture) loads as an mlp."""
    net = circuitc.compile(random_circuit(7, n_inputs=6, n_gates=40, n_outputs=5),
                           architecture="mlp")
    arrays = to_arrays(net)
    meta = json.loads(str(arrays["meta"]))
    meta["format_version"] = 1
    del meta["architecture"]
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "v1.npz", **arrays)
    back = load(tmp_path / "v1.npz")
    assert back.architecture == "mlp"
    x = all_inputs(6)
    assert np.array_equal(back.forward(x), net.forward(x))
    meta["architecture"] = "residual"  # version 1 knew no residual stream
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(CircuitError, match="version 1 files are 'mlp'"):
        load(tmp_path / "bad.npz")


def test_writer_chooses_csr_when_smaller():
    c = random_circuit(11, n_inputs=12, n_gates=200, n_outputs=8)
    arrays = to_arrays(circuitc.compile(c))
    assert "embed.W.indptr" in arrays  # an identity is far smaller as CSR


def test_truncated_file_gives_a_clear_error(net, tmp_path):
    path = tmp_path / "net.npz"
    net.save(path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(CircuitError, match="error: not a readable circuitc network file"):
            load(bad)


def _rewrite(src, dst, change):
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(dst, **arrays)


def _meta_change(key, value):
    def change(a):
        meta = json.loads(str(a["meta"]))
        meta[key] = value
        a["meta"] = np.array(json.dumps(meta))
    return change


MLP_CORRUPTIONS = [
    (lambda a: a.pop("meta"), "missing key 'meta'"),
    (lambda a: a.update(meta=np.array("{nope")), "not valid JSON"),
    (lambda a: a.update(meta=np.array(json.dumps({"format": "other"}))), "meta.format"),
    (lambda a: a.update({"layers.0.b": np.zeros(9999, np.float32)}), "layers.0.b"),
    (lambda a: a.pop("readout.b"), "missing vector 'readout.b'"),
    (lambda a: a.update({"decode.threshold": np.zeros((2, 2), np.float32)}), "decode.threshold"),
    (_meta_change("layers", [{"kind": "weird", "level": 1}]), "meta.layers\\[0\\] needs a 'kind'"),
    (_meta_change("source", 7), "meta.source is missing or not a dict"),
    (_meta_change("levels", 3), "meta.levels is missing or not a list"),
    (_meta_change("inputs", ["nope"]), "inputs or outputs differ"),
    (lambda a: a.update(circuit=np.array('{"nodes": 5}')), "embedded circuit is not a circuit"),
]
RESIDUAL_CORRUPTIONS = [
    (lambda a: a.update({"layers.0.mlp_in.b": np.zeros(9999, np.float32)}),
     "layers.0.mlp_in.b"),
    (lambda a: [a.pop(k) for k in list(a) if k.startswith("layers.1.mlp_out.W")],
     "missing matrix 'layers.1.mlp_out.W'"),
    (lambda a: a.update({"layers.0.mlp_out.b": np.zeros(3, np.float32)}), "layers.0.mlp_out.b"),
    (_meta_change("architecture", "transformer"), "meta.architecture 'transformer'"),
]


@pytest.mark.parametrize("which, change, message",
                         [("net", *c) for c in MLP_CORRUPTIONS]
                         + [("residual_net", *c) for c in RESIDUAL_CORRUPTIONS])
def test_corrupted_files(request, which, tmp_path, change, message):
    good = tmp_path / "good.npz"
    request.getfixturevalue(which).save(good)
    bad = tmp_path / "bad.npz"
    _rewrite(good, bad, change)
    with pytest.raises(CircuitError, match=message):
        load(bad)


def test_unsupported_zip_features_are_a_clear_error(net, tmp_path):
    path = tmp_path / "net.npz"
    net.save(path)
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x01\x02")  # last central directory entry: claim zip version 9.5
    data[end + 6] = 95
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(CircuitError, match="not a readable circuitc network file"):
        load(bad)


def test_bad_csr_is_caught(net, tmp_path):
    good = tmp_path / "good.npz"
    net.save(good)
    bad = tmp_path / "bad.npz"

    def change(a):
        a["embed.W.indices"] = a["embed.W.indices"] + 1000

    _rewrite(good, bad, change)
    with pytest.raises(CircuitError, match="CSR matrix 'embed.W' is inconsistent"):
        load(bad)


def test_failed_write_leaves_nothing(net, tmp_path, monkeypatch):
    path = tmp_path / "out.npz"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(RuntimeError):
        net.save(path)
    assert list(tmp_path.iterdir()) == []


def test_not_a_zip(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_text("hello")
    with pytest.raises(CircuitError) as info:
        load(bad)
    assert str(info.value).startswith(f"{bad}: error: ")
    with zipfile.ZipFile(tmp_path / "empty.npz", "w"):
        pass
    with pytest.raises(CircuitError, match="missing key 'meta'"):
        load(tmp_path / "empty.npz")


def test_a_loaded_sparse_matrix_keeps_the_files_int32_indices(tmp_path):
    """The file's pointers are int64; built as they are, scipy widened a matrix's indices to
    int64 to match (twice the bytes of the largest member: eval's peak on a U-AND)."""
    c = random_circuit(11, n_inputs=12, n_gates=200, n_outputs=8)
    net = circuitc.compile(c)
    path = tmp_path / "net.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as z:
        stored = [k.removesuffix(".indices") for k in z.files if k.endswith(".indices")]
        assert stored and all(z[f"{k}.indices"].dtype == np.int32 for k in stored)
    back = load(path, graph=False)
    matrices = [back.embed, back.readout.W] + [a.W for layer in back.layers
                                               for a in affines(layer)] + \
        [r.W for r in back.readoffs]
    loaded = [m for m in matrices if sp.issparse(m)]
    assert loaded
    for m in loaded:
        assert m.indices.dtype == np.int32 and m.indptr.dtype == np.int32
    x = all_inputs(12)[::7]
    assert np.array_equal(back(x), net(x))


@pytest.mark.parametrize("text", ['{"nodes": [], "name": "plain ascii"}',
                                  '{"nodes": [], "name": "caf\u00e9 \u2192 \u6f22"}'])
@pytest.mark.parametrize("piece", [1, 7, 16 << 20])
def test_the_circuit_text_is_written_piecewise_as_write_array_writes_its_bytes(
        monkeypatch, text, piece):
    """netfile._write_text: the .npy member of a text's UTF-8 bytes, identical to
    np.lib.format.write_array of that array whatever the piece size (non-ASCII text whole)."""
    import io

    from circuitc import netfile

    monkeypatch.setattr(netfile, "TEXT_PIECE", piece)
    expected, got = io.BytesIO(), io.BytesIO()
    np.lib.format.write_array(expected, netfile._utf8(text), allow_pickle=False)
    netfile._write_text(got, text)
    assert got.getvalue() == expected.getvalue()
    got.seek(0)
    assert np.lib.format.read_array(got).tobytes().decode("utf-8") == text


def test_a_non_ascii_circuit_round_trips_through_the_file(net, tmp_path):
    import copy

    other = copy.copy(net)
    data = json.loads(net.circuit_json)
    data["graph"]["name"] = "caf\u00e9"
    other.circuit_json = json.dumps(data, ensure_ascii=False)
    other.save(tmp_path / "u.npz")
    back = load(tmp_path / "u.npz")
    assert back.circuit_json == other.circuit_json and back.circuit.name == "caf\u00e9"
