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

The read-out takes each output's wire column of R_L (negated, bias 1 - r, when the
wire is stored complemented); constant outputs are read-out biases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.lowering.construction import GateLayer, LevelSpec, Monomial
from circuitc.network import Affine

# build(spec) -> GateLayer: the construction chosen for that level transition.
Builder = Callable[[LevelSpec], GateLayer]


@dataclass
class Lowered:
    layers: list[Affine]
    readoffs: list[Affine]  # one per level 0..L
    readout: Affine
    wires: list[list[str]]  # wire node ids per level
    layer_info: list[dict]  # what each construction reported


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


def polynomials(
    circuit: Circuit, gates: Sequence[str], previous: Sequence[str]
) -> tuple[list[Monomial], sp.csr_array, np.ndarray]:
    """The distinct monomials `gates` need (over indices into `previous`, sorted by degree then
    indices), the coefficient matrix P [n_monomials, n_gates] and constant terms p0 [n_gates]."""
    index = {w: i for i, w in enumerate(previous)}
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


def lower(circuit: Circuit, input_readoff: Affine, build: Builder) -> Lowered:
    """Lower every level with `build`; see the module docstring for the composition."""
    wires = level_wires(circuit)
    readoffs = [input_readoff]
    layers, infos = [], []
    for level in range(1, len(wires)):
        monomials, P, p0 = polynomials(circuit, wires[level], wires[level - 1])
        built = build(LevelSpec(level, len(wires[level - 1]), monomials, P, p0))
        R = readoffs[-1]
        layers.append(Affine(_sparse_product(R.W, built.W),
                             (R.b @ built.W + built.b).astype(np.float32)))
        readoffs.append(Affine(sp.csr_array(built.R, dtype=np.float32),
                               np.asarray(built.r, dtype=np.float32)))
        infos.append({"level": level, "monomials": len(monomials), **built.info})
    return Lowered(layers, readoffs, _readout(circuit, wires, readoffs[-1]), wires, infos)


def _readout(circuit: Circuit, wires: list[list[str]], last: Affine) -> Affine:
    column = {w: i for i, w in enumerate(wires[-1])}
    R = sp.csc_array(last.W)
    d = R.shape[0]
    cols, bias = [], np.zeros(len(circuit.outputs), dtype=np.float32)
    for o, out in enumerate(circuit.outputs):
        driver = circuit.driver(out)
        op = circuit.op(driver)
        if op in K.CONST_OPS:
            cols.append(sp.csc_array((d, 1), dtype=np.float32))
            bias[o] = 1.0 if op == K.OP_CONST1 else 0.0
            continue
        if driver not in column:
            raise ValueError(f"output '{circuit.graph.nodes[out][K.NAME]}' is driven by "
                             f"'{driver}', not a wire of the last level; run levelize first")
        col, b = R[:, [column[driver]]], float(last.b[column[driver]])
        if circuit.graph.nodes[driver].get(K.COMPLEMENTED):
            col, b = -col, 1.0 - b
        cols.append(col)
        bias[o] = b
    W = sp.hstack(cols, format="csr", dtype=np.float32) if cols else sp.csr_array((d, 0))
    return Affine(W, bias)


def _sparse_product(a, b) -> sp.csr_array:
    return sp.csr_array(sp.csr_array(a) @ sp.csr_array(b), dtype=np.float32)
