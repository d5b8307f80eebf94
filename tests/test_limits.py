"""Limits on what input files declare and on what .circ elaborates to, checked before the work
they bound (circuitc.limits); no RecursionError at any nesting depth."""

import gc
import time

import pytest
from click.testing import CliRunner
from lark import Token

import circuitc
from circuitc import limits
from circuitc.cli import main
from circuitc.errors import CircuitError
from circuitc.formats import READERS, load_circuit
from circuitc.lang import constexpr
from circuitc.lang.fastparse import fast_tree
from circuitc.lang.parse import parser
from circuitc.simulate import truth_table


@pytest.mark.parametrize("fmt, data, message", [
    ("aiger", b"aig 1000000000 1000000000 0 1 0\n2\n", "declares 1,000,000,000 input bits"),
    ("aiger", b"aig 1000000000 1 0 1 999999999\n2\n", "999999999 ANDs cannot fit"),
    ("aiger", "aig 3 \u00b9 0 1 0\n2\n".encode(), "bad header"),  # a superscript one
    ("aiger", "aag 3 1 0 1 1\n\u0662\n2\n".encode(), "bad input 0"),  # an Arabic-Indic two
    ("bristol", b"1 1000000000\n1 100000000\n1 1\n\n2 1 0 0 1 AND\n", "CIRCUITC_MAX_NODES"),
    ("bristol", b"1 100000001\n2 50000000 50000000\n1 1\n\n2 1 0 1 100000000 AND\n",
     "declares 100,000,000 input bits"),
    ("bristol", b"1 5000\n1 2\n1 1\n\n2 1 0 1 2 AND\n", "can write at most"),
    ("bristol", "1 \u00b3\n1 2\n1 1\n\n2 1 0 1 2 AND\n".encode(), "bad header"),
])
def test_declared_sizes_are_refused_before_any_work(fmt, data, message):
    start = time.perf_counter()
    with pytest.raises(CircuitError, match=message):
        READERS[fmt](data, "bad")
    assert time.perf_counter() - start < 2  # refused, not attempted


def test_limits_are_raised_by_their_environment_variable(monkeypatch):
    data = b"aig 70 70 0 1 0\n2\n"
    monkeypatch.setenv("CIRCUITC_MAX_INPUTS", "50")
    with pytest.raises(CircuitError, match="more than the limit of 50 .*CIRCUITC_MAX_INPUTS"):
        READERS["aiger"](data, "x")
    monkeypatch.setenv("CIRCUITC_MAX_INPUTS", "100")
    assert len(READERS["aiger"](data, "x").inputs) == 70


def test_file_size_limit(monkeypatch, tmp_path):
    path = tmp_path / "c.bench"
    path.write_text("INPUT(a)\nOUTPUT(y)\ny = NOT(a)\n")
    monkeypatch.setenv("CIRCUITC_MAX_FILE_BYTES", "10")
    with pytest.raises(CircuitError, match="the file has 30 bytes, more than the limit of 10"):
        load_circuit(path)


def test_natural_takes_ascii_digits_only():
    assert limits.natural("042") == 42
    assert limits.natural("\u00b9") is None and limits.natural("\u0663") is None
    assert limits.natural("-1") is None and limits.natural("") is None


# ---- the .circ language ------------------------------------------------------------------------
def circ_error(text: str, seconds: float = 30) -> tuple[int, int, str]:
    """(line, col, message) of the one error of a .circ text. `seconds` is a sanity cap on a
    shared machine (these used to take minutes or never end), not a speed measurement."""
    start = time.perf_counter()
    with pytest.raises(CircuitError) as error:
        circuitc.parse_text(text)
    assert time.perf_counter() - start < seconds  # refused, not attempted
    (first,) = error.value.errors
    return first.line, first.col, first.message


