"""The rebuilding passes consume a handed-over circuit (`_rewrite.consumable`): they free its
edges, lutmap its gates too, while they build their result. That must change nothing but
memory: the same result (node order, ids, attributes, edge order) and report as from a circuit
that is not handed over, which stays untouched."""

import pytest

from circuitc.passes import choose_lut, fanin, lutmap, simplify
from circuitc.passes._rewrite import hand_over
from conftest import random_circuit
from pass_helpers import and_pairs, ripple_adder


def _graph(c):
    """Everything of a graph, dict orders included (to_json keeps node and edge order)."""
    g = c.graph
    return (c.to_json(), list(g._node), [list(d) for d in g._node.values()],
            {n: list(s) for n, s in g._succ.items()}, {n: list(p) for n, p in g._pred.items()})


CASES = [
    ("simplify", lambda c: simplify(c)),
    ("fanin", lambda c: fanin(c, 2)),
    ("lutmap gates", lambda c: lutmap(c, 2, 0)),
    ("lutmap k=4", lambda c: lutmap(c, 4)),
    ("choose_lut", lambda c: choose_lut(c, "balanced")),
]


@pytest.mark.parametrize("name,run", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("make", [lambda: random_circuit(3, n_inputs=10, n_gates=80,
                                                         n_outputs=8, max_fanin=4),
                                  lambda: random_circuit(11, n_inputs=8, n_gates=60),
                                  lambda: and_pairs(12), lambda: ripple_adder(6)])
def test_a_consumed_circuit_gives_the_same_result_and_a_kept_one_is_untouched(name, run, make):
    if name in ("lutmap gates", "lutmap k=4", "choose_lut"):  # lutmap's contract: fan-in <= k
        source = simplify(fanin(simplify(make())[0], 2)[0])[0]
    else:
        source = make()
    kept = source.copy()
    before = _graph(kept)
    expected, expected_report = run(kept)
    assert _graph(kept) == before  # not handed over: never touched
    got, report = run(hand_over(source.copy()))
    assert _graph(got) == _graph(expected)
    assert report == expected_report


def test_lutmap_frees_a_consumed_circuit_and_choose_lut_consumes_none():
    c = simplify(fanin(random_circuit(5, n_inputs=8, n_gates=50), 2)[0])[0]
    handed = hand_over(c.copy())
    lutmap(handed, 2, 0)
    assert not handed.graph._succ and not handed.graph._pred  # edges freed
    assert len(handed.graph._node) < len(c.graph._node)  # its gates freed as they are mapped
    handed = hand_over(c.copy())
    choose_lut(handed, "balanced")  # maps it once per candidate: it must stay whole
    assert _graph(handed) == _graph(c)
