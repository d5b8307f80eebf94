import numpy as np

from circuitc import keys as K
from circuitc.distribution import sample
from circuitc.graph import Circuit
from circuitc.passes import PassOptions, run_passes
from circuitc.passes.sparsity import sparsity
from pass_helpers import and_pairs, ripple_adder, stored_values


def test_sparse_and_of_pairs_is_sparse_at_every_level():
    c, report = run_passes(and_pairs(30, 3), PassOptions(samples=1000, sparsity_bound=3))
    sp = report.passes["sparsity"]
    assert [r["max"] for r in sp["levels"]] == [3, 3]  # 3 inputs on, C(3,2) = 3 pairs on
    assert all(r["sparse_ok"] and not r["dense"] for r in sp["levels"])
    assert sp["all_sparse_ok"] is True and sp["uniform_inputs"] is False and not sp["dense"]
    assert report.warnings == []
    assert "every level is sparse enough" in report.to_text()


def test_ripple_carry_adder_on_uniform_inputs_is_reported_dense():
    _, report = run_passes(ripple_adder(8), PassOptions(samples=1000, sparsity_bound=3))
    sp = report.passes["sparsity"]
    assert sp["uniform_inputs"] and sp["dense"] and sp["all_sparse_ok"] is False
    assert any("inputs are uniform and the circuit is dense" in w for w in report.warnings)
    assert "NOT every level is sparse enough" in report.to_text()


def test_counts_stored_values_per_level_and_both_criteria():
    c = Circuit("t")
    xs = c.add_input_vector("x", 8)
    n = c.add_gate(K.OP_NOR, xs[:2], name="n")
    g = c.add_gate(K.OP_AND, xs[2:4], name="g")
    c.add_output_vector("y", [n, g])
    c.distribution = [{"inputs": xs, "kind": "atmost", "k": 4}]
    for node, level in [("x[0]", 0), (n, 1), (g, 1)]:
        c.graph.nodes[node][K.LEVEL] = level
    c.graph.nodes[n][K.COMPLEMENTED] = True
    report = sparsity(c, bound=1, samples=2000, seed=5)
    x = sample(c, 2000, 5)
    stored = stored_values(c, x)
    level1 = stored[n] + stored[g]
    row = report["levels"][1]
    assert row["wires"] == 2 and row["max"] == level1.max() == 2
    assert row["mean"] == round(level1.mean(), 4)
    assert row["p999"] == np.percentile(level1, 99.9)
    assert row["ok_max"] is False and row["sparse_ok"] is False
    assert row["ok_p999"] == (row["p999"] <= 1)
    assert report["criterion"] == "max <= s"
    assert report["levels"][0]["max"] == 4  # atmost(4)


def test_no_bound_means_no_verdict_and_same_seed_same_report():
    c = and_pairs(10, 2)
    a = sparsity(c, samples=300, seed=2)
    assert a == sparsity(c, samples=300, seed=2)
    assert a["all_sparse_ok"] is None and all(r["sparse_ok"] is None for r in a["levels"])


def test_carried_wires_count_on_every_level_they_cross():
    """Buffer chains are counted as spans of one value; the counts equal a direct sum over
    every wire of every level (p99.9 as numpy's percentile)."""
    c, report = run_passes(ripple_adder(6), PassOptions(samples=700, seed=3))
    assert report.passes["levelize"]["buffers"] > 0
    table = sparsity(c, samples=700, seed=3)["levels"]
    stored = stored_values(c, sample(c, 700, 3))
    for row in table:
        nodes = [n for n in c.graph.nodes if c.op(n) != K.OP_OUTPUT and
                 c.op(n) not in K.CONST_OPS and c.graph.nodes[n].get(K.LEVEL) == row["level"]]
        counts = sum(stored[n].astype(np.int64) for n in nodes)
        assert row["wires"] == len(nodes)
        assert row["max"] == counts.max() and row["mean"] == round(counts.mean(), 4)
        assert row["p999"] == round(float(np.percentile(counts, 99.9)), 4)
