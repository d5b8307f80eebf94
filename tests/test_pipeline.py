import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.graph import Circuit
from circuitc.passes import PassOptions, run_passes
from circuitc.simulate import simulate
from conftest import EXAMPLES, random_circuit
from pass_helpers import (and_pairs, assert_equivalent, check_level_contract, circuits,
                          eval_by_polys, inputs_for)

FAST = PassOptions(samples=256)


def check_compiled(original, compiled, k=2, n=512):
    """Same function by the ops, and by the POLYs alone; levelize's contract; degree <= k."""
    assert_equivalent(original, compiled, n)
    check_level_contract(compiled)
    x = inputs_for(original, n)
    assert np.array_equal(eval_by_polys(compiled, x), simulate(original, x))
    assert all(len(ids) <= k for g in compiled.gates()
               for _, ids in compiled.graph.nodes[g][K.POLY])


@settings(max_examples=100, deadline=None)
@given(circuits(max_fanin=8), st.integers(2, 3), st.booleans(), st.booleans())
def test_pipeline_on_random_circuits(c, k, polarity, balance):
    before = c.to_json()
    opts = PassOptions(max_fanin=k, polarity=polarity, balance=balance, samples=128)
    compiled, report = run_passes(c, opts)
    assert c.to_json() == before
    check_compiled(c, compiled, k)
    json.dumps(report.to_dict())
    assert len(report.levels) == report.passes["depth"]["depth"] + 1


@pytest.mark.parametrize("seed", range(4))
def test_pipeline_on_larger_random_circuits(seed):
    c = random_circuit(seed, n_inputs=20, n_gates=150, n_outputs=8, max_fanin=6)
    compiled, _ = run_passes(c, FAST)
    check_compiled(c, compiled)


def test_report_table_and_dict():
    c, report = run_passes(and_pairs(12, 2), PassOptions(samples=500, sparsity_bound=2,
                                                         max_depth=1))
    d = report.to_dict()
    assert d == json.loads(json.dumps(d))
    assert set(d["passes"]) == {"simplify", "fanin", "resimplify", "lutmap", "monomials",
                                "polarity", "levelize", "sparsity", "depth"}
    row = d["levels"][1]
    assert row == {"level": 1, "wires": 66, "gates": 66, "buffers": 0, "monomials": {"2": 66},
                   "mean": 1.0, "p999": 1.0, "max": 1, "dense": False, "sparse_ok": True}
    text = report.to_text()
    assert "s = 2" in text and "66" in text and len(text.splitlines()) == 6
    assert d["warnings"] == []


def test_same_options_same_result():
    c = random_circuit(3, n_inputs=10, n_gates=60)
    a, ra = run_passes(c, FAST)
    b, rb = run_passes(c, FAST)
    assert a.to_json() == b.to_json() and ra.to_dict() == rb.to_dict()


def test_distribution_override_and_errors():
    c = and_pairs(10, 2)
    _, report = run_passes(c, PassOptions(samples=200, distribution=[]))  # uniform instead
    assert report.passes["sparsity"]["uniform_inputs"]
    with pytest.raises(CircuitError, match="unknown input"):
        run_passes(c, PassOptions(samples=10, distribution=[
            {"inputs": ["nope"], "kind": "sparse", "k": 1}]))
    with pytest.raises(CircuitError, match="at least 2"):
        run_passes(c, PassOptions(max_fanin=1))
    broken = Circuit("bad")
    a = broken.add_input("a")
    broken.add_output("y", broken.add_gate(K.OP_NOT, [a], name="n"))
    broken.graph.nodes["n"][K.OPERANDS] = ("a", "ghost")
    with pytest.raises(CircuitError, match="ghost"):
        run_passes(broken, FAST)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.circ")), ids=lambda p: p.name)
def test_pipeline_on_examples(path):
    from circuitc.lang import parse_file

    c = parse_file(path)
    compiled, _ = run_passes(c, FAST)
    check_compiled(c, compiled, n=256)


@pytest.mark.parametrize("name", ["c17", "c432", "c499", "c880"])
def test_pipeline_on_iscas(shared_circuits, name):
    bench = pytest.importorskip("circuitc.formats.bench")
    path = shared_circuits / "iscas85" / f"{name}.bench"
    c = bench.read_bench(path.read_bytes(), str(path))
    compiled, _ = run_passes(c, FAST)
    check_compiled(c, compiled, n=256)


@pytest.mark.parametrize("options", [PassOptions(), PassOptions(lut=6),
                                     PassOptions(optimize="balanced", max_fanin=3)],
                         ids=["default", "lut6", "balanced"])
def test_the_passes_leave_no_cyclic_garbage(options):
    """run_passes pauses the cyclic collector (graph.gc_paused), so anything a pass left in a
    reference cycle (a recursive closure, say) would stay until a full collection."""
    import gc

    run_passes(random_circuit(9), options)  # networkx builds its decorators' code on first use
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for seed in range(3):  # random circuits have every op, majorities included
            run_passes(random_circuit(seed, n_inputs=10, n_gates=200, n_outputs=6), options)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


def test_chain_writing_into_handed_over_results_equals_the_passes_one_by_one():
    """run_passes lets the annotating passes write into the previous pass's result instead of
    a copy (`_rewrite.hand_over`): the result is the same as calling every pass on its own,
    and what run_passes returns is the caller's again (a pass run on it copies it)."""
    from circuitc.passes import (fanin, levelize, lutmap, monomials, polarity, simplify)
    from circuitc.passes._rewrite import hand_over, writable

    c = random_circuit(5, n_inputs=12, n_gates=90, n_outputs=6, max_fanin=4)
    compiled, _ = run_passes(c, FAST)
    step = simplify(c)[0]
    step = simplify(fanin(step, 2)[0])[0]
    step = lutmap(step, 2, 0)[0]
    step = monomials(step)[0]
    step = polarity(step, FAST.samples, FAST.seed)[0]
    step = levelize(step)[0]
    assert compiled.to_json() == step.to_json()

    before = compiled.to_json()
    assert monomials(compiled)[0] is not compiled and compiled.to_json() == before
    assert writable(hand_over(step)) is step and writable(step) is not step  # the mark is used up
