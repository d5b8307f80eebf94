"""The planner: superposed and auto modes choose widths by validation and never ship a wrong
network (they fall back to exact, or refuse with the reason)."""

import math

import numpy as np
import pytest

import circuitc
from circuitc.errors import CircuitError
from circuitc.gen import sparse_circuit
from circuitc.lowering import plan
from circuitc.lowering.lower import level_specs
from circuitc.passes import PassOptions, run_passes
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def uand40():
    return circuitc.parse_file(EXAMPLES / "u_and.circ", params={"M": 40})


@pytest.fixture(scope="module")
def uand100():
    return circuitc.parse_file(EXAMPLES / "u_and.circ", params={"M": 100})


def test_superposed_uand_beats_exact_with_zero_errors(uand100, tmp_path):
    net = circuitc.compile(uand100, mode="superposed", samples=2000)
    row = net.meta["plan"]["levels"][0]
    assert row["construction"] == "uand" and row["width"] < row["exact_width"] == 4950
    assert net.meta["layers"][0]["construction"] == "uand"
    check = net.meta["plan"]["validation"]
    assert check["samples"] == 2000 and check["risk"]["ok"]  # counted exactly: no extrapolation
    assert check["risk"]["risk"] <= plan.ACCEPT_RISK and check["risk"]["method"] == "exact"
    report = circuitc.evaluate(net, samples=2000)  # seed 0: not the validation sample
    assert report["ok"] and report["gates_per_relu"] > 1.0
    net.save(tmp_path / "a.npz")
    circuitc.compile(uand100, mode="superposed", samples=2000).save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_uand_search_stops_below_the_exact_width_and_says_what_it_measured(uand40):
    # a U-AND layer as wide as its monomials cannot pay (one neuron each is exact): the search
    # ends below the exact width (it went to 16 x before), clamped levels may go wider
    compiled, _ = run_passes(uand40, PassOptions())
    levels = level_specs(compiled)
    search = plan._Search.of(compiled, plan.PlanOptions(mode="superposed", samples=200),
                          np.eye(40), plan._identity(40), levels)
    assert search._limit("uand", 780) == 779
    assert search._limit("clamped", 780) == plan.MAX_WIDTH_FACTOR * 780
    with pytest.raises(CircuitError, match=r"16\.\.779 \(the exact lowering: 780\).*"
                                           r"width: margin measured: 16: (-|exact \(risk 1\))"):
        circuitc.compile(uand40, mode="superposed", samples=1000, margin=0.3)


def test_fixed_width_that_is_too_small_is_refused(uand40):
    with pytest.raises(CircuitError, match="cannot lower level 1 in superposition"):
        circuitc.compile(uand40, mode="superposed", width=20, samples=1000)


def test_auto_mode_keeps_exact_where_superposition_does_not_pay():
    adder = circuitc.parse_file(EXAMPLES / "adder.circ", params={"N": 4})
    # superposed U-AND: a level whose U-AND would be as wide as its exact lowering stays exact,
    # said so (the search is bounded by the exact width)
    net = circuitc.compile(adder, mode="superposed", construction="uand", samples=500)
    for r in net.meta["plan"]["levels"]:
        assert r["construction"] == "exact" and r["why"] or r["width"] < r["exact_width"]
    assert circuitc.evaluate(net)["ok"]
    # the default construction on a circuit this deep is clamped, which no width pays for here
    with pytest.raises(CircuitError, match="use --mode auto"):
        circuitc.compile(adder, mode="superposed", samples=500)
    net = circuitc.compile(adder, mode="auto", samples=500)
    rows = net.meta["plan"]["levels"]
    assert all(r["construction"] == "exact" and r["why"] for r in rows)
    assert circuitc.evaluate(net)["ok"]


def test_inputs_in_superposition_are_validated(uand40):
    net = circuitc.compile(uand40, mode="auto", input_dim=32, samples=2000)
    report = circuitc.evaluate(net, samples=2000)
    # either a network in superposition that is right, or the exact fallback, said so
    assert report["ok"]
    if net.meta["plan"]["fallback"] is None:
        assert net.embed.shape == (40, 32)
    else:
        assert "used the exact lowering" in net.meta["plan"]["fallback"]


