"""The .circ language feature by feature: each test elaborates a small text and checks the graph
or its behaviour (simulated exactly)."""

import hashlib
import random

import numpy as np

from circuitc import keys as K
from circuitc.lang import parse_file, parse_text
from circuitc.simulate import simulate, truth_table


def run(text, params=None, **inputs):
    return simulate(parse_text(text, params=params), inputs)


def test_precedence_matches_c():
    # ~ binds tightest, then &, then ^, then |
    circuit = parse_text("circuit c(a, b, d) -> (y) { y = a | b ^ ~d & a; }")
    x, y = truth_table(circuit)
    a, b, d = x.T
    np.testing.assert_array_equal(y[:, 0], a | (b ^ (~d & a)))
    (gate,) = [g for g in circuit.gates() if circuit.op(g) == K.OP_OR]
    assert gate == "y"  # the top gate is named after the wire it drives


def test_naive_evaluation_cross_check():
    """Random expressions over 4-bit vectors agree with Python's own ~ & ^ | (same precedence)."""
    rng = random.Random(7)

    def gen(depth):
        if depth == 0 or rng.random() < 0.25:
            return rng.choice("abcd")
        if rng.random() < 0.2:
            return "~" + gen(depth - 1)
        if rng.random() < 0.2:
            return "(" + gen(depth - 1) + ")"
        return gen(depth - 1) + rng.choice([" & ", " ^ ", " | "]) + gen(depth - 1)

    for _ in range(25):
        expr = gen(4)
        circuit = parse_text(f"circuit c(a[4], b[4], c[4], d[4]) -> (y[4]) {{ y = {expr}; }}")
        for _ in range(8):
            env = {n: rng.randrange(16) for n in "abcd"}
            assert simulate(circuit, env)["y"] == eval(expr, {}, env) & 15, expr


def test_chains_become_one_gate_parentheses_do_not_merge():
    circuit = parse_text("circuit c(a, b, d, e) -> (y, z) { y = a ^ b ^ d ^ e; z = (a & b) & d; }")
    assert circuit.op("y") == K.OP_XOR and circuit.operands("y") == ("a", "b", "d", "e")
    assert circuit.op("z") == K.OP_AND and len(circuit.operands("z")) == 2
    assert len(circuit.gates()) == 3


def test_vector_ops_are_bitwise_and_bits_are_named():
    circuit = parse_text("circuit c(a[3], b[3]) -> (y[3]) { t = a & b; y = ~t; }")
    assert circuit.inputs == ["a[0]", "a[1]", "a[2]", "b[0]", "b[1]", "b[2]"]
    assert circuit.op("t[1]") == K.OP_AND and circuit.operands("t[1]") == ("a[1]", "b[1]")
    assert circuit.operands("y[2]") == ("t[2]",)
    assert simulate(circuit, {"a": 6, "b": 3}) == {"y": 5}


def test_slices_indexing_and_concatenation_low_bits_first():
    text = """circuit c(a[4], b[2]) -> (lo[2], hi[2], cat[6], bit) {
        lo = a[0:2];
        hi = a[2:4];
        cat = {b, a};          // b occupies the low bits
        bit = a[3];
    }"""
    assert run(text, a=0b1101, b=0b10) == {"lo": 0b01, "hi": 0b11, "cat": 0b110110, "bit": 1}


def test_integer_literals_set_bits_lsb_first():
    text = """circuit c(a[4]) -> (y[8], z[4], w[4], v) {
        y = 0xA5;
        z = 0b0110;
        w = a & 12 | 1_0 ^ 1;  // a literal takes the width of the other operands
        v = 1;
    }"""
    assert run(text, a=5) == {"y": 0xA5, "z": 6, "w": 4 | 11, "v": 1}


