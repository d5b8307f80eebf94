"""Compile-time bitwise operators and shifts, tables, stepped and inclusive ranges, loop-local
wires and arrays of vectors: each against its meaning, and each misuse as a located error."""

import itertools

import pytest

from circuitc.errors import CircuitError
from circuitc.lang import parse_text
from circuitc.simulate import simulate, truth_table


def errors(text, path="t.circ"):
    with pytest.raises(CircuitError) as info:
        parse_text(text, path)
    return [(d.line, d.col, d.message) for d in info.value.errors]


# -- compile-time integers -------------------------------------------------------------------------
def test_compile_time_bitwise_operators_and_shifts_follow_c_precedence():
    text = """circuit c<M = 0b1101>() -> (y[8]) {
        let A = M & 3 | 0x10 ^ 1 << 2;     // (M & 3) | (0x10 ^ (1 << 2)) = 1 | 20 = 21
        let B = ~M & 0xF;                  // 2
        let C = (M >> 1) + (1 << 3 >> 1);  // 6 + 4
        let D = (-7 >> 1) + 8 + (M & 1 == 1);  // -4 + 8 + (M & (1 == 1)) = -4 + 8 + 1
        y = A + B + C + D + 100;
    }"""
    assert simulate(parse_text(text), {}) == {"y": 21 + 2 + 10 + 5 + 100}


def test_a_truth_table_from_a_mask_with_bitwise_operators():
    text = """circuit c<MASK = 0b10010110>(x[3]) -> (y) {
        wire t[8];
        for v in 0..8 {
            t[v] = (MASK >> v & 1) & and(x == v);
        }
        y = or(t);
    }"""
    x, y = truth_table(parse_text(text))
    assert [int(v) for v in y[:, 0]] == [(0b10010110 >> v) & 1 for v in range(8)]


@pytest.mark.parametrize("expr, message", [
    ("1 << -1", "negative shift amount -1"),
    ("1 << 300", "1 << 300 is too large for a compile-time value (301 bits), more than the "
                 "limit of 256 (set CIRCUITC_MAX_VALUE_BITS or `circuitc --limit value-bits=N` "
                 "to raise it)"),
])
def test_compile_time_shift_errors(expr, message):
    ((_, _, got),) = errors(f"circuit c(a) -> (y) {{ let K = {expr}; y = a; }}")
    assert got == message


# -- tables ------------------------------------------------------------------------------------------
SEVEN = [0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F]


def test_table_maps_selector_values_to_constants():
    entries = ", ".join(f"{k}: {v}" for k, v in enumerate(SEVEN))
    circuit = parse_text(f"circuit c(d[4]) -> (seg[7]) {{ seg = table<7>(d) {{ {entries}, "
                         "default: 0b1000000, }; }")
    for d in range(16):
        assert simulate(circuit, {"d": d}) == {"seg": SEVEN[d] if d < 10 else 0x40}
    assert circuit.stats()["depth"] <= 3  # NOT, AND, OR


def test_table_width_defaults_to_the_largest_value_and_entries_may_use_parameters():
    circuit = parse_text("circuit c<K = 5>(s[2]) -> (y[3]) "
                         "{ y = table(s) { 0: K, 1: K - 1, 2: 0, 3: K & 3 }; }")
    assert [simulate(circuit, {"s": s})["y"] for s in range(4)] == [5, 4, 0, 1]


def test_table_in_a_loop_builds_a_rom():
    text = """circuit c(a[3]) -> (sq[6]) {
        for b in 0..6 {
            sq[b] = table(a) { 0: 0, 1: 1 >> b & 1, 2: 4 >> b & 1, 3: 9 >> b & 1,
                               4: 16 >> b & 1, 5: 25 >> b & 1, 6: 36 >> b & 1, 7: 49 >> b & 1 };
        }
    }"""
    circuit = parse_text(text)
    assert [simulate(circuit, {"a": a})["sq"] for a in range(8)] == [a * a for a in range(8)]


def test_table_errors_are_all_reported():
    text = """circuit c(d[2]) -> (y[2], z[2], w) {
  y = table<2>(d) { 0: 1, 4: 2, 1: 7, default: 0 };
  z = table<2>(d) { 0: 1, 0: 2, default: 0 };
  w = table(d) { 0: 1, 1: 0 };
}"""
    assert errors(text) == [
        (2, 27, "table key 4 is out of range for the 2-bit selector 'd' (0..3)"),
        (2, 36, "table value 7 does not fit in the 2 bit(s) of the table"),
        (3, 27, "table key 0 is listed twice"),
        (4, 7, "the table does not cover every value of its 2-bit selector (not 2, 3, ...); "
               "add `default: ...`"),
    ]


