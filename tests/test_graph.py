import json

import pytest

from circuitc import keys as K
from circuitc.graph import Circuit
from conftest import random_circuit


def small() -> Circuit:
    c = Circuit("small")
    a = c.add_input_vector("a", 2)
    b = c.add_input("b")
    t = c.add_gate(K.OP_AND, [a[0], a[1]], name="t")
    u = c.add_gate(K.OP_XOR, [t, b])
    c.add_output("y", u)
    c.add_output_vector("z", [t, b, c.const(1)])
    return c


def test_ports_and_order():
    c = small()
    assert c.inputs == ["a[0]", "a[1]", "b"]
    assert c.outputs == ["out:y", "out:z[0]", "out:z[1]", "out:z[2]"]
    assert c.output_names == ["y", "z[0]", "z[1]", "z[2]"]
    assert c.driver("out:z[2]") == K.CONST1_ID
    assert c.gates() == ["t", "_n0"]
    assert c.levels() == [["t"], ["_n0"]]
    assert c.depth == 2
    assert c.stats()["gates_by_kind"] == {"and": 1, "xor": 1}
    assert c.validate() == []


def test_edges_follow_operands():
    c = small()
    assert set(c.graph.predecessors("_n0")) == {"t", "b"}
    c.set_operands("_n0", ["t", "a[0]"])
    assert set(c.graph.predecessors("_n0")) == {"t", "a[0]"}
    assert c.validate() == []


def test_bad_construction_is_refused():
    c = small()
    with pytest.raises(ValueError, match="already exists"):
        c.add_gate(K.OP_AND, ["b", "b"], name="t")
    with pytest.raises(ValueError, match="takes 3 operands"):
        c.add_gate(K.OP_MUX, ["b", "b"])
    with pytest.raises(ValueError, match="unknown operand"):
        c.add_gate(K.OP_AND, ["b", "nope"])


def test_validate_reports_every_problem():
    c = small()
    c.graph.nodes["t"][K.OPERANDS] = ("a[0]", "ghost")
    c.graph.nodes["_n0"][K.OP] = "frob"
    c.graph.add_edge("_n0", "t")  # a loop t -> _n0 -> t
    problems = c.validate()
    text = "\n".join(problems)
    assert "unknown operand 'ghost'" in text
    assert "unknown op 'frob'" in text
    assert "combinational loop" in text
    assert len(problems) >= 3


def test_json_round_trip_is_deterministic():
    c = random_circuit(3)
    text = c.to_json()
    back = Circuit.from_json(text)
    assert back.to_json() == text
    assert back.inputs == c.inputs and back.outputs == c.outputs
    assert isinstance(back.operands(back.gates()[0]), tuple)
    json.loads(text)


def test_json_is_networkx_node_link_data_whatever_the_batch():
    import networkx as nx

    c = random_circuit(5)
    whole = json.dumps(nx.node_link_data(c.graph, edges="edges"), sort_keys=True,
                       separators=(",", ":"))
    assert c.to_json() == whole
    for batch in (1, 2, 7):  # the text streams in pieces: their joints must not show
        assert "".join(c.json_chunks(batch)) == whole
    assert Circuit("empty").to_json() == json.dumps(
        nx.node_link_data(Circuit("empty").graph, edges="edges"), sort_keys=True,
        separators=(",", ":"))


def test_a_packed_circuit_keeps_its_json_and_says_it_is_packed():
    c = random_circuit(6)
    text, graph = c.to_json(), c.graph
    c.pack()
    assert c.to_json() == text
    assert graph.number_of_nodes() == 0  # emptied: a stray reference holds nothing
    with pytest.raises(RuntimeError, match="packed"):
        c.inputs
    with pytest.raises(RuntimeError, match="packed"):
        c.gates()
    with pytest.raises(RuntimeError, match="packed"):
        "x" in c.graph
    c.pack()  # twice is once
    c.unpack()
    assert c.to_json() == text and c.validate() == []
    assert isinstance(c.operands(c.gates()[0]), tuple)
    c.unpack()  # a no-op when not packed
    assert c.to_json() == text


def test_copy_is_independent():
    c = small()
    d = c.copy()
    d.add_gate(K.OP_NOT, ["b"], name="nb")
    d.input_ports[0]["name"] = "changed"
    assert "nb" not in c.graph and c.input_ports[0]["name"] == "a"
