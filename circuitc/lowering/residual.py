"""The residual architecture: a stream carries every wire from the block that writes it onwards, so
no neuron is spent carrying a value across levels.

    r_0     = x @ embed.W                                             (input i at stream dim i)
    r_{t+1} = r_t + relu(r_t @ mlp_in.W + mlp_in.b) @ mlp_out.W + mlp_out.b     block t, t = 0..L-1
    y       = r_L @ readout.W + readout.b

Block t computes circuit level t + 1 with the exact construction (`exact.py`): one hidden ReLU
per distinct monomial the level's gates need, relu(sum of its k factors - (k - 1)) (or per signed
monomial, factors read negatively for complemented ones, when those are fewer), reading the
factors straight from the stream wherever they were written; mlp_out writes each gate, its
polynomial in those monomials (the constant term in mlp_out.b), into the gate's own stream
dimension. A stream dimension is written once and never changed, so a wire written at level l is
still exactly there at every later level: the buffers `levelize` inserts (gates whose polynomial
is 1 * one operand) are aliases of the wire they carry and cost nothing. Hence

    ReLUs <= the distinct monomials of the circuit's gates, level by level (no buffers)
    stream width D = inputs + non-buffer gates.

Everything is exact on every boolean input, like the plain exact lowering. Level l's wires are
read from r_l by a 0/1 selection of their dimensions; the read-out selects the outputs' drivers
(undoing complemented storage as `lower.readout` does). A dimension could be reused after its
wire's last read at the price of one erasing ReLU per reuse; this lowering does not, and
`stream` in the layer info reports the live-wire maximum that reuse could reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from circuitc import keys as K
from circuitc.graph import Circuit, gc_paused
from circuitc.lowering.construction import LevelSpec
from circuitc.lowering.exact import build_exact_gates
from circuitc.lowering.lower import Lowered, Outline, level_wires, polynomials, readout
from circuitc.network import Affine, Block, zero_vector


@dataclass
class Stream:
    """Which stream dimension holds each wire (buffers share their root's)."""

    dim: dict[str, int]  # every input and gate -> its dimension
    width: int
    writer: list[list[str]]  # per level: the gates that own a new dimension there

    @classmethod
    def of(cls, circuit: Circuit, wires: list[list[str]]) -> "Stream":
        dim = {w: i for i, w in enumerate(wires[0])}
        writer: list[list[str]] = [list(wires[0])]
        width = len(wires[0])
        for level in wires[1:]:
            owners = []
            for gate in level:
                root = alias_of(circuit, gate)
                if root is None:
                    dim[gate], width = width, width + 1
                    owners.append(gate)
                else:
                    dim[gate] = dim[root]
            writer.append(owners)
        return cls(dim, width, writer)


def alias_of(circuit: Circuit, gate: str) -> str | None:
    """The operand whose stored value `gate` copies (POLY = 1 * operand: a buffer of levelize,
    or a gate the passes reduced to a copy), or None. In the stream it is that operand."""
    poly = circuit.graph.nodes[gate][K.POLY]
    if len(poly) == 1 and poly[0][0] == 1 and len(poly[0][1]) == 1:
        return poly[0][1][0]
    return None


def lower_residual(circuit: Circuit) -> tuple[sp.csr_array, Lowered]:
    """(embed, Lowered with Block layers) for a circuit that satisfies levelize's contract; see
    the module docstring."""
    with gc_paused():  # a few objects per gate, none in cycles (graph.gc_paused)
        return _lower_residual(circuit)


def _lower_residual(circuit: Circuit) -> tuple[sp.csr_array, Lowered]:
    wires = level_wires(circuit)
    stream = Stream.of(circuit, wires)
    D = stream.width
    n_in = len(wires[0])
    embed = sp.csr_array((np.ones(n_in, np.float32), (np.arange(n_in), np.arange(n_in))),
                         shape=(n_in, D))
    blocks, infos, readoffs = [], [], [_select(stream, wires[0])]
    for level in range(1, len(wires)):
        gates = stream.writer[level]
        monomials, P, p0 = polynomials(circuit, gates, stream.dim)
        spec = LevelSpec(level, D, monomials, P, p0)
        built = build_exact_gates(spec)
        write = _select(stream, gates).W.T  # [gates, D]: gate g -> its dimension
        bias = np.asarray(built.r @ write, dtype=np.float32)
        blocks.append(Block(Affine(sp.csc_array(built.W, dtype=np.float32), built.b),
                            Affine(sp.csr_array(built.R @ write, dtype=np.float32),
                                   bias if bias.any() else zero_vector(D))))
        infos.append({"level": level, "construction": "exact", "monomials": len(monomials),
                      "width": built.width, "writes": len(gates)})
        readoffs.append(_select(stream, wires[level]))
    # The outputs' drivers are read where they were written (any level: without buffers a
    # driver need not reach the last one).
    outline = Outline.of(circuit)
    drivers = list(dict.fromkeys(d for d, op in zip(outline.drivers, outline.driver_ops)
                                 if op not in K.CONST_OPS))
    lowered = Lowered(blocks, readoffs, readout(outline, [drivers], _select(stream, drivers)),
                      wires, infos, list(range(len(wires))), outline.stored(wires))
    return embed, lowered


def _select(stream: Stream, wires: list[str]) -> Affine:
    """The read-off [D, len(wires)] that picks each wire's dimension (CSC, like mlp_in: a
    matrix per level with D rows must not cost D, or a deep circuit's network grows with
    levels x D)."""
    cols = np.arange(len(wires) + 1)
    rows = np.array([stream.dim[w] for w in wires], dtype=np.int32)
    W = sp.csc_array((np.ones(len(wires), np.float32), rows, cols),
                     shape=(stream.width, len(wires)))
    return Affine(W, np.zeros(len(wires), np.float32))


def live_width(circuit: Circuit, wires: list[list[str]], stream: Stream) -> int:
    """The most stream dimensions live at once (written, and read later or an output's)."""
    last_read = {}
    for level, ws in enumerate(wires):
        for w in ws:
            for coef, factors in circuit.graph.nodes[w].get(K.POLY, []):
                for f in factors:
                    last_read[stream.dim[f]] = level
    for out in circuit.outputs:
        driver = circuit.driver(out)
        if driver in stream.dim:
            last_read[stream.dim[driver]] = len(wires)
    born = {stream.dim[w]: level for level, ws in enumerate(stream.writer) for w in ws}
    events = np.zeros(len(wires) + 2, dtype=np.int64)
    for d, b in born.items():
        events[b] += 1
        events[last_read.get(d, b) + 1] -= 1
    return int(np.cumsum(events).max(initial=0))
