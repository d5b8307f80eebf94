"""circuitc.nodes: a circuit's nodes read from its JSON simulate as the parsed graph does; eval
without the graph reports what it reports with it; the read-out found as a column gather."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import circuitc
from circuitc import distribution as D
from circuitc.evaluate import evaluate, output_columns, readout_gather
from circuitc.gen import uand_circ
from circuitc.graph import Circuit
from circuitc.netfile import load
from circuitc.network import Affine
from circuitc.nodes import Nodes, read_nodes
from circuitc.simulate import Schedule, all_inputs

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "circuits"


@pytest.mark.parametrize("name", ["adder", "alu", "multiplier", "parity", "u_and"])
def test_nodes_from_json_simulate_as_the_graph(name):
    circuit = circuitc.parse_file(EXAMPLES / f"{name}.circ")
    compiled = circuitc.compile(circuit, mode="exact")
    graph = compiled.circuit
    nodes = read_nodes(compiled.circuit_json)
    assert nodes.ports.inputs == graph.inputs and nodes.ports.outputs == graph.outputs
    assert nodes.ports.distribution == graph.distribution
    assert nodes.logic_gates() == graph.logic_gates()
    assert list(nodes.data) == list(graph.graph._node)
    x = all_inputs(len(graph.inputs))[:512] if len(graph.inputs) <= 16 else \
        D.sample(graph, 512, seed=3)
    from circuitc.simulate import pack

    ours, theirs = nodes.schedule, Schedule.of(graph)
    assert ours.rows == theirs.rows
    assert np.array_equal(ours.run(pack(x)), theirs.run(pack(x)))
    assert Nodes.of(graph).logic_gates() == graph.logic_gates()


def test_a_node_after_its_user_is_ordered_as_the_graph_orders_it():
    c = Circuit("t")
    a, b = c.add_input("a"), c.add_input("b")
    c.graph.add_node("late", op="and", operands=())  # operands set below, after its user
    g = c.add_gate("or", ["late", a], name="g")
    c.set_operands("late", (a, b))
    c.add_output("y", g)
    assert Circuit.from_json(c.to_json()).topological_order() == \
        list(read_nodes(c.to_json()).schedule.rows)


def test_eval_without_the_graph_or_a_second_product_reports_the_same(tmp_path, monkeypatch):
    (tmp_path / "u.circ").write_text(uand_circ(40))
    net = circuitc.compile(circuitc.parse_file(tmp_path / "u.circ"), mode="superposed")
    net.save(str(tmp_path / "u.npz"))
    lean = load(tmp_path / "u.npz", graph=False)
    assert "circuit" not in lean.__dict__
    with_graph = evaluate(load(tmp_path / "u.npz"), samples=3000)
    assert evaluate(lean, samples=3000) == with_graph
    assert "circuit" not in lean.__dict__  # eval built no graph
    import importlib

    E = importlib.import_module("circuitc.evaluate")  # circuitc.evaluate is the function

    net = load(tmp_path / "u.npz", graph=False)
    top = net.meta["levels"][-1]
    assert E.readout_gather(net.readout, net.readoffs[-1], E.output_columns(
        net.nodes.ports.outputs, net.nodes.data, top["wires"], top["complemented"])) is not None
    monkeypatch.setattr(E, "readout_gather", lambda *args: None)  # the read-out's own product
    assert E.evaluate(net, samples=3000) == with_graph


def test_readout_gather_finds_a_permutation_and_nothing_else():
    rng = np.random.default_rng(0)
    W = sp.random_array((30, 50), density=0.2, format="csr", dtype=np.float32, rng=rng)
    W.sort_indices()
    top = Affine(W, np.zeros(50, np.float32))
    source = rng.permutation(50)
    readout = Affine(sp.csr_array(sp.csc_array(W)[:, source]), np.zeros(50, np.float32))
    assert np.array_equal(readout_gather(readout, top, source, chunk=64), source)
    assert readout_gather(readout, top, np.roll(source, 1)) is None
    changed = readout.W.copy()
    changed.data[7] += 1.0
    assert readout_gather(Affine(changed, readout.b), top, source) is None
    assert readout_gather(readout, top, None) is None


def test_output_columns_need_every_top_wire_once_and_uncomplemented():
    nodes = {"out:a": {"operands": ("x",)}, "out:b": {"operands": ("y",)}}
    assert output_columns(["out:a", "out:b"], nodes, ["y", "x"], [False, False]).tolist() == \
        [1, 0]
    assert output_columns(["out:a", "out:b"], nodes, ["y", "x"], [True, False]) is None
    assert output_columns(["out:a"], nodes, ["y", "x"], [False, False]) is None