def test_clamped_construction_on_a_deep_sparse_circuit():
    circuit, _ = sparse_circuit(60, 3, 2, seed=1)
    net = circuitc.compile(circuit, mode="auto", construction="clamped", samples=1000)
    assert circuitc.evaluate(net, samples=1000)["ok"]
    kinds = {r["construction"] for r in net.meta["plan"]["levels"]}
    assert kinds <= {"exact", "clamped"}


def test_decode_threshold_is_calibrated_for_superposed_outputs(uand100):
    net = circuitc.compile(uand100, mode="superposed", samples=2000)
    t = net.threshold
    assert np.all(t == t[0]) and 0.0 < t[0] < 1.0


def test_correction_layers_are_inserted_and_recorded(tmp_path):
    circuit, _ = sparse_circuit(40, 2, 2, seed=3)
    net = circuitc.compile(circuit, mode="superposed", construction="clamped", width=1500,
                           correct_width=1000, samples=1000)
    kinds = [layer["kind"] for layer in net.meta["layers"]]
    assert kinds == ["compute", "correct", "compute", "correct"]
    assert [lv["layer"] for lv in net.meta["levels"]] == [0, 2, 4]
    net.save(tmp_path / "n.npz")
    assert circuitc.evaluate(circuitc.load(tmp_path / "n.npz"), samples=1000)["ok"]


def test_a_packing_plan_lowers_the_same_network_and_leaves_only_the_json(uand40, tmp_path):
    compiled, _ = run_passes(uand40, PassOptions())
    text = compiled.to_json()
    options = plan.PlanOptions(mode="superposed", samples=500)
    kept = plan.plan_and_lower(compiled, options)
    packed = plan.plan_and_lower(compiled, options, pack=True)
    assert compiled.to_json() == text
    with pytest.raises(RuntimeError, match="packed"):
        compiled.outputs
    assert packed.levels == kept.levels and packed.validation == kept.validation
    assert np.array_equal(packed.threshold, kept.threshold)
    for a, b in zip(packed.lowered.layers + packed.lowered.readoffs,
                    kept.lowered.layers + kept.lowered.readoffs):
        assert (a.W != b.W).nnz == 0 and np.array_equal(a.b, b.b)
    assert packed.lowered.complemented == kept.lowered.complemented


def test_auto_falls_back_to_exact_when_the_whole_network_misses(uand40):
    net = circuitc.compile(uand40, mode="auto", input_dim=4, samples=1000)  # 40 inputs in 4 dims
    assert "used the exact lowering" in net.meta["plan"]["fallback"]  # from the packed circuit
    assert net.embed.shape == (40, 40)
    assert circuitc.evaluate(net, samples=1000)["ok"]
    with pytest.raises(CircuitError, match="in superposition"):
        circuitc.compile(uand40, mode="superposed", input_dim=4, samples=1000)


def test_a_width_the_construction_cannot_build_is_a_failed_try_not_a_crash():
    circuit = circuitc.parse_file(EXAMPLES / "multiplier.circ", params={"N": 8})
    net = circuitc.compile(circuit, mode="auto", samples=500)
    tried = [t for row in net.meta["plan"]["levels"] for t in row.get("tried", [])]
    assert any("too small" in t.get("error", "") for t in tried)
    assert circuitc.evaluate(net, samples=500)["ok"]


