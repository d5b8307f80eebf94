"""ISCAS .bench: import (tests/data/formats), errors, export and round trips."""

from __future__ import annotations

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.formats import load_circuit, read_bench, write_bench
from circuitc.simulate import simulate, truth_table
from formats_helpers import DATA, random_circuit, same_function


def test_full_adder_imports_with_names_as_written():
    c = load_circuit(DATA / "full_adder.bench")
    assert c.name == "full_adder"
    assert c.inputs == ["1", "2", "cin"]
    assert c.output_names == ["sum", "cout", "1", "p", "pb", "nor3"]
    assert c.outputs[2] == "out:1" and c.driver("out:1") == "1"
    assert c.op("g") == K.OP_AND and c.operands("nor3") == ("n1", "2", "cin")
    assert c.graph.nodes["t"][K.LOC].endswith("full_adder.bench:16")
    assert c.graph.graph[K.G_SOURCE_GATES] == {
        "total": 8, "by_kind": {"AND": 2, "BUFF": 1, "NOR": 1, "NOT": 1, "OR": 1, "XOR": 2}}
    assert len(c.graph.graph[K.G_SOURCE]["sha256"]) == 64
    assert c.validate() == []
    x, y = truth_table(c)
    a, b, cin = x[:, 0], x[:, 1], x[:, 2]
    total = a.astype(int) + b + cin
    expect = np.stack([total % 2 == 1, total >= 2, a, a ^ b, a ^ b, ~(~a | b | cin)], axis=1)
    assert (y == expect).all()


def test_every_error_of_a_file_is_reported_with_its_line():
    with pytest.raises(CircuitError) as info:
        load_circuit(DATA / "errors.bench")
    text = str(info.value)
    path = str(DATA / "errors.bench")
    for line, message in [
        (3, "duplicate definition of input 'a' (first defined on line 1)"),
        (5, "undefined signal 'z' (used by output 'z')"),
        (6, "undefined signal 'ghost'"),
        (7, "duplicate definition of signal 'x' (first defined on line 6)"),
        ("8:5", "unknown gate type 'FROB'"),
        (9, "combinational loop: 'y' -> 'w' -> 'y'"),
        ("11:5", "NOT takes 1 operand, got 2"),
        ("12:5", "'s' is a DFF: sequential elements are not supported"),
    ]:
        assert f"{path}:{line}: error: {message}" in text, (line, text)
    assert len(info.value.errors) == 8


@pytest.mark.parametrize("text, message", [
    ("INPUT(a\n", "1:1: error: expected INPUT(name)"),
    ("INPUT(a)\nOUTPUT(y)\ny = AND()\n", "3:5: error: AND needs at least 1 operand"),
    ("INPUT(a)\nOUTPUT(y)\ny = AND(a,)\n", "3:9: error: bad operand ''"),
    ("INPUT(a)\nOUTPUT(a)\nOUTPUT(a)\n", "3: error: output 'a' declared twice"),
    (b"INPUT(\xff)\n", "1: error: not UTF-8 text (bad byte at offset 6)"),
])
def test_malformed_lines(text, message):
    with pytest.raises(CircuitError) as info:
        read_bench(text, "m.bench")
    assert f"m.bench:{message}" in str(info.value)


def test_deep_chain_needs_no_recursion():
    n = 20000  # far deeper than the recursion limit; gates listed last-first
    lines = ["INPUT(x0)", f"OUTPUT(x{n})"] + [f"x{i + 1} = NOT(x{i})" for i in reversed(range(n))]
    c = read_bench("\n".join(lines))
    assert c.depth == n
    assert (simulate(c, np.array([[0], [1]], dtype=bool))[:, 0] == [False, True]).all()


def test_constants_extension_and_write_without_inputs():
    c = read_bench("OUTPUT(y)\nOUTPUT(z)\ny = CONST1()\nz = gnd()\n")
    assert c.driver("out:y") == K.CONST1_ID and c.driver("out:z") == K.CONST0_ID
    back = read_bench(write_bench(c))
    assert (simulate(back, np.zeros((1, 0), dtype=bool)) == [[True, False]]).all()


def test_round_trip_of_the_hand_made_file_keeps_names_and_function():
    c = load_circuit(DATA / "full_adder.bench")
    text = write_bench(c)
    back = read_bench(text, "back.bench")
    assert back.inputs == c.inputs and back.output_names == c.output_names
    assert same_function(c, back)
    again = read_bench(write_bench(back), "back.bench")
    assert write_bench(back) == write_bench(again)  # writing is a fixed point


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_of_random_circuits_with_every_op(seed):
    c = random_circuit(seed)
    text = write_bench(c)
    assert "MAJ" not in text and "MUX" not in text
    back = read_bench(text)
    assert same_function(c, back)
    # Output names survive when they are free: all of them here but "g1" (a gate's name).
    names = back.output_names
    assert names[:6] == c.output_names[:6] and names[6] != "g1"


def test_bulk_gate_constructor_checks_everything_and_adds_nothing_on_error():
    from circuitc.graph import Circuit

    c = Circuit()
    c.add_input("a")
    c.add_gates([("n", K.OP_NOT, ["a"], "f:1"), ("m", K.OP_AND, ["a", "n"], None)])
    assert c.operands("m") == ("a", "n") and c.graph.nodes["n"][K.LOC] == "f:1"
    assert set(c.graph.predecessors("m")) == {"a", "n"} and c.validate() == []
    for bad, message in [([("x", K.OP_AND, ["a", "y"], None)], "unknown operand"),
                         ([("x", K.OP_NOT, [], None)], "takes 1 operand"),
                         ([("x", K.OP_BUF, ["a"], None), ("x", K.OP_BUF, ["a"], None)],
                          "already exists")]:
        with pytest.raises(ValueError, match=message):
            c.add_gates(bad)
        assert "x" not in c.graph