def test_for_loops_let_and_if_unroll_at_compile_time():
    text = """circuit c<N = 6>(x[N]) -> (even[N / 2], y) {
        for i in 0..N {
            let j = i / 2;
            if i % 2 == 0 {
                even[j] = x[i];
            } else if i == 1 {
                t = x[i];
            }
        }
        y = t;
    }"""
    assert run(text, x=0b110101) == {"even": 0b111, "y": 0}
    assert run(text, x=0b010001) == {"even": 0b101, "y": 0}
    assert run(text, x=0b000010) == {"even": 0, "y": 1}


def test_compile_time_arithmetic():
    text = """circuit c<A = 7>(x) -> (y[(A + 1) * 2 ** 2 / 3 % 7 - -1]) {
        let B = (A > 3 && A != 8) + !0 + (A <= 7 || 1 / 0) + (-7 / 2 == -4);
        y = B;
    }"""
    # (8 * 4 / 3) % 7 + 1 = 10 % 7 + 1 = 4 bits; B = 1 + 1 + 1 + 1 = 4 (// floors, || short-cuts)
    circuit = parse_text(text)
    assert len(circuit.outputs) == 4
    assert simulate(circuit, {"x": 0}) == {"y": 4}


def test_params_defaults_overrides_and_named_arguments():
    text = """module shift<N, K = 1>(a[N]) -> (y[N]) {
        y[0:K] = 0;
        y[K:N] = a[0:N - K];
    }
    circuit c<W = 4>(a[W]) -> (p[W], q[W], r[W]) {
        p = shift<W>(a);
        q = shift<W, 2>(a);
        r = shift<K = 3, N = W>(a);
    }"""
    assert run(text, a=1) == {"p": 2, "q": 4, "r": 8}
    circuit = parse_text(text, params={"W": 8})
    assert len(circuit.inputs) == 8
    assert simulate(circuit, {"a": 1}) == {"p": 2, "q": 4, "r": 8}


def test_instance_naming_is_hierarchical_and_deterministic():
    text = """module half(a, b) -> (s, c) { s = a ^ b; c = a & b; }
    module two(a[2]) -> (s, c) {
        s0, c0 = half(a[0], a[1]);
        s, c = half(s0, c0);
    }
    circuit top(x[2], y[2]) -> (p, q, r, u) {
        p, q = two(x);
        r, u = two(y);
    }"""
    circuit = parse_text(text)
    names = set(circuit.graph.nodes)
    assert {"two_0.half_0.s", "two_0.half_1.c", "two_1.half_0.s", "two_1.half_1.s"} <= names
    assert circuit.driver("out:p") == "two_0.half_1.s"
    assert parse_text(text).to_json() == circuit.to_json()


def test_named_gates():
    text = """circuit c(a[3], s, d[2], e[2]) -> (r_and, r_or, r_xor, r_nand, r_nor, r_xnor,
                                            r_maj, n[3], b[2], m[2]) {
        r_and = and(a); r_or = or(a); r_xor = xor(a, s);
        r_nand = nand(a); r_nor = nor(a); r_xnor = xnor(a);
        r_maj = maj(a[0], a[1], s);
        n = not(a); b = buf(d); m = mux(s, d, e);
    }"""
    circuit = parse_text(text)
    for a in range(8):
        for s in (0, 1):
            out = simulate(circuit, {"a": a, "s": s, "d": 1, "e": 2})
            pop = bin(a).count("1")
            assert out == {"r_and": int(a == 7), "r_or": int(a > 0), "r_xor": (pop + s) % 2,
                           "r_nand": int(a != 7), "r_nor": int(a == 0), "r_xnor": 1 - pop % 2,
                           "r_maj": int((a & 1) + (a >> 1 & 1) + s >= 2), "n": 7 - a, "b": 1,
                           "m": 1 if s else 2}
    assert circuit.op("r_xor") == K.OP_XOR and len(circuit.operands("r_xor")) == 4


