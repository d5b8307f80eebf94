"""Every semantic error of the .circ language: file, line, column and message, all collected."""

import pytest

from circuitc.errors import CircuitError
from circuitc.lang import parse_file, parse_text


def errors(text, params=None, path="t.circ"):
    with pytest.raises(CircuitError) as info:
        parse_text(text, path, params=params)
    return [(d.path, d.line, d.col, d.message) for d in info.value.errors]


def only(text, params=None):
    (error,) = errors(text, params)
    return error[1:]


CASES = [
    # (name, text, line, col, message)
    ("undefined wire", "circuit c(a) -> (y) {\n  y = a & b;\n}", 2, 11, "undefined wire 'b'"),
    ("wire assigned twice", "circuit c(a) -> (y) {\n  y = a;\n  y = ~a;\n}", 3, 3,
     "'y' is assigned twice (first at line 2)"),
    ("bit assigned twice",
     "circuit c(a[2]) -> (y[2]) {\n  y[0] = a[0];\n  y[1] = 0;\n  y[0:2] = a;\n}", 4, 3,
     "'y[0]', 'y[1]' is assigned twice (first at line 2)"),
    ("output never assigned", "circuit c(a[3]) -> (y[3]) {\n  y[0] = a[0];\n}", 1, 21,
     "output 'y' is never assigned (bits 'y[1]', 'y[2]')"),
    ("wire read but never assigned",
     "circuit c(a) -> (y) {\n  wire t[2];\n  t[0] = a;\n  y = t[1];\n}", 4, 7,
     "wire 't[1]' is read but never assigned"),
    ("width mismatch in an operator", "circuit c(a[3], b[2]) -> (y[3]) {\n  y = a & b;\n}",
     2, 11, "width mismatch in '&': 'a' has 3 bit(s), 'b' has 2"),
    ("width mismatch in an assignment", "circuit c(a[3]) -> (y[2]) {\n  y = ~a;\n}", 2, 7,
     "width mismatch: 'y' has 2 bit(s), the value '~a' has 3"),
    ("constant too wide", "circuit c(a) -> (y[2]) {\n  y = 4;\n}", 2, 7,
     "constant 4 does not fit in the 2 bit(s) of 'y'"),
    ("unknown module or gate", "circuit c(a) -> (y) {\n  y = foo(a);\n}", 2, 7,
     "unknown module or gate 'foo'"),
    ("wrong number of module inputs",
     "module m(a, b) -> (y) { y = a & b; }\ncircuit c(a) -> (y) {\n  y = m(a);\n}", 3, 7,
     "module 'm' takes 2 input(s), got 1"),
    ("wrong gate arity", "circuit c(a) -> (y) {\n  y = not(a, a);\n}", 2, 7,
     "'not' takes 1 argument(s), got 2"),
    ("mux arity", "circuit c(a) -> (y) {\n  y = mux(a, a);\n}", 2, 7,
     "'mux' takes 3 argument(s), got 2"),
    ("mux select width", "circuit c(a[2]) -> (y[2]) {\n  y = mux(a, a, a);\n}", 2, 11,
     "the select of 'mux' must be one bit, 'a' has 2"),
    ("maj bit count", "circuit c(a[2]) -> (y) {\n  y = maj(a);\n}", 2, 7,
     "'maj' needs an odd number of at least 3 bits, got 2"),
    ("wrong number of outputs",
     "module m(a) -> (y, z) { y = a; z = a; }\ncircuit c(a) -> (y) {\n  p, q, y = m(a);\n}",
     3, 3, "'m' has 2 output(s) but 3 target(s) are assigned"),
    ("several outputs in an expression",
     "module m(a) -> (y, z) { y = a; z = a; }\ncircuit c(a) -> (y) {\n  y = a & m(a);\n}",
     3, 11, "'m' has 2 outputs; assign them with `x, y = ...` instead of using the call in "
     "an expression"),
    ("input width of an instance",
     "module m(a[2]) -> (y) { y = xor(a); }\ncircuit c(a[3]) -> (y) {\n  y = m(a);\n}", 3, 9,
     "width mismatch: input 'a' of 'm' has 2 bit(s), the value 'a' has 3"),
    ("combinational loop through implicit wires",
     "circuit c(a, b) -> (y) {\n  y = x;\n  x = y2 & a;\n  y2 = x | b;\n}", 3, 3,
     "combinational loop: x -> y2 -> x"),
    ("combinational loop through declared wires",
     "circuit c(a, b) -> (y) {\n  wire x, t;\n  t = x | b;\n  x = t & a;\n  y = x;\n}", 3, 3,
     "combinational loop: t -> x -> t"),
    ("recursion through modules",
     "module a(x) -> (y) { y = b(x); }\nmodule b(x) -> (y) { y = ~a(x); }\n"
     "circuit c(x) -> (y) { y = a(x); }", 1, 26,
     "recursive module instantiation: a -> b -> a (modules are inlined, so a module cannot "
     "use itself)"),
    ("index out of range", "circuit c(a[3]) -> (y) {\n  y = a[3];\n}", 2, 9,
     "index 3 is out of range for 'a' of width 3"),
    ("index out of range of a wire defined later",
     "circuit c(a[3]) -> (y) {\n  y = t[5];\n  t = ~a;\n}", 2, 7,
     "index 5 is out of range for 't' of width 3"),
    ("slice out of range", "circuit c(a[3]) -> (y[2]) {\n  y = a[2:4];\n}", 2, 9,
     "slice [2:4] is out of range for 'a' of width 3 (slices are [lo:hi] with 0 <= lo < hi "
     "<= width)"),
    ("missing module parameter",
     "module m<N>(a[N]) -> (y) { y = xor(a); }\ncircuit c(a[3]) -> (y) {\n  y = m(a);\n}", 3, 7,
     "missing parameter 'N' of module 'm'"),
    ("missing circuit parameter", "circuit c<N>(a[N]) -> (y) { y = xor(a); }", 1, 9,
     "missing parameter 'N' of circuit 'c'"),
    ("no circuit", "module m(a) -> (y) { y = a; }", 1, 1,
     "no `circuit` block: a file needs exactly one, the top level that is compiled (e.g. "
     "`circuit top(a, b) -> (y) { y = a & b; }`)"),
    ("several circuits", "circuit c(a) -> (y) { y = a; }\ncircuit d(a) -> (y) { y = a; }", 2, 1,
     "more than one `circuit` block: 'd' (the first is 'c' at line 1); a file has exactly one, "
     "the others should be `module`s"),
    ("division by zero", "circuit c<N = 0>(a[4 / N]) -> (y) { y = a[0]; }", 1, 20,
     "division by zero"),
    ("modulo by zero", "circuit c(a) -> (y) {\n  let K = 3 % (1 - 1);\n  y = a;\n}", 2, 11,
     "division by zero"),
    ("absurd loop",
     "circuit c(a) -> (y) {\n  wire t[2];\n  for i in 0..100000000 { t[0] = a; }\n  y = a;\n}", 3, 3,
     "the file would unroll to 100,000,003 statements here (loop 'i' runs 100,000,000 times), "
     "more than the limit of 1,000,000 (set CIRCUITC_MAX_STATEMENTS or `circuitc --limit "
     "statements=N` to raise it); does a loop run further than intended?"),
    ("unknown compile-time name", "circuit c(a[K]) -> (y) { y = a[0]; }", 1, 13,
     "unknown compile-time name 'K' (a parameter, `let` constant or loop variable is needed "
     "here)"),
    ("assign to an input", "circuit c(a) -> (y) {\n  a = 1;\n  y = a;\n}", 2, 3,
     "cannot assign to input 'a'"),
    ("assign to a constant", "circuit c(a) -> (y) {\n  let K = 1;\n  K = a;\n  y = a;\n}", 3, 3,
     "cannot assign to 'K': it is a compile-time constant"),
    ("bit assignment needs a declaration", "circuit c(a) -> (y) {\n  t[0] = a;\n  y = a;\n}",
     2, 3, "'t' must be declared (`wire t[W];`) before its bits are assigned"),
    ("zero width", "circuit c(a[0]) -> (y) { y = 1; }", 1, 13,
     "width of 'a' must be at least 1, got 0"),
    ("unknown pragma", "@dense\ncircuit c(a) -> (y) { y = a; }", 1, 1,
     "unknown pragma '@dense' (known: @uniform, @sparse, @atmost, @bernoulli)"),
    ("sparse asks for too much", "circuit c(@sparse(3) a[2]) -> (y) { y = xor(a); }", 1, 11,
     "@sparse(3) asks for more bits on than the 2 bits of the group"),
    ("bernoulli out of range", "circuit c(@bernoulli(1.5) a) -> (y) { y = a; }", 1, 22,
     "@bernoulli probability must be between 0 and 1, got 1.5"),
    ("pragma on a module", "@sparse(1)\nmodule m(a) -> (y) { y = a; }\n"
     "circuit c(a) -> (y) { y = m(a); }", 1, 1,
     "distribution pragmas belong on the `circuit` or its inputs, not on a module"),
    ("unknown parameter override", "circuit c<N = 2>(a[N]) -> (y) { y = xor(a); }", 1, 9,
     "circuit 'c' has no parameter 'M' (its parameters: N)"),
    ("instantiating the circuit", "module m(a) -> (y) { y = c(a); }\n"
     "circuit c(a) -> (y) { y = m(a); }", 1, 26,
     "'c' is the circuit, which cannot be instantiated; make it a `module` and instantiate that"),
    ("gate with parameters", "circuit c(a[2]) -> (y) {\n  y = xor<2>(a);\n}", 2, 10,
     "gate 'xor' takes no <parameters>"),
    ("module defined twice", "module m(a) -> (y) { y = a; }\nmodule m(a) -> (y) { y = ~a; }\n"
     "circuit c(a) -> (y) { y = m(a); }", 2, 8, "module 'm' is defined twice (first at line 1)"),
]


