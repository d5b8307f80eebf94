"""circuitc.gen: U-AND text and circuits, random sparse layered circuits and their reports."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.distribution import sample
from circuitc.gen import sparse_circ, sparse_circuit, uand_circ, uand_circuit
from circuitc.simulate import simulate

try:
    from circuitc.lang import parse_text
except ImportError:  # the language front end is built in parallel
    parse_text = None
needs_lang = pytest.mark.skipif(parse_text is None, reason="circuitc.lang is not importable")


def _subset_ands(x: np.ndarray, m: int, k: int) -> np.ndarray:
    return np.stack([x[:, list(s)].all(axis=1) for s in combinations(range(m), k)], axis=1)


def _sparse_rows(m: int, active: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros((n, m), dtype=bool)
    for row in x:
        row[rng.choice(m, size=active, replace=False)] = True
    return x


# ---- U-AND -----------------------------------------------------------------------------------
def test_uand_text_is_compact_loops_with_pragma():
    text = uand_circ(100, 2, active=4)
    assert "@sparse(4)" in text
    assert "circuit u_and<M = 100>(f[M]) -> (y[M * (M - 1) / 2])" in text
    assert text.count("for ") == 2 and text.count("&") == 1
    assert len(text.splitlines()) < 15  # does not grow with m
    assert uand_circ(100, 3).count("for ") == 3


@pytest.mark.parametrize("m,k", [(12, 2), (9, 3), (8, 4)])
def test_uand_circuit_matches_numpy(m, k):
    c = uand_circuit(m, k, active=3)
    assert c.distribution == [{"inputs": c.inputs, "kind": "sparse", "k": 3}]
    assert len(c.outputs) == len(list(combinations(range(m), k))) and c.depth == 1
    x = np.concatenate([_sparse_rows(m, 3, 300, 0), _sparse_rows(m, k, 300, 1)])
    assert (simulate(c, x) == _subset_ands(x, m, k)).all()


@needs_lang
@pytest.mark.parametrize("m,k,active", [(12, 2, 3), (9, 3, 3), (8, 4, 4), (30, 2, 5)])
def test_uand_text_parses_to_the_ands_in_lexicographic_order(m, k, active):
    c = parse_text(uand_circ(m, k, active), "u_and.circ")
    assert c.distribution[0]["kind"] == "sparse" and c.distribution[0]["k"] == active
    assert len(c.inputs) == m and c.depth == 1
    x = np.concatenate([_sparse_rows(m, active, 400, 2), _sparse_rows(m, k, 400, 3)])
    assert (simulate(c, x) == _subset_ands(x, m, k)).all()


@needs_lang
def test_uand_text_parameter_can_be_overridden():
    c = parse_text(uand_circ(50, 2), "u_and.circ", params={"M": 7})
    x = _sparse_rows(7, 2, 200, 4)
    assert (simulate(c, x) == _subset_ands(x, 7, 2)).all()


def test_uand_bad_arguments_are_reported_together():
    with pytest.raises(ValueError) as err:
        uand_circ(1, 1, active=5)
    assert "k must be at least 2" in str(err.value) and "active" in str(err.value)


# ---- sparse layered circuits -----------------------------------------------------------------
def _layers(c):
    """Gate ids per level, checking on the way that every gate reads the previous level."""
    level = c.node_levels()
    layers = c.levels()
    for lv, gates in enumerate(layers, start=1):
        for g in gates:
            wires = [o for o in c.operands(g) if c.op(o) not in K.CONST_OPS]
            assert len(wires) == 2 and wires[0] != wires[1]
            assert all(level[o] == lv - 1 for o in wires), g
            if c.op(g) == K.OP_MUX:  # a & ~b = mux(b, 0, a)
                assert c.operands(g)[1] == K.CONST0_ID
            else:
                assert c.op(g) in (K.OP_AND, K.OP_OR, K.OP_XOR)
    return layers


def test_sparse_structure_every_gate_reads_the_previous_level():
    c, report = sparse_circuit(120, 5, 3, seed=3, samples=500)
    layers = _layers(c)
    assert [len(lv) for lv in layers] == [120] * 5
    assert c.outputs and [c.driver(o) for o in c.outputs] == layers[-1]
    assert c.validate() == []
    # Fan-out exactly two: every wire below the last level is read by two gates.
    reads = Counter(o for g in c.gates() for o in c.operands(g) if c.op(o) not in K.CONST_OPS)
    for wires in [c.inputs] + layers[:-1]:
        assert {reads[w] for w in wires} == {2}
    kinds = Counter(c.op(g) for g in c.gates())
    assert kinds[K.OP_AND] and kinds[K.OP_OR] + kinds[K.OP_XOR] and kinds[K.OP_MUX]
    assert {"split", "join", "pair"} <= set(report["per_level"][2]["blocks"])


def test_sparse_is_deterministic():
    a = sparse_circ(80, 4, 3, seed=5, samples=300)
    assert a == sparse_circ(80, 4, 3, seed=5, samples=300)
    assert a != sparse_circ(80, 4, 3, seed=6, samples=300)


def test_sparse_report_matches_an_independent_simulation():
    samples = 700
    c, report = sparse_circuit(90, 6, 3, seed=2, samples=samples)
    assert report["sample_seed"] == 3
    _, values = simulate(c, sample(c, samples, seed=3), wires=True)
    rows = report["per_level"]
    assert [r["level"] for r in rows] == list(range(7))
    for row, nodes in zip(rows, [c.inputs] + c.levels()):
        on = np.stack([values[n] for n in nodes], axis=1)
        counts = on.sum(axis=1)
        assert row["wires"] == len(nodes)
        assert row["mean"] == pytest.approx(counts.mean(), abs=1e-4)
        assert row["p999"] == pytest.approx(np.percentile(counts, 99.9), abs=1e-4)
        assert row["max"] == counts.max()
        assert row["never_on"] == int((~on.any(axis=0)).sum())
        if row["level"]:
            ops = [[o for o in c.operands(g) if c.op(o) not in K.CONST_OPS] for g in nodes]
            a = np.stack([values[w[0]] for w in ops], axis=1)
            b = np.stack([values[w[1]] for w in ops], axis=1)
            copies = (on == a).all(axis=0) | (on == b).all(axis=0)
            assert row["copies"] == int(copies.sum())
            assert row["both_on"] == int((a & b).any(axis=0).sum())


def test_sparse_activity_stays_within_documented_bounds():
    active = 3
    _, report = sparse_circuit(300, 6, active, seed=0)
    for row in report["per_level"][1:]:
        assert active * 0.9 <= row["mean"] <= active * 1.3, row
        assert row["max"] <= 2 * active, row
        assert row["never_on"] <= 3, row  # every wire has a feature to itself
        assert row["copies"] < row["wires"] * 0.9, row  # not just copying
    assert report["per_level"][-1]["both_on"] > 0.1 * 300  # gates see two operands on


def test_sparse_more_inputs_than_wires_merges_them():
    for inputs in (75, 99, 100):  # 99: one input left over from the merges
        c, report = sparse_circuit(50, 3, 2, seed=1, inputs=inputs, samples=300)
        assert len(c.inputs) == inputs
        assert [len(lv) for lv in _layers(c)] == [50] * 3
        read = {o for g in c.levels()[0] for o in c.operands(g)}
        assert set(c.inputs) <= read
        assert report["per_level"][1]["blocks"]["merge"] == inputs - 50


def test_sparse_restricted_ops():
    c, _ = sparse_circuit(40, 3, 2, ops=("andnot",), samples=200)
    assert {c.op(g) for g in c.gates()} == {K.OP_MUX}
    c, _ = sparse_circuit(40, 3, 2, ops=("and", "andnot"), samples=200)
    assert {c.op(g) for g in c.gates()} == {K.OP_MUX}  # no split, so no join needs AND


def test_sparse_bad_arguments_are_reported_together():
    with pytest.raises(ValueError) as err:
        sparse_circuit(1, 0, 5, ops=("and", "nand"))
    message = str(err.value)
    for part in ("unknown op(s) nand", "andnot", "wires must be", "levels must be", "active"):
        assert part in message
    with pytest.raises(ValueError, match="inputs must be in"):
        sparse_circuit(10, 2, 2, inputs=5)


@needs_lang
def test_sparse_text_parses_back_to_the_same_circuit():
    c, _ = sparse_circuit(60, 4, 3, seed=4, samples=400)
    text = sparse_circ(60, 4, 3, seed=4, samples=400)
    assert text.startswith("//") and "@sparse(3)" in text
    parsed = parse_text(text, "sparse.circ")
    assert parsed.distribution[0]["k"] == 3
    for g in c.gates():  # the same gate names, ops and operands
        assert parsed.op(g) == c.op(g) and parsed.operands(g) == c.operands(g)
    assert len(parsed.gates()) == len(c.gates())
    x = sample(c, 500, seed=9)
    assert (simulate(parsed, x) == simulate(c, x)).all()
