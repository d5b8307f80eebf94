"""Exact, bit-parallel simulation: the reference every compiled network is checked against.

Samples are packed 64 to a uint64 word (sample j of a word is bit j, little-endian), so one numpy
bitwise operation evaluates a gate on 64 samples. Gates are evaluated level by level, all gates of
one level with the same op and fan-in in a single vectorised step (a gather of their operand rows
and a reduction), so the Python work is per (level, op, fan-in) group, not per gate or sample.

Conventions: input vectors are bool arrays [n_samples, n_inputs] in `Circuit.inputs` order; an
integer value of a bit-vector port sets bit i of the port from bit i of the integer (LSB first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from circuitc import keys as K
from circuitc.graph import Circuit

ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_STEP_OPS = frozenset(K.GATE_OPS + (K.OP_OUTPUT,))


# ---- packing ----------------------------------------------------------------------------------
def pack(x: np.ndarray) -> np.ndarray:
    """bool [n_samples, n_bits] -> uint64 [n_bits, ceil(n_samples / 64)]."""
    x = np.asarray(x, dtype=bool)
    n, m = x.shape
    words = -(-n // 64)
    padded = np.zeros((words * 64, m), dtype=bool)
    padded[:n] = x
    packed = np.packbits(padded.T, axis=1, bitorder="little")  # [m, words*8] uint8
    return np.ascontiguousarray(packed).view("<u8").reshape(m, words)


def unpack(words: np.ndarray, n_samples: int) -> np.ndarray:
    """uint64 [n_bits, n_words] -> bool [n_samples, n_bits]."""
    words = np.ascontiguousarray(words, dtype="<u8")
    bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")
    return bits[:, :n_samples].T.astype(bool)


# ---- the schedule -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Step:
    op: str
    out: np.ndarray  # [g] rows written
    args: np.ndarray  # [g, fan_in] rows read
    tables: np.ndarray | None = None  # OP_LUT: bool [g, 2^fan_in], row r = operand i is bit i


@dataclass(frozen=True)
class Schedule:
    """A circuit compiled for simulation: a row per node and vectorised steps level by level."""

    rows: dict[str, int]
    inputs: np.ndarray
    outputs: np.ndarray
    const1: int | None
    steps: tuple[_Step, ...]
    n_gate_evals: int

    @classmethod
    def of(cls, circuit: Circuit) -> Schedule:
        order = circuit.topological_order()
        return cls.of_nodes(circuit.graph._node, order, circuit.node_levels(order),
                            circuit.inputs, circuit.outputs)

    @classmethod
    def of_nodes(cls, data: Mapping[str, Mapping], order: list[str], level: Mapping[str, int],
                 inputs: list[str], outputs: list[str]) -> Schedule:
        """The schedule of nodes {id: attributes (keys.OP, OPERANDS, TRUTH)} in topological
        `order` with their longest-path `level`s: what `of` reads from a circuit graph, and
        `circuitc.nodes.read_nodes` from a circuit's JSON without building one."""
        rows = {node: i for i, node in enumerate(order)}
        groups: dict[tuple[int, str, int], list[str]] = {}
        for node in order:
            op = data[node][K.OP]
            if op in _STEP_OPS:
                # Output nodes copy their driver after every gate (level + 0.5 keeps that order).
                key = (2 * level[node] + (op == K.OP_OUTPUT), op, len(data[node][K.OPERANDS]))
                groups.setdefault(key, []).append(node)
        steps = []
        for key in sorted(groups, key=lambda k: (k[0], k[1], k[2])):
            for nodes in _by_table(groups[key], data) if key[1] == K.OP_LUT else [groups[key]]:
                args = [rows[o] for n in nodes for o in data[n][K.OPERANDS]]
                tables = None
                if key[1] == K.OP_LUT:
                    tables = np.array([_table(data[n][K.TRUTH], key[2]) for n in nodes],
                                      dtype=bool).reshape(len(nodes), 1 << key[2])
                steps.append(_Step(key[1], np.array([rows[n] for n in nodes], dtype=np.int64),
                                   np.array(args, dtype=np.int64).reshape(len(nodes), key[2]),
                                   tables))
        n_gates = sum(len(s.out) for s in steps if s.op != K.OP_OUTPUT)
        return cls(rows, np.array([rows[b] for b in inputs], dtype=np.int64),
                   np.array([rows[o] for o in outputs], dtype=np.int64),
                   rows.get(K.CONST1_ID), tuple(steps), n_gates)

    def run(self, packed_inputs: np.ndarray) -> np.ndarray:
        """uint64 [n_inputs, n_words] -> uint64 [n_nodes, n_words], a row per node."""
        values = np.zeros((len(self.rows), packed_inputs.shape[1]), dtype=np.uint64)
        values[self.inputs] = packed_inputs
        if self.const1 is not None:
            values[self.const1] = ONES
        for step in self.steps:
            if step.tables is not None:
                values[step.out] = _luts(values[step.args], step.tables)
            else:
                values[step.out] = _EVAL[step.op](values[step.args])
        return values


