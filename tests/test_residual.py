"""The residual lowering: exact on every input, ReLUs = the gates' monomials (no buffers), one
stream dimension per input and non-buffer gate."""

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


def test_relus_are_the_monomials_of_the_non_buffer_gates():
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
        assert block.shape == (stream.width, len(monomials))
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