@pytest.mark.parametrize("text, at, message", [
    ("y = a & 0x_;", "x_", "syntax error"),  # no digits after the prefix: not a literal
    # sizes: refused before the names, bits or iterations are made
    ("y = a;", "x[100000000]", "'x' would have 100,000,000 bits, more than the limit of 1,048,576 "
                        "(set CIRCUITC_MAX_WIDTH or `circuitc --limit width=N` to raise it)"),
    ("wire w[100000][100000]; w = 0; y = a;", "w[", "'w' would have 10,000,000,000 bits"),
    ("y = zext<1000000000000>(a);", "1000000000000>", "'zext<1000000000000>' would have "
                                              "1,000,000,000,000 bits"),
    ("y = &{1000000000{a}};", "1000000000{", "the replication would have 1,000,000,000 bits"),
    ("y = &t[0:1000000000000]; t = {a, a};", "0:", "'t[0:1000000000000]' would have "
                                                      "1,000,000,000,000 bits"),
    ("y = &table<1000000000000000000>(a) { 0: 1, 1: 0 };", "1000000000000000000>",
     "'table<1000000000000000000>' would have 1,000,000,000,000,000,000 bits"),  # a MemoryError
    ("wire s[20000]; s = 0; y = &table(s) { -1: 1, default: 0 };", "-1",  # str() raised
     "table key -1 is out of range for the 20000-bit selector 's' (0..2**20000 - 1)"),
    # unrolled statements: each loop under the limit, their product 10^9; lets and empty bodies
    # count too (they used to run for minutes)
    ("wire t; for i in 0..1000 { for j in 0..1000 { for k in 0..1000 { t = a; } } } y = a;",
     "for k", "would unroll to 1,000,003 statements here (loop 'k' runs 1,000 times), more than "
              "the limit of 1,000,000 (set CIRCUITC_MAX_STATEMENTS"),
    ("for i in 0..100000 { for j in 0..100000 { let q = i; } } y = a;", "for j",
     "(loop 'j' runs 100,000 times)"),
    ("for i in 0..10**12 { } y = a;", "for", "would unroll to 1,000,000,000,002 statements"),
    ("wire t; for i in 0..10**30 { t = a; } y = a;", "for",
     "(loop 'i' runs 1,000,000,000,000,000,000,000,000,000,000 times)"),
    # literals: judged from their digits, before int()
    ("y = a & " + "9" * 100000 + ";", "9", "the literal '9999999999...9999999999' has about "
                                             "332,193 bits, more than the limit of 65,536 (set "
                                             "CIRCUITC_MAX_LITERAL_BITS"),
    ("y = a & " + "9" * 5000 + ";", "9", "constant of 16,610 bits does not fit in the 1 bit(s)"),
    ("let q = " + "9" * 5000 + "; y = a;", "9", "the literal '9999999999...9999999999' has "
                                                  "about 16,610 bits, more than the limit of 256 "
                                                  "(set CIRCUITC_MAX_VALUE_BITS"),
    ("y = x[0x" + "f" * 60 + "];", "0x", "index 17668470647783843295832975007429185158274838968"
                                         "75618958121606201292619775 is out of range for 'x'"),
    ("y = x[0x" + "f" * 70 + "];", "0x", "the literal '0xffffffff...ffffffffff' has about 280 "
                                         "bits, more than the limit of 256"),
    # compile-time results: refused before they are computed
    ("let q = 2 ** 100000000000; y = a;", "2 **",
     "2 ** 100000000000 is too large for a compile-time value (about 100,000,000,000 bits), "
     "more than the limit of 256 (set CIRCUITC_MAX_VALUE_BITS"),
    ("let q = 1 << 100000000000; y = a;", "1 <<", "1 << 100000000000 is too large"),
    ("let q = (1 << 200) * (1 << 200); y = a;", "(1", "compile-time value too large (401 "
                                                        "bits)"),
    ("y = a & (1 << 100000000000000000);", "1 <<", "'1 << 100000000000000000' is too large for "
                                                   "a constant (100,000,000,000,000,001 bits), "
                                                   "more than the limit of 65,536 (set "
                                                   "CIRCUITC_MAX_LITERAL_BITS"),
])
def test_language_sizes_are_refused_with_a_located_error(text, at, message):
    """Each refusal comes at once, at the construct that asks (`at`: where it starts)."""
    width = 100000000 if "'x' would" in message else 4
    full = f"circuit c(a, x[{width}]) -> (y) {{ {text} }}"
    line, col, got = circ_error(full)
    assert (line, col) == (1, full.index(at) + 1) and message in got, got


def test_language_limits_are_raised_by_their_environment_variables(monkeypatch):
    text = "circuit c(a[40]) -> (y) { for i in 0..40 { let q = i; } y = ~&a; }"
    assert len(circuitc.parse_text(text).gates()) == 2
    for name, value, message in [("CIRCUITC_MAX_WIDTH", 30, "'a' would have 40 bits"),
                                 ("CIRCUITC_MAX_INPUTS", 30, "the circuit's inputs would have 40"),
                                 ("CIRCUITC_MAX_STATEMENTS", 30, "would unroll to 42 statements"),
                                 ("CIRCUITC_MAX_NETLIST", 30, "the netlist grows to 41 nodes")]:
        with monkeypatch.context() as m:
            m.setenv(name, str(value))
            line, _, got = circ_error(text)
            assert line == 1 and message in got and name in got
    monkeypatch.setenv("CIRCUITC_MAX_LITERAL_BITS", "100000")
    monkeypatch.setenv("CIRCUITC_MAX_VALUE_BITS", "100000")
    big = "1" * 9000  # past Python's 4300-digit limit on int(str): converted in chunks
    circuit = circuitc.parse_text(f"circuit c(a) -> (y) {{ let q = {big} % 1000; "
                                  f"y = a & (q == 111); }}")
    assert len(circuit.gates()) <= 1  # q is 111, so y is a
    assert constexpr.int_literal(Token("INT", big), limits.VALUE_BITS, None) == (10**9000 - 1) // 9


