"""Lowering: a levelized circuit in monomial form -> ReLU layers, read-offs and the read-out.

Input contract (what `circuitc.passes.run_passes` guarantees): every gate has keys.LEVEL and
keys.POLY, a polynomial over operands that all sit one level lower, computing the gate's *stored*
value (keys.COMPLEMENTED marks wires stored as 1 - value); every output is driven by a wire of
the last level L or by a constant.

Level l's wires are read from the network's activations by an affine read-off
w_l ~= h_l @ R_l + r_l (R_0, r_0 come from the input embedding). For each transition l -> l+1 a
`LevelSpec` lists the monomials level l+1 needs with the gates' coefficients P and constants p0
(gates = monomials @ P + p0); the chosen construction returns a `GateLayer` with
gates ~= relu(w_l @ W + b) @ R + r, and since the network sees w_l only through its read-off, the
layer is composed with it:

    layers[l].W = R_l @ W,  layers[l].b = r_l @ W + b              (W_next = B_next R_prev)
    R_{l+1} = R,            r_{l+1} = r

Error correction (optional): `correct(level, n_wires)` may return a wires -> same wires
`GateLayer` (circuitc.lowering.correction) for level l; it is composed the same way and appended
after the layer that produced level l, and level l's read-off becomes the corrected layer's
(layer_info records it with kind "correct"; level_layers[l] is the layer level l is read from).

The read-out takes each output's wire column of R_L (negated, bias 1 - r, when the
wire is stored complemented); constant outputs are read-out biases. When the outputs are the top
level's wires in order (U-AND), the read-out holds R_L itself, the same matrix object: no copy,
and the streamed evaluation makes the product once for both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.lowering.construction import GateLayer, LevelSpec, Monomial
from circuitc.network import Affine, ColumnsOf
from circuitc.simulate import Schedule, pack, unpack

# build(spec) -> GateLayer: the construction chosen for that level transition.
Builder = Callable[[LevelSpec], GateLayer]
# correct(level, n_wires) -> GateLayer (wires -> same wires) or None: a correction after a level.
Corrector = Callable[[int, int], "GateLayer | None"]


@dataclass
class Lowered:
    layers: list[Affine]
    readoffs: list[Affine]  # one per level 0..L
    readout: Affine
    wires: list[list[str]]  # wire node ids per level
    layer_info: list[dict]  # what each construction reported, one per layer
    level_layers: list[int]  # per level 0..L: the activations h_t its read-off reads
    # (t = 0 is the embedding; t counts layers, correction layers included)
    complemented: list[list[bool]]  # per level, per wire: stored as 1 - its value


@dataclass
class Outline:
    """What lowering and its checks read of a levelized circuit besides its `level_specs`, read
    from the graph once: its name and source (diagnostics), inputs and declared distribution
    (what `circuitc.distribution.sample` reads of a circuit), each output's driver (a wire, or
    a constant), and the wires stored complemented. A planner that has the specs and this can
    let the graph go (`Circuit.pack`) while it searches and checks."""

    name: str
    path: str
    inputs: list[str]
    distribution: list[dict]
    output_names: list[str]
    drivers: list[str]  # per output: the node it reads
    driver_ops: list[str]
    complemented: frozenset[str]  # the wires stored as 1 - their value

    @classmethod
    def of(cls, circuit: Circuit) -> Outline:
        nodes = circuit.graph._node
        drivers = [circuit.driver(o) for o in circuit.outputs]
        # an output named as its driver (U-AND's y[r]) shares the driver's string
        names = [d if n == d else n for n, d in zip(circuit.output_names, drivers)]
        return cls(circuit.name, circuit.graph.graph.get(K.G_SOURCE, {}).get("path", circuit.name),
                   list(circuit.inputs), circuit.distribution, names, drivers,
                   [nodes[d][K.OP] for d in drivers],
                   frozenset(n for n, d in nodes.items() if d.get(K.COMPLEMENTED)))

    def stored(self, wires: list[list[str]]) -> list[list[bool]]:
        """Per level, per wire: whether it is stored complemented."""
        return [[w in self.complemented for w in level] for level in wires]


def level_wires(circuit: Circuit) -> list[list[str]]:
    """Wire node ids per level: level 0 the inputs in input order, level l >= 1 the gates with
    LEVEL l in topological order."""
    wires: list[list[str]] = [list(circuit.inputs)]
    for gate in circuit.gates():
        level = circuit.graph.nodes[gate][K.LEVEL]
        while len(wires) <= level:
            wires.append([])
        wires[level].append(gate)
    return wires


def stored_values(circuit: Circuit, wires: list[list[str]],
                  x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Exact simulation of inputs x (bool [n, inputs]): the outputs [n, outputs] and, per level of
    `wires` (see level_wires), the values its wires store (value XOR keys.COMPLEMENTED) [n, wires],
    which are what a level's read-off must reproduce."""
    schedule = Schedule.of(circuit)
    values = schedule.run(pack(x))
    stored = []
    for level in wires:
        rows = np.array([schedule.rows[w] for w in level], dtype=np.int64)
        flip = np.array([bool(circuit.graph.nodes[w].get(K.COMPLEMENTED)) for w in level])
        stored.append(unpack(values[rows], len(x)) ^ flip)
    return unpack(values[schedule.outputs], len(x)), stored


