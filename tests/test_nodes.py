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
    drivers = [net.nodes.data[o]["operands"][0] for o in net.nodes.ports.outputs]
    assert E.readout_gather(net.readout, net.readoffs[-1], E.output_columns(
        drivers, top["wires"], top["complemented"])) is not None
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
    assert output_columns(["x", "y"], ["y", "x"], [False, False]).tolist() == [1, 0]
    assert output_columns(["x", "y"], ["y", "x"], [True, False]) is None
    assert output_columns(["x"], ["y", "x"], [False, False]) is None
    assert output_columns(["x", "x"], ["y", "x"], [False, False]) is None


def _adder_json() -> dict:
    import json

    return json.loads(circuitc.parse_file(EXAMPLES / "adder.circ").to_json())


def _node(data: dict, op: str) -> dict:
    return next(n for n in data["nodes"] if n["op"] == op)


def _gate(data: dict) -> dict:
    return next(n for n in data["nodes"] if n["op"] not in ("input", "output", "const0",
                                                            "const1") and n["operands"])


def _loop(data: dict) -> None:  # two gates that read each other
    a, b = [n for n in data["nodes"] if n["op"] not in ("input", "output")
            and len(n["operands"]) >= 2][:2]
    a["operands"], b["operands"] = [b["id"], *a["operands"][1:]], [a["id"], *b["operands"][1:]]
    data["edges"] = [e for e in data["edges"] if e["target"] not in (a["id"], b["id"])]
    data["edges"] += [{"source": o, "target": n["id"]} for n in (a, b) for o in n["operands"]]


CIRCUIT_CORRUPTIONS = {
    "unknown op": lambda d: _gate(d).update(op="nand3"),
    "no op": lambda d: _gate(d).pop("op"),
    "arity": lambda d: _node(d, "output").update(operands=[]),
    "unknown operand": lambda d: _gate(d)["operands"].__setitem__(0, "nowhere"),
    "reads an output": lambda d: _gate(d)["operands"].__setitem__(0, _node(d, "output")["id"]),
    "lut table": lambda d: _gate(d).update(op="lut", truth="zz"),
    "port bit": lambda d: d["graph"]["input_ports"][0]["bits"].append("ghost"),
    "port bit twice": lambda d: d["graph"]["output_ports"].append(d["graph"]["output_ports"][0]),
    "input outside ports": lambda d: d["nodes"].append({"id": "stray", "op": "input",
                                                        "operands": []}),
    "loop": _loop,
    "edge missing": lambda d: d["edges"].pop(),
    "edge extra": lambda d: d["edges"].append({"source": _node(d, "input")["id"],
                                               "target": _node(d, "output")["id"]}),
}


@pytest.mark.parametrize("what", CIRCUIT_CORRUPTIONS)
def test_validation_without_the_graph_finds_what_the_graph_finds(what):
    import json

    data = _adder_json()
    assert not read_nodes(json.dumps(data)).validate()
    CIRCUIT_CORRUPTIONS[what](data)
    text = json.dumps(data)
    ours, theirs = read_nodes(text).validate(), Circuit.from_json(text).validate()
    assert ours and theirs

    def edges(problems: list[str]) -> bool:
        return any("edges do not match operands" in p for p in problems)

    # the same problems, but that the graph names every node whose edges are off, the reader
    # those it can (an operand without its edge is noticed by a count)
    assert edges(ours) == edges(theirs) == (what.startswith("edge") or what in (
        "arity", "unknown operand", "reads an output"))  # these change operands, not edges
    assert [p for p in ours if "edges do not" not in p] == \
        [p for p in theirs if "edges do not" not in p]


@pytest.mark.parametrize("what", ["loop", "unknown operand", "edge extra"])
def test_a_network_file_with_a_bad_circuit_is_refused_with_or_without_the_graph(what,
                                                                               tmp_path):
    import json

    from circuitc.errors import CircuitError

    net = circuitc.compile(circuitc.parse_file(EXAMPLES / "adder.circ"), mode="exact")
    data = json.loads(net.circuit_json)
    CIRCUIT_CORRUPTIONS[what](data)
    net.circuit_json = json.dumps(data)
    net.save(str(tmp_path / "bad.npz"))
    for graph in (True, False):
        with pytest.raises(CircuitError, match="the embedded circuit: "):
            load(tmp_path / "bad.npz", graph=graph)