def test_cli_limit_option_sets_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "w.circ"
    path.write_text("circuit c(x[40]) -> (y) { y = &x; }\n")
    monkeypatch.setenv("CIRCUITC_MAX_WIDTH", "30")  # restored after the test, as the option sets it
    refused = CliRunner().invoke(main, ["check", str(path)])
    assert refused.exit_code == 1 and "w.circ:1:11: error: 'x' would have 40 bits" in refused.output
    assert "(set CIRCUITC_MAX_WIDTH or `circuitc --limit width=N` to raise it)" in refused.output
    bad = CliRunner().invoke(main, ["--limit", "widht=3", "check", str(path)])
    assert bad.exit_code == 2 and "unknown limit 'widht' (known: inputs," in bad.output
    bad = CliRunner().invoke(main, ["--limit", "width=4e9", "check", str(path)])
    assert bad.exit_code == 2 and "expected KEY=N with N a whole number" in bad.output
    ok = CliRunner().invoke(main, ["--limit", "width=40", "check", str(path)])
    assert ok.exit_code == 0, ok.output


def test_circ_file_size_limit(monkeypatch, tmp_path):
    path = tmp_path / "c.circ"
    path.write_text("circuit c(a) -> (y) { y = ~a; }\n")
    assert len(circuitc.parse_file(path).gates()) == 1
    monkeypatch.setenv("CIRCUITC_MAX_FILE_BYTES", "10")
    with pytest.raises(CircuitError, match="the file has 32 bytes, more than the limit of 10"):
        circuitc.parse_file(path)


# ---- depth: no RecursionError, whatever the nesting ---------------------------------------------
def _chain(kind: str, n: int) -> str:
    """A circuit whose one assignment nests `kind` n deep (all of them compute y = a)."""
    body = {
        "parens": "y = " + "(" * n + "a" + ")" * n + ";",
        "not": "y = " + "~" * (2 * n) + "a;",
        "plus": "y = a" + " + 0" * n + ";",
        "minus": "y = a" + " - 0" * n + ";",
        "and": "y = a" + " & (a" * n + ")" * n + ";",
        "mixed": "y = " + "(" * n + "a" + " & a) | a" * n + ";",
        "concat": "y = " + "{" * n + "a" + "}" * n + ";",
        "else if": "if 1 == 0 { y = 0; }" + "".join(f" else if 0 == {k + 1} {{ y = 0; }}"
                                                    for k in range(n)) + " else { y = a; }",
        "c parens": "y = x[" + "(" * n + "0" + ")" * n + "];",
        "c minus": "y = x[" + "- " * (2 * n) + "0];",
        "c plus": "y = x[0" + " + 0" * n + "];",
        "c and": "y = x[1" + " && 1" * n + " - 1];",
        "c power": "y = x[" + "1 ** " * n + "0 - 1];",
    }[kind]
    return f"circuit c(a, x[2]) -> (y) {{ {body} }}"


@pytest.mark.parametrize("n", [300, 3000])
@pytest.mark.parametrize("kind", ["parens", "not", "plus", "minus", "and", "mixed", "concat",
                                  "else if", "c parens", "c minus", "c plus", "c and",
                                  "c power"])
def test_deep_chains_elaborate_without_recursion(kind, n):
    x, out = truth_table(circuitc.parse_text(_chain(kind, n)))  # inputs a, x[0], x[1]
    assert (out[:, 0] == x[:, 1 if kind.startswith("c ") else 0]).all()


@pytest.mark.parametrize("kind", ["parens", "not", "plus", "else if", "c parens", "c plus"])
def test_chains_30000_deep(kind):
    start = time.perf_counter()
    assert len(circuitc.parse_text(_chain(kind, 30000)).outputs) == 1
    assert time.perf_counter() - start < 60  # a sanity cap; docs/robustness.md has timings


