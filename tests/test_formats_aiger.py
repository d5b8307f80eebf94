"""AIGER .aag/.aig: import (tests/data/formats), errors, binary decoding, export, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.formats import load_circuit, read_aiger, write_aag
from circuitc.simulate import truth_table
from formats_helpers import DATA, random_circuit, same_function


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def to_binary(aag: str) -> bytes:
    """Re-encode an .aag whose ANDs are in binary order (as write_aag emits) as an .aig."""
    lines = aag.splitlines()
    m, i, latches, o, a = map(int, lines[0].split()[1:6])
    assert latches == 0
    assert lines[1:1 + i] == [str(2 * (k + 1)) for k in range(i)]
    outputs = lines[1 + i:1 + i + o]
    body = b""
    for k, line in enumerate(lines[1 + i + o:1 + i + o + a]):
        lhs, r0, r1 = map(int, line.split())
        assert lhs == 2 * (i + k + 1) and lhs > r0 >= r1
        body += varint(lhs - r0) + varint(r0 - r1)
    rest = "\n".join(lines[1 + i + o + a:]) + "\n"
    head = f"aig {m} {i} 0 {o} {a}\n" + "".join(x + "\n" for x in outputs)
    return head.encode() + body + rest.encode()


def check_tiny(c):
    assert [p["name"] for p in c.input_ports] == ["x", "en"]
    assert c.inputs == ["x[0]", "x[1]", "en"]
    assert c.output_names == ["y", "zero", "one", "copy", "y2", "f", "ny"]
    x, y = truth_table(c)
    x0, x1, en = x[:, 0], x[:, 1], x[:, 2]
    n5 = ~x0 & ~x1
    expect = np.stack([en & ~n5, np.zeros_like(en), np.ones_like(en), x0, en & ~n5,
                       n5 & ~(~n5 & x0), ~(en & ~n5)], axis=1)
    assert (y == expect).all()


def test_ascii_file_with_symbols_constants_and_shared_inverters():
    c = load_circuit(DATA / "tiny.aag")
    check_tiny(c)
    assert c.driver("out:zero") == K.CONST0_ID and c.driver("out:one") == K.CONST1_ID
    assert c.driver("out:copy") == "x[0]" and c.driver("out:y") == c.driver("out:y2") == "n4"
    nots = [n for n in c.graph if c.graph.nodes[n][K.OP] == K.OP_NOT]
    # One NOT per negated variable: x0, x1, n5, n6 and y (for the output ny).
    assert sorted(c.operands(n)[0] for n in nots) == ["n4", "n5", "n6", "x[0]", "x[1]"]
    assert c.graph.nodes["n4"][K.LOC].endswith("tiny.aag:13")
    assert c.graph.graph[K.G_SOURCE_GATES]["total"] == 4
    assert c.validate() == []


def test_binary_file_equals_ascii_file():
    aig = load_circuit(DATA / "tiny.aig")
    check_tiny(aig)
    assert same_function(aig, load_circuit(DATA / "tiny.aag"))


def test_default_names_and_buses_from_symbols():
    c = read_aiger("aag 3 3 0 2 0\n2\n4\n6\n2\n7\ni1 b[0]\ni2 b[1]\no1 i0\n")
    assert [p["name"] for p in c.input_ports] == ["i0", "b"]
    assert c.output_names == ["o0", "i0"]
    # A default name never takes a name the symbol table gave to someone else.
    c = read_aiger("aag 2 2 0 1 0\n2\n4\n2\ni1 i0\n")
    assert c.inputs == ["i0_", "i0"]


def test_errors_are_collected_with_lines():
    with pytest.raises(CircuitError) as info:
        load_circuit(DATA / "errors.aag")
    text, path = str(info.value), str(DATA / "errors.aag")
    for line, message in [
        (3, "input 1: literal 5 cannot be defined"),
        (4, "output 0 uses literal 20, but variable 10 is neither an input nor an AND gate"),
        (6, "AND gate 0 uses literal 13, but variable 6 is neither"),
        (7, "AND gate 1: variable 3 defined twice (first on line 6)"),
        (8, "file ends before the AND gate 3"),
    ]:
        assert f"{path}:{line}: error: {message}" in text, (line, text)
    assert len(info.value.errors) == 5


@pytest.mark.parametrize("text, message", [
    ("aag 3 1 1 1 1\n2\n4 6\n6\n6 2 4\n", ":1: error: 1 latch(es): sequential AIGER"),
    ("aag 1 1 0 1 0 1\n2\n2\n", ":1: error: 1 bad-state properties (B): not supported"),
    ("agg 1 1 0 1 0\n", ":1: error: not an AIGER file"),
    ("aag 1 x 0 1 0\n", ":1: error: bad header"),
    ("aag 1 1 0 1 1\n2\n2\n4 2 2\n", ":1: error: bad header counts: I + L + A = 2 exceeds"),
    ("aag 2 1 0 1 1\n2\n4\n4 2 z\n", ":4: error: bad AND gate 0: expected 3 literals"),
    ("aag 3 1 0 1 2\n2\n4\n4 6 2\n6 4 2\n", ":4: error: combinational loop: 'n2' -> 'n3'"),
    ("aag 2 1 0 1 1\n2\n9\n4 2 2\n", ":3: error: output 0 uses literal 9, but variable 4"),
    ("aag 1 1 0 1 0\n2\n2\ni0 a\ni0 b\n", ":5: error: symbol i0 named twice"),
    ("aag 1 1 0 1 0\n2\n2\ni3 a\n", ":4: error: symbol i3: there are only 1 inputs"),
    ("aag 1 1 0 1 0\n2\n2\nx0 a\n", ":4: error: bad symbol table entry 'x0 a'"),
    ("aag 2 2 0 1 0\n2\n4\n2\ni0 a\ni1 a\n", ":6: error: duplicate definition of input 'a'"),
    ("aag 1 1 0 2 0\n2\n2\n3\no0 y\no1 y\n", ":4: error: output 'y' declared twice"),
])
def test_malformed_ascii(text, message):
    with pytest.raises(CircuitError) as info:
        read_aiger(text, "m.aag")
    assert "m.aag" + message in str(info.value)


@pytest.mark.parametrize("data, message", [
    (b"aig 2 1 0 1 1\n4\n", "binary AND section truncated at byte offset 16 (AND 0 of 1)"),
    (b"aig 2 1 0 1 1\n4\n\x01", "binary AND section truncated at byte offset 17 (AND 0 of 1)"),
    (b"aig 2 1 0 1 1\n4\n\x00\x00", "AND 0 (literal 4) at byte offset 16: bad first delta 0"),
    (b"aig 2 1 0 1 1\n4\n\x01\x05", "AND 0 (literal 4) at byte offset 17: bad second delta 5"),
    (b"aig 3 1 0 1 1\n4\n\x01\x00", "a binary AIGER file needs M = I + L + A (2), got M = 3"),
    (b"aig 2 1 0 1 1\n4\n\x02\x00i5 q\n", "symbol i5 at byte offset 18: there are only 1"),
])
def test_malformed_binary_gives_byte_offsets(data, message):
    with pytest.raises(CircuitError) as info:
        read_aiger(data, "m.aig")
    assert message in str(info.value)


def test_binary_varints_of_several_bytes():
    # 200 inputs, one AND of literals 400 and 2: deltas 402 - 400 = 2 and 398 (two varint bytes).
    head = "aig 201 200 0 1 1\n402\n".encode()
    c = read_aiger(head + varint(2) + varint(398))
    assert c.operands("n201") == ("i199", "i0")


@pytest.mark.parametrize("seed", range(6))
def test_write_aag_round_trips_ascii_and_binary(seed):
    c = random_circuit(seed)
    text = write_aag(c)
    back = read_aiger(text, "back.aag")
    assert same_function(c, back)
    assert back.output_names == c.output_names
    assert [p["name"] for p in back.input_ports] == [p["name"] for p in c.input_ports]
    assert {back.op(g) for g in back.gates()} <= {K.OP_AND, K.OP_NOT}
    assert same_function(c, read_aiger(to_binary(text), "back.aig"))


def test_write_aag_folds_constants_and_hashes_structure():
    c = read_aiger("aag 3 2 0 1 1\n2\n4\n6\n6 2 4\n")
    c.add_gate(K.OP_AND, ["n3", c.const(1), "n3"], name="same")
    c.add_output("s", "same")
    text = write_aag(c)
    assert text.startswith("aag 3 2 0 2 1\n")  # the second AND folds into the first
