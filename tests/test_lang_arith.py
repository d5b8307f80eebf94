"""Arithmetic on vectors (+ - carry, comparisons, shifts, reductions, extension, replication)
against Python integers: every pair of operands at 4 bits, random ones at 32 and 64 bits, in
every adder style; and the depth each style promises."""

import itertools
import random

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.lang import parse_text
from circuitc.lang.arith import STYLES
from circuitc.simulate import simulate

OPS = """
    s = a + b; d = a - b; cy = carry(a, b);
    lt = a < b; le = a <= b; gt = a > b; ge = a >= b; eq = a == b; ne = a != b;
    inc = a + 1; dec = a - 1; lt5 = a < 5; eq5 = a == 5;
    shl = a << 3; shr = a >> 3; ra = &a; ro = |a; rx = ^a;
"""


def circuit_of(width, style):
    return parse_text(f"""@adder({style})
circuit ops(a[{width}], b[{width}]) -> (s[{width}], d[{width}], cy, lt, le, gt, ge, eq, ne,
        inc[{width}], dec[{width}], lt5, eq5, shl[{width}], shr[{width}], ra, ro, rx) {{{OPS}}}""")


def expected(a, b, w):
    m = (1 << w) - 1
    return {"s": (a + b) & m, "d": (a - b) & m, "cy": int(a + b > m), "lt": int(a < b),
            "le": int(a <= b), "gt": int(a > b), "ge": int(a >= b), "eq": int(a == b),
            "ne": int(a != b), "inc": (a + 1) & m, "dec": (a - 1) & m, "lt5": int(a < 5),
            "eq5": int(a == 5), "shl": (a << 3) & m, "shr": a >> 3, "ra": int(a == m),
            "ro": int(a != 0), "rx": bin(a).count("1") % 2}


def run_batch(circuit, pairs, w):
    """Simulate many (a, b) at once: bits from Python ints, outputs back to ints."""
    x = np.array([[(v >> i) & 1 for v in (a, b) for i in range(w)] for a, b in pairs], dtype=bool)
    y = simulate(circuit, x)
    rows = []
    for row in y:
        out, i = {}, 0
        for port in circuit.output_ports:
            n = len(port["bits"])
            out[port["name"]] = sum(int(v) << k for k, v in enumerate(row[i:i + n]))
            i += n
        rows.append(out)
    return rows


@pytest.mark.parametrize("style", STYLES)
def test_every_pair_at_4_bits(style):
    pairs = list(itertools.product(range(16), repeat=2))
    for (a, b), out in zip(pairs, run_batch(circuit_of(4, style), pairs, 4)):
        assert out == expected(a, b, 4), (a, b)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("width", [32, 64])
def test_random_pairs_at_32_and_64_bits(style, width):
    rng = random.Random(width)
    pairs = [(rng.getrandbits(width), rng.getrandbits(width)) for _ in range(300)]
    pairs += [(v, v) for v, _ in pairs[:20]] + [(0, (1 << width) - 1), ((1 << width) - 1, 1),
                                                 (5, 5), (4, 5), (6, 5)]
    for (a, b), out in zip(pairs, run_batch(circuit_of(width, style), pairs, width)):
        assert out == expected(a, b, width), (a, b)


def test_odd_widths_and_one_bit():
    for w in (1, 3, 5, 7):
        pairs = list(itertools.product(range(1 << w), repeat=2))
        circuit = parse_text(f"circuit c(a[{w}], b[{w}]) -> (s[{w}], d[{w}], lt, cy) "
                             "{ s = a + b; d = a - b; lt = a < b; cy = carry(a, b); }")
        for (a, b), out in zip(pairs, run_batch(circuit, pairs, w)):
            m = (1 << w) - 1
            assert out == {"s": (a + b) & m, "d": (a - b) & m, "lt": int(a < b),
                           "cy": int(a + b > m)}


def test_depth_of_each_style():
    def depth(style, what):
        c = parse_text(f"@adder({style})\ncircuit c(a[64], b[64]) -> (y) {{ y = {what}; }}")
        return c.stats()["depth"]

    # prefix adders: 2 gates per level of log2(65) = 7 levels, plus generate and sum
    assert depth("sklansky", "xor(a + b)") <= 2 * 7 + 3
    assert depth("kogge_stone", "xor(a + b)") <= 2 * 7 + 3
    assert depth("ripple", "xor(a + b)") >= 64
    assert depth("sklansky", "a < b") <= 2 * 7 + 3
    assert depth("ripple", "a < b") >= 64