def test_superposed_clamped_on_a_deep_sparse_circuit_is_checked_on_fresh_inputs():
    circuit, _ = sparse_circuit(60, 3, 2, seed=0)
    net = circuitc.compile(circuit, mode="superposed", construction="clamped", samples=3000)
    levels = net.meta["plan"]["levels"]
    assert [r["construction"] for r in levels] == ["clamped"] * 3
    # one width for every level, whose whole network kept CLAMPED_SEARCH_STEPS host steps
    assert len({r["width"] for r in levels}) == 1
    assert all(r["margin"] >= plan.CLAMPED_SEARCH_STEPS / plan.CLAMPED_HOSTS for r in levels)
    validation = net.meta["plan"]["validation"]
    assert validation["ok"] and validation["samples"] == plan.HOLDOUT_FACTOR * 3000 > 3000
    assert validation["margin"] >= plan.CLAMPED_FRESH_STEPS / plan.CLAMPED_HOSTS
    # the outputs' threshold sits in the middle of the gap, the fresh samples' extremes at
    # least half of the host steps away on either side
    assert validation["room"] >= plan.CLAMPED_FRESH_STEPS / plan.CLAMPED_HOSTS / 2
    assert "95% confidence" in validation["confidence"]
    assert circuitc.evaluate(net, samples=3000)["ok"]  # seed 0: neither search nor check sample


def test_one_pass_judgment_of_a_width_is_what_threshold_then_run_say():
    # choose_uniform judges each width from one forward pass: the same threshold (chosen on the
    # first batch) and the same samples with an error and margin as a second pass would give
    circuit, _ = sparse_circuit(60, 3, 2, seed=0)
    compiled, _ = run_passes(circuit, PassOptions())
    levels = level_specs(compiled)
    options = plan.PlanOptions(mode="superposed", construction="clamped", samples=3000)
    embed, input_readoff = plan._embedding(len(compiled.inputs), options)
    search = plan._Search.of(compiled, options, embed, input_readoff, levels)
    seen = set()
    for width in (60, 150, 400, 1500):
        for spec in levels[1]:
            search.chosen[spec.level] = ("clamped", width)
        lowered = plan.lower(compiled, input_readoff, search.build, search.correct, levels=levels)
        for sample in (search.sample.head(plan.BATCH), search.sample):
            once = search.judge_once(lowered, sample)
            threshold = search.threshold(lowered)
            twice = plan.measure(embed, lowered.layers, lowered.readoffs, lowered.level_layers,
                                 lowered.readout, sample.x, sample.truth, threshold,
                                 batch=plan.BATCH, per_sample=True)
            assert once["samples_with_errors"] == twice.wrong_samples
            assert once["margin"] == search.run(lowered, sample, threshold)["margin"]
            assert once["samples"] == len(sample.x) == (plan.BATCH if sample is not search.sample
                                                        else 3000)
            seen.add(once["samples_with_errors"] == 0)
    assert seen == {True, False}  # widths that fail and widths that pass were both compared


def test_a_level_that_passed_on_the_whole_sample_is_not_run_again():
    # a fixed width is tried on the whole validation sample; the prefix the next level reads is
    # those activations, the same as running the chosen level again
    circuit, _ = sparse_circuit(60, 3, 2, seed=0)
    compiled, _ = run_passes(circuit, PassOptions())
    levels = level_specs(compiled)
    options = plan.PlanOptions(mode="superposed", construction="clamped", width=900,
                               samples=3000)
    embed, input_readoff = plan._embedding(len(compiled.inputs), options)
    reused = plan._Search.of(compiled, options, embed, input_readoff, levels)
    again = plan._Search.of(compiled, options, embed, input_readoff, levels)
    spec = levels[1][0]
    reused._level = lambda *args: pytest.fail("the chosen level ran again")
    assert reused.choose(spec)["construction"] == "clamped"
    again.chosen[spec.level] = ("clamped", 900)
    h, readoff = again._level(spec, again.prefix, again.prefix_readoff)
    assert len(reused.prefix) == len(h) == len(reused.sample.batches)
    for mine, theirs in zip(reused.prefix, h):
        assert (mine != theirs).nnz == 0
    assert (reused.prefix_readoff.W != readoff.W).nnz == 0
    assert np.array_equal(reused.prefix_readoff.b, readoff.b)
    assert reused._ran is None  # handed over, not kept