@pytest.mark.parametrize("name,text,line,col,message", CASES, ids=[c[0] for c in CASES])
def test_each_error(name, text, line, col, message):
    params = {"M": 3} if name == "unknown parameter override" else None
    assert only(text, params) == (line, col, message)


def test_errors_name_the_file_and_show_the_line_with_a_caret():
    with pytest.raises(CircuitError) as info:
        parse_text("circuit c(a) -> (y) {\n  y = a & b;\n}", "dir/x.circ")
    assert str(info.value) == ("dir/x.circ:2:11: error: undefined wire 'b'\n"
                               "      y = a & b;\n"
                               "              ^")


def test_several_errors_in_one_file_are_all_reported():
    text = """module m<N>(a[N]) -> (y) { y = xor(a) & q; }
circuit c(a[2], b) -> (y, z[2]) {
    y = m<2>(a);
    t = a[5];
    w = maj(a);
    z = a & b;
    v = undefined_gate(a);
}"""
    assert [e[1:] for e in errors(text)] == [
        (1, 41, "undefined wire 'q'"),
        (4, 11, "index 5 is out of range for 'a' of width 2"),
        (5, 9, "'maj' needs an odd number of at least 3 bits, got 2"),
        (6, 13, "width mismatch in '&': 'a' has 2 bit(s), 'b' has 1"),
        (7, 9, "unknown module or gate 'undefined_gate'"),
    ]