def test_styles_trade_gates_for_depth():
    def gates(style):
        return len(parse_text(f"@adder({style})\ncircuit c(a[32], b[32]) -> (s[32]) "
                              "{ s = a + b; }").gates())

    assert gates("ripple") < gates("sklansky") < gates("kogge_stone")


def test_constants_fold():
    # a + 1 is an incrementer: no gate reads a constant
    circuit = parse_text("circuit c(a[8]) -> (s[8], e) { s = a + 1; e = a == 0x5a; }")
    for gate in circuit.gates():
        assert not any(o.startswith("const:") for o in circuit.operands(gate)), gate
    # literals only: computed at compile time, no gates
    circuit = parse_text("circuit c<N = 5>() -> (y[4], z, w[8]) "
                         "{ y = N + 3 - 1; z = N < 7; w = 1 << N; }")
    assert circuit.gates() == [] and simulate(circuit, {}) == {"y": 7, "z": 1, "w": 32}


def test_extension_and_replication():
    text = """circuit c(a[4], s) -> (z[8], x[8], r[8], q[6], full[5]) {
        z = zext<8>(a);
        x = sext<8>(a);
        r = {2{a}};
        q = {3{s, 0}};                    // {s, 0} three times: s in bits 0, 2, 4
        full = zext<5>(a) + zext<5>(a);   // the carry is bit 4 of a wider sum
    }"""
    circuit = parse_text(text)
    for a in range(16):
        for s in (0, 1):
            out = simulate(circuit, {"a": a, "s": s})
            assert out == {"z": a, "x": a | (0xF0 if a & 8 else 0), "r": a * 17,
                           "q": s * 0b10101, "full": 2 * a}


def test_operator_precedence_is_c():
    # + binds tighter than <<, << tighter than <, < tighter than ==, == tighter than &
    circuit = parse_text("""circuit c(a[4], b[4], e) -> (y, z[4]) {
        y = a + 1 << 1 < b == e & e;
        z = a + b << 1;
    }""")
    for a, b, e in itertools.product(range(16), range(16), (0, 1)):
        out = simulate(circuit, {"a": a, "b": b, "e": e})
        assert out == {"y": int((int((((a + 1) << 1) & 15) < b) == e)) & e,
                       "z": ((a + b) << 1) & 15}


def test_shift_of_a_call_and_comparison_with_parameters():
    text = """module id<W>(x[W]) -> (y[W]) { y = x; }
    circuit c<N = 4>(a[N], b[N]) -> (y[N], l, m) {
        y = id<N>(a) << 1;
        l = a < b;
        m = (a < b) | (b > (a));
    }"""
    circuit = parse_text(text)
    assert simulate(circuit, {"a": 3, "b": 9}) == {"y": 6, "l": 1, "m": 1}


def test_parts_a_use_does_not_need_are_not_in_the_circuit():
    # carry(a, b) needs no sum bits (3-input xors), a table entry equal to the default no
    # decoder, and no constant is left dangling; a named dead wire stays (and is warned about)
    carry = parse_text("circuit c(a[8], b[8]) -> (y) { y = carry(a, b); }")
    xors = [g for g in carry.gates() if carry.op(g) == K.OP_XOR]
    assert xors and all(len(carry.operands(g)) == 2 for g in xors)
    table = parse_text("circuit c(s[2]) -> (t[2]) "
                       "{ t = table(s) { 0: 1, 1: 2, 2: 0, default: 0 }; }")
    assert table.stats()["gates_by_kind"]["and"] == 2  # keys 0 and 1 decoded, not key 2
    warnings = []
    circuit = parse_text("circuit c(a[8], b[8]) -> (y) { y = a < b; dead = a - b; }",
                         warnings=warnings)
    assert not [n for n in circuit.graph.nodes if n.startswith("const:")]
    assert [w.message for w in warnings if "dead wire" in w.message]
    loose = [g for g in circuit.gates()
             if not circuit.graph.out_degree(g) and not g.startswith("dead")]
    assert loose == []
