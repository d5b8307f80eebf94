"""The portable directory (safetensors + JSON): round trips, determinism, a loader from the docs,
and bad directories."""

import json

import numpy as np
import pytest
import scipy.sparse as sp

import circuitc
from circuitc import portable
from circuitc.errors import CircuitError
from circuitc.truth import hook_names
from conftest import EXAMPLES
from interp_nets import every_network, example_net, superposed_deep, superposed_uand

NETS = every_network(pytest)


@pytest.mark.parametrize("make", NETS)
def test_npz_to_directory_to_npz_is_byte_identical(make, tmp_path):
    net = make()
    net.save(tmp_path / "a.npz")
    portable.save(circuitc.load(tmp_path / "a.npz"), tmp_path / "dir")
    back = circuitc.load(tmp_path / "dir")
    back.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    x = circuitc.distribution.sample(net.circuit, 300, seed=4)
    assert np.array_equal(back.forward(x), net.forward(x))


def test_writing_is_deterministic(tmp_path):
    net = superposed_uand()
    portable.save(net, tmp_path / "one")
    portable.save(net, tmp_path / "two")
    for name in (portable.MODEL, portable.CONFIG, portable.CIRCUIT, portable.TRUTH):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def wide_adder():
    """A stream of 4096: CSC matrices and sparse biases (format version 4) in the directory."""
    adder = circuitc.parse_file(EXAMPLES / "adder.circ", params={"N": 256})
    return circuitc.compile(adder, architecture="residual")


@pytest.mark.parametrize("make", [superposed_deep, lambda: example_net("adder.circ", "residual"),
                                  wide_adder, superposed_uand],
                         ids=["deep-clamped", "adder-residual", "wide", "uand-columns"])
def test_a_loader_written_from_the_docs(make, tmp_path):
    """docs/network-format.md's portable-directory section, with safetensors and numpy only."""
    from safetensors.numpy import load_file

    net = make()
    portable.save(net, tmp_path / "dir")
    z = load_file(str(tmp_path / "dir" / "model.safetensors"))
    config = json.loads((tmp_path / "dir" / "config.json").read_text())

    def matrix(name):
        layout, shape = config["tensors"][name]["layout"], tuple(config["tensors"][name]["shape"])
        if layout == "dense":
            return z[name]
        build, pointer = (sp.csr_array, "indptr") if layout == "csr" else (sp.csc_array, "colptr")
        return build((z[name + ".data"], z[name + ".indices"], z[f"{name}.{pointer}"]),
                     shape=shape).toarray()

    def vector(name):
        if config["tensors"][name]["layout"] == "dense":
            return z[name]
        v = np.zeros(config["tensors"][name]["shape"][0], np.float32)  # layout "sparse"
        v[z[name + ".nonzero"]] = z[name + ".values"]
        return v

    residual = config["meta"]["architecture"] == "residual"
    x = circuitc.distribution.sample(net.circuit, 200, seed=1).astype(np.float32)
    h = x @ matrix("embed.W")
    states = [h]
    for t in range(len(config["layers"])):
        if residual:
            hidden = np.maximum(h @ matrix(f"layers.{t}.mlp_in.W") + vector(f"layers.{t}.mlp_in.b"),
                                0)
            h = h + hidden @ matrix(f"layers.{t}.mlp_out.W") + vector(f"layers.{t}.mlp_out.b")
        else:
            h = np.maximum(h @ matrix(f"layers.{t}.W") + vector(f"layers.{t}.b"), 0)
        states.append(h)
    readout_W = matrix(config.get("readout_W_same_as", "readout.W"))
    if "readout.W.source" in z:  # version 5: the read-out is those columns of it
        readout_W = readout_W[:, z["readout.W.source"]]
    y = h @ readout_W + vector("readout.b")
    assert np.allclose(y, net.forward(x), atol=1e-4)
    assert config["hook_names"] == hook_names(net)

    truth = json.loads((tmp_path / "dir" / "ground_truth.json").read_text())
    last = len(config["layers"]) - 1
    top = truth["hooks"][f"blocks.{last}.hook_resid_post" if residual
                         else f"layers.{last}.hook_post"]
    wires = np.concatenate([h @ matrix(r["W"])[:, r["columns"]] + vector(r["b"])[r["columns"]]
                            for r in top["readoff"]], axis=1)
    assert wires.shape[1] == len(top["wires"])
    exact = net.ground_truth(f"blocks.{last}.hook_resid_post" if residual
                             else f"layers.{last}.hook_post")
    assert exact.wires == top["wires"]
    assert np.allclose(wires, exact.read(states[-1]), atol=1e-4)
    assert all(len(hosts) > 0 for hosts in top["hosts"]) or residual
    if residual:
        mlp = truth["hooks"]["blocks.0.mlp.hook_post"]
        (r,) = mlp["readoff"]
        hidden = np.maximum(states[0] @ matrix("layers.0.mlp_in.W") + vector("layers.0.mlp_in.b"),
                            0)
        gates = hidden @ matrix(r["W"])[:, r["columns"]] + vector(r["b"])[r["columns"]]
        assert np.allclose(gates, net.ground_truth("blocks.0.mlp.hook_post").read(hidden),
                           atol=1e-4)
        assert set(np.unique(np.round(gates, 4))) <= {0.0, 1.0}  # exact gate values
    ops = {n["id"]: n["op"] for n in truth["dag"]["nodes"]}
    assert all(u in ops and v in ops for u, v in truth["dag"]["edges"])


def test_bad_directories_are_reported_not_raised(tmp_path):
    net = example_net("adder.circ")
    portable.save(net, tmp_path / "dir")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CircuitError, match="missing model.safetensors"):
        circuitc.load(tmp_path / "empty")
    model = tmp_path / "dir" / "model.safetensors"
    model.write_bytes(model.read_bytes()[:100])
    with pytest.raises(CircuitError, match="not a readable safetensors file"):
        circuitc.load(tmp_path / "dir")
    portable.save(net, tmp_path / "dir", overwrite=True)
    (tmp_path / "dir" / "config.json").write_text("{\"meta\": 3}")
    with pytest.raises(CircuitError, match="no 'meta' object"):
        circuitc.load(tmp_path / "dir")
    portable.save(net, tmp_path / "dir", overwrite=True)
    config = json.loads((tmp_path / "dir" / "config.json").read_text())
    config["meta"]["layers"].pop()  # a layer the tensors have but meta does not list
    (tmp_path / "dir" / "config.json").write_text(json.dumps(config))
    with pytest.raises(CircuitError, match="keys for layers meta does not list"):
        circuitc.load(tmp_path / "dir")


def test_existing_directories_are_not_overwritten_by_accident(tmp_path):
    net = example_net("adder.circ")
    portable.save(net, tmp_path / "dir")
    with pytest.raises(FileExistsError, match="--force"):
        portable.save(net, tmp_path / "dir")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a circuitc network directory"):
        portable.save(net, tmp_path / "other", overwrite=True)
    assert (tmp_path / "other" / "precious.txt").read_text() == "keep me"
    portable.save(net, tmp_path / "dir", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "other"]  # no temporaries left
