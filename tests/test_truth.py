"""Hook names, ground truth per hook, and streamed activations with wire labels."""

import tracemalloc

import numpy as np
import pytest

import circuitc
from circuitc.activations import activations, save_activations
from circuitc.truth import ground_truth, hook_names, run_to_hook
from interp_nets import every_network, example_net, superposed_uand

NETS = every_network(pytest)


def test_hook_names_follow_the_layers():
    net = example_net("adder.circ", "mlp")
    names = hook_names(net)
    assert names[:2] == ["hook_input", "hook_embed"] and names[-1] == "hook_readout"
    assert names[2:-1] == [f"layers.{t}.hook_{w}" for t in range(len(net.layers))
                           for w in ("pre", "post")]
    net = example_net("adder.circ", "residual")
    assert hook_names(net)[2:7] == ["blocks.0.hook_resid_pre", "blocks.0.mlp.hook_pre",
                                    "blocks.0.mlp.hook_post", "blocks.0.hook_mlp_out",
                                    "blocks.0.hook_resid_post"]


@pytest.mark.parametrize("make", NETS)
def test_every_read_off_wire_decodes_to_its_label(make):
    """The ground truth's read-off of the activations gives the labels `activations` yields (one
    threshold separates true from false wires), on every hook of every network."""
    net = make()
    covered = 0
    for hook in hook_names(net):
        truth = ground_truth(net, hook)
        assert truth.readoff_W.shape == (truth.d, len(truth.wires))
        for acts, values in activations(net, hook, n=1500, seed=5, batch=700):
            assert acts.shape[1] == truth.d and values.shape[1] == len(truth.wires)
            if truth.wires and hook != "hook_readout":
                read = truth.read(acts)
                assert read[values].min(initial=1) > read[~values].max(initial=0), hook
                covered += len(truth.wires)
    levels = net.meta["levels"]
    read_after_correction = sum(len(e["wires"]) for e in levels)
    assert covered >= 3 * read_after_correction  # 3 batches, every level read somewhere


def test_ground_truth_of_exact_and_uand_layers():
    exact = example_net("u_and.circ", "mlp")  # exact: each AND its own neuron
    truth = exact.ground_truth("layers.0.hook_post")
    assert len(truth.wires) == 4950 and truth.hosts.sum(axis=1).max() == 1
    net = superposed_uand()
    truth = net.ground_truth("layers.0.hook_post")
    d = net.layers[0].shape[1]
    assert len(truth.wires) == 100 * 99 // 2 > d  # more ANDs than neurons
    hosts = truth.hosts.sum(axis=1)
    assert hosts.min() >= 1 and hosts.max() < d
    directions = truth.directions()
    assert np.allclose(np.linalg.norm(directions, axis=1), 1.0, atol=1e-5)
    assert net.ground_truth("layers.0.hook_pre").wires == []
    with pytest.raises(ValueError, match="no hook named 'layers.9.hook_post'"):
        net.ground_truth("layers.9.hook_post")


def test_readout_and_input_hooks_are_the_ports():
    net = example_net("adder.circ", "residual")
    x = circuitc.distribution.sample(net.circuit, 300, seed=2)
    assert np.array_equal(run_to_hook(net, "hook_readout", x), net.forward(x))
    (acts, values), = activations(net, "hook_readout", inputs=x)
    assert np.array_equal(values, net(x))  # the exact outputs: the network is right
    (acts, values), = activations(net, "hook_input", inputs=x, batch=1000)
    assert np.array_equal(values, x) and np.array_equal(acts, x.astype(np.float32))


def test_activations_stream_is_deterministic_and_takes_inputs():
    net = superposed_uand()
    a = list(activations(net, "layers.0.hook_post", n=1000, seed=3, batch=300))
    b = list(activations(net, "layers.0.hook_post", n=1000, seed=3, batch=300))
    assert [len(x) for x, _ in a] == [300, 300, 300, 100]
    assert all(np.array_equal(x, y) and np.array_equal(u, v) for (x, u), (y, v) in zip(a, b))
    c = list(activations(net, "layers.0.hook_post", n=1000, seed=4, batch=300))
    assert not np.array_equal(a[0][0], c[0][0])
    x = circuitc.distribution.sample(net.circuit, 50, seed=1)
    given = list(activations(net, "layers.0.hook_post", inputs=iter([x, x]), n=70))
    assert [len(v) for _, v in given] == [50, 20]


def test_activations_memory_is_flat_in_n():
    """Peak traced memory of streaming 40x more samples stays about the same (the loop holds
    one batch while the next is made, whatever n)."""
    net = superposed_uand()
    list(activations(net, "layers.0.hook_post", n=10, seed=0))  # caches (dense W copies) first
    peaks = []
    for n in (1000, 40_000):
        tracemalloc.start()
        for acts, values in activations(net, "layers.0.hook_post", n=n, seed=0, batch=500):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0]


def test_save_activations_streams_to_an_npz(tmp_path):
    net = superposed_uand()
    path = tmp_path / "acts.npz"
    meta = save_activations(net, "layers.0.hook_post", path, n=900, seed=1, batch=400,
                            show_progress=False)
    with np.load(path, allow_pickle=False) as z:
        acts, values = z["activations"], z["wire_values"]
        assert acts.shape == (900, net.layers[0].shape[1]) and values.shape == (900, 4950)
        assert str(z["meta"]).startswith("{")
    stream = list(activations(net, "layers.0.hook_post", n=900, seed=1, batch=400))
    assert np.array_equal(acts, np.concatenate([a for a, _ in stream]))
    assert np.array_equal(values, np.concatenate([v for _, v in stream]))
    assert meta["wires"] == net.ground_truth("layers.0.hook_post").wires
    again = tmp_path / "again.npz"
    save_activations(net, "layers.0.hook_post", again, n=900, seed=1, batch=400,
                     show_progress=False)
    assert path.read_bytes() == again.read_bytes()