def _by_table(nodes: list[str], data: Mapping) -> list[list[str]]:
    """LUT gates of one step split by truth table when they share few tables (then `_luts`
    folds each table once on constants), else as they are."""
    by_truth: dict[str, list[str]] = {}
    for n in nodes:
        by_truth.setdefault(data[n][K.TRUTH], []).append(n)
    return list(by_truth.values()) if len(by_truth) * _SHARED_TABLE <= len(nodes) else [nodes]


def lut_table(truth: str, n: int) -> np.ndarray:
    """bool [2^n]: the rows of a LUT's hex TRUTH table (row r: operand i is bit i of r)."""
    return np.array(_table(truth, n), dtype=bool)


@lru_cache(maxsize=1 << 16)
def _table(truth: str, n: int) -> tuple[bool, ...]:
    """lut_table as a tuple, once per distinct table (a circuit's LUTs share a few hundred)."""
    value = int(truth, 16)
    return tuple(bool((value >> r) & 1) for r in range(1 << n))


def _luts(v: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """LUTs by Shannon expansion, all at once: start from each table's rows as all-0/all-1 words,
    then fold the highest operand away (x ? upper half : lower half) until one row is left.
    In chunks of gates, so the [gates, 2^k, words] table stays small. When every gate has the
    same table (`Schedule.of` makes such steps where gates share few tables: a mapped AIG), the
    table is folded once on constants instead (`_one_table`: a & b for table 8)."""
    g, k, words = v.shape
    if g and (tables == tables[0]).all():
        return _one_table(v, tables[0])
    out = np.empty((g, words), dtype=np.uint64)
    chunk = max(1, (1 << 22) // ((1 << k) * max(words, 1)))
    for start in range(0, g, chunk):
        stop = min(g, start + chunk)
        rows = np.where(tables[start:stop, :, None], ONES, np.uint64(0))
        for i in reversed(range(k)):
            half = rows.shape[1] // 2
            x = v[start:stop, i][:, None, :]
            rows = (x & rows[:, half:]) | (~x & rows[:, :half])
        out[start:stop] = rows[:, 0]
    return out


_SHARED_TABLE = 64  # LUT gates per distinct table from which a step holds one table (_luts)


def _one_table(v: np.ndarray, table: np.ndarray) -> np.ndarray:
    """uint64 [g, words]: the LUT of bool `table` [2^k] on operands v [g, k, words], by the
    Shannon fold of `_luts` with the rows held as constants (True/False) while they are:
    x ? 1 : 0 is x, x ? b : 0 is x & b, and so on."""
    rows: list = [bool(b) for b in table]
    for i in reversed(range(v.shape[1])):
        x, half = v[:, i], len(rows) // 2
        rows = [_choose(x, hi, lo) for hi, lo in zip(rows[half:], rows[:half])]
    row = rows[0]
    if isinstance(row, bool):
        return np.full((v.shape[0], v.shape[2]), ONES if row else np.uint64(0), dtype=np.uint64)
    return row


def _choose(x: np.ndarray, hi, lo):
    """x ? hi : lo on packed words, where hi and lo are word arrays or constants True/False."""
    if hi is lo:
        return hi
    if isinstance(hi, bool) and isinstance(lo, bool):
        return x if hi else ~x
    if hi is True:
        return x | lo
    if hi is False:
        return ~x & lo
    if lo is True:
        return ~x | hi
    if lo is False:
        return x & hi
    return (x & hi) | (~x & lo)


def _majority(v: np.ndarray) -> np.ndarray:
    """Bit-sliced popcount of the fan-in axis compared with n//2 + 1, all in bitwise ops."""
    n = v.shape[1]
    count: list[np.ndarray] = []  # binary counter, LSB first
    for i in range(n):
        carry = v[:, i]
        for j in range(len(count)):
            count[j], carry = count[j] ^ carry, count[j] & carry
        count.append(carry)
    threshold = n // 2 + 1
    gt = np.zeros_like(v[:, 0])
    eq = np.full_like(v[:, 0], ONES)
    for j in reversed(range(len(count))):
        bit = ONES if (threshold >> j) & 1 else np.uint64(0)
        gt |= eq & count[j] & ~bit
        eq &= ~(count[j] ^ bit)
    return gt | eq


_EVAL = {
    K.OP_AND: lambda v: np.bitwise_and.reduce(v, axis=1),
    K.OP_OR: lambda v: np.bitwise_or.reduce(v, axis=1),
    K.OP_XOR: lambda v: np.bitwise_xor.reduce(v, axis=1),
    K.OP_NAND: lambda v: ~np.bitwise_and.reduce(v, axis=1),
    K.OP_NOR: lambda v: ~np.bitwise_or.reduce(v, axis=1),
    K.OP_XNOR: lambda v: ~np.bitwise_xor.reduce(v, axis=1),
    K.OP_NOT: lambda v: ~v[:, 0],
    K.OP_BUF: lambda v: v[:, 0],
    K.OP_OUTPUT: lambda v: v[:, 0],
    K.OP_MUX: lambda v: (v[:, 0] & v[:, 1]) | (~v[:, 0] & v[:, 2]),
    K.OP_MAJ: _majority,
}


# ---- public API -------------------------------------------------------------------------------
def simulate(
    circuit: Circuit,
    x: np.ndarray | Mapping[str, int],
    wires: bool = False,
    schedule: Schedule | None = None,
) -> np.ndarray | dict[str, int] | tuple[np.ndarray, dict[str, np.ndarray]]:
    """Evaluate `circuit` exactly.

    `x` is a bool array [n_samples, n_inputs] (returns bool [n_samples, n_outputs]) or a mapping
    of port names to integers (returns a mapping of output port names to integers; see
    `assign_ports`). With `wires=True` an array call also returns {node id: bool [n_samples]} for
    every node. Pass a `Schedule.of(circuit)` to reuse it across calls.
    """
    if isinstance(x, Mapping):
        out = simulate(circuit, assign_ports(circuit, x)[None, :], schedule=schedule)
        return read_ports(circuit, out[0])
    x = np.asarray(x, dtype=bool)
    if x.ndim != 2 or x.shape[1] != len(circuit.inputs):
        raise ValueError(f"expected inputs of shape [n, {len(circuit.inputs)}], got {x.shape}")
    schedule = schedule or Schedule.of(circuit)
    values = schedule.run(pack(x))
    outputs = unpack(values[schedule.outputs], len(x))
    if not wires:
        return outputs
    every = unpack(values, len(x))
    return outputs, {node: every[:, row] for node, row in schedule.rows.items()}


def truth_table(circuit: Circuit, max_inputs: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """All 2^n input rows (row r sets input i to bit i of r) and the outputs for each."""
    n = len(circuit.inputs)
    if n > max_inputs:
        raise ValueError(f"{n} inputs is too many for a truth table (at most {max_inputs})")
    x = all_inputs(n)
    return x, simulate(circuit, x)


def all_inputs(n: int) -> np.ndarray:
    """bool [2^n, n]: row r sets column i to bit i of r."""
    r = np.arange(2**n, dtype=np.int64)[:, None]
    return ((r >> np.arange(n, dtype=np.int64)[None, :]) & 1).astype(bool)


def assign_ports(circuit: Circuit, values: Mapping[str, int]) -> np.ndarray:
    """One input vector from {port name: integer}; unnamed ports are 0. ValueError if bad."""
    ports = {p["name"]: p for p in circuit.input_ports}
    x = np.zeros(len(circuit.inputs), dtype=bool)
    column = {bit: i for i, bit in enumerate(circuit.inputs)}
    for name, value in values.items():
        if name not in ports:
            names = list(ports)
            shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
            raise ValueError(f"no input port '{name}' (ports: {shown or 'none'})")
        bits = ports[name]["bits"]
        if value < 0 or value >= 2 ** len(bits):
            raise ValueError(f"value {value} does not fit input '{name}' of {len(bits)} bit(s)")
        for i, bit in enumerate(bits):
            x[column[bit]] = (value >> i) & 1
    return x


def read_ports(circuit: Circuit, y: np.ndarray) -> dict[str, int]:
    """{output port name: integer} from one output vector (bit i of a port is bit i of its int)."""
    return _port_ints(circuit.output_ports, y)


def read_input_ports(circuit: Circuit, x: np.ndarray) -> dict[str, int]:
    """{input port name: integer} from one input vector (the inverse of `assign_ports`)."""
    return _port_ints(circuit.input_ports, x)


def _port_ints(ports: list[dict], row: np.ndarray) -> dict[str, int]:
    result, i = {}, 0
    for port in ports:
        width = len(port["bits"])
        result[port["name"]] = sum(int(b) << j for j, b in enumerate(row[i:i + width]))
        i += width
    return result