# -- ranges --------------------------------------------------------------------------------------------
def test_descending_stepped_and_inclusive_ranges():
    text = """circuit c(x[8]) -> (rev[8], even[4], top[3]) {
        for i in 7..=0 step -1 { rev[7 - i] = x[i]; }
        for i in 0..8 step 2 { even[i / 2] = x[i]; }
        for i in 5..=7 { top[i - 5] = x[i]; }
    }"""
    circuit = parse_text(text)
    out = simulate(circuit, {"x": 0b10110010})
    assert out == {"rev": 0b01001101, "even": 0b0100, "top": 0b101}


def test_a_range_written_descending_is_an_error_not_an_empty_loop():
    text = """circuit c(x[4]) -> (y) {
  for i in 3..-1 { y = x[i]; }
  for j in 0..4 step -1 { }
  for k in 0..4 step 0 { }
  for m in 2..2 { }
  y = x[0];
}"""
    assert errors(text) == [
        (2, 12, "the range 3..-1 is descending and its step is 1, so loop 'i' would never run; "
                "add `step -1` to count down from 3"),
        (3, 12, "the range 0..4 is ascending and its step is -1, so loop 'j' would never run; "
                "use a positive step to count up"),
        (4, 22, "a loop step of 0 never ends"),
    ]


# -- loop-local wires --------------------------------------------------------------------------------
def test_a_wire_declared_in_a_loop_body_is_one_per_iteration():
    text = """circuit c(a[4], b[4]) -> (y[4]) {
        for i in 0..4 {
            wire t, u[2];
            t = a[i] & b[i];
            u = {t, ~t};
            y[i] = u[1] ^ a[i];
        }
    }"""
    circuit = parse_text(text)
    for a, b in itertools.product(range(16), repeat=2):
        assert simulate(circuit, {"a": a, "b": b}) == {"y": (~(a & b) ^ a) & 15}
    assert {"t@i=0", "t@i=3", "u@i=2[1]"} <= set(circuit.graph.nodes)


def test_nested_loops_and_same_variable_twice_get_distinct_wires():
    text = """circuit c(a[2]) -> (y[4], z[2], w[2]) {
        for i in 0..2 { for j in 0..2 { wire t; t = a[i] ^ a[j]; y[2 * i + j] = t; } }
        for i in 0..2 { wire t; t = ~a[i]; z[i] = t; }
        for i in 0..2 { wire t; t = a[i] | z[i]; w[i] = t; }
    }"""
    circuit = parse_text(text)
    assert simulate(circuit, {"a": 0b01}) == {"y": 0b0110, "z": 0b10, "w": 0b11}
    assert {"t@i=1,j=0", "t@i=1", "t@i=1#2"} <= set(circuit.graph.nodes)


def test_a_loop_local_wire_may_not_hide_a_module_wire_or_leave_its_iteration():
    text = """circuit c(a[2]) -> (y) {
  wire t;
  for i in 0..2 { wire t; t = a[i]; }
  t = a[0];
  y = u;
  for i in 0..1 { wire u; u = a[1]; }
}"""
    got = errors(text)
    assert (3, 24, "'t' is declared in a loop body and also outside it (line 2); a loop-local "
                   "wire may not hide another") in got
    assert (5, 7, "undefined wire 'u'") in got


# -- arrays of vectors ------------------------------------------------------------------------------
def test_arrays_of_vectors_rows_bits_and_slices():
    text = """circuit c<N = 3>(a[N], b[N]) -> (p[2 * N], row1[N], flat[N * N], mid[2]) {
        wire pp[N][N];                         // pp[i][j] = a[j] & b[i]
        for i in 0..N { pp[i] = a & {N{b[i]}}; }
        wire acc[N][2 * N];                    // acc[i]: the sum of rows 0..i, shifted
        acc[0] = zext<2 * N>(pp[0]);
        for i in 1..N { acc[i] = acc[i - 1] + (zext<2 * N>(pp[i]) << i); }
        p = acc[N - 1];
        row1 = pp[1];
        flat = pp;                             // row 0 in the low bits
        mid = pp[1][1:3];
    }"""
    circuit = parse_text(text)
    for a, b in itertools.product(range(8), repeat=2):
        rows = [a if (b >> i) & 1 else 0 for i in range(3)]
        assert simulate(circuit, {"a": a, "b": b}) == {
            "p": a * b, "row1": rows[1], "flat": rows[0] | rows[1] << 3 | rows[2] << 6,
            "mid": rows[1] >> 1 & 3}
    assert "pp[2][1]" in circuit.graph.nodes