def test_wires_may_be_read_before_they_are_assigned():
    text = """circuit c(a, b) -> (y[2], z) {
        y = {t, u[1]};
        z = t2;
        t2 = ~t;
        t = a & b;
        u = {a, b};
    }"""
    assert run(text, a=1, b=1) == {"y": 3, "z": 0}
    assert run(text, a=1, b=0) == {"y": 0, "z": 1}


def test_discarding_an_output_with_underscore():
    text = """module m(a) -> (y, z) { y = a; z = ~a; }
    circuit c(a) -> (y) { _, y = m(a); }"""
    assert run(text, a=1) == {"y": 0}


def test_pragmas_make_distribution_groups():
    circuit = parse_text("""@sparse(2)
        circuit g(f[5], @uniform sel[2], @bernoulli(0.25) h[2], @atmost(1) k) -> (y) {
            y = xor(f, sel, h, k);
        }""")
    assert circuit.distribution == [
        {"inputs": [f"f[{i}]" for i in range(5)], "kind": "sparse", "k": 2},
        {"inputs": ["sel[0]", "sel[1]"], "kind": "uniform"},
        {"inputs": ["h[0]", "h[1]"], "kind": "bernoulli", "p": 0.25},
        {"inputs": ["k"], "kind": "atmost", "k": 1},
    ]
    # a pragma argument may use the circuit's parameters; no pragma means uniform ([])
    circuit = parse_text("circuit g<K = 2>(@sparse(K + 1) f[6]) -> (y) { y = or(f); }")
    assert circuit.distribution == [
        {"inputs": [f"f[{i}]" for i in range(6)], "kind": "sparse", "k": 3}]
    assert parse_text("circuit g(a) -> (y) { y = a; }").distribution == []


def test_graph_attributes_and_locations(tmp_path):
    text = "module m(a) -> (y) { y = ~a; }\ncircuit top(a, b) -> (y) {\n  y = m(a) & b;\n}\n"
    path = tmp_path / "t.circ"
    path.write_text(text)
    circuit = parse_file(path)
    assert circuit.name == "top"
    assert circuit.graph.graph[K.G_SOURCE] == {
        "path": str(path), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    for node, data in circuit.graph.nodes(data=True):
        assert data[K.LOC].startswith(f"{path}:"), node
    assert circuit.graph.nodes["y"][K.LOC] == f"{path}:3:7"
    assert circuit.graph.nodes["m_0.y"][K.LOC] == f"{path}:1:26"
    assert circuit.graph.nodes["a"][K.LOC] == f"{path}:2:13"


def test_anonymous_gates_get_fresh_names_that_avoid_user_names():
    circuit = parse_text("circuit c(a, b) -> (y) { _n0 = a & b; y = ~(_n0 | a) ^ b; }")
    assert circuit.op("_n0") == K.OP_AND
    assert len(set(circuit.graph.nodes)) == len(circuit.graph.nodes) and circuit.validate() == []
    assert simulate(circuit, {"a": 0, "b": 0}) == {"y": 1}


def test_warnings_for_unused_inputs_and_dead_wires():
    warnings = []
    parse_text("circuit c(a, b, d[2]) -> (y) {\n  t = a & d[0];\n  y = a;\n}", "w.circ",
               warnings=warnings)
    got = [(w.severity, w.path, w.line, w.col, w.message) for w in warnings]
    assert got == [
        ("warning", "w.circ", 1, 14, "input 'b' is never used"),
        ("warning", "w.circ", 1, 17, "input 'd' does not affect any output"),
        ("warning", "w.circ", 2, 3, "dead wire: 't' is assigned but reaches no output"),
    ]
    warnings = []
    parse_text("circuit c(a[3]) -> (y) { y = a[1]; }", warnings=warnings)
    assert [w.message for w in warnings] == ["input bits 'a[0]', 'a[2]' are never used"]


def test_comments_and_whitespace():
    text = "/* header\n comment */ circuit c(a) -> (y) { // line\n y = /* inline */ ~a; }"
    assert run(text, a=0) == {"y": 1}
