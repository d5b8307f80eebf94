"""BLIF: covers to gates, constants, buses, continuations, errors."""

from __future__ import annotations

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.formats import load_circuit, read_blif
from circuitc.simulate import simulate, truth_table
from formats_helpers import DATA


def test_tiny_file_function_ports_and_structure():
    c = load_circuit(DATA / "tiny.blif")
    assert c.name == "tiny"
    assert [(p["name"], p["vector"]) for p in c.input_ports] == [
        ("a", True), ("c", False), ("sel", False)]
    assert [(p["name"], len(p["bits"])) for p in c.output_ports] == [
        ("y", 2), ("maj", 1), ("nmaj", 1), ("one", 1), ("zero", 1), ("same", 1)]
    assert c.graph.graph[K.G_SOURCE_GATES] == {"total": 7, "by_kind": {"names": 7}}
    assert c.validate() == []
    x, y = truth_table(c)
    a0, a1, a2, cc, sel = x.T
    maj = (a0 & a1) | (a0 & a2) | (a1 & a2)
    expect = np.stack([(sel & a0) | (~sel & cc), ~a2, maj, ~maj, np.ones_like(maj),
                       np.zeros_like(maj), maj], axis=1)
    assert (y == expect).all()
    # Constant covers are the shared constant nodes; a one-literal cover is a BUF/NOT.
    assert c.driver("out:one") == K.CONST1_ID and c.driver("out:zero") == K.CONST0_ID
    assert c.op("y[1]") == K.OP_NOT and c.op("same") == K.OP_BUF
    assert c.op("nmaj") == K.OP_NOR and c.op("maj") == K.OP_OR
    assert c.graph.nodes["maj"][K.LOC].endswith("tiny.blif:8")


@pytest.mark.parametrize("rows, expect", [
    ("11 1", [0, 0, 0, 1]),             # one cube: AND
    ("11 0", [1, 1, 1, 0]),             # OFF-set of one cube: NAND
    ("1- 1\n-1 1", [0, 1, 1, 1]),       # single-literal cubes: OR
    ("0- 0\n-0 0", [0, 0, 0, 1]),       # NOR of negated literals
    ("10 1\n01 1", [0, 1, 1, 0]),       # general sum of products: XOR
    ("-- 1", [1, 1, 1, 1]),             # a tautology cube
    ("-- 0", [0, 0, 0, 0]),
    ("", [0, 0, 0, 0]),                 # no rows: constant 0
])
def test_two_input_covers(rows, expect):
    c = read_blif(f".model t\n.inputs a b\n.outputs f\n.names a b f\n{rows}\n.end\n")
    x, y = truth_table(c)  # row r: a = bit 0, b = bit 1
    assert y[:, 0].astype(int).tolist() == expect


def test_shared_inverters_and_cube_helpers():
    c = read_blif(".model t\n.inputs a b c\n.outputs f g\n"
                  ".names a b c f\n0-1 1\n10- 1\n.names a b g\n00 1\n.end\n")
    nots = sorted(n for n in c.graph if c.op(n) == K.OP_NOT)
    assert nots == ["not:a", "not:b"]  # one inverter per signal, shared by f and g
    assert c.operands("f") == ("and0:f", "and1:f")


def test_bus_grouping_only_for_consecutive_lsb_first_bits():
    c = read_blif(".model t\n.inputs x[0] x[1] y[1] y[0] z[0] q z[1] w[0] w\n"
                  ".outputs o[0] o[1]\n.names x[0] o[0]\n1 1\n.names x[1] o[1]\n1 1\n.end\n")
    assert [p["name"] for p in c.input_ports] == [
        "x", "y[1]", "y[0]", "z[0]", "q", "z[1]", "w[0]", "w"]
    assert c.input_ports[0]["bits"] == ["x[0]", "x[1]"]
    assert simulate(c, {"x": 2}) == {"o": 2}


def test_several_model_lines_and_continuations_and_outputs_on_inputs():
    c = read_blif(".model t # comment\n.inputs a \\\n b\n.outputs a f \\\n\n"
                  ".names a b f\n11 1\n.end\n")
    assert c.inputs == ["a", "b"] and c.output_names == ["a", "f"]
    assert c.driver("out:a") == "a"


def test_errors_are_collected_with_lines():
    with pytest.raises(CircuitError) as info:
        load_circuit(DATA / "errors.blif")
    text, path = str(info.value), str(DATA / "errors.blif")
    for line, message in [
        (4, "undefined signal 'ghost' (used by 'y')"),
        (6, "duplicate definition of signal 'y' (first defined on line 4)"),
        (9, "bad cube '1x' of 'z': expected 2 characters of 0, 1, -"),
        (10, "combinational loop: 'v' -> 'w' -> 'v'"),
        (16, "the cover of 'z2' mixes ON-set (1) and OFF-set (0) rows"),
        (17, ".latch: latches (sequential logic) are not supported"),
        (18, ".subckt: hierarchical models (.subckt) are not supported"),
    ]:
        assert f"{path}:{line}: error: {message}" in text, (line, text)


@pytest.mark.parametrize("text, message", [
    (".model t\n.inputs a\n.outputs y\n.gate and2 A=a Y=y\n", "4: error: .gate: library gates"),
    (".model t\n.inputs a\n.outputs y\n.names a y\n1 2\n", "5: error: bad output value '2'"),
    (".model t\n.inputs a\n.outputs y\n.names a y\n1\n", "5: error: bad row '1' of the cover"),
    (".model t\n.inputs a\n.outputs y\n1 1\n", "4: error: unexpected '1 1' outside"),
    (".model t\n.inputs a\n.outputs y\n.names\n", "4: error: .names needs at least an output"),
    (".model t\n.model u\n", "2: error: a second .model (first on line 1)"),
    (".model t\n.inputs a\n.outputs y\n.names a a y\n11 1\n", "4: error: the cover of 'y' lists"),
    (".model t\n.inputs a\n.outputs y\n.wire_load x\n", "4: error: unknown or unsupported"),
    (".model t\n.end\n.model u\n", "3: error: '.model' after .end"),
    (".model t\n.inputs a a\n", "2: error: duplicate definition of input 'a'"),
    (".model t\n.inputs a\n.outputs y\n", "3: error: undefined signal 'y' (used by output 'y')"),
])
def test_malformed(text, message):
    with pytest.raises(CircuitError) as info:
        read_blif(text, "m.blif")
    assert "m.blif:" + message in str(info.value)
