"""The importers on the real benchmark circuits of ../shared/circuits (skipped when absent).

Counts come from ../shared/circuits/README.md; functions are checked on exhaustive or seeded
random vectors (the simulator is bit-parallel, so a few hundred vectors cost about one).
Every file is loaded once per test session (module-level cache) to keep the file fast.
"""

from __future__ import annotations

import functools
import struct

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.formats import load_circuit, read_aiger, read_bench, write_aag, write_bench
from circuitc.simulate import all_inputs, simulate
from formats_helpers import SHARED, same_function

CIRCUITS = SHARED / "circuits"
if not CIRCUITS.is_dir():
    pytest.skip("../shared not present", allow_module_level=True)

ISCAS = {  # file: (inputs, outputs, gates, gate kinds)
    "c17": (5, 2, 6, {"NAND": 6}),
    "c432": (36, 7, 160, {"NAND": 79, "NOT": 40, "NOR": 19, "XOR": 18, "AND": 4}),
    "c499": (41, 32, 202, {"XOR": 104, "AND": 56, "NOT": 40, "OR": 2}),
    "c880": (60, 26, 383, {"AND": 117, "NAND": 87, "NOT": 63, "NOR": 61, "OR": 29, "BUF": 26}),
    "c1355": (41, 32, 546, {"NAND": 416, "AND": 56, "NOT": 40, "BUF": 32, "OR": 2}),
    "c1908": (33, 25, 880, {"NAND": 377, "NOT": 277, "BUF": 162, "AND": 63, "NOR": 1}),
    "c2670": (233, 140, 1193, {"AND": 333, "NOT": 321, "NAND": 254, "BUF": 196, "OR": 77,
                               "NOR": 12}),
    "c3540": (50, 22, 1669, {"AND": 498, "NOT": 490, "NAND": 298, "BUF": 223, "OR": 92,
                             "NOR": 68}),
    "c5315": (178, 123, 2307, {"AND": 718, "NOT": 581, "NAND": 454, "BUF": 313, "OR": 214,
                               "NOR": 27}),
    "c6288": (32, 32, 2416, {"NOR": 2128, "AND": 256, "NOT": 32}),
    "c7552": (207, 108, 3512, {"NAND": 1028, "NOT": 876, "AND": 776, "BUF": 534, "OR": 244,
                               "NOR": 54}),
}
EPFL = {  # name: (folder, inputs, outputs, .aig ANDs, .blif .names nodes)
    "adder": ("arithmetic", 256, 129, 1020, 1020),
    "bar": ("arithmetic", 135, 128, 3336, 3336),
    "div": ("arithmetic", 128, 128, 57247, 57247),
    "log2": ("arithmetic", 32, 32, 32060, 32060),
    "max": ("arithmetic", 512, 130, 2865, 2865),
    "multiplier": ("arithmetic", 128, 128, 27062, 27062),
    "sin": ("arithmetic", 24, 25, 5416, 5416),
    "sqrt": ("arithmetic", 128, 64, 24618, 24618),
    "square": ("arithmetic", 64, 128, 18484, 18486),
    "arbiter": ("random_control", 256, 129, 11839, 11839),
    "cavlc": ("random_control", 10, 11, 693, 693),
    "ctrl": ("random_control", 7, 26, 174, 175),
    "dec": ("random_control", 8, 256, 304, 304),
    "i2c": ("random_control", 147, 142, 1342, 1357),
    "int2float": ("random_control", 11, 7, 260, 260),
    "mem_ctrl": ("random_control", 1204, 1231, 46836, 47110),
    "priority": ("random_control", 128, 8, 978, 978),
    "router": ("random_control", 60, 30, 257, 284),
    "voter": ("random_control", 1001, 1, 13758, 13758),
}
BRISTOL = {  # file: (input widths, output widths, gates, gate kinds)
    "FP-eq": ([64, 64], [64], 1217, {"INV": 837, "AND": 315, "XOR": 65}),
    "FP-lt": ([64, 64], [64], 1536, {"INV": 898, "AND": 381, "XOR": 257}),
    "adder64": ([64, 64], [64], 376, {"XOR": 313, "AND": 63}),
    "aes_128": ([128, 128], [128], 36663, {"XOR": 28176, "AND": 6400, "INV": 2087}),
    "divide64": ([64, 64], [64], 29926, {"XOR": 24817, "AND": 4664, "INV": 445}),
    "mult2_64": ([64, 64], [64, 64], 28032, {"XOR": 19904, "AND": 8128}),
    "mult64": ([64, 64], [64], 13675, {"XOR": 9642, "AND": 4033}),
    "neg64": ([64], [64], 190, {"INV": 64, "XOR": 63, "AND": 62, "EQW": 1}),
    "sub64": ([64, 64], [64], 439, {"XOR": 313, "INV": 63, "AND": 63}),
    "udivide64": ([64, 64], [64], 16952, {"XOR": 12603, "AND": 4285, "INV": 64}),
    "zero_equal": ([64], [1], 127, {"INV": 64, "AND": 63}),
}
RNG_SEED = 20260101
M64 = (1 << 64) - 1


