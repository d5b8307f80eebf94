"""The residual lowering: exact on every input, ReLUs at most the gates' monomials (no buffers),
one stream dimension per input and non-buffer gate."""

import json

import numpy as np
import pytest

import circuitc
from circuitc.lowering.lower import level_wires
from circuitc.lowering.residual import Stream, alias_of, live_width, lower_residual
from circuitc.network import Block
from circuitc.passes import run_passes
from circuitc.simulate import all_inputs, simulate
from conftest import EXAMPLES, random_circuit


@pytest.mark.parametrize("seed", range(8))
def test_exact_on_every_input_and_no_larger_than_the_chain(seed):
    circuit = random_circuit(seed, n_inputs=7, n_gates=45, n_outputs=6)
    residual = circuitc.compile(circuit, architecture="residual")
    chain = circuitc.compile(circuit, architecture="mlp")
    x = all_inputs(7)
    assert np.array_equal(residual(x), simulate(circuit, x))
    assert residual.neurons <= chain.neurons
    assert circuitc.evaluate(residual)["ok"]
    for level in circuitc.evaluate(residual)["levels"]:
        assert level["max_abs_error"] < 1e-5  # every wire is exactly in its dimension


def test_relus_are_at_most_the_monomials_of_the_non_buffer_gates():
    compiled, report = run_passes(circuitc.parse_file(EXAMPLES / "adder.circ"))
    assert report.passes["levelize"]["buffers"] > 0
    embed, lowered = lower_residual(compiled)
    wires = level_wires(compiled)
    stream = Stream.of(compiled, wires)
    owners = [[g for g in level if alias_of(compiled, g) is None] for level in wires[1:]]
    assert stream.width == len(compiled.inputs) + sum(map(len, owners))
    assert embed.shape == (len(compiled.inputs), stream.width)
    for block, gates in zip(lowered.layers, owners):
        assert isinstance(block, Block)
        monomials = {tuple(sorted({stream.dim[f] for f in factors}))
                     for g in gates for _, factors in compiled.graph.nodes[g]["poly"] if factors}
        # one ReLU per monomial, or fewer where signed monomials (a & ~b = relu(a - b)) help
        assert block.shape[0] == stream.width and 0 < block.shape[1] <= len(monomials)
        # mlp_out writes only the block's own gates' dimensions
        written = set(block.mlp_out.W.indices) | set(np.flatnonzero(block.mlp_out.b))
        assert written <= {stream.dim[g] for g in gates}
    assert live_width(compiled, wires, stream) <= stream.width


def test_buffers_cost_nothing():
    """A wire read 5 levels later: the chain spends a buffer ReLU per level, the stream none."""
    c = circuitc.parse_text("""
        circuit late(a, b, c) -> (y) {
            wire t;
            wire u;
            t = a & b;
            u = ~(~(~(~(t ^ c) | a) & b) | c);
            y = u & a;
        }""")
    chain = circuitc.compile(c, architecture="mlp")
    residual = circuitc.compile(c, architecture="residual")
    assert residual.neurons < chain.neurons
    assert np.array_equal(residual(all_inputs(3)), simulate(c, all_inputs(3)))


def test_auto_keeps_the_chain_when_nothing_needs_carrying():
    c = circuitc.parse_text("circuit one(a, b) -> (y) { y = a & b; }")
    assert circuitc.compile(c).architecture == "mlp"
    assert circuitc.compile(circuitc.parse_file(EXAMPLES / "adder.circ")).architecture == \
        "residual"


def _residual_with_buffers():
    """A residual network over the carried (buffered) circuit, as version 2 files hold them."""
    from circuitc.compiling import CompileOptions, Source, Target, assemble
    from circuitc.lowering.plan import PlanOptions, plan_and_lower

    circuit = circuitc.parse_file(EXAMPLES / "adder.circ")
    compiled, report = run_passes(circuit)
    plan = plan_and_lower(compiled, PlanOptions(architecture="residual"))
    return assemble(Source.of(circuit), Target.of(compiled), plan, report, CompileOptions())


def test_eval_checks_a_carried_copy_once_and_still_sees_a_later_write():
    from circuitc.evaluate import checked_columns

    net = _residual_with_buffers()
    checked = checked_columns(net)
    wires = sum(len(e["wires"]) for e in net.meta["levels"])
    assert sum(map(len, checked)) < wires  # the buffers are not compared again
    report = circuitc.evaluate(net)
    assert report["ok"] and report["bit_errors"] == 0
    # a block that writes into a carried wire's dimension after its check: compared again
    level = max(range(len(checked)), key=lambda l: len(net.meta["levels"][l]["wires"])
                - len(checked[l]))
    skipped = sorted(set(range(len(net.meta["levels"][level]["wires"]))) - set(checked[level]))
    d = int(net.readoffs[level].W.tocsc()[:, [skipped[0]]].indices[0])
    block = net.layers[level - 1]
    block.mlp_out.b = block.mlp_out.b.copy()
    block.mlp_out.b[d] += 0.25
    block._writes = None
    assert skipped[0] in checked_columns(net)[level]
    bad = circuitc.evaluate(net)["levels"][level]
    assert bad["max_abs_error"] >= 0.25


def test_compile_builds_no_buffers_for_the_stream():
    net = circuitc.compile(circuitc.parse_file(EXAMPLES / "adder.circ"))
    assert net.architecture == "residual"
    assert net.meta["passes"]["passes"]["levelize"]["carried"] is False
    assert not any(g.get("op") == "buf" for g in json.loads(net.circuit_json)["nodes"])
    assert circuitc.evaluate(net)["ok"]
