"""The exact compiler end to end: every compiled network is exact on every input."""

import numpy as np
from hypothesis import given, settings, strategies as st

import circuitc
from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.simulate import all_inputs, simulate
from conftest import random_circuit


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), fanin=st.sampled_from([2, 3, 4]),
       polarity=st.booleans())
def test_exact_network_equals_circuit_on_every_input(seed, fanin, polarity):
    c = random_circuit(seed, n_inputs=6, n_gates=30, n_outputs=5)
    net = circuitc.compile(c, max_fanin=fanin, polarity=polarity, samples=256)
    x = all_inputs(6)
    y = net.forward(x)
    # exact: the real-valued outputs are the bits themselves, not merely decodable
    assert np.array_equal(y, simulate(c, x).astype(np.float32))
    report = circuitc.evaluate(net)
    assert report["ok"] and report["inputs"] == "exhaustive" and report["samples"] == 64
    for level in report["levels"]:
        assert level["max_abs_error"] == 0.0


def test_layers_follow_levels_and_count_monomials():
    c = Circuit("pairs")
    f = c.add_input_vector("f", 6)
    ands = [c.add_gate(K.OP_AND, [f[i], f[j]]) for i in range(6) for j in range(i + 1, 6)]
    c.add_output_vector("y", ands)
    c.distribution = [{"inputs": f, "kind": "sparse", "k": 2}]
    net = circuitc.compile(c)
    assert [l.shape for l in net.layers] == [(6, 15)]
    assert net.meta["layers"][0]["construction"] == "exact"
    report = circuitc.evaluate(net, samples=500)
    assert report["ok"] and report["gates_per_relu"] == 1.0


def test_constant_and_input_outputs():
    c = Circuit("edge")
    a = c.add_input("a")
    b = c.add_input("b")
    g = c.add_gate(K.OP_XOR, [a, b])
    c.add_output("g", g)
    c.add_output("a_again", a)
    c.add_output("zero", c.const(0))
    c.add_output("one", c.const(1))
    net = circuitc.compile(c)
    x = all_inputs(2)
    assert np.array_equal(net(x), simulate(c, x))


def test_no_gates_at_all():
    c = Circuit("wires")
    a = c.add_input_vector("a", 3)
    c.add_output_vector("y", a[::-1])
    net = circuitc.compile(c)
    assert net.layers == []
    assert np.array_equal(net(all_inputs(3)), all_inputs(3)[:, ::-1])


def test_distribution_override_is_what_eval_samples():
    c = random_circuit(5, n_inputs=20, n_gates=40)
    net = circuitc.compile(c, distribution="sparse(2)")
    assert net.meta["distribution"] == "sparse(2) over 20 inputs"
    report = circuitc.evaluate(net, samples=300)
    assert report["inputs"] == "sampled" and report["ok"]
