"""Bristol Fashion: ports in<i>/out<j>, LSB first, every gate kind, errors."""

from __future__ import annotations

import pytest

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.formats import load_circuit, read_bristol
from circuitc.simulate import simulate
from formats_helpers import DATA


def test_two_bit_adder_adds():
    c = load_circuit(DATA / "adder2.txt")
    assert [(p["name"], len(p["bits"])) for p in c.input_ports] == [("in0", 2), ("in1", 2)]
    assert [(p["name"], len(p["bits"])) for p in c.output_ports] == [("out0", 2), ("out1", 1)]
    assert c.inputs == ["in0[0]", "in0[1]", "in1[0]", "in1[1]"]
    assert c.graph.graph[K.G_SOURCE_GATES]["by_kind"] == {"AND": 3, "EQW": 1, "XOR": 4}
    assert c.op("w9") == K.OP_BUF and c.graph.nodes["w9"][K.LOC].endswith("adder2.txt:10")
    for a in range(4):
        for b in range(4):
            out = simulate(c, {"in0": a, "in1": b})
            assert out["out0"] + 4 * out["out1"] == a + b


def test_mand_eq_inv_eqw():
    c = load_circuit(DATA / "mand_eq.txt")
    for a in range(4):
        a0, a1 = a & 1, a >> 1
        expect = (1 - (a0 & a1)) | 2 | ((a1 & a0) << 2)
        assert simulate(c, {"in0": a}) == {"out0": expect}
    assert c.driver("out:out0[1]") == K.CONST1_ID  # EQ 1: the shared constant


def test_gates_may_come_in_any_order():
    text = "2 5\n1 2\n1 1\n2 1 0 3 4 AND\n1 1 1 3 INV\n"
    c = read_bristol(text)
    assert [simulate(c, {"in0": v})["out0"] for v in range(4)] == [0, 1, 0, 0]


def test_errors_are_collected_with_lines():
    with pytest.raises(CircuitError) as info:
        load_circuit(DATA / "errors.txt")
    text, path = str(info.value), str(DATA / "errors.txt")
    for line, message in [
        (3, "2 output wire(s) never written: 8, 9"),
        (5, "wire 5 is written twice (first on line 4)"),
        (6, "unknown gate 'FOO'"),
        (7, "wire 42 is out of range (the header declares 10 wires)"),
        (8, "the header announces 6 gates but the file has 5 gate lines (truncated?)"),
        (8, "gate line announces 3 inputs and 1 outputs but has 3 wires"),
    ]:
        assert f"{path}:{line}: error: {message}" in text, (line, text)


@pytest.mark.parametrize("text, message", [
    ("", "1: error: bad header: line 1 must be 'ngates nwires'"),
    ("1 3\n2 1\n1 1\n", "2: error: bad header: line 2 must be 'niv w1 .. wn'"),
    ("1 3\n1 1\nx\n", "3: error: bad header: line 3 must be 'nov v1 .. vm'"),
    ("1 2\n1 2\n1 1\n1 1 0 1 INV\n", "1: error: bad header counts: 2 wires cannot hold"),
    ("1 3\n1 2\n1 1\n1 1 0 1 INV\n", "4: error: wire 1 is written twice (it is an input wire)"),
    ("1 3\n1 1\n1 1\n1 1 5 2 EQ\n", "4: error: EQ assigns the constant 0 or 1, got 5"),
    ("1 3\n1 2\n1 1\n2 1 0 1 2 INV\n", "4: error: INV takes (1, 1) (inputs, outputs), got (2, 1)"),
    ("1 3\n1 2\n1 1\n2 1 0 b 2 AND\n", "4: error: bad wire number in '0 b 2'"),
    ("1 4\n1 2\n1 1\n2 1 0 2 3 AND\n", "4: error: undefined signal 'w2' (used by 'w3')"),
    ("2 4\n1 1\n1 1\n2 1 0 3 2 AND\n2 1 0 2 3 XOR\n", "4: error: combinational loop:"),
])
def test_malformed(text, message):
    with pytest.raises(CircuitError) as info:
        read_bristol(text, "m.txt")
    assert "m.txt:" + message in str(info.value)
