"""lutmap: k-LUT mapping keeps the function exactly, bounds LUT sizes, finds the minimal depth on
circuits where it is known, and through the whole pipeline and the CLI gives exact networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.compiling import compile
from circuitc.errors import CircuitError
from circuitc.graph import Circuit
from circuitc.passes import PassOptions, fanin, lutmap, run_passes, simplify
from circuitc.simulate import all_inputs, simulate
from conftest import SHARED, random_circuit
from pass_helpers import assert_equivalent, check_level_contract, eval_by_polys, inputs_for


def premapped(c: Circuit) -> Circuit:
    """What run_passes hands lutmap: simplified, 2-input, simplified again."""
    c, _ = simplify(c)
    c, _ = fanin(c, 2)
    c, _ = simplify(c)
    return c


def lut_eval(circuit: Circuit, x_row: np.ndarray) -> list[bool]:
    """One sample by looking LUT rows up one gate at a time (the simulator's oracle)."""
    value = dict(zip(circuit.inputs, map(bool, x_row)))
    value[K.CONST0_ID], value[K.CONST1_ID] = False, True
    for node in circuit.topological_order():
        data = circuit.graph.nodes[node]
        if data[K.OP] == K.OP_LUT:
            row = sum(value[o] << i for i, o in enumerate(data[K.OPERANDS]))
            value[node] = bool(int(data[K.TRUTH], 16) >> row & 1)
        elif data[K.OP] == K.OP_OUTPUT:
            value[node] = value[data[K.OPERANDS][0]]
    return [value[o] for o in circuit.outputs]


@pytest.mark.parametrize("seed", range(40))
def test_mapping_is_exhaustively_equivalent_and_k_feasible(seed):
    c = random_circuit(seed, n_inputs=7, n_gates=45)
    x = all_inputs(7)
    expected = simulate(c, x)
    for k in (2, 3, 4, 6, 8):
        before = premapped(c)
        snapshot = before.to_json()
        new, report = lutmap(before, k)
        assert before.to_json() == snapshot  # the argument is never touched
        assert new.validate() == []
        assert np.array_equal(simulate(new, x), expected)
        assert all(new.op(g) == K.OP_LUT for g in new.gates())
        # k-feasible, but a mux (3 operands, degree 2) stays a LUT of its own operands at k = 2
        assert all(len(new.operands(g)) <= max(k, 3) for g in new.gates())
        assert report["depth_after"] == new.depth <= before.depth
        assert report["luts"] == len(new.gates())
        if k == 4:  # the simulator's LUT step against a plain per-sample lookup
            assert [lut_eval(new, row) for row in x[::9]] == simulate(new, x[::9]).tolist()


@pytest.mark.parametrize("seed", range(12))
def test_pipeline_with_luts_keeps_the_backend_contract(seed):
    c = random_circuit(seed + 100, n_inputs=8, n_gates=60)
    x = inputs_for(c)
    for k in (3, 6):
        new, report = run_passes(c, PassOptions(lut=k, samples=300))
        check_level_contract(new)
        assert np.array_equal(eval_by_polys(new, x), simulate(c, x))
        assert report.passes["lutmap"]["k"] == k


def test_depth_is_minimal_on_trees_and_parity():
    c = Circuit("wide")
    xs = c.add_input_vector("x", 64)
    c.add_output("and", c.add_gate(K.OP_AND, xs))
    c.add_output("par", c.add_gate(K.OP_XOR, xs[:16]))
    for k in (2, 4, 8):
        new, report = lutmap(premapped(c), k)
        assert new.depth == math.ceil(math.log(64, k))
        assert_equivalent(c, new)
    # one 8-LUT computes the parity of 8 inputs: its 128 odd minterms as disjoint cubes (its
    # polynomial, a + b - 2ab ... expanded, has all 255 monomials)
    c = Circuit("par8")
    c.add_output("p", c.add_gate(K.OP_XOR, c.add_input_vector("x", 8)))
    new, report = lutmap(premapped(c), 8)
    assert new.depth == 1 and report["luts"] == 1 and report["neurons"] == 128


def test_inverters_are_free_and_and_not_is_one_lut():
    c = Circuit("andnot")
    a, b = c.add_input("a"), c.add_input("b")
    c.add_output("y", c.add_gate(K.OP_AND, [a, c.add_gate(K.OP_NOT, [b])]))
    before = premapped(c)
    assert before.depth == 2  # the NOT costs a level without mapping
    new, report = run_passes(c, PassOptions(lut=2, polarity=False))
    (gate,) = new.gates()
    assert new.graph.nodes[gate][K.POLY] == [[1, ["a"]], [-1, ["a", "b"]]]  # a - ab
    assert report.passes["levelize"]["depth"] == 1


def test_area_recovery_keeps_depth_and_saves_monomials():
    c = random_circuit(7, n_inputs=10, n_gates=200, constants=False)
    _, report = lutmap(premapped(c), 4)
    rounds = report["rounds"]
    assert len({r["depth"] for r in rounds}) == 1
    assert rounds[-1]["neurons"] <= rounds[0]["neurons"]


def test_mapping_is_deterministic():
    c = premapped(random_circuit(3, n_inputs=8, n_gates=80))
    assert lutmap(c, 5)[0].to_json() == lutmap(c, 5)[0].to_json()


def test_bad_lut_sizes_and_tables_are_refused():
    c = premapped(random_circuit(1))
    for k in (1, 9, "6"):
        with pytest.raises(CircuitError):
            lutmap(c, k)
    new, _ = lutmap(c, 4)
    gate = new.gates()[0]
    new.graph.nodes[gate][K.TRUTH] = "zz"
    assert any("'lut' needs a 'truth' table" in p for p in new.validate())
    with pytest.raises(ValueError):
        new.add_gate(K.OP_LUT, new.inputs[:2])


def test_compiled_lut_network_is_exact():
    c = random_circuit(11, n_inputs=9, n_gates=80)
    x = all_inputs(9)
    for k in (None, 4):
        net = compile(c, lut=k, samples=500)
        assert np.array_equal(net(x), simulate(c, x))


SHARED_CIRCUITS = ["epfl/arithmetic/adder.aig", "epfl/random_control/ctrl.aig",
                   "epfl/random_control/int2float.aig", "epfl/random_control/router.aig",
                   "epfl/random_control/cavlc.aig", "iscas85/c432.bench", "iscas85/c880.bench"]


@pytest.mark.skipif(not (SHARED / "circuits").is_dir(), reason="../shared not present")
@pytest.mark.parametrize("path", SHARED_CIRCUITS)
def test_shared_circuits_map_equivalently(path):
    from circuitc.formats import load_circuit

    c = load_circuit(SHARED / "circuits" / path)
    before = premapped(c)
    new, report = lutmap(before, 6)
    assert new.validate() == []
    x = inputs_for(c, n=2048)
    assert np.array_equal(simulate(new, x), simulate(c, x))
    assert new.depth <= before.depth
    if path.endswith("adder.aig"):
        assert new.depth <= 51  # ABC's `if -K 6`


@pytest.mark.parametrize("fmt", ["bench", "aag", "circ"])
def test_mapped_circuits_export_and_read_back(fmt, tmp_path):
    import circuitc
    from circuitc.formats import EXPORTERS, load_circuit

    for seed in range(4):
        c = random_circuit(seed, n_inputs=7, n_gates=40)
        for lut in (None, 4):
            new, _ = run_passes(c, PassOptions(lut=lut, samples=200))
            assert any(new.op(g) == K.OP_LUT for g in new.gates())
            path = tmp_path / f"m{seed}_{lut}.{fmt}"
            path.write_text(EXPORTERS[fmt](new))
            back = circuitc.parse_file(path) if fmt == "circ" else load_circuit(path)
            x = all_inputs(7)
            assert np.array_equal(simulate(back, x), simulate(c, x))


def test_default_pipeline_folds_inverters_and_and_not_is_one_relu():
    c = Circuit("andnot")
    a, b = c.add_input("a"), c.add_input("b")
    c.add_output("y", c.add_gate(K.OP_AND, [a, c.add_gate(K.OP_NOT, [b])]))
    new, report = run_passes(c, PassOptions(polarity=False))
    assert report.passes["levelize"]["depth"] == 1  # no level for the NOT
    net = compile(c, polarity=False)
    assert len(net.layers) == 1 and net.neurons == 1  # relu(a - b)
    x = all_inputs(2)
    assert np.array_equal(net(x), simulate(c, x))
    unfolded, report = run_passes(c, PassOptions(polarity=False, fold_inverters=False))
    assert report.passes["levelize"]["depth"] == 2


def test_gates_wider_than_a_lut_are_refused():
    c = Circuit("wide")
    c.add_output("y", c.add_gate(K.OP_AND, c.add_input_vector("x", 9)))
    with pytest.raises(CircuitError, match="run fanin first"):
        lutmap(c, 4, cuts=0)
    new, _ = lutmap(premapped(c), 4, cuts=0)  # after fanin: 2-input LUTs, one per gate
    assert_equivalent(c, new) is None
    assert new.depth == 4


def test_cli_lut_option(tmp_path):
    import json

    from click.testing import CliRunner

    from circuitc.cli import main
    from conftest import EXAMPLES

    adder = str(EXAMPLES / "adder.circ")
    run = CliRunner().invoke
    plain = json.loads(run(main, ["check", adder, "-P", "N=8", "--json"]).output)
    mapped = json.loads(run(main, ["check", adder, "-P", "N=8", "--lut", "6", "--json"]).output)
    assert mapped["plan"]["passes"]["lutmap"]["k"] == 6
    assert len(mapped["plan"]["levels"]) < len(plain["plan"]["levels"])
    net = tmp_path / "adder.npz"
    result = run(main, ["compile", adder, "-P", "N=8", "--lut", "4", "-o", str(net)])
    assert result.exit_code == 0, result.output
    out = run(main, ["eval", str(net)]).output
    assert "0 bit errors" in out and "OK" in out
    bad = run(main, ["compile", adder, "--lut", "9", "-o", str(net)])
    assert bad.exit_code != 0 and "--lut" in bad.output

