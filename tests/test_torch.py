"""circuitc.torch: the nn.Module equals Network.forward, with stable hooks and sparse layers."""

import numpy as np
import pytest
import torch
from torch import nn

import circuitc
import circuitc.torch as ct
from circuitc.truth import hook_names, run_to_hook
from interp_nets import every_network, example_net, superposed_uand

NETS = every_network(pytest)


def _inputs(net, n=400):
    return circuitc.distribution.sample(net.circuit, n, seed=11)


@pytest.mark.parametrize("make", NETS)
@pytest.mark.parametrize("sparse", [None, True, False])
def test_forward_equals_the_numpy_network(make, sparse):
    net = make()
    x = _inputs(net)
    model = ct.to_module(net, sparse=sparse)
    with torch.no_grad():
        y = model(torch.from_numpy(x.astype(np.float32))).numpy()
        bits = model(torch.from_numpy(x), return_bits=True).numpy()
    assert np.allclose(y, net.forward(x), atol=1e-5, rtol=1e-5)
    assert np.array_equal(bits, net(x))


@pytest.mark.parametrize("make", NETS)
def test_run_with_cache_gives_every_hook_as_the_runtime_does(make):
    net = make()
    x = _inputs(net, 200)
    y, cache = ct.to_module(net).run_with_cache(torch.from_numpy(x))
    assert list(cache) == hook_names(net)
    for name, acts in cache.items():
        assert np.allclose(acts.numpy(), run_to_hook(net, name, x), atol=1e-5, rtol=1e-5), name
    _, some = ct.to_module(net).run_with_cache(torch.from_numpy(x), names=["hook_embed"])
    assert list(some) == ["hook_embed"]


def test_residual_module_layout():
    net = example_net("adder.circ", "residual")
    model = ct.to_module(net)
    block = model.blocks[0]
    assert isinstance(block.mlp.relu, nn.ReLU) and isinstance(block.mlp.mlp_in, nn.Linear)
    names = dict(model.named_modules())
    assert all(name in names for name in model.hook_names())
    x = torch.from_numpy(_inputs(net, 20))
    _, cache = model.run_with_cache(x)
    assert torch.equal(cache["blocks.0.hook_resid_post"],
                       cache["blocks.0.hook_resid_pre"] + cache["blocks.0.hook_mlp_out"])
    assert torch.equal(cache["blocks.1.hook_resid_pre"], cache["blocks.0.hook_resid_post"])


def test_module_layout_and_hooks_are_what_the_docs_say():
    net = example_net("adder.circ", "mlp")
    model = ct.to_module(net)
    layer = model.layers[0]
    assert isinstance(model.embed, nn.Linear) and isinstance(model.readout, nn.Linear)
    assert isinstance(layer.relu, nn.ReLU) and isinstance(layer.linear, nn.Linear)
    assert model.hook_names() == hook_names(net)
    names = dict(model.named_modules())
    assert all(name in names for name in model.hook_names())
    seen = {}
    handle = model.get_submodule("layers.0.relu").register_forward_hook(
        lambda m, i, out: seen.setdefault("relu", out))  # what nnsight's .output reads
    x = torch.from_numpy(_inputs(net, 10))
    _, cache = model.run_with_cache(x)
    handle.remove()
    assert torch.equal(seen["relu"], cache["layers.0.hook_post"])
    assert model.ground_truth("layers.0.hook_post").wires == \
        net.ground_truth("layers.0.hook_post").wires
    with pytest.raises(ValueError, match="no hook named"):
        model.run_with_cache(x, names=["layers.0.mlp"])


def test_large_sparse_layers_stay_sparse():
    net = example_net("u_and.circ", "mlp")  # readout 4950 x 4950, one nonzero per column
    model = ct.to_module(net)
    assert isinstance(model.readout, ct.SparseLinear)
    assert model.readout.weight.layout == torch.sparse_csr
    assert isinstance(ct.to_module(net, sparse=False).readout, nn.Linear)


def test_load_reads_files_and_directories(tmp_path):
    from circuitc import portable

    net = superposed_uand()
    net.save(tmp_path / "net.npz")
    portable.save(net, tmp_path / "dir")
    x = torch.from_numpy(_inputs(net, 100))
    with torch.no_grad():
        a = ct.load(tmp_path / "net.npz")(x)
        b = ct.load(tmp_path / "dir")(x)
    assert torch.equal(a, b)
