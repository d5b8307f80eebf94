"""lutchoice: the LUT size chosen for an objective is the best of the candidates by that
objective's score, the candidates are what lutmap gives, the mapping computes the circuit, and
the compiled network has the chosen depth and zero errors. Also lutmap's area counts signed
terms, the ReLUs the exact layers spend."""

from __future__ import annotations

import pytest

from circuitc import keys as K
from circuitc.compiling import compile
from circuitc.evaluate import evaluate
from circuitc.graph import Circuit
from circuitc.passes import PassOptions, choose_lut, fanin, lutmap, run_passes, simplify
from pass_helpers import assert_equivalent


def premapped(c: Circuit) -> Circuit:
    c, _ = simplify(c)
    c, _ = fanin(c, 2)
    c, _ = simplify(c)
    return c


def mixed() -> Circuit:
    """A parity of 12 (XOR-heavy: big LUTs cost terms) beside an AND-OR tree of 24 inputs with
    complemented literals (big LUTs save layers and terms): the objectives disagree on it."""
    c = Circuit("mixed")
    xs = c.add_input_vector("x", 24)
    c.add_output("par", c.add_gate(K.OP_XOR, xs[:12]))
    terms = [c.add_gate(K.OP_AND, [xs[i], c.add_gate(K.OP_NOT, [xs[i + 1]]), xs[i + 2]])
             for i in range(0, 24, 3)]
    c.add_output("any", c.add_gate(K.OP_OR, terms))
    return c


@pytest.mark.parametrize("objective,score", [
    ("neurons", lambda r: (r["neurons"], r["depth"])),
    ("depth", lambda r: (r["depth"], r["neurons"])),
    ("balanced", lambda r: (r["neurons"] * r["depth"], r["neurons"])),
])
def test_the_choice_is_the_best_candidate_for_the_objective(objective, score):
    c = premapped(mixed())
    mapped, report = choose_lut(c, objective)
    rows = report["candidates"]
    assert [r["k"] for r in rows] == [None, 4, 6]
    for r in rows:  # each candidate is what lutmap gives
        _, alone = lutmap(c, 2, cuts=0) if r["k"] is None else lutmap(c, r["k"])
        assert (r["depth"], r["neurons"]) == (alone["depth_after"], alone["neurons"])
    best = min(rows, key=score)
    assert report["chosen"] == best["k"] and report["objective"] == objective
    assert mapped.depth == best["depth"] and report["neurons"] == best["neurons"]
    assert_equivalent(c, mapped)


def test_objectives_disagree_where_they_should():
    c = premapped(mixed())
    depth = {o: choose_lut(c, o)[1] for o in ("depth", "neurons")}
    assert depth["depth"]["depth_after"] < depth["neurons"]["depth_after"]
    assert depth["neurons"]["neurons"] < depth["depth"]["neurons"]


def test_big_circuits_leave_out_the_lut_sizes_too_slow_to_map_and_say_so():
    c = premapped(mixed())
    mapped, report = choose_lut(c, "depth", max_gates={4: 5, 6: 5})
    assert [r["k"] for r in report["candidates"]] == [None]
    assert report["chosen"] is None and "K = 4 not tried above 5 gates" in report["skipped"]
    mapped, report = choose_lut(c, "neurons", max_gates={4: 10**6, 6: 5})
    assert [r["k"] for r in report["candidates"]] == [None, 4]
    assert "K = 6 not tried" in report["skipped"] and "K = 4" not in report["skipped"]


def test_bad_options_are_value_errors():
    with pytest.raises(ValueError, match="unknown objective"):
        choose_lut(premapped(mixed()), "fast")
    with pytest.raises(ValueError, match="give one of them"):
        run_passes(mixed(), PassOptions(lut=4, optimize="depth"))


def test_an_and_of_literals_costs_one_neuron_whatever_its_complements():
    # plain monomials: x0 (1 - x1)(1 - x2)(1 - x3) has 2^3 = 8; one signed ReLU computes it
    c = Circuit("lits")
    xs = c.add_input_vector("x", 4)
    c.add_output("y", c.add_gate(K.OP_AND, [xs[0]] + [c.add_gate(K.OP_NOT, [x]) for x in xs[1:]]))
    _, report = lutmap(premapped(c), 4)
    assert report["luts"] == 1 and report["neurons"] == 1


def test_compiled_network_has_the_chosen_depth_and_no_errors():
    c = mixed()
    for objective in ("depth", "neurons"):
        net = compile(c, mode="exact", optimize=objective)
        lut = net.meta["passes"]["passes"]["lutmap"]
        assert len(net.layers) == lut["depth_after"]
        result = evaluate(net, samples=2000, seed=1)
        assert result["bit_errors"] == 0
        assert all(level["max_abs_error"] < 1e-4 for level in result["levels"])  # every wire


def test_cli_optimize(tmp_path):
    import json

    from click.testing import CliRunner

    from circuitc.cli import main
    from conftest import EXAMPLES

    run = CliRunner().invoke
    adder = str(EXAMPLES / "ripple_adder.circ")
    checked = run(main, ["check", adder, "--optimize", "depth", "--json"])
    assert checked.exit_code == 0, checked.output
    lut = json.loads(checked.output)["plan"]["passes"]["lutmap"]
    assert lut["objective"] == "depth" and len(lut["candidates"]) == 3
    assert lut["depth_after"] == min(r["depth"] for r in lut["candidates"])
    net = tmp_path / "a.npz"
    compiled = run(main, ["compile", adder, "--optimize", "neurons", "-o", str(net)])
    assert compiled.exit_code == 0, compiled.output
    assert run(main, ["eval", str(net)]).exit_code == 0
    both = run(main, ["compile", adder, "--optimize", "depth", "--lut", "4", "-o", str(net)])
    assert both.exit_code == 1 and "give one of them" in both.output


def test_the_default_is_balanced_in_auto_mode_and_the_gates_elsewhere():
    from circuitc.compiling import CompileOptions

    assert CompileOptions(mode="auto").optimize == "balanced"
    assert CompileOptions(mode="auto", lut=4).optimize == "gates"
    assert CompileOptions().optimize == "gates"  # exact: the circuit's own gates are features
    assert CompileOptions(mode="superposed").optimize == "gates"
    c = mixed()
    gates = compile(c, mode="exact")
    assert "candidates" not in gates.meta["passes"]["passes"]["lutmap"]
    auto = compile(c, mode="auto")
    lut = auto.meta["passes"]["passes"]["lutmap"]
    assert lut["objective"] == "balanced" and lut["chosen"] is not None
    assert len(auto.layers) < len(gates.layers)
    assert evaluate(auto, samples=2000, seed=1)["bit_errors"] == 0
    same = compile(c, mode="exact", optimize="gates")
    assert same.meta["passes"] == gates.meta["passes"]
