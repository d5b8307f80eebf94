"""Exporters (.circ, DOT, JSON) and load_circuit's dispatch."""

from __future__ import annotations

import re

import pytest

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.formats import (EXPORTERS, FORMATS, load_circuit, read_bench, write_circ,
                              write_dot, write_json)
from circuitc.graph import Circuit
from circuitc.lang import parse_text
from formats_helpers import DATA, random_circuit, same_function


def test_circ_header_names_and_gate_lines():
    c = read_bench("INPUT(22)\nINPUT(a.b)\nINPUT(and)\nOUTPUT(y)\nOUTPUT(22)\n"
                   "n22 = NAND(22, a.b)\ny = AND(n22, and)\nz = NOT(a.b)\nw = OR(z, y)\n"
                   "OUTPUT(w)\n", "my-circ.bench")
    text = write_circ(c)
    # "n22" is already an identifier, so it keeps its name and the input "22" becomes "n22_2";
    # the output "22" (also the input's name) gets the next free one.
    assert "circuit my_circ(n22_2, a_b, and_) -> (y, n22_3, w) {" in text
    assert "    n22 = nand(n22_2, a_b);\n" in text
    assert "    y = n22 & and_;\n" not in text  # y is read by w too: written as a wire line
    assert re.search(r"^    y_2 = n22 & and_;$", text, re.M)
    assert "    w = ~a_b | y_2;\n" in text  # the one-reader inverter z is inlined as ~a_b
    assert "    y = y_2;\n" in text and "    n22_3 = n22_2;\n" in text


def test_circ_vectors_constants_and_inlined_outputs():
    c = Circuit("vec")
    v = c.add_input_vector("v", 3)
    s = c.add_input("s")
    g = c.add_gate(K.OP_MUX, [s, v[0], v[2]])
    m = c.add_gate(K.OP_MAJ, [v[0], v[1], v[2], s])
    c.add_output_vector("z", [g, c.const(0), m])
    c.add_output("k", c.const(1))
    text = write_circ(c)
    assert "circuit vec(v[3], s) -> (z[3], k) {" in text
    assert "    z[0] = mux(s, v[0], v[2]);\n" in text
    assert "    z[1] = 0;\n" in text and "    k = 1;\n" in text
    assert "    z[2] = maj(v[0], v[1], v[2], s, 0);\n" in text


def test_circ_pragmas():
    c = Circuit("p")
    f = c.add_input_vector("f", 4)
    sel = c.add_input_vector("sel", 2)
    c.add_output("y", c.add_gate(K.OP_AND, f + sel))
    c.distribution = [{"inputs": f + sel, "kind": "sparse", "k": 2}]
    assert "@sparse(2)\ncircuit p(f[4], sel[2])" in write_circ(c)
    c.distribution = [{"inputs": f, "kind": "atmost", "k": 2},
                      {"inputs": sel, "kind": "bernoulli", "p": 0.25}]
    assert "circuit p(@atmost(2) f[4], @bernoulli(0.25) sel[2])" in write_circ(c)
    c.distribution = [{"inputs": f[:2], "kind": "sparse", "k": 1}]
    text = write_circ(c)
    assert "// input distribution (not expressible as pragmas): sparse(1) over 2 bits" in text
    assert "@" not in text


def test_circ_is_deterministic_and_names_unique():
    c = random_circuit(3)
    text = write_circ(c)
    assert text == write_circ(c.copy())
    assigned = re.findall(r"^    (\w+) = ", text, re.M)
    assert len(assigned) == len(set(assigned))


@pytest.mark.parametrize("seed", range(4))
def test_circ_parses_back_to_the_same_function(seed):
    c = random_circuit(seed)
    back = parse_text(write_circ(c), f"rand{seed}.circ")
    assert same_function(c, back)
    assert [(p["name"], len(p["bits"])) for p in back.input_ports] == [
        ("v", 4), ("n22", 1), ("a_b", 1)]


def test_circ_of_the_hand_made_files_parses_back():
    for name in ["full_adder.bench", "tiny.aag", "tiny.blif", "adder2.txt", "mand_eq.txt"]:
        c = load_circuit(DATA / name)
        assert same_function(c, parse_text(write_circ(c), name + ".circ")), name


def test_dot_lists_every_node_and_operand_edge_coloured_by_level():
    c = random_circuit(1)
    text = write_dot(c)
    assert text.startswith('digraph "rand1" {') and text.endswith("}\n")
    edges = re.findall(r'^  "(.+)" -> "(.+)";$', text, re.M)
    assert len(edges) == sum(len(c.operands(n)) for n in c.graph)
    level = c.node_levels()
    colours = dict(re.findall(r'^  "(.+)" \[fillcolor="([0-9.]+) 0\.45', text, re.M))
    assert set(colours) == set(c.gates())
    deepest = max(level[g] for g in c.gates())
    assert {colours[g] for g in c.gates() if level[g] == 1} == {"0.660"}
    assert {colours[g] for g in c.gates() if level[g] == deepest} == {"0.000"}
    assert 'label="a.b"' in text and 'shape=house' in text


def test_json_round_trip():
    c = load_circuit(DATA / "tiny.blif")
    back = Circuit.from_json(write_json(c))
    assert back.to_json() == c.to_json() and same_function(c, back)


def test_registry_and_load_circuit_dispatch(tmp_path):
    assert set(EXPORTERS) == {"bench", "aag", "dot", "json", "circ"}
    assert FORMATS[".aig"] == FORMATS[".aag"] == "aiger" and FORMATS[".txt"] == "bristol"
    odd = tmp_path / "adder.netlist"
    odd.write_bytes((DATA / "adder2.txt").read_bytes())
    assert load_circuit(odd, format="bristol").name == "adder"
    with pytest.raises(CircuitError, match=r"adder\.netlist: error: cannot tell the format"):
        load_circuit(odd)
    with pytest.raises(CircuitError, match="unknown format 'vhdl'"):
        load_circuit(odd, format="vhdl")
    with pytest.raises(CircuitError, match=r"missing\.bench: error: cannot read the file"):
        load_circuit(tmp_path / "missing.bench")