def test_widen_grows_superposed_levels_within_the_mode_limit():
    circuit, _ = sparse_circuit(30, 2, 2, seed=2)
    compiled, _ = run_passes(circuit, PassOptions())
    levels = level_specs(compiled)
    exact = [len(spec.monomials) for spec in levels[1]]
    for mode, width, grows in (("superposed", exact[0], True), ("auto", exact[0] - 1, False),
                               ("auto", exact[0] // 2, True)):
        search = plan._Search.of(compiled, plan.PlanOptions(mode=mode, samples=200), np.eye(30),
                              plan._identity(30), levels)
        search.chosen = {1: ("clamped", width)}
        rows = [{"level": 1, "width": width}, {"level": 2}]
        assert search.widen(rows) == grows
        # clamped levels widen by the search's confirmation step
        assert rows[0]["width"] == (math.ceil(width * plan.CONFIRM_FACTOR) if grows else width)
        assert rows[0].get("widened_from") == (width if grows else None)
        assert 2 not in search.chosen  # exact levels stay exact
    fixed = plan._Search.of(compiled, plan.PlanOptions(mode="superposed", width=50, samples=200),
                         np.eye(30), plan._identity(30), levels)
    fixed.chosen = {1: ("clamped", 50)}
    assert not fixed.widen([{"level": 1, "width": 50}, {"level": 2}])  # a fixed width stays


def test_inner_levels_need_a_wider_margin_only_when_the_width_is_searched():
    circuit, _ = sparse_circuit(30, 2, 2, seed=2)
    compiled, _ = run_passes(circuit, PassOptions())
    levels = level_specs(compiled)
    inner, top = levels[1]

    def target(**options):
        search = plan._Search.of(compiled, plan.PlanOptions(samples=200, **options), np.eye(30),
                              plan._identity(30), levels)
        return search._target(inner), search._target(top)

    assert target(mode="superposed") == (plan.INNER_MARGIN, 0.05)  # the top: + acceptance rule
    assert target(mode="superposed", width=500) == (0.05, 0.05)  # the whole-network check decides
    assert target(mode="auto") == (0.05, 0.05)  # auto checks outputs with exact levels above


def test_auto_mode_holds_the_top_level_to_the_acceptance_rule_too(uand100):
    """Auto mode's search judges the output level by the same tail rule as superposed mode: held
    to the margin alone it picked widths the fresh check then refused, and fell back to exact."""
    net = circuitc.compile(uand100, mode="auto", samples=4000)
    (row,) = net.meta["plan"]["levels"]
    assert net.meta["plan"]["fallback"] is None
    assert row["construction"] == "uand" and row["width"] < row["exact_width"]
    assert "risk" in row["tried"][-1] or any("risk" in t for t in row["tried"])
    assert circuitc.evaluate(net)["bit_errors"] == 0


def test_uand_of_pairs_on_exactly_s_inputs_is_judged_by_its_exact_risk(uand100):
    """The paper's U-AND (pairs of inputs that are exactly 3 on) is judged by pair_risk's count
    over every input: the search runs no samples, c = width / CERTIFIED_SHARE, and the network
    it keeps is the narrowest whose counted risk is within the limit."""
    net = circuitc.compile(uand100, mode="superposed", samples=2000)
    (row,) = net.meta["plan"]["levels"]
    assert all(t.get("certified") for t in row["tried"])
    assert net.meta["layers"][0]["c"] == max(plan.UAND_HOSTS,
                                             round(row["width"] / plan.CERTIFIED_SHARE))
    risks = {t["width"]: t["risk"] for t in row["tried"]}
    assert risks[row["width"]] <= plan.ACCEPT_RISK
    assert all(risk > plan.ACCEPT_RISK for width, risk in risks.items() if width < row["width"])
    report = circuitc.evaluate(net, samples=10_000)
    assert report["ok"] and report["gates_per_relu"] > 5  # 4950 ANDs in about 800 ReLUs


def test_a_counted_search_builds_the_read_off_of_the_chosen_width_alone(uand100, monkeypatch):
    """A try judged by its counted risk needs the layer's connections, not its read-off by gates
    (the compile's largest array): only the width chosen gets one, and no try's counted risk
    outlives the search but the chosen width's."""
    built = []
    gates = plan._gates
    monkeypatch.setattr(plan, "_gates", lambda layer, spec: built.append(layer.W.shape[1])
                        or gates(layer, spec))
    compiled, _ = run_passes(uand100, PassOptions(samples=2000))
    options = plan.PlanOptions(mode="superposed", construction="uand", samples=2000)
    search = plan._Search.of(compiled, options, *plan._embedding(100, options),
                          level_specs(compiled))
    (row,) = [search.choose(spec) for spec in search.specs]
    assert len(row["tried"]) > 3 and all(t.get("certified") for t in row["tried"])
    assert built == [row["width"]]
    assert set(search._certs) == {(1, "uand", row["width"])} and not search._hopeless
def test_at_most_k_on_is_judged_by_its_exact_risk_too(uand100):
    """atmost(3): 0..3 inputs on, each count equally likely: the count is their mixture."""
    net = circuitc.compile(uand100, mode="superposed", samples=2000, distribution="atmost(3)")
    risk = net.meta["plan"]["validation"]["risk"]
    assert risk["method"] == "exact" and risk["ok"]
    assert circuitc.evaluate(net)["bit_errors"] == 0


@pytest.mark.parametrize("options", [{"distribution": "bernoulli(0.03)"}, {"input_dim": 60},
                                     {"distribution": "sparse(4)"}])
def test_exact_risk_only_where_its_maths_holds(uand100, options):
    """Inputs not at most 3 on, or stored in superposition, are judged by the tails."""
    net = circuitc.compile(uand100, mode="auto", samples=2000, **options)
    risk = net.meta["plan"]["validation"].get("risk")
    assert risk is None or risk.get("method") != "exact"
    assert not any(t.get("certified") for row in net.meta["plan"]["levels"]
                   for t in row.get("tried", []))


@pytest.mark.parametrize("start", [None, 40, 700, 5000])
def test_the_width_search_finds_the_smallest_passing_width_from_any_start(start):
    # a width passes from 300 on (on the first batches and the whole sample alike): doubling
    # from a start below it, halving from a start above it, bisection to REFINE_TOL either way
    tries = []

    def passes(width, whole):
        tries.append(width)
        return width >= 300

    best = plan._smallest_passing(passes, 24, 10_000, confirm=True, start=start)
    assert 300 <= best <= 300 * plan.REFINE_TOL
    assert any(w < 300 for w in tries)  # a failure below the answer was seen, not assumed


def test_the_width_search_stops_at_the_floor_when_the_floor_passes():
    assert plan._smallest_passing(lambda width, whole: True, 24, 10_000, confirm=True,
                                  start=700) == 24
    assert plan._smallest_passing(lambda width, whole: False, 24, 1000, confirm=True,
                                  start=700) is None


def test_gates_of_a_permuted_uand_is_the_product_in_place():
    """plan._gates renames A's columns into gate order in place: the read-off R equals the
    product A P of `via_monomials`, entry for entry, with sorted rows, and reuses A's arrays."""
    import itertools

    import scipy.sparse as sp

    from circuitc.lowering.construction import LevelSpec, via_monomials
    from circuitc.lowering.uand import build_uand

    m = 12
    mons = list(itertools.combinations(range(m), 2))
    gate_of = np.random.default_rng(3).permutation(len(mons))
    P = sp.csr_array((np.ones(len(mons), np.float32), (np.arange(len(mons)), gate_of)),
                     shape=(len(mons), len(mons)))
    spec = LevelSpec(1, m, mons, P, np.zeros(len(mons)))
    expected = via_monomials(build_uand(mons, m, 60, c=6, s=2, seed=1), spec)
    layer = build_uand(mons, m, 60, c=6, s=2, seed=1)
    data = layer.A.data
    got = plan._gates(layer, spec)
    assert np.shares_memory(got.R.data, data)  # taken over, not copied
    assert got.R.has_sorted_indices and (got.R != expected.R).nnz == 0
    np.testing.assert_array_equal(got.R.toarray(), expected.R.toarray())
    np.testing.assert_array_equal(got.r, expected.r)