def test_array_ports():
    text = """module pick(m[4][3], s[2]) -> (y[3]) {
        y = mux(s[1], mux(s[0], m[3], m[2]), mux(s[0], m[1], m[0]));
    }
    circuit c(m[4][3], s[2]) -> (y[3], t[2][3]) {
        y = pick(m, s);
        t[0] = m[0]; t[1][0:3] = m[1];
    }"""
    circuit = parse_text(text)
    words = [5, 2, 7, 1]
    m = sum(w << 3 * k for k, w in enumerate(words))
    for s in range(4):
        assert simulate(circuit, {"m": m, "s": s}) == {"y": words[s], "t": 5 | 2 << 3}
    assert circuit.inputs[:3] == ["m[0]", "m[1]", "m[2]"]  # the port's flat bit names


def test_array_index_out_of_range_in_either_dimension():
    text = """circuit c(a[4]) -> (y[4]) {
  wire pp[2][4];
  pp[0] = a;
  pp[1] = a;
  t = pp[2];
  u = pp[1][4];
  v = a[0][0];
  pp[0][1:9] = a;
  y = a;
}"""
    assert errors(text) == [
        (5, 10, "index 2 is out of range for 'pp' of 2 rows"),
        (6, 13, "index 4 is out of range for row 'pp[1]' of width 4"),
        (7, 11, "too many indices for 'a' (not an array; declare it `wire a[R][C]` to index "
                "it twice)"),
        (8, 9, "slice [1:9] is out of range for row 'pp[0]' of width 4 (slices are [lo:hi] "
               "with 0 <= lo < hi <= width)"),
    ]


# -- misuse of the vector operators ------------------------------------------------------------------
def test_operator_misuse_is_reported_at_once_with_carets():
    text = """circuit c(a[8], b[4], k[3]) -> (s[8], t[8], u, v[8], w[9]) {
  s = a + b;
  t = a << k;
  u = a < 300;
  v = 3 - 5;
  w = zext<4>(a);
}"""
    with pytest.raises(CircuitError) as info:
        parse_text(text, "m.circ")
    got = [(d.line, d.col, d.message) for d in info.value.errors]
    assert got == [
        (2, 11, "width mismatch in '+': 'a' has 8 bit(s), 'b' has 4"),
        (3, 12, "shift by a non-constant: 'k' is a wire; the amount of '<<' must be a "
                "compile-time constant (use a `mux` tree for a variable shift)"),
        (4, 11, "constant 300 does not fit in the 8 bit(s) of the other operands of '<'"),
        (5, 7, "'3 - 5' is -2; a negative number is not a wire value"),
        (6, 12, "'zext<4>' cannot narrow 'a' of 8 bit(s) (take a slice instead)"),
    ]
    text = str(info.value)
    assert "m.circ:2:11: error: width mismatch in '+'" in text
    assert "\n      s = a + b;\n              ^" in text


def test_adder_pragma_errors():
    assert errors("@adder(carry_save)\ncircuit c(a) -> (y) { y = a; }") == [
        (1, 8, "@adder takes one of sklansky, kogge_stone, ripple, e.g. @adder(ripple)")]
    # @adder is allowed on modules and does not make a distribution group
    circuit = parse_text("@adder(ripple)\nmodule m(a[2]) -> (y[2]) { y = a + 1; }\n"
                         "@adder(ripple) @sparse(1)\ncircuit c(a[2]) -> (y[2]) { y = m(a); }")
    assert circuit.distribution[0]["kind"] == "sparse"


def test_the_cli_reports_every_misuse_with_a_caret_and_exits_1(tmp_path):
    from click.testing import CliRunner

    from circuitc.cli import main

    bad = tmp_path / "bad.circ"
    bad.write_text("circuit c(a[8], b[4], d[2]) -> (s[8], t[8], y) {\n  s = a + b;\n"
                   "  t = a >> b;\n  y = table(d) { 0: 1, 5: 0, default: 0 };\n}\n")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 1
    out = result.output
    assert f"{bad}:2:11: error: width mismatch in '+'" in out
    assert f"{bad}:3:12: error: shift by a non-constant" in out
    assert f"{bad}:4:24: error: table key 5 is out of range" in out
    assert "\n      s = a + b;\n              ^" in out and "Traceback" not in out