def test_unbalanced_deep_parentheses_are_a_syntax_error():
    line, col, message = circ_error("circuit c(a) -> (y) { y = " + "(" * 30000 + "a"
                                    + ")" * 29999 + "; }")
    assert (line, col) == (1, 60027) and message == "syntax error: unexpected ';', expected ')'"


NESTED = {
    "if": lambda n: "circuit c(a) -> (y) { " + "if 1 { " * n + "y = a;" + " }" * n + " }",
    "for": lambda n: "circuit c(a) -> (y) { " + "".join(f"for i{k} in 0..1 {{ " for k in range(n))
                     + "y = a;" + " }" * n + " }",
    "gate call": lambda n: "circuit c(a) -> (y) { y = " + "not(" * n + "a" + ")" * n + "; }",
    "table": lambda n: "circuit c(a) -> (y) { y = " + "table(" * n + "a"
                       + ") { 0: 0, 1: 1 }" * n + "; }",
    "module chain": lambda n: "".join(f"module m{k}(x) -> (z) {{ z = ~m{k + 1}(x); }}\n"
                                      for k in range(n))
                              + f"module m{n}(x) -> (z) {{ z = x; }}\n"
                              + "circuit c(a) -> (y) { y = m0(a); }",
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_nesting_is_limited_with_a_located_error(kind):
    assert len(circuitc.parse_text(NESTED[kind](60)).outputs) == 1  # 64 levels are allowed
    for n in (300, 3000):
        line, col, message = circ_error(NESTED[kind](n))
        assert message.startswith("blocks, calls and module instances nest 65 deep here, more "
                                  "than the limit of 64 (set CIRCUITC_MAX_NESTING")
        assert line == (64 if kind == "module chain" else 1) and col > 1


def test_nesting_beyond_the_stack_is_still_a_located_error(monkeypatch):
    monkeypatch.setenv("CIRCUITC_MAX_NESTING", "100000")
    line, col, message = circ_error(NESTED["gate call"](3000))
    assert line == 1 and col > 1 and "nest too deeply here" in message
    assert "for Python's stack" in message and "lower CIRCUITC_MAX_NESTING" in message


def test_long_recursive_module_cycles_are_reported_short():
    text = "".join(f"module m{k}(x) -> (z) {{ z = m{(k + 1) % 3000}(x); }}\n"
                   for k in range(3000)) + "circuit c(a) -> (y) { y = m0(a); }"
    line, _, message = circ_error(text)
    assert line == 1 and message.startswith(
        "recursive module instantiation: m0 -> m1 -> m2 -> m3 -> ... (2994 more) -> m2998 -> "
        "m2999 -> m0")


def test_else_if_chains_parse_to_the_tree_lark_builds():
    text = _chain("else if", 5)
    assert fast_tree(text) == parser().parse(text)


def test_long_lines_are_cut_around_the_caret():
    with pytest.raises(CircuitError) as error:
        circuitc.parse_text("circuit c(a) -> (y) { y = a & " + "a & " * 5000 + "b; }")
    _, shown, caret = str(error.value).splitlines()
    assert shown.startswith("    ...") and shown.endswith(" }") and len(shown) < 140
    assert shown[caret.index("^")] == "b"


# ---- number parsing in the other formats ------------------------------------------------------
@pytest.mark.parametrize("fmt, data, where, message", [
    ("aiger", "aag 1 1 0 1 0\n2\n2\ni\u00b2 x\n", 4, "bad symbol table entry 'i\u00b2 x'"),
    ("aiger", "aag 1 1 0 1 0\n2\n\u00b2\n", 3, "bad output 0: expected a literal, got '\u00b2'"),
    ("aiger", "aag 2 1 0 1 1\n2\n4\n4 2 \u00b2\n", 4, "bad AND gate 0: expected 3 literals"),
    ("aiger", "aag 0x1 1 0 1 0\n2\n2\n", 1, "bad header 'aag 0x1 1 0 1 0'"),
    ("aiger", "aag 1_0 1 0 1 0\n2\n2\n", 1, "bad header"),  # int() would take 1_0 as 10
    ("bristol", "1 3\n2 1 1\n1 1\n\n2 1 0 \u00b9 2 AND\n", 5, "bad wire number in '0 \u00b9 2'"),
    ("bristol", "1 3\n2 1 1\n1 1\n\n\u0662 1 0 1 2 AND\n", 5, "expected a gate line"),
    ("bristol", "1 3\n2 1 1\n1 1\n\n2 1 0 1 2_0 AND\n", 5, "bad wire number"),
    ("bristol", "1 3\n\u0662 1 1\n1 1\n\n2 1 0 1 2 AND\n", 2, "bad header: line 2"),
    ("blif", ".model m\n.inputs a b\n.outputs y\n.names a b y\n1\u00b9 1\n.end\n", 5,
     "bad cube '1\u00b9' of 'y'"),
])
def test_non_ascii_and_malformed_numbers_are_located_errors(fmt, data, where, message):
    with pytest.raises(CircuitError) as error:
        READERS[fmt](data.encode(), "f")
    assert any(e.line == where and message in e.message for e in error.value.errors), \
        str(error.value)


@pytest.mark.parametrize("text, at", [
    ("y = x[\u00b2];", "\u00b2"),  # a superscript two: no digit of the language
    ("y = a & 1\u00b2;", "\u00b2"),
    ("y = x[\u0663];", "\u0663"),  # an Arabic-Indic three, which int() would take
    ("y = a & 0b;", "b;"),
])
def test_non_ascii_and_malformed_numbers_in_circ_are_syntax_errors(text, at):
    full = f"circuit c(a, x[4]) -> (y) {{ {text} }}"
    line, col, message = circ_error(full)
    assert (line, col) == (1, full.index(at) + 1) and message.startswith("syntax error")


def test_a_limit_that_is_not_a_number_is_an_error_not_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCUITC_MAX_WIDTH", "4e6")
    with pytest.raises(ValueError, match="CIRCUITC_MAX_WIDTH='4e6': a limit is a whole number"):
        circuitc.parse_text("circuit c(a) -> (y) { y = a; }")
    path = tmp_path / "c.circ"
    path.write_text("circuit c(a) -> (y) { y = a; }\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1 and "error: CIRCUITC_MAX_WIDTH='4e6'" in result.output


@pytest.mark.parametrize("text, at, message", [
    ("y = " + "(" * 100_001 + "a" + ")" * 100_001 + ";", 4 + 99_999,  # the `{` is level 1
     "brackets nest 100,001 deep here, more than the limit of 100,000 (set "
     "CIRCUITC_MAX_PARSE_DEPTH"),
    ("y = " + "~" * 1_000_000 + "a;", 4, "1,000,000 prefix operators follow each other here"),
    ("y = x[" + "- " * 100_001 + "1];", 6, "100,001 prefix operators follow each other here"),
])
def test_what_lark_parses_is_bounded_in_depth(text, at, message):
    """Nesting the fast parser gives up on goes to Lark, whose stack, time and memory grow with
    it (10 MB of `~` took 4 GB): refused first, at the level beyond the limit (`at`: its index
    in `text`) or the start of the run of operators."""
    prefix = "circuit c(a, x[4]) -> (y) { "
    line, col, got = circ_error(prefix + text + " }")
    assert (line, col) == (1, len(prefix) + at + 1) and message in got, got


def test_parse_depth_counts_code_not_comments(monkeypatch):
    monkeypatch.setenv("CIRCUITC_MAX_PARSE_DEPTH", "1000")
    deep = "circuit c(a) -> (y) { y = " + "(" * 1500 + "a" + ")" * 1500 + "; }"
    assert "brackets nest 1,001 deep" in circ_error(deep)[2]
    monkeypatch.setenv("CIRCUITC_MAX_PARSE_DEPTH", "2000")
    assert len(circuitc.parse_text(deep).outputs) == 1
    monkeypatch.setenv("CIRCUITC_MAX_PARSE_DEPTH", "1000")
    commented = "/* " + "(" * 5000 + " */\ncircuit c(a) -> (y) { y = " + "(" * 400 + "a" \
        + ")" * 400 + "; }"  # deep enough for the fast parser to give up
    assert len(circuitc.parse_text(commented).outputs) == 1


def test_a_parse_leaves_no_cyclic_garbage():
    """The front end pauses the collector and moves what survives a parse to the oldest
    generation, which only a full collection frees: a cycle there (the elaborator and its
    netlist, networkx's cached views of the netlist graph; a syntax error's traceback and the
    recovery that holds it) kept every parse's netlist or tree alive, and the long fuzz
    campaign died of a MemoryError after some 10^4 files."""
    text = "circuit c(a[64]) -> (y[64]) { for i in 0..64 { y[i] = a[i] ^ a[(i + 1) % 64]; } }"
    parser()  # built once per process (its construction leaves garbage of its own)
    gc.collect()
    circuitc.parse_text(text)
    assert gc.collect() < 100  # unreachable objects found: 587 before
    for bad in (text.replace(";", "", 1), text[:-5]):  # Lark's recovery, and no recovery
        with pytest.raises(CircuitError):
            circuitc.parse_text(bad)
        assert gc.collect() == 0  # ~500 before (the half-built tree, held by a traceback)