@functools.lru_cache(maxsize=None)
def load(relative: str):
    return load_circuit(CIRCUITS / relative)


def to_bits(values, width: int) -> np.ndarray:
    """Python ints -> bool [n, width], LSB first."""
    return np.array([[(v >> i) & 1 for i in range(width)] for v in values], dtype=bool)


def to_ints(bits: np.ndarray) -> list[int]:
    return [sum(int(b) << i for i, b in enumerate(row)) for row in bits]


def run(circuit, *columns: list[int]) -> list[list[int]]:
    """Simulate on whole-port integer values; returns the output ports as integer columns."""
    x = np.concatenate([to_bits(vals, len(p["bits"]))
                        for vals, p in zip(columns, circuit.input_ports)], axis=1)
    y = simulate(circuit, x)
    result, start = [], 0
    for port in circuit.output_ports:
        result.append(to_ints(y[:, start:start + len(port["bits"])]))
        start += len(port["bits"])
    return result


def random_ints(n: int, bits: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int.from_bytes(rng.bytes((bits + 7) // 8), "little") & ((1 << bits) - 1)
            for _ in range(n)]


# ---- ISCAS-85 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ISCAS))
def test_iscas_counts_and_bench_round_trip(name):
    c = load(f"iscas85/{name}.bench")
    n_in, n_out, gates, kinds = ISCAS[name]
    assert (len(c.inputs), len(c.outputs)) == (n_in, n_out)
    source = c.graph.graph[K.G_SOURCE_GATES]
    assert source["total"] == gates == len(c.gates())
    assert {k.replace("BUFF", "BUF"): v for k, v in source["by_kind"].items()} == kinds
    assert c.validate() == []
    back = read_bench(write_bench(c), f"{name}.bench")
    assert back.output_names == c.output_names
    assert same_function(c, back, n=128, seed=1)
    assert same_function(c, read_aiger(write_aag(c), f"{name}.aag"), n=128, seed=2)


def test_c17_formulas_exhaustive():
    c = load("iscas85/c17.bench")
    assert c.inputs == ["1", "2", "3", "6", "7"]
    x = all_inputs(5)
    i1, i2, i3, i6, i7 = x.T
    y = simulate(c, x)
    assert (y[:, 0] == ((i1 & i3) | (i2 & ~(i3 & i6)))).all()
    assert (y[:, 1] == ((i2 & ~(i3 & i6)) | (~(i3 & i6) & i7))).all()


def test_c2670_outputs_that_are_inputs():
    c = load("iscas85/c2670.bench")
    on_inputs = [o for o in c.outputs if c.op(c.driver(o)) == K.OP_INPUT]
    assert len(on_inputs) == 76 and c.driver("out:143") == "143"
    assert c.op("143") == K.OP_INPUT and c.op("out:143") == K.OP_OUTPUT


def test_c6288_multiplies():
    c = load("iscas85/c6288.bench")
    a, b = random_ints(256, 16, 1), random_ints(256, 16, 2)
    x = np.concatenate([to_bits(a, 16), to_bits(b, 16)], axis=1)
    y = simulate(c, x)
    y = np.concatenate([y[:, :30], y[:, 31:32], y[:, 30:31]], axis=1)  # p0..p29, p31, p30
    assert to_ints(y) == [u * v for u, v in zip(a, b)]


def test_c499_equals_c1355():
    assert same_function(load("iscas85/c499.bench"), load("iscas85/c1355.bench"), n=512)


# ---- EPFL ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EPFL))
def test_epfl_counts_and_aig_equals_blif(name):
    folder, n_in, n_out, ands, names = EPFL[name]
    aig, blif = load(f"epfl/{folder}/{name}.aig"), load(f"epfl/{folder}/{name}.blif")
    for c in (aig, blif):
        assert (len(c.inputs), len(c.outputs)) == (n_in, n_out)
    assert aig.graph.graph[K.G_SOURCE_GATES]["total"] == ands
    assert sum(aig.op(g) == K.OP_AND for g in aig.gates()) == ands
    assert blif.graph.graph[K.G_SOURCE_GATES] == {"total": names, "by_kind": {"names": names}}
    assert aig.output_names == blif.output_names and aig.inputs == blif.inputs
    assert [p["name"] for p in aig.input_ports] == [p["name"] for p in blif.input_ports]
    assert same_function(aig, blif, n=64, seed=3)


def test_epfl_adder_adds():
    c = load("epfl/arithmetic/adder.aig")
    a, b = random_ints(128, 128, 4), random_ints(128, 128, 5)
    f, cout = run(c, a, b)
    assert [s + (k << 128) for s, k in zip(f, cout)] == [u + v for u, v in zip(a, b)]
    assert simulate(c, {"a": (1 << 128) - 1, "b": 1}) == {"f": 0, "cOut": 1}


def test_epfl_dec_is_one_hot():
    c = load("epfl/random_control/dec.blif")
    y = simulate(c, all_inputs(8))
    expect = np.zeros((256, 256), dtype=bool)
    expect[np.arange(256), np.arange(256) ^ 128] = True
    assert (y == expect).all()


def test_epfl_priority_and_voter():
    c = load("epfl/random_control/priority.aig")
    values = [0, 1, 1 << 127] + random_ints(64, 128, 6) + [v >> 100 for v in random_ints(8, 128, 7)]
    p, f = run(c, values)
    assert p[1:] == [v.bit_length() - 1 for v in values[1:]]  # P of A = 0 is unspecified
    assert f == [int(v != 0) for v in values]
    c = load("epfl/random_control/voter.aig")
    rng = np.random.default_rng(8)
    counts = np.array([0, 500, 501, 1001] + list(rng.integers(450, 550, size=60)))
    x = np.array([rng.permutation(1001) < k for k in counts])
    assert (simulate(c, x)[:, 0] == (counts > 500)).all()


def test_epfl_constant_outputs_and_outputs_on_inputs():
    router = load("epfl/random_control/router.blif")
    consts = [o for o in router.outputs if router.op(router.driver(o)) in K.CONST_OPS]
    assert len(consts) == 27


# ---- Bristol Fashion ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(BRISTOL))
def test_bristol_counts(name):
    c = load(f"bristol/{name}.txt")
    ins, outs, gates, kinds = BRISTOL[name]
    assert [len(p["bits"]) for p in c.input_ports] == ins
    assert [p["name"] for p in c.input_ports] == [f"in{i}" for i in range(len(ins))]
    assert [len(p["bits"]) for p in c.output_ports] == outs
    source = c.graph.graph[K.G_SOURCE_GATES]
    assert source["total"] == gates and source["by_kind"] == kinds
    assert c.validate() == []


def test_bristol_arithmetic():
    a, b = random_ints(128, 64, 9) + [0, M64], random_ints(128, 64, 10) + [M64, M64]
    assert run(load("bristol/adder64.txt"), a, b) == [[(u + v) & M64 for u, v in zip(a, b)]]
    assert run(load("bristol/sub64.txt"), a, b) == [[(u - v) & M64 for u, v in zip(a, b)]]
    assert run(load("bristol/mult64.txt"), a, b) == [[(u * v) & M64 for u, v in zip(a, b)]]
    high, low = run(load("bristol/mult2_64.txt"), a, b)
    assert [(h << 64) | lo for h, lo in zip(high, low)] == [u * v for u, v in zip(a, b)]
    assert run(load("bristol/neg64.txt"), a) == [[(-u) & M64 for u in a]]
    z = a[:8] + [0]
    assert run(load("bristol/zero_equal.txt"), z) == [[int(u == 0) for u in z]]


def test_bristol_division():
    a, b = random_ints(64, 64, 11), [v >> (v % 60) or 1 for v in random_ints(64, 64, 12)]
    assert run(load("bristol/udivide64.txt"), a, b) == [[u // v for u, v in zip(a, b)]]

    def signed(v):
        return v - (1 << 64) if v >> 63 else v

    exact = [(abs(signed(u)) // abs(signed(v))) * (1 if (signed(u) < 0) == (signed(v) < 0)
                                                   else -1) & M64 for u, v in zip(a, b)]
    assert any(signed(u) < 0 for u in a) and any(signed(v) < 0 for v in b)
    assert run(load("bristol/divide64.txt"), a, b) == [exact]  # truncating signed division


def test_bristol_floating_point_compare():
    rng = np.random.default_rng(13)
    x = list(rng.normal(size=40)) + [0.0, -0.0, 1.5, float("inf")]
    y = list(rng.normal(size=40)) + [-0.0, 0.0, 1.5, 2.0]
    x[5] = y[5]

    def bits(v):
        return struct.unpack("<Q", struct.pack("<d", v))[0]

    a, b = [bits(v) for v in x], [bits(v) for v in y]
    assert run(load("bristol/FP-lt.txt"), a, b) == [[int(u < v) for u, v in zip(x, y)]]
    assert run(load("bristol/FP-eq.txt"), a, b) == [[int(u == v) for u, v in zip(x, y)]]


def test_bristol_aes_fips197_vector():
    c = load("bristol/aes_128.txt")
    key = int("000102030405060708090a0b0c0d0e0f", 16)
    plain = int("00112233445566778899aabbccddeeff", 16)
    assert run(c, [key], [plain]) == [[int("69c4e0d86a7b0430d8cdb78070b4c55a", 16)]]