def test_an_error_in_a_module_used_many_times_is_reported_once():
    text = """module bad(a) -> (y) { y = a & nope; }
circuit c(a[4]) -> (y[4]) {
    for i in 0..4 { y[i] = bad(a[i]); }
}"""
    assert errors(text) == [("t.circ", 1, 32, "undefined wire 'nope'")]


def test_the_size_guard_stops_elaboration(monkeypatch):
    monkeypatch.setenv("CIRCUITC_MAX_NETLIST", "50")
    monkeypatch.setenv("CIRCUITC_MAX_STATEMENTS", "50")
    text = "circuit c(a[8]) -> (y) {\n  wire t[30];\n" \
           "  for i in 0..30 { t[i] = a[i % 8] & ~a[(i + 1) % 8]; }\n  y = xor(t);\n}"
    (error,) = errors(text)
    assert error[1] == 3
    assert ("the netlist grows to 51 nodes (inputs, wire bits and gates) here, more than the "
            "limit of 50") in error[3]
    text = "circuit c(a) -> (y) {\n  for i in 0..8 { for j in 0..8 { _ = a; } }\n  y = a;\n}"
    assert only(text) == (2, 19, "the file would unroll to 58 statements here (loop 'j' runs 8 times), "
                                 "more than the limit of 50 (set CIRCUITC_MAX_STATEMENTS or "
                                 "`circuitc --limit statements=N` to raise it); does a loop run "
                                 "further than intended?")


def test_syntax_and_semantic_problems_come_as_circuit_errors_not_tracebacks(tmp_path):
    with pytest.raises(CircuitError) as info:
        parse_file(tmp_path / "missing.circ")
    assert "cannot read the file" in str(info.value)
    (tmp_path / "bin.circ").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CircuitError, match="not a UTF-8 text file"):
        parse_file(tmp_path / "bin.circ")
