"""Syntax errors: reported with file:line:col and the expected tokens in plain words, several
per file (the parser resynchronises at the next ';' or '}')."""

import pytest

from circuitc.errors import CircuitError
from circuitc.lang import parse_text
from circuitc.lang.parse import grammar_text, parser


def errors(text):
    with pytest.raises(CircuitError) as info:
        parse_text(text, "s.circ")
    return [(d.path, d.line, d.col, d.message) for d in info.value.errors]


def test_missing_semicolon():
    assert errors("circuit c(a, b) -> (y) {\n  t = a & b\n  y = t;\n}") == [
        ("s.circ", 3, 3, "syntax error: unexpected 'y', expected '(', ';', '[' or an operator")]


def test_unexpected_end_of_file():
    assert errors("circuit c(a) -> (y) {\n  y = a;\n") == [
        ("s.circ", 2, 9, "syntax error: unexpected end of file, expected '}', 'for', 'if', "
                         "'let', 'wire' or a name")]


def test_unexpected_character():
    assert errors("circuit c(a) -> (y) {\n  y = a $ a;\n}") == [
        ("s.circ", 2, 9, "syntax error: unexpected character '$'")]


def test_several_syntax_errors_are_all_reported_once_each():
    text = """module m(a) -> (y) {
  x = a & b
  y = x;
  z = = a;
  q = (a;
}
circuit c(a) -> (y) { y = a }
"""
    assert [e[1:3] for e in errors(text)] == [(3, 3), (4, 7), (5, 9), (7, 29)]
    assert errors(text)[1][3] == ("syntax error: unexpected '=', expected '(', '{', '~', 'table', "
                                  "a name, a number or an operator")
    assert errors(text)[2][3] == "syntax error: unexpected ';', expected ')'"
    assert errors(text)[3][3] == "syntax error: unexpected '}', expected ';'"


def test_one_broken_statement_gives_one_error():
    assert [e[1:3] for e in errors("circuit c(a) -> (y) { x = a b c d; y = a; }")] == [(1, 29)]


def test_a_comparison_in_parameter_brackets_needs_parentheses():
    text = "module m<B>(a) -> (y) { y = a; }\ncircuit c<N = 2>(a) -> (y) { y = m<N > 1>(a); }"
    ((_, line, col, message),) = errors(text)
    # without them, `m < N` is a comparison and the `>` after it a second one, which does not chain
    assert (line, col) == (2, 38) and message.startswith("syntax error: unexpected '>'")
    ok = "module m<B>(a) -> (y) { y = a; }\ncircuit c<N = 2>(a) -> (y) { y = m<(N > 1)>(a); }"
    assert parse_text(ok).name == "c"


def test_comparisons_do_not_chain():
    ((_, line, col, message),) = errors(
        "circuit c(a) -> (y) {\n  if 1 < 2 < 3 { y = a; }\n}")
    assert (line, col) == (2, 12) and "unexpected '<'" in message


def test_keywords_are_not_names():
    ((_, line, col, message),) = errors("circuit c(a) -> (y) { wire = a; y = a; }")
    assert (line, col, message) == (1, 28, "syntax error: unexpected '=', expected a name")


def test_the_grammar_is_shipped_and_the_parser_built_once():
    assert "circuit:" in grammar_text()
    assert parser() is parser()