def polynomials(
    circuit: Circuit, gates: Sequence[str], previous: Sequence[str] | Mapping[str, int]
) -> tuple[list[Monomial], sp.csr_array, np.ndarray]:
    """The distinct monomials `gates` need (over indices into `previous`, or the indices it
    maps wires to; sorted by degree then indices), the coefficient matrix P [n_monomials,
    n_gates] and constant terms p0 [n_gates]."""
    index = previous if isinstance(previous, Mapping) else {w: i for i, w in enumerate(previous)}
    terms: list[tuple[Monomial, int, float]] = []
    p0 = np.zeros(len(gates), dtype=np.float32)
    for g, gate in enumerate(gates):
        for coef, factors in circuit.graph.nodes[gate][K.POLY]:
            if not factors:
                p0[g] += coef
                continue
            try:
                mono = tuple(sorted({index[f] for f in factors}))
            except KeyError as missing:
                raise ValueError(f"gate '{gate}' at level {circuit.graph.nodes[gate][K.LEVEL]} "
                                 f"reads {missing} from another level; run levelize first")
            terms.append((mono, g, coef))
    monomials = sorted({t[0] for t in terms}, key=lambda m: (len(m), m))
    column = {m: i for i, m in enumerate(monomials)}
    rows = np.array([column[t[0]] for t in terms], dtype=np.int64)
    cols = np.array([t[1] for t in terms], dtype=np.int64)
    data = np.array([t[2] for t in terms], dtype=np.float32)
    P = sp.csr_array((data, (rows, cols)), shape=(len(monomials), len(gates)), dtype=np.float32)
    return monomials, P, p0


def level_specs(circuit: Circuit) -> tuple[list[list[str]], list[LevelSpec]]:
    """The wires of every level and the `LevelSpec` of every transition (specs[0] is level 1)."""
    wires = level_wires(circuit)
    specs = []
    for level in range(1, len(wires)):
        monomials, P, p0 = polynomials(circuit, wires[level], wires[level - 1])
        specs.append(LevelSpec(level, len(wires[level - 1]), monomials, P, p0))
    return wires, specs


def lower(circuit: Circuit | Outline, input_readoff: Affine, build: Builder,
          correct: Corrector | None = None,
          levels: tuple[list[list[str]], list[LevelSpec]] | None = None) -> Lowered:
    """Lower every level with `build`, inserting `correct`'s layers where it returns one; see
    the module docstring for the composition. `levels` is `level_specs(circuit)` if the caller
    has it already (then the circuit's `Outline` will do)."""
    wires, specs = levels or level_specs(circuit)
    outline = circuit if isinstance(circuit, Outline) else Outline.of(circuit)
    readoffs = [input_readoff]
    layers, infos, level_layers = [], [], [0]
    for spec in specs:
        level = spec.level
        built = build(spec)
        readoffs.append(compose(readoffs[-1], built, layers))
        infos.append({"level": level, "monomials": len(spec.monomials), **built.info})
        fix = correct(level, len(wires[level])) if correct is not None and wires[level] else None
        if fix is not None:
            readoffs[-1] = compose(readoffs[-1], fix, layers)
            infos.append({"level": level, "kind": "correct", **fix.info})
        level_layers.append(len(layers))
    return Lowered(layers, readoffs, readout(outline, wires, readoffs[-1]), wires, infos,
                   level_layers, outline.stored(wires))


def compose(R: Affine, built: GateLayer, layers: list[Affine]) -> Affine:
    """Append `built` read through the read-off R (W_next = R W, b_next = r W + b); return the
    new read-off."""
    layers.append(Affine(_sparse_product(R.W, built.W),
                         (R.b @ built.W + built.b).astype(np.float32)))
    return Affine(sp.csr_array(built.R, dtype=np.float32), np.asarray(built.r, dtype=np.float32))


def readout(outline: Outline, wires: list[list[str]], last: Affine) -> Affine:
    """Each output's column of the last read-off (negated, bias 1 - r, for a complemented wire);
    a constant output is a zero column with bias 0 or 1. One gather for all outputs; when every
    output copies a wire as stored, the read-off's own matrix (`network.ColumnsOf` when in
    another order), not a copy."""
    column = {w: i for i, w in enumerate(wires[-1])}
    n_out = len(outline.drivers)
    source = np.zeros(n_out, dtype=np.int64)  # the read-off column each output takes
    sign = np.zeros(n_out, dtype=np.float32)  # +1, -1 (complemented) or 0 (constant)
    bias = np.zeros(n_out, dtype=np.float32)
    for o, (driver, op) in enumerate(zip(outline.drivers, outline.driver_ops)):
        if op in K.CONST_OPS:
            bias[o] = 1.0 if op == K.OP_CONST1 else 0.0
        elif driver not in column:
            raise ValueError(f"output '{outline.output_names[o]}' is driven by "
                             f"'{driver}', not a wire of the last level; run levelize first")
        else:
            source[o] = column[driver]
            complemented = driver in outline.complemented
            sign[o] = -1.0 if complemented else 1.0
            bias[o] = 1.0 - last.b[source[o]] if complemented else last.b[source[o]]
    d = last.W.shape[0]
    if (sign == 1).all():  # every output copies a top wire as stored: no copy of the matrix
        if n_out == last.W.shape[1] and np.array_equal(source, np.arange(n_out)):
            return Affine(last.W, bias)  # the top wires in order: the matrix itself
        return ColumnsOf(last, source, bias)  # its columns in output order (U-AND)
    if n_out and last.W.shape[1]:
        W = sp.csr_array(sp.csc_array(last.W)[:, source] @ sp.diags_array(sign),
                         dtype=np.float32)
    else:
        W = sp.csr_array((d, n_out), dtype=np.float32)
    return Affine(W, bias)


def _sparse_product(a, b) -> sp.csr_array:
    return sp.csr_array(sp.csr_array(a) @ sp.csr_array(b), dtype=np.float32)
