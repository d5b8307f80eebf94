"""Every example circuit against known answers (truth tables where small, samples otherwise)."""

from itertools import combinations
from pathlib import Path

import numpy as np

from circuitc.distribution import sample
from circuitc.lang import parse_file
from circuitc.simulate import assign_ports, read_ports, simulate, truth_table

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "circuits"


def load(name, **params):
    warnings = []
    circuit = parse_file(EXAMPLES / f"{name}.circ", params=params, warnings=warnings)
    assert circuit.validate() == []
    return circuit, warnings


def port_values(circuit, x):
    """{port: int array} for a batch of input rows."""
    out, i = {}, 0
    for port in circuit.input_ports:
        w = len(port["bits"])
        out[port["name"]] = (x[:, i:i + w].astype(np.int64) << np.arange(w)).sum(axis=1)
        i += w
    return out


def output_values(circuit, y):
    out, i = {}, 0
    for port in circuit.output_ports:
        w = len(port["bits"])
        out[port["name"]] = (y[:, i:i + w].astype(object) * [1 << k for k in range(w)]).sum(axis=1)
        i += w
    return out


def test_every_example_parses_without_warnings():
    for path in sorted(EXAMPLES.glob("*.circ")):
        _, warnings = load(path.stem)
        assert warnings == [], path


def test_adder_truth_table_n4():
    for name in ("adder", "ripple_adder"):  # by `+` and `carry`, and gate by gate
        circuit, _ = load(name, N=4)
        x, y = truth_table(circuit)
        a, b = port_values(circuit, x).values()
        out = output_values(circuit, y)
        np.testing.assert_array_equal(out["s"] + 16 * out["cout"], a + b)
        assert circuit.name == name and len(circuit.inputs) == 8
    assert circuit.stats()["gates_by_kind"] == {"maj": 4, "xor": 4}


def test_adder_random_n16():
    circuit, _ = load("adder", N=16)
    x = sample(circuit, 500, seed=1)
    a, b = port_values(circuit, x).values()
    out = output_values(circuit, simulate(circuit, x))
    np.testing.assert_array_equal(out["s"] + (out["cout"] << 16), a + b)
    # the default is N = 8
    assert len(load("adder")[0].inputs) == 16


def test_adder_is_a_prefix_adder():
    # depth grows with log2 N, not N (the ripple adder's depth is N)
    assert load("adder", N=64)[0].stats()["depth"] <= 2 * 7 + 3
    assert load("ripple_adder", N=64)[0].stats()["depth"] == 64


def test_alu_every_input_at_4_bits():
    circuit, _ = load("alu", N=4)
    x, y = truth_table(circuit)
    op, a, b = port_values(circuit, x).values()
    out = output_values(circuit, y)
    results = [(a + b) % 16, (a - b) % 16, a & b, a | b, a ^ b, (a << 1) % 16, a >> 1,
               (a < b).astype(np.int64)]
    expected = np.choose(op, results)
    np.testing.assert_array_equal(out["y"], expected)
    np.testing.assert_array_equal(out["zero"], expected == 0)
    np.testing.assert_array_equal(out["flag"], np.where(op == 0, a + b > 15,
                                                        np.where(op == 1, a < b, False)))


def test_seven_segment_table():
    circuit, _ = load("seven_segment")
    digits = [0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F,
              0x77, 0x7C, 0x39, 0x5E, 0x79, 0x71]
    assert [simulate(circuit, {"d": d})["seg"] for d in range(16)] == digits
    assert circuit.stats()["depth"] <= 3


def test_multiplier():
    for name in ("multiplier", "multiplier_rows"):
        for n in (2, 3, 4):
            circuit, _ = load(name, N=n)
            x, y = truth_table(circuit)
            a, b = port_values(circuit, x).values()
            np.testing.assert_array_equal(output_values(circuit, y)["p"], a * b)
        assert len(circuit.outputs) == 8  # 2N product bits at the default N = 4


def test_comparator():
    circuit, _ = load("comparator", N=4)
    x, y = truth_table(circuit)
    a, b = port_values(circuit, x).values()
    out = output_values(circuit, y)
    np.testing.assert_array_equal(out["lt"], a < b)
    np.testing.assert_array_equal(out["eq"], a == b)
    np.testing.assert_array_equal(out["gt"], a > b)
    big, _ = load("comparator")
    assert read_ports(big, simulate(big, assign_ports(big, {"a": 200, "b": 17})[None])[0]) == \
        {"lt": 0, "eq": 0, "gt": 1}


def test_decoder_one_hot():
    circuit, _ = load("decoder", N=4)
    x, y = truth_table(circuit)
    assert y.shape == (16, 16)
    np.testing.assert_array_equal(y, np.eye(16, dtype=bool))  # row r is input r


def test_mux_selects_the_word():
    circuit, _ = load("mux", K=2, W=3)
    rng = np.random.default_rng(0)
    for _ in range(40):
        d = int(rng.integers(0, 2 ** 12))
        sel = int(rng.integers(0, 4))
        assert simulate(circuit, {"sel": sel, "d": d}) == {"y": (d >> (3 * sel)) & 7}


def test_parity_and_majority():
    circuit, _ = load("parity", N=6)
    x, y = truth_table(circuit)
    np.testing.assert_array_equal(y[:, 0], x.sum(axis=1) % 2 == 1)
    circuit, _ = load("majority", N=7)
    x, y = truth_table(circuit)
    np.testing.assert_array_equal(y[:, 0], x.sum(axis=1) >= 4)


def test_u_and_against_numpy():
    circuit, _ = load("u_and")
    assert len(circuit.inputs) == 100 and len(circuit.outputs) == 4950
    assert circuit.distribution == [
        {"inputs": [f"f[{i}]" for i in range(100)], "kind": "sparse", "k": 3}]
    x = sample(circuit, 300, seed=3)
    assert (x.sum(axis=1) == 3).all()
    pairs = np.array(list(combinations(range(100), 2)))
    expected = x[:, pairs[:, 0]] & x[:, pairs[:, 1]]
    np.testing.assert_array_equal(simulate(circuit, x), expected)
    assert circuit.output_names[5] == "y[5]"
